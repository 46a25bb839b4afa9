#!/usr/bin/env bash
# Shared set-up of the small bench scripts (bench/idle.sh, bench/idle-pickup.sh); source it, don't run it:
#
#   source "$(dirname "$0")/lib.sh"
#   bin="$(bench_binary CELERITY_BIN celerity)"     # $CELERITY_BIN, else this tree's release build
#   bench_start_redis idle.sh                        # sets $state and $port, exports CELERITY_REDIS_URL
#   "$bin" worker … & pids+=($!)                     # everything in pids is stopped, last first, on exit
#   bench_wait_processes idle.sh 32                  # every worker process registered
#
# Every run gets a fresh redis-server (no persistence) on a free loopback port with its own temp dir, removed on exit.

# The binary NAME: the path in the environment variable VARIABLE when set, else the release build of this tree
# (scripts/build-release.sh, run from the repository root).
bench_binary() {
    local variable="$1" name="$2"
    if [ -n "${!variable:-}" ]; then
        realpath "${!variable}"
    else
        echo "$(bash scripts/build-release.sh | tail -n 1)/$name"
    fi
}

pids=()
bench_cleanup() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2>/dev/null || true; done
    [ -n "${state:-}" ] && rm -rf "$state"
    return 0
}

# Starts redis-server for the script named SCRIPT (used in messages and the temp dir's name).
bench_start_redis() {
    local script="$1"
    state="$(mktemp -d "/tmp/celerity-${script%.sh}.XXXXXX")"
    trap bench_cleanup EXIT
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --dir "$state" --save "" --daemonize no >"$state/redis.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
    redis-cli -p "$port" ping >/dev/null || { echo "$script: redis-server did not start on port $port" >&2; exit 1; }
    export CELERITY_REDIS_URL="redis://127.0.0.1:$port/0"
}

# Waits (up to 60 s: a bench's warm-up, not a test's synchronisation) until COUNT worker processes registered.
bench_wait_processes() {
    local script="$1" count="$2" registered
    for _ in $(seq 600); do
        [ "$(redis-cli -p "$port" scard celerity:processes)" -ge "$count" ] && return 0
        sleep 0.1
    done
    registered=$(redis-cli -p "$port" scard celerity:processes)
    echo "$script: only $registered of $count worker processes registered" >&2
    exit 1
}
