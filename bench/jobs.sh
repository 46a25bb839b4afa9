#!/usr/bin/env bash
# By hand (not in CI): the user's jobs of issue 13 on a throwaway Redis and PostgreSQL, release build.
#   - one 50-invoice batch against a fake OCR with a fixed 100 ms latency, at -c 2 and -c 8
#     (the ceiling is invoices × latency ÷ concurrency: 2.5 s and 0.625 s);
#   - purchase unlocks per second (200 purchases of an item with 3 unlocks, -c 4).
# Times come from PostgreSQL (batch created_at → completed_at; first → last grant), not from polling.
#   bash bench/jobs.sh            # prints a Markdown table and writes bench/results/jobs-<date>.md
#   CELERITY_BIN=.build/debug/celerity bash bench/jobs.sh    # a binary you built (named in the table)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CELERITY_BIN:-}" ]; then
    celerity="$(realpath "$CELERITY_BIN")"
    build="$CELERITY_BIN"
else
    celerity="$(bash scripts/build-release.sh | tail -n 1)/celerity"
    build="release build"
fi
state="$(mktemp -d /tmp/celerity-jobs-bench.XXXXXX)"
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
    -o "-p $pgport -k $state -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export CELERITY_DATABASE_URL="postgresql://postgres@127.0.0.1:$pgport/postgres"
sql() { "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$CELERITY_DATABASE_URL" -c "$1"; }
"$celerity" db migrate >/dev/null

python3 scripts/fake_services.py "$state/ocr.port" --ocr-delay-ms 100 >"$state/ocr.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$state/ocr.port" ] && break; sleep 0.05; done
export CELERITY_OCR_URL="http://127.0.0.1:$(cat "$state/ocr.port")/ocr"

rows=()
for c in 2 8; do
    "$celerity" worker -Q invoices -c "$c" >"$state/worker-$c.log" 2>&1 &
    worker=$!
    batch="bench-c$c"
    kwargs=$(python3 - "$batch" <<'PY'
import base64, json, sys
invoices = [{"image": base64.b64encode(f"bench-{sys.argv[1]}-{n}".encode()).decode(), "metadata": {}} for n in range(50)]
print(json.dumps({"batch_id": sys.argv[1], "invoices": invoices}))
PY
)
    "$celerity" enqueue invoices.process_batch --kwargs "$kwargs" --queue invoices >/dev/null
    for _ in $(seq 1200); do
        [ "$(sql "SELECT status FROM invoice_batches WHERE id = '$batch'")" = completed ] && break
        sleep 0.05
    done
    seconds=$(sql "SELECT round(extract(epoch FROM completed_at - created_at)::numeric, 2) FROM invoice_batches WHERE id = '$batch'")
    ceiling=$(python3 -c "print(round(50 * 0.1 / $c, 3))")
    rows+=("| 50-invoice batch, OCR 100 ms, -c $c | $seconds s | ceiling $ceiling s |")
    kill -TERM "$worker"; wait "$worker" || true
done

users=200
sql "INSERT INTO item_unlock_rules (item_id, unlock_key) VALUES (1, 'a'), (1, 'b'), (1, 'c');
     INSERT INTO purchases (user_id, item_id, status, paid_at) SELECT u, 1, 'paid', now() FROM generate_series(1, $users) u;"
for user in $(seq "$users"); do
    "$celerity" enqueue purchases.apply_purchase_unlocks_async --args "[$user, 1]" --queue purchases >/dev/null
done
"$celerity" worker -Q purchases -c 4 >"$state/worker-purchases.log" 2>&1 &
pids+=($!)
for _ in $(seq 1200); do
    [ "$(sql "SELECT count(DISTINCT user_id) FROM user_unlocks")" = "$users" ] && break
    sleep 0.1
done
rate=$(sql "SELECT round(($users - 1) / extract(epoch FROM max(granted_at) - min(granted_at))::numeric, 1) FROM user_unlocks")
rows+=("| purchase unlocks (3 grants each), -c 4 | $rate tasks/s | $users tasks |")

out="bench/results/jobs-$(date -u +%Y-%m-%d).md"
{
    echo "# Jobs of issue 13 ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $build)"
    echo
    echo "| measurement | result | note |"
    echo "| --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
} | tee "$out"
