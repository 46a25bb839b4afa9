#!/usr/bin/env bash
# How soon an idle Celerity node runs a task (issue 23, part 6): one node, PROCESSES (default 2) worker processes
# consuming QUEUES (default `celery,other`) on a fresh redis-server, `bench.latency` sent every INTERVAL seconds (the
# node is idle between them, so its idle waits have grown) to QUEUE; each task records enqueue → start in
# `bench:latency`. An idle process waits on one list (the node's processes spread over its queues' default buckets,
# `IdleSlot`), so a queue one of them waits on is taken at once; QUEUE=cycle sends each message to the next of QUEUES
# in turn, so with fewer processes than queues some messages land where no process waits and are seen at the node's
# next turn (at most --idle-poll-interval).
#
#   bash bench/idle-pickup.sh [QUEUE] [SAMPLES] [INTERVAL]          # release build; other, 15, 2 s
#   CELERITY_BENCH=/tmp/old/celerity-bench PROCESSES=1 bash bench/idle-pickup.sh cycle 12 3
#   QUEUES=q1,q2,q3,q4 bash bench/idle-pickup.sh cycle 16 2
#
# Prints one line: processes, queues, queue, samples, p50 and max pickup in ms, the 1-minute load average.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
queue="${1:-other}"
samples="${2:-15}"
interval="${3:-2}"
processes="${PROCESSES:-2}"
queues="${QUEUES:-celery,other}"
[ "$queue" = alternate ] && queue=cycle  # the name of the two-queue cycle before QUEUES
bench="$(bench_binary CELERITY_BENCH celerity-bench)"
bench_start_redis idle-pickup.sh
"$bench" worker -c "$processes" -Q "$queues" --log-level warning >"$state/node.log" 2>&1 &
pids+=($!)
bench_wait_processes idle-pickup.sh "$processes"
sleep "$interval"  # a bench's warm-up: the node idle as between the samples
# One client per queue sent to; the first task of each (the client's first enqueue) is a warm-up, not a sample.
# QUEUE=cycle: the N queues' clients each send every N × INTERVAL, INTERVAL apart, so the messages go round the queues.
if [ "$queue" = cycle ]; then
    IFS=, read -r -a targets <<<"$queues"
else
    targets=("$queue")
fi
count=${#targets[@]}
rounds=$(( (samples + count - 1) / count ))
samples=$(( rounds * count ))
rate=$(python3 -c "print(1 / ($count * $interval))")
duration=$(python3 -c "print(($rounds + 1.5) * $count * $interval)")
senders=()
for target in "${targets[@]}"; do
    "$bench" send-at-rate --queue "$target" --rate "$rate" --duration "$duration" >/dev/null &
    senders+=($!)
    [ "$target" = "${targets[-1]}" ] || sleep "$interval"
done
for sender in "${senders[@]}"; do wait "$sender"; done
for _ in $(seq 100); do [ "$(redis-cli -p "$port" llen bench:latency)" -ge $((samples + count)) ] && break; sleep 0.1; done
redis-cli -p "$port" lrange bench:latency "$count" -1 | python3 -c '
import statistics, sys
processes, queues, queue, expected, load = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
values = sorted(float(line) * 1000 for line in sys.stdin if line.strip())
if len(values) < expected:
    sys.exit(f"idle-pickup.sh: {len(values)} of {expected} tasks ran")
print(f"processes={processes} queues={queues} queue={queue} samples={len(values)} p50={statistics.median(values):.1f}ms "
      f"max={values[-1]:.1f}ms load={load}")
' "$processes" "$queues" "$queue" "$samples" "$(cut -d' ' -f1 /proc/loadavg)"
