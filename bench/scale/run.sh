#!/usr/bin/env bash
# The scale curves of issue 18 (bench/README.md, "Scale curves"): drain and memory against backlog, ETA burst,
# many queues, many idle nodes, a large dead-letter queue. Run by hand, never in CI.
#
#   bash bench/scale/run.sh                       # every curve at its three sizes (about 30 minutes)
#   bash bench/scale/run.sh drain eta             # some curves
#   SIZES=1000,5000 bash bench/scale/run.sh dlq   # other sizes
#   LABEL=batched bash bench/scale/run.sh drain   # label the records (e.g. after merging a change)
#
# Appends to bench/results/scale-<date>.jsonl and renders scale-<date>.md and scale-<date>-<curve>.png
# (NAME=... picks another name).
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/install-deps.sh
bin="$(bash scripts/build-release.sh | tail -n 1)"

venv=".build/scale-venv"
pins=("celery[redis]==5.7.0" "redis==8.1.0" "matplotlib==3.11.2")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.pins" 2>/dev/null)" != "${pins[*]}" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
    echo "${pins[*]}" >"$venv/.pins"
fi

curves=("$@")
[ ${#curves[@]} -gt 0 ] || curves=(drain eta queues nodes dlq)
name="${NAME:-scale-$(date -u +%F)}"
for curve in "${curves[@]}"; do
    args=(run --curve "$curve" --name "$name" --label "${LABEL:-}" --celerity-bench "$bin/celerity-bench" --celerity "$bin/celerity")
    [ -z "${SIZES:-}" ] || args+=(--sizes "$SIZES")
    BENCH_VENV="$venv" "$venv/bin/python" bench/scale/scale.py "${args[@]}"
done
