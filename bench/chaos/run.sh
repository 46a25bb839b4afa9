#!/usr/bin/env bash
# The chaos and soak runs of issue 17 (bench/chaos/README.md), on the debug binaries built by scripts/test.sh.
#
#   bash bench/chaos/run.sh --ci      # CI: 300 tasks over 35 s, a fault every ~2.5 s (about 70 s)
#   bash bench/chaos/run.sh --long    # by hand: 10,000 tasks over 15 minutes, results in bench/chaos/results/
#   bash bench/chaos/run.sh --soak    # by hand: 1 hour at 5 tasks/s on 2 nodes, samples and a PNG in results/
#   bash bench/chaos/run.sh --netns   # CI: two nodes in network namespaces, one cut off and restored (root; about 40 s)
#   bash bench/chaos/run.sh --ci --keep --seed 7     # further options go to chaos.py
#
# Exits non-zero when a task is lost, runs before its ETA, runs twice without a fault to explain it, or
# leaves anything behind in Redis.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode="${1:---ci}"
shift || true

swift build --build-tests >/dev/null
# A copy of the binaries: a rebuild during a long run must not swap them under the running nodes.
bin=$(mktemp -d /tmp/celerity-chaos-bin.XXXXXX)
trap 'rm -rf "$bin"' EXIT
cp "$(swift build --show-bin-path)/celerity" "$(swift build --show-bin-path)/celerity-test-worker" "$bin/"

# Python Celery 5.7.0 from PyPI (and matplotlib for the soak's plot): the interop tests' venv when it has what
# is needed, else one of our own.
packages=("celery[redis]==5.7.0")
imports="import celery"
if [ "$mode" = "--soak" ]; then packages+=("matplotlib==3.11.2"); imports="import celery, matplotlib"; fi
python=".build/celery-venv-5.7.0/bin/python"
if ! "$python" -c "$imports" 2>/dev/null; then
    venv=".build/chaos-venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c "$imports" 2>/dev/null || "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
    python="$venv/bin/python"
fi

driver=(bench/chaos/chaos.py --worker "$bin/celerity-test-worker" --celerity "$bin/celerity")
case "$mode" in
    --ci) "$python" "${driver[@]}" chaos --tasks 300 --send-seconds 35 --tail-seconds 10 --fault-every 2.5 \
              --out "$(mktemp -d /tmp/celerity-chaos-ci.XXXXXX)" --name ci "$@" ;;
    --long) "$python" "${driver[@]}" chaos --tasks 10000 --send-seconds 900 --name "chaos-$(date -u +%F)" "$@" ;;
    --netns)
        as_root=()
        [ "$(id -u)" -eq 0 ] || as_root=(sudo -E)
        "${as_root[@]}" "$python" bench/chaos/netns.py --worker "$bin/celerity-test-worker" "$@" ;;
    --soak) "$python" "${driver[@]}" soak --nodes 2 --rate 5 --seconds 3600 --result-expires 300 --name "soak-$(date -u +%F)" "$@" ;;
    *) echo "usage: bench/chaos/run.sh --ci|--long|--soak|--netns [options]" >&2; exit 2 ;;
esac
