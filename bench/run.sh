#!/usr/bin/env bash
# The benchmark of issue 7: Celerity (release build) against Celery, Dramatiq and RQ, each on a fresh
# local redis-server, in one run. See bench/README.md.
#
#   bash bench/run.sh            # full run: 20,000 tasks, 3 repetitions (about 20 minutes)
#   bash bench/run.sh --tiny     # CI size: 200 tasks, 1 repetition, 2 s latency phase (about 1 minute)
#   bash bench/run.sh --systems celerity --reps 5 --name try    # any bench.py option passes through
#
# Writes bench/results/<name>.md (the table) and bench/results/<name>.jsonl (one JSON line per measurement);
# <name> is today's date unless --name is given. --tiny writes to a temporary directory unless --out is given.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
command -v redis-benchmark >/dev/null || { echo "redis-benchmark is missing (apt-get install redis-tools)" >&2; exit 1; }

# The one release build (scripts/build-release.sh: every binary, Swift runtime linked statically).
bin="$(bash scripts/build-release.sh | tail -n 1)"

venv=".build/bench-venv"
pins=("celery[redis]==5.7.0" "rq==3.0.0" "dramatiq[redis]==2.2.1" "redis==8.1.0")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.pins" 2>/dev/null)" != "${pins[*]}" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
    echo "${pins[*]}" >"$venv/.pins"
fi

extra=()
if [[ " $* " == *" --tiny "* && " $* " != *" --out "* ]]; then
    extra=(--out "$(mktemp -d /tmp/celerity-bench-tiny.XXXXXX)")
fi
BENCH_VENV="$venv" exec "$venv/bin/python" bench/bench.py --celerity-bench "$bin/celerity-bench" "${extra[@]}" "$@"
