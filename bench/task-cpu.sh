#!/usr/bin/env bash
# What one task costs a worker process in CPU (issue 23, part 6): a stored drain of COUNT `bench.noop` tasks on a
# fresh redis-server (free loopback port, temp dir), 2 worker processes, measured in ways a loaded machine does
# not move much: the worker processes' CPU time (`/proc/PID/stat` utime + stime) and Redis's (`INFO cpu`) from the
# release of the backlog to the end of the drain, divided by COUNT.
#
#   bash bench/task-cpu.sh                                  # release build, 20,000 tasks
#   CELERITY_BENCH_BIN=/tmp/celerity-bench bash bench/task-cpu.sh 20000
#   TASK_CPU_MODE=callgrind bash bench/task-cpu.sh 5000     # + instructions per task (valgrind, ~50× slower;
#       valgrind refuses the release binary's debug info: give it a copy made by `strip --strip-debug`)
#   TASK_CPU_MODE=perf bash bench/task-cpu.sh 20000         # + a `perf record -g` profile of the worker processes
#
# Prints one line: tasks, drain seconds, tasks/s, µs/task of the worker processes, the supervisor and Redis, the
# larger worker process's RSS right after the drain, the load average; with callgrind also
# the instructions per task of each worker process (`callgrind_control -z` after warm-up, `-d` after the drain) and
# the profile files' directory, with perf the `perf.data` path (read it with `perf report --no-children -i …`).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-20000}"
mode="${TASK_CPU_MODE:-plain}"
if [ -n "${CELERITY_BENCH_BIN:-}" ]; then
    bench="$(realpath "$CELERITY_BENCH_BIN")"
else
    bench="$(bash scripts/build-release.sh | tail -n 1)/celerity-bench"
fi
state="$(mktemp -d /tmp/celerity-task-cpu.XXXXXX)"
pids=()
cleanup() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2>/dev/null || true; done
    [ "$mode" = plain ] && rm -rf "$state"
    return 0
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$state" --save "" --appendonly no --daemonize no >"$state/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" ping >/dev/null || { echo "task-cpu.sh: redis-server did not start on port $port" >&2; exit 1; }
export CELERITY_REDIS_URL="redis://127.0.0.1:$port/0" BENCH_REDIS_URL="redis://127.0.0.1:$port/0"
r() { redis-cli -p "$port" "$@"; }

"$bench" enqueue --count "$count" --batch 1000 >/dev/null
r rename celery bench:stage >/dev/null

case "$mode" in
    callgrind)
        valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$state/callgrind.%p" \
            "$bench" worker -c 2 --log-level warning >"$state/worker.log" 2>&1 &
        wait_seconds=600 ;;
    *)
        "$bench" worker -c 2 --log-level warning >"$state/worker.log" 2>&1 &
        wait_seconds=60 ;;
esac
supervisor=$!
pids+=("$supervisor")
for _ in $(seq $((wait_seconds * 10))); do
    [ "$(r scard celerity:processes)" -ge 2 ] && break
    kill -0 "$supervisor" 2>/dev/null || { echo "task-cpu.sh: the worker exited ($state/worker.log)" >&2; exit 1; }
    sleep 0.1
done
[ "$(r scard celerity:processes)" -ge 2 ] || { echo "task-cpu.sh: worker processes did not register ($state/worker.log)" >&2; exit 1; }
workers=($(pgrep -P "$supervisor"))
[ "${#workers[@]}" -eq 2 ] || { echo "task-cpu.sh: expected 2 worker processes, found ${#workers[@]}" >&2; exit 1; }
# Warm-up: 20 tasks through the pool (the scripts loaded, the code paged in), then rest.
"$bench" enqueue --count 20 --batch 20 >/dev/null
for _ in $(seq $((wait_seconds * 10))); do [ "$(r eval "return #redis.call('keys','celery-task-meta-*')" 0)" -ge 20 ] && break; sleep 0.1; done
sleep 1

ticks() { local total=0; for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$total"; }
redis_cpu() { r info cpu | tr -d '\r' | awk -F: '/^used_cpu_sys:/ { s = $2 } /^used_cpu_user:/ { u = $2 } END { print s + u }'; }
busy() { r eval "local n = redis.call('LLEN', 'celery') for _, p in ipairs(redis.call('SMEMBERS', 'celerity:processes')) do n = n + redis.call('LLEN', 'celerity:processing:' .. p) end return n" 0; }

[ "$mode" = callgrind ] && for pid in "${workers[@]}"; do callgrind_control -z "$pid" >/dev/null; done
if [ "$mode" = perf ]; then
    perf record -g -F 4999 -o "$state/perf.data" -p "$(IFS=,; echo "${workers[*]}")" >"$state/perf.log" 2>&1 &
    perf_pid=$!
    sleep 1
fi
ticks0=$(ticks "${workers[@]}")
supervisor0=$(ticks "$supervisor")
redis0=$(redis_cpu)
start=$(date +%s.%N)
r rename bench:stage celery >/dev/null
while [ "$(busy)" -gt 0 ]; do sleep 0.002; done
end=$(date +%s.%N)
ticks1=$(ticks "${workers[@]}")
supervisor1=$(ticks "$supervisor")
redis1=$(redis_cpu)
[ "$mode" = callgrind ] && for pid in "${workers[@]}"; do callgrind_control -d "$pid" >/dev/null; done
if [ "$mode" = perf ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
rss=$(for pid in "${workers[@]}"; do awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; done | sort -n | tail -n 1)
stored=$(r eval "return #redis.call('keys','celery-task-meta-*')" 0)
[ "$stored" -ge $((count + 20)) ] || { echo "task-cpu.sh: only $stored of $((count + 20)) results stored" >&2; exit 1; }

hz=$(getconf CLK_TCK)
awk -v n="$count" -v s="$start" -v e="$end" -v t0="$ticks0" -v t1="$ticks1" -v hz="$hz" -v r0="$redis0" -v r1="$redis1" -v u0="$supervisor0" -v u1="$supervisor1" \
    -v rss="$rss" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    printf "tasks %d  drain %.2f s  %.0f tasks/s  worker processes %.1f µs/task  supervisor %.1f µs/task  redis %.1f µs/task  worker RSS after %.1f MiB  load %s\n",
        n, e - s, n / (e - s), (t1 - t0) / hz * 1e6 / n, (u1 - u0) / hz * 1e6 / n, (r1 - r0) * 1e6 / n, rss / 1024, load }'
if [ "$mode" = callgrind ]; then
    total=0
    for pid in "${workers[@]}"; do
        file=$(ls -t "$state"/callgrind."$pid".* | head -n 1)
        total=$((total + $(awk '/^summary:|^totals:/ { print $2; exit }' "$file")))
    done
    echo "worker processes: $((total / count)) instructions/task; profiles in $state (callgrind_annotate FILE)"
fi
[ "$mode" = perf ] && echo "profile: perf report --no-children -i $state/perf.data"
exit 0
