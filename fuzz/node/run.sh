#!/usr/bin/env bash
# The node-level fuzzer (fuzz/node/nodefuzz.py): a real node (supervisor + 2 worker processes of the debug
# `celerity` binary) on a real redis-server, fed mutated Celery 5.5/5.7 envelopes between innocent demo.add
# messages. Exits non-zero on the first crash, loss, duplicate or leak; the node log is kept (path printed).
#
#   bash fuzz/node/run.sh                  # 60 s (CI)
#   bash fuzz/node/run.sh --seconds 1800   # a long run; --seed N repeats one
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
[[ -x "$bin/celerity" ]] || swift build --product celerity >/dev/null
seconds=60
extra=()
while (($#)); do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        *) extra+=("$1"); shift ;;
    esac
done
exec python3 fuzz/node/nodefuzz.py --celerity "$bin/celerity" --seconds "$seconds" "${extra[@]}"
