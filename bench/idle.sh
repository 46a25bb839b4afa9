#!/usr/bin/env bash
# What idle Celerity nodes cost Redis (issue 23, part 6): NODES nodes × 2 worker processes on a fresh
# redis-server (free loopback port, temp dir), no tasks; Redis's own CPU from `INFO cpu` deltas over WINDOW
# seconds after a warm-up, and the commands it ran (`INFO commandstats`), so EVAL vs EVALSHA shows.
#
#   bash bench/idle.sh                              # release build, 16 nodes, 30 s
#   CELERITY_BIN=.build/debug/celerity bash bench/idle.sh 16 30
#
# Prints one line: nodes, processes, window, Redis CPU in % of one core, commands/s, EVAL and EVALSHA calls/s,
# the bytes/s Redis read from its clients (`total_net_input_bytes`) and the 1-minute load average at the end.
# The nodes run with their defaults; set e.g. CELERITY_IDLE_POLL_INTERVAL=0.5 to measure another setting.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
nodes="${1:-16}"
window="${2:-30}"
celerity="$(bench_binary CELERITY_BIN celerity)"
bench_start_redis idle.sh

for n in $(seq "$nodes"); do
    "$celerity" worker -c 2 --hostname "idle$n@bench" --log-level warning >"$state/node$n.log" 2>&1 &
    pids+=($!)
done
bench_wait_processes idle.sh $((2 * nodes))
processes=$(redis-cli -p "$port" scard celerity:processes)
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
python3 - "$(cut -d' ' -f1 /proc/loadavg)" "$nodes" "$processes" "$start" "$end" "$cpu0" "$cpu1" "$commands0" "$commands1" "$eval0" "$eval1" \
    "$evalsha0" "$evalsha1" "$input0" "$input1" <<'PY'
import sys
load, nodes, processes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start, end, cpu0, cpu1, c0, c1, e0, e1, s0, s1, i0, i1 = map(float, sys.argv[4:])
seconds = end - start
print(f"nodes={nodes} processes={processes} window={seconds:.1f}s redis_cpu={(cpu1 - cpu0) / seconds * 100:.2f}% "
      f"commands/s={(c1 - c0) / seconds:.0f} eval/s={(e1 - e0) / seconds:.0f} evalsha/s={(s1 - s0) / seconds:.0f} "
      f"input={(i1 - i0) / seconds / 1024:.1f}KiB/s load={load}")
PY
