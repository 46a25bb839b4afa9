#!/usr/bin/env bash
# Many queues (issue 23, part 6): the drain of bench.py with the worker consuming 1 queue and 50 queues × 4
# priority buckets, the backlog on the last queue given (bench/many_queues.py says why). Release build.
#
#   bash bench/many-queues.sh                                   # this tree's release build, 20,000 tasks, 5 reps
#   bash bench/many-queues.sh --binary before=/tmp/old/celerity-bench --binary after=.build/release/celerity-bench
#   bash bench/many-queues.sh --tasks 5000 --reps 3 --modes stored
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/many-queues-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "redis==8.1.0"
fi
if [[ " $* " != *" --binary "* ]]; then
    set -- --binary "this=$(bash scripts/build-release.sh | tail -n 1)/celerity-bench" "$@"
fi
exec "$venv/bin/python" bench/many_queues.py "$@"
