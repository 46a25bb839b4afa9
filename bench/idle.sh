#!/usr/bin/env bash
# What idle Celerity nodes cost Redis (issue 23, part 6): NODES nodes × 2 worker processes on a fresh
# redis-server (free loopback port, temp dir), no tasks; Redis's own CPU from `INFO cpu` deltas over WINDOW
# seconds after a warm-up, and the commands it ran (`INFO commandstats`), so EVAL vs EVALSHA shows.
#
#   bash bench/idle.sh                              # release build, 16 nodes, 30 s
#   CELERITY_BIN=.build/debug/celerity bash bench/idle.sh 16 30
#
# Prints one line: nodes, processes, window, Redis CPU in % of one core, commands/s, EVAL and EVALSHA calls/s,
# and the bytes/s Redis read from its clients (`total_net_input_bytes`).
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="${1:-16}"
window="${2:-30}"
if [ -n "${CELERITY_BIN:-}" ]; then
    celerity="$(realpath "$CELERITY_BIN")"
else
    celerity="$(bash scripts/build-release.sh | tail -n 1)/celerity"
fi
state="$(mktemp -d /tmp/celerity-idle-bench.XXXXXX)"
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
redis-cli -p "$port" ping >/dev/null || { echo "idle.sh: redis-server did not start on port $port" >&2; exit 1; }
export CELERITY_REDIS_URL="redis://127.0.0.1:$port/0"

for n in $(seq "$nodes"); do
    "$celerity" worker -c 2 --hostname "idle$n@bench" --log-level warning >"$state/node$n.log" 2>&1 &
    pids+=($!)
done
# Every node registered and its processes polling (a bench's warm-up, not a test's synchronisation).
for _ in $(seq 600); do
    [ "$(redis-cli -p "$port" scard celerity:processes)" -ge $((2 * nodes)) ] && break
    sleep 0.1
done
processes=$(redis-cli -p "$port" scard celerity:processes)
[ "$processes" -ge $((2 * nodes)) ] || { echo "idle.sh: only $processes of $((2 * nodes)) processes registered" >&2; exit 1; }
sleep 3

sample() {
    redis-cli -p "$port" info all | tr -d '\r' | awk -F'[:,=]' '
        /^used_cpu_sys:/ { sys = $2 } /^used_cpu_user:/ { user = $2 }
        /^total_commands_processed:/ { commands = $2 } /^total_net_input_bytes:/ { input = $2 }
        /^cmdstat_eval:/ { eval = $3 } /^cmdstat_evalsha:/ { evalsha = $3 }
        END { printf "%s %s %s %s %s\n", sys + user, commands, eval + 0, evalsha + 0, input }'
}
redis-cli -p "$port" config resetstat >/dev/null
read -r cpu0 commands0 eval0 evalsha0 input0 < <(sample)
start=$(date +%s.%N)
sleep "$window"
read -r cpu1 commands1 eval1 evalsha1 input1 < <(sample)
end=$(date +%s.%N)
# Where Redis spent it: the commands with the most CPU in the window (scripts' own commands count separately too).
redis-cli -p "$port" info commandstats | tr -d '\r' | awk -F'[:,=]' '/^cmdstat_/ { printf "%s %s %s\n", $5, $3, substr($1, 9) }' |
    sort -rn | head -n 8 | awk -v w="$window" '{ printf "  %-12s %8.0f calls/s %6.1f%% of a core\n", $3, $2 / w, $1 / w / 10000 }'
python3 - "$nodes" "$processes" "$start" "$end" "$cpu0" "$cpu1" "$commands0" "$commands1" "$eval0" "$eval1" \
    "$evalsha0" "$evalsha1" "$input0" "$input1" <<'PY'
import sys
nodes, processes = int(sys.argv[1]), int(sys.argv[2])
start, end, cpu0, cpu1, c0, c1, e0, e1, s0, s1, i0, i1 = map(float, sys.argv[3:])
seconds = end - start
print(f"nodes={nodes} processes={processes} window={seconds:.1f}s redis_cpu={(cpu1 - cpu0) / seconds * 100:.2f}% "
      f"commands/s={(c1 - c0) / seconds:.0f} eval/s={(e1 - e0) / seconds:.0f} evalsha/s={(s1 - s0) / seconds:.0f} "
      f"input={(i1 - i0) / seconds / 1024:.1f}KiB/s")
PY
