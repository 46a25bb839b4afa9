#!/usr/bin/env bash
# The main job: installs what is missing, builds Celerity (release), starts a throwaway local Redis
# when CELERITY_REDIS_URL is unset (and a throwaway PostgreSQL when CELERITY_DATABASE_URL is unset,
# then applies the migrations with `celerity db migrate`), starts a worker pool and a scheduler with deploy/schedule.yaml,
# sends the demo tasks and shows their results, then keeps running until Ctrl-C.
# With --once it stops after the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true

bash scripts/install-deps.sh
celerity="$(bash scripts/build-release.sh | tail -n 1)/celerity"

state="$(mktemp -d /tmp/celerity-run.XXXXXX)"
pids=()
cleanup() {
    # Newest first: scheduler and workers stop (warm) while Redis is still there, then Redis.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    if [ -n "${pgdata:-}" ]; then
        "${pgrun[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$(dirname "$pgdata")"
    fi
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

if [ -z "${CELERITY_DATABASE_URL:-}" ]; then
    # The same binaries the tests use (Tests/TestSupport/PostgresServer.swift): CELERITY_PG_BINDIR,
    # pg_config --bindir, else the newest /usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root.
    pgbin="${CELERITY_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}"
    [ -x "$pgbin/initdb" ] || pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    pgrun=()
    pgroot="$(mktemp -d /tmp/celerity-pg.XXXXXX)"
    if [ "$(id -u)" -eq 0 ]; then pgrun=(runuser -u postgres --); chown postgres "$pgroot"; fi
    pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${pgrun[@]}" "$pgbin/initdb" -D "$pgroot/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
    pgdata="$pgroot/data"
    "${pgrun[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgroot/postgres.log" -w -t 30 \
        -o "-p $pgport -k $pgroot -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    export CELERITY_DATABASE_URL="postgresql://postgres@127.0.0.1:$pgport/postgres"
    # It holds only Celerity's own tables: the weekly restore check wants more than 2 back, not 3.
    export CELERITY_BACKUP_VERIFY_MIN_TABLES="${CELERITY_BACKUP_VERIFY_MIN_TABLES:-2}"
    echo "started a throwaway PostgreSQL at $CELERITY_DATABASE_URL (data in $pgroot)"
fi
echo "--- database migrations"
"$celerity" db migrate

# The jobs' outside services (OCR, the webhook receiver, the inflation source, a service's reload hook and health URL,
# Slack) are local stand-ins (scripts/fake_services.py); env files live in the state directory. A second worker
# consumes the `security` queue of the rotation.
# The receiver verifies the completion webhook's signature with its key, derived from the worker's secret. It runs on
# loopback, which webhooks may reach only when allow-listed, over plain http only when allowed (never in production).
export CELERITY_WEBHOOK_SECRET="${CELERITY_WEBHOOK_SECRET:-run-sh-demo-secret}"
export CELERITY_WEBHOOK_ALLOWED_HOSTS=127.0.0.1 CELERITY_WEBHOOK_ALLOW_HTTP=1
python3 scripts/fake_services.py "$state/fake.port" >"$state/fake.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$state/fake.port" ] && break; sleep 0.05; done
fake="http://127.0.0.1:$(cat "$state/fake.port")"
printf 'MODEL_VERSION=v3\nINFLATION_RATE=0.02\n' >"$state/agente_ml.env"
printf 'JWT_SECRET_KEY=old-value-1\nJWT_REFRESH_SECRET_KEY=old-value-2\n' >"$state/.env.production"
export CELERITY_INFLATION_SOURCE_URL="$fake/series" CELERITY_INFLATION_ENV_FILE="$state/agente_ml.env"
export CELERITY_INFLATION_RELOAD_URL="$fake/reload" CELERITY_INFLATION_HEALTH_URL="$fake/healthz"
export CELERITY_SECRETS_ENV_FILE="$state/.env.production" CELERITY_SECRETS_RELOAD_URL="$fake/reload"
export CELERITY_SECRETS_HEALTH_URLS="$fake/healthz"
export SLACK_WEBHOOK_URL="${SLACK_WEBHOOK_URL:-$fake/slack}"

# Backups (docs/backups.md) go under the run's scratch directory unless configured.
export CELERITY_BACKUP_DIR="${CELERITY_BACKUP_DIR:-$state/backups}"
export CELERITY_BACKUP_CONFIG_FILES="${CELERITY_BACKUP_CONFIG_FILES:-$PWD/deploy/schedule.yaml}"
# /metrics, /healthz and the status page: on CELERITY_METRICS_ADDRESS, else a free loopback port.
metrics="${CELERITY_METRICS_ADDRESS:-127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
"$celerity" worker --concurrency 2 -Q celery,backups --metrics-address "$metrics" &
pids+=($!)
for _ in $(seq 200); do curl -sf "http://$metrics/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
"$celerity" worker --queues security --concurrency 1 --metrics-address 0 &
pids+=($!)
# The user's jobs (docs/jobs.md) on their own queues, against the local OCR stand-in and webhook receiver.
CELERITY_OCR_URL="${CELERITY_OCR_URL:-$fake/ocr}" "$celerity" worker -Q purchases,invoices --concurrency 4 \
    --metrics-address 0 --outbox &
pids+=($!)
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
echo "--- backups: one of each kind, then the weekly check (restore into a scratch database)"
for kind in postgres redis config verify; do
    id=$("$celerity" enqueue "backups.$kind" --queue backups)
    result=$("$celerity" result "$id" --wait 300)
    echo "backups.$kind -> $(echo "$result" | cut -c1-160)"
    [[ $result == SUCCESS* ]] || { echo "backups.$kind did not succeed" >&2; exit 1; }
done
"$celerity" backups list
echo "--- inflation update and JWT secret rotation (fake endpoints at $fake)"
echo "inflation.update()         -> $("$celerity" enqueue inflation.update --wait | tail -n 1)"
echo "inflation.update() again   -> $("$celerity" enqueue inflation.update --wait | tail -n 1)"
echo "agente_ml.env              :  $(tr '\n' ' ' <"$state/agente_ml.env")"
echo "secrets rotate --dry-run   -> $("$celerity" secrets rotate --dry-run | tail -n 1)"
echo "secrets rotate             -> $("$celerity" secrets rotate | tail -n 1)"
echo ".env.production (values hidden): $(sed 's/=.*/=***/' "$state/.env.production" | tr '\n' ' ')"
"$celerity" secrets history
echo "Slack messages:"
grep '^slack:' "$state/fake.log" | sed 's/^/    /'

echo "--- purchase unlocks (docs/jobs.md): item 9 unlocks three things; user 7 paid for it"
psql="psql"
[ -n "${pgbin:-}" ] && psql="$pgbin/psql"
"$psql" -X -q -v ON_ERROR_STOP=1 "$CELERITY_DATABASE_URL" -c "
    INSERT INTO item_unlock_rules (item_id, unlock_key) VALUES (9, 'chapter:1'), (9, 'chapter:2'), (9, 'vip')
        ON CONFLICT DO NOTHING;"
redis-cli -u "$CELERITY_REDIS_URL" SET user:7:balance cached >/dev/null
# The payment and its task commit together, through the outbox (docs/outbox.md); the purchase worker relays it.
unlock="run-unlock-$(date +%s)-$$"
"$psql" -X -q -v ON_ERROR_STOP=1 "$CELERITY_DATABASE_URL" -c "
    BEGIN;
    INSERT INTO purchases (user_id, item_id, status, paid_at) VALUES (7, 9, 'paid', now());
    INSERT INTO celerity_outbox (task_id, task_name, queue, args)
        VALUES ('$unlock', 'myapp.tasks.apply_purchase_unlocks_async', 'purchases', '[7, 9]');
    COMMIT;"
echo "apply_purchase_unlocks_async(7, 9) via the outbox -> $("$celerity" result "$unlock" --wait 30 | tail -n 1)"
echo "user:7:* cache keys left: $(redis-cli -u "$CELERITY_REDIS_URL" --scan --pattern 'user:7:*' | wc -l)"

echo "--- an invoice batch: 30 invoices, 6 unreadable, with a completion webhook"
batch="run-$(date +%s)-$$"
kwargs=$(python3 - "$batch" "$fake/webhook" <<'PY'
import base64, json, sys
texts = [f"unreadable-{n}" if n % 5 == 0 else f"invoice-{n}" for n in range(30)]
invoices = [{"image": base64.b64encode(t.encode()).decode(), "metadata": {"n": n}} for n, t in enumerate(texts)]
print(json.dumps({"batch_id": sys.argv[1], "invoices": invoices, "callback_url": sys.argv[2]}))
PY
)
echo "invoices.process_batch -> $("$celerity" enqueue invoices.process_batch --kwargs "$kwargs" --queue invoices \
    --wait | tail -n 1)"
for _ in $(seq 600); do
    progress=$("$celerity" batch status "$batch" --json | python3 -c '
import json, sys
b = json.load(sys.stdin)
print(b["status"], b["processed"], b["total"], b["succeeded"], b["failed"], b["webhook"] is not None)')
    read -r status processed total succeeded failed hooked <<<"$progress"
    echo "progress: $status $processed/$total processed ($succeeded succeeded, $failed failed)"
    [ "$status" != processing ] && [ "$hooked" = True ] && break
    sleep 0.2
done
"$celerity" batch status "$batch"
echo "--- the webhook the fake receiver verified"
grep '^webhook' "$state/fake.log" | cut -c1-240
grep -q '^webhook verified' "$state/fake.log" || { echo "the receiver did not verify the completion webhook" >&2; exit 1; }

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
