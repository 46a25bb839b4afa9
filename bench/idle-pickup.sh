#!/usr/bin/env bash
# How soon an idle Celerity node runs a task (issue 23, part 6): one node, PROCESSES (default 2) worker processes consuming
# `celery,other` on a fresh redis-server, `bench.latency` sent every INTERVAL seconds (the node is idle
# between them, so its idle wait has grown) to QUEUE; each task records enqueue → start in `bench:latency`.
# An idle process waits on the list it last took from, so a queue that keeps receiving is taken at once (QUEUE=celery
# or other); QUEUE=alternate sends each message to the other queue than the last, so every one waits for the idle
# wait to end (at most --idle-poll-interval).
#
#   bash bench/idle-pickup.sh [QUEUE] [SAMPLES] [INTERVAL]          # release build; other, 15, 2 s 
#   CELERITY_BENCH=/tmp/old/celerity-bench PROCESSES=1 bash bench/idle-pickup.sh alternate 12 3
#
# With 2 processes and 2 queues, each process may be waiting on a different queue; PROCESSES=1 shows the bound.
# Prints one line: queue, samples, p50 and max pickup in ms.
set -euo pipefail
cd "$(dirname "$0")/.."
queue="${1:-other}"
samples="${2:-15}"
interval="${3:-2}"
processes="${PROCESSES:-2}"
if [ -n "${CELERITY_BENCH:-}" ]; then
    bench="$(realpath "$CELERITY_BENCH")"
else
    bench="$(bash scripts/build-release.sh | tail -n 1)/celerity-bench"
fi
state="$(mktemp -d /tmp/celerity-idle-pickup.XXXXXX)"
pids=()
cleanup() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2>/dev/null || true; done
    rm -rf "$state"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$state" --save "" --daemonize no >"$state/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" ping >/dev/null || { echo "idle-pickup.sh: redis-server did not start on port $port" >&2; exit 1; }
export CELERITY_REDIS_URL="redis://127.0.0.1:$port/0"
"$bench" worker -c "$processes" -Q celery,other --log-level warning >"$state/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [ "$(redis-cli -p "$port" scard celerity:processes)" -ge "$processes" ] && break; sleep 0.1; done
[ "$(redis-cli -p "$port" scard celerity:processes)" -ge "$processes" ] || { echo "idle-pickup.sh: the node did not start" >&2; exit 1; }
sleep "$interval"  # a bench's warm-up: the node idle as between the samples
# One client sends every INTERVAL seconds; its first task (the client's first enqueue) is a warm-up, not a sample.
# QUEUE=alternate: one client per queue, each every 2 × INTERVAL, the second INTERVAL after the first, so every
# message lands on the queue the node did not last take from (not the one it waits on).
warmups=1
if [ "$queue" = alternate ]; then
    rate=$(python3 -c "print(1 / (2 * $interval))")
    duration=$(python3 -c "print(($samples // 2 + 1.5) * 2 * $interval)")
    "$bench" send-at-rate --queue celery --rate "$rate" --duration "$duration" >/dev/null &
    first=$!
    sleep "$interval"
    "$bench" send-at-rate --queue other --rate "$rate" --duration "$duration" >/dev/null
    wait "$first"
    warmups=2
    samples=$(( samples / 2 * 2 ))
else
    rate=$(python3 -c "print(1 / $interval)")
    "$bench" send-at-rate --queue "$queue" --rate "$rate" --duration "$(python3 -c "print(($samples + 1.5) * $interval)")" >/dev/null
fi
for _ in $(seq 100); do [ "$(redis-cli -p "$port" llen bench:latency)" -ge $((samples + warmups)) ] && break; sleep 0.1; done
redis-cli -p "$port" lrange bench:latency "$warmups" -1 | python3 -c '
import statistics, sys
queue, expected = sys.argv[1], int(sys.argv[2])
values = sorted(float(line) * 1000 for line in sys.stdin if line.strip())
if len(values) < expected:
    sys.exit(f"idle-pickup.sh: {len(values)} of {expected} tasks ran")
print(f"processes={sys.argv[3]} queue={queue} samples={len(values)} p50={statistics.median(values):.1f}ms max={values[-1]:.1f}ms")
' "$queue" "$samples" "$processes"
