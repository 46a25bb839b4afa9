#!/usr/bin/env bash
# By hand (not in CI): the transactional outbox (docs/outbox.md, issue 28) on a throwaway Redis and PostgreSQL.
#   - latency: 300 rows, each committed in its own psycopg transaction 20 ms apart, with `celerity outbox relay`
#     listening (LISTEN/NOTIFY) and a worker running `chaos.run`, which records its start time: commit → task start,
#     p50 / p95 / max (times from one clock: both ends run on this machine);
#   - throughput: 20,000 rows committed while no relay runs, then one relay started: rows/s from its start until
#     the table has nothing pending (the relay's process start-up is included, so this is a lower bound).
#   bash bench/outbox.sh                                  # release build; prints a Markdown table
#   CELERITY_BIN_DIR=.build/debug bash bench/outbox.sh    # binaries you built (celerity, celerity-test-worker)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CELERITY_BIN_DIR:-}" ]; then
    bin="$(realpath "$CELERITY_BIN_DIR")"
    build="$CELERITY_BIN_DIR"
else
    swift build -c release --product celerity
    swift build -c release --product celerity-test-worker
    bin="$(swift build -c release --show-bin-path)"
    build="release build"
fi
venv=".build/outbox-bench-venv"
if ! "$venv/bin/python" -c "import psycopg" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "psycopg[binary]==3.2.10"
fi
state="$(mktemp -d /tmp/celerity-outbox-bench.XXXXXX)"
pids=()
cleanup() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
    [ -n "${pgdata:-}" ] && "${pgrun[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port=$(freeport)
redis-server --port "$port" --bind 127.0.0.1 --dir "$state" --save "" --daemonize no >"$state/redis.log" 2>&1 &
pids+=($!)
export CELERITY_REDIS_URL="redis://127.0.0.1:$port/0"
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

pgbin="${CELERITY_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}"
[ -x "$pgbin/initdb" ] || pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
pgrun=()
if [ "$(id -u)" -eq 0 ]; then pgrun=(runuser -u postgres --); chown postgres "$state"; fi
pgport=$(freeport)
"${pgrun[@]}" "$pgbin/initdb" -D "$state/pg" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
pgdata="$state/pg"
"${pgrun[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$state/postgres.log" -w -t 30 \
    -o "-p $pgport -k $state -c listen_addresses=127.0.0.1" start >/dev/null
export CELERITY_DATABASE_URL="postgresql://postgres@127.0.0.1:$pgport/postgres"
sql() { "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$CELERITY_DATABASE_URL" -c "$1"; }
"$bin/celerity" db migrate >/dev/null

"$bin/celerity-test-worker" worker -Q outbox -c 2 --metrics-address 0 --log-level warning >"$state/worker.log" 2>&1 &
pids+=($!)
"$bin/celerity" outbox relay --log-level warning >"$state/relay.log" 2>&1 &
relay=$!
pids+=($relay)
sleep 1  # Start-up, so the first rows do not measure it.

latency=$("$venv/bin/python" - "$CELERITY_DATABASE_URL" "$port" <<'PY'
import json, statistics, subprocess, sys, time, uuid
import psycopg
url, port = sys.argv[1], sys.argv[2]
committed = {}
with psycopg.connect(url) as connection:
    for n in range(300):
        task_id = str(uuid.uuid4())
        with connection.transaction():
            connection.execute(
                "INSERT INTO celerity_outbox (task_id, task_name, queue, args) VALUES (%s, 'chaos.run', 'outbox', %s::jsonb)",
                [task_id, json.dumps(["bench:latency"])])
        committed[task_id] = time.time()
        time.sleep(0.02)
deadline = time.time() + 60
while time.time() < deadline:
    runs = subprocess.run(["redis-cli", "-p", port, "LRANGE", "bench:latency", "0", "-1"], capture_output=True, text=True).stdout.split("\n")
    runs = [r.split(" ") for r in runs if r.strip()]
    if len(runs) >= len(committed):
        break
    time.sleep(0.1)
delays = sorted((float(started) - committed[task_id]) * 1000 for task_id, _pid, started in runs)
q = statistics.quantiles(delays, n=100)
print(f"{len(delays)} {statistics.median(delays):.2f} {q[94]:.2f} {max(delays):.2f}")
PY
)
read -r count p50 p95 maximum <<<"$latency"

kill -TERM "$relay"; wait "$relay" || true
rows=20000
sql "INSERT INTO celerity_outbox (task_id, task_name, queue, args)
     SELECT 'bench-' || n, 'chaos.run', 'backlog', '[\"bench:throughput\"]' FROM generate_series(1, $rows) n;"
start=$(date +%s.%N)
"$bin/celerity" outbox relay --log-level warning >"$state/relay2.log" 2>&1 &
pids+=($!)
for _ in $(seq 6000); do
    [ "$(sql "SELECT count(*) FROM celerity_outbox WHERE sent_at IS NULL")" = 0 ] && break
    sleep 0.02
done
end=$(date +%s.%N)
queued=$(redis-cli -p "$port" LLEN backlog)
rate=$(python3 -c "print(round($rows / ($end - $start)))")
seconds=$(python3 -c "print(round($end - $start, 2))")

echo "| outbox ($build, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)) | result |"
echo "| --- | --- |"
echo "| commit → task start, LISTEN/NOTIFY, $count rows one per transaction | p50 $p50 ms, p95 $p95 ms, max $maximum ms |"
echo "| relay throughput, $rows-row backlog, batch 500 | $rate rows/s ($seconds s incl. relay start; $queued messages queued) |"
