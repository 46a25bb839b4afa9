#!/usr/bin/env bash
# The main job: installs what is missing, builds Celerity (release), starts a throwaway local Redis
# when CELERITY_REDIS_URL is unset, starts a worker pool and a scheduler with deploy/schedule.yaml,
# sends the demo tasks and shows their results, then keeps running until Ctrl-C.
# With --once it stops after the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true

bash scripts/install-deps.sh
swift build -c release --product celerity
celerity="$(swift build -c release --show-bin-path)/celerity"

state="$(mktemp -d /tmp/celerity-run.XXXXXX)"
pids=()
cleanup() {
    # Newest first: scheduler and workers stop (warm) while Redis is still there, then Redis.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${CELERITY_REDIS_URL:-}" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --dir "$state" --save "" --appendonly yes --daemonize no \
        >"$state/redis.log" 2>&1 &
    pids+=($!)
    export CELERITY_REDIS_URL="redis://127.0.0.1:$port/0"
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
    echo "started a throwaway Redis at $CELERITY_REDIS_URL (data in $state)"
fi

# /metrics, /healthz and the status page: on CELERITY_METRICS_ADDRESS, else a free loopback port.
metrics="${CELERITY_METRICS_ADDRESS:-127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
"$celerity" worker --concurrency 2 --metrics-address "$metrics" &
pids+=($!)
for _ in $(seq 200); do curl -sf "http://$metrics/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
"$celerity" schedule check deploy/schedule.yaml --count 1
"$celerity" scheduler --schedule deploy/schedule.yaml &
pids+=($!)

echo "--- sending demo tasks"
add=$("$celerity" enqueue demo.add --args '[2, 3]')
echo "demo.add(2, 3)            -> $("$celerity" result "$add" --wait 30)"
echo "demo.echo(greeting=hi)    -> $("$celerity" enqueue demo.echo --kwargs '{"greeting": "hi"}' --wait | tail -n 1)"
echo "demo.sum([1, 2, 3, 4])    -> $("$celerity" enqueue demo.sum --args '[[1, 2, 3, 4]]' --wait | tail -n 1)"
echo "demo.sleep(1), priority 9 -> $("$celerity" enqueue demo.sleep --args '[1]' --priority 9 --wait | tail -n 1)"
echo "demo.add in 2 s (ETA)     -> $("$celerity" enqueue demo.add --args '[40, 2]' --countdown 2 --wait | tail -n 1)"
echo "demo.fail()               -> $("$celerity" enqueue demo.fail --wait | tail -n 1 || true)"
echo "--- queues"
"$celerity" queues
echo "--- workers"
"$celerity" workers
echo "--- schedule"
"$celerity" schedule status --schedule deploy/schedule.yaml
echo "--- status"
"$celerity" status
echo "--- the status page: http://$metrics/   Prometheus metrics: http://$metrics/metrics   health: http://$metrics/healthz"

if $once; then exit 0; fi
echo "--- the worker pool keeps running; send more with:"
echo "    CELERITY_REDIS_URL=$CELERITY_REDIS_URL $celerity enqueue demo.add --args '[1, 2]' --wait"
echo "    (Ctrl-C stops everything)"
wait "${pids[-1]}"
