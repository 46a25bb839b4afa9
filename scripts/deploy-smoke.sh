#!/usr/bin/env bash
# The deploy smoke test: runs the deploy files instead of linting them. As root, on a CI machine (never a host
# where celerity is installed for real):
#   1. builds the .deb (scripts/package.sh) and installs it: `apt-get install -y ./celerity_*.deb`;
#   2. checks the installed files: --version, no Swift runtime in `ldd` and a run with the toolchain hidden, the user,
#      /etc/celerity/env 0600 celerity, /var/lib/celerity/backups 0700;
#   3. starts a throwaway redis-server (with a password) and PostgreSQL (with a password) on free ports, writes
#      /etc/celerity/env as an operator would, and adds a 2-second entry to /etc/celerity/schedule.yaml;
#   4. runs every installed unit's ExecStartPre/ExecStart exactly as written (deploy/tools/run_unit.py: its
#      EnvironmentFile, User, WorkingDirectory and file-system sandbox), workers, scheduler and alerter;
#   5. proves the stack: /metrics on every worker's port, a purchase unlock and backups.postgres / backups.config
#      SUCCESS through /usr/bin/celerity, the scheduler claims a slot that a worker runs, the security node
#      consumes its queue;
#   6. SIGTERM stops each unit warmly (a running task finishes first); `apt-get remove` leaves no process.
# It cleans up after itself on any exit (trap): processes, servers, the package (purged), the celerity user and
# /var/lib/celerity when it created them. About 35 s (2 min on a loaded machine) once the release build is up to
# date; a cold release build (scripts/build-release.sh) adds 10-20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
say() { echo "--- $*"; }
die() { echo "deploy-smoke: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root: it installs a package, creates a user and starts services"
for tool in apt-get dpkg-query redis-server redis-cli curl ss setpriv runuser unshare python3 sha256sum swift; do
    command -v "$tool" >/dev/null || die "$tool is missing (run scripts/install-deps.sh)"
done
pgbin="${CELERITY_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}"
[ -x "$pgbin/initdb" ] || pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$pgbin/initdb" ] || die "no PostgreSQL server binaries (initdb) found (run scripts/install-deps.sh)"

marker=/var/lib/celerity/.deploy-smoke
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' celerity 2>/dev/null || true)" = installed ]; }
if installed || [ -e /etc/celerity ]; then
    # Left by an earlier run that was killed before its trap ran: that run's marker says so.
    [ -e "$marker" ] || die "celerity is already installed here (or /etc/celerity exists); this test installs and purges it"
    say "purging the celerity package an interrupted earlier run left behind"
    apt-get -o DPkg::Lock::Timeout=300 purge -y celerity >/dev/null
    rm -rf /var/lib/celerity
    getent passwd celerity >/dev/null && userdel celerity
fi
user_existed=false; getent passwd celerity >/dev/null && user_existed=true
home_existed=false; [ -e /var/lib/celerity ] && home_existed=true

state="$(mktemp -d /tmp/celerity-smoke.XXXXXX)"
chmod 0755 "$state"
declare -A unit_pids=()
server_pids=()
pgdata=""
cleanup() {
    local status=$?
    set +e
    # A unit's worker processes notice their supervisor's death and exit by themselves.
    for name in "${!unit_pids[@]}"; do kill -KILL "${unit_pids[$name]}" 2>/dev/null; wait "${unit_pids[$name]}" 2>/dev/null; done
    for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    [ -n "$pgdata" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1
    if [ -e "$marker" ] || installed; then
        apt-get -o DPkg::Lock::Timeout=300 purge -y celerity >/dev/null 2>&1
        rm -f "$marker"
        $home_existed || rm -rf /var/lib/celerity
        if ! $user_existed && getent passwd celerity >/dev/null; then
            poll 30 sh -c '! pgrep -u celerity'
            userdel celerity
        fi
    fi
    if [ $status -ne 0 ]; then
        for log in "$state"/*.log "$state"/pg/*.log; do [ -s "$log" ] && { echo "=== $(basename "$log") (last 30 lines)"; tail -n 30 "$log"; }; done >&2
    fi
    rm -rf "$state"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Polls COMMAND until it succeeds, at most SECONDS; never a fixed sleep as synchronisation.
poll() {
    local seconds=$1; shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

# A child that exited stays a zombie until `wait`: kill -0 still finds it.
exited() { ! kill -0 "$1" 2>/dev/null || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]; }

say "package"
started=$SECONDS
deb="$(bash scripts/package.sh --out "$state/deb" | tail -n 1)"
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $((SECONDS - started)) s"

say "apt-get install"
(cd "$(dirname "$deb")" && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y "./$(basename "$deb")") >"$state/apt.log" 2>&1 \
    || { cat "$state/apt.log" >&2; die "apt-get install failed"; }
touch "$marker"
version="$(tr -d '[:space:]' <VERSION)"
[ "$(/usr/bin/celerity --version)" = "$version" ] || die "celerity --version prints '$(/usr/bin/celerity --version)', not $version"
if ldd /usr/bin/celerity | grep -E 'libswift|libFoundation|libdispatch|/opt/swift|not found'; then
    die "/usr/bin/celerity needs libraries from a Swift toolchain or missing ones (above)"
fi
# And it runs with the toolchain hidden (an empty directory mounted over it, in a private mount namespace).
toolchain="$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")"
unshare --mount sh -c "mount -t tmpfs -o ro tmpfs '$toolchain' && /usr/bin/celerity --version" >/dev/null \
    || die "/usr/bin/celerity does not run with the Swift toolchain ($toolchain) hidden"
[ "$(stat -c '%a %U %G' /etc/celerity/env)" = "600 celerity celerity" ] || die "/etc/celerity/env is $(stat -c '%a %U:%G' /etc/celerity/env), not 600 celerity:celerity"
[ "$(stat -c '%a %U' /var/lib/celerity/backups)" = "700 celerity" ] || die "/var/lib/celerity/backups is $(stat -c '%a %U' /var/lib/celerity/backups), not 700 celerity"
[ "$(getent passwd celerity | cut -d: -f7)" = /usr/sbin/nologin ] || die "the celerity user has a login shell"
units=(/lib/systemd/system/celerity-*.service)
[ ${#units[@]} -ge 7 ] || die "expected at least 7 units in /lib/systemd/system, found ${#units[@]}"
echo "celerity $version installed: ${#units[@]} units, $(ldd /usr/bin/celerity | wc -l) shared libraries, none from Swift; runs with $toolchain hidden"

say "throwaway Redis and PostgreSQL"
redis_password="smoke-redis-$RANDOM$RANDOM"
redis_port=$(freeport)
# Passwords go in files and the environment only: the check below finds none on any command line.
printf 'port %s\nbind 127.0.0.1\ndir %s\nsave ""\nappendonly no\nrequirepass %s\n' \
    "$redis_port" "$state" "$redis_password" >"$state/redis.conf"
redis-server "$state/redis.conf" >"$state/redis.log" 2>&1 &
server_pids+=($!)
export REDISCLI_AUTH="$redis_password"
poll 20 redis-cli -p "$redis_port" ping || die "redis-server did not start"
db_password="smoke-db-$RANDOM$RANDOM"
install -d -o postgres -m 0700 "$state/pg"
printf '%s\n' "$db_password" >"$state/pg/pwfile"; chown postgres "$state/pg/pwfile"
runuser -u postgres -- "$pgbin/initdb" -D "$state/pg/data" -U postgres --pwfile="$state/pg/pwfile" -A scram-sha-256 \
    -E UTF8 --no-locale --no-sync >"$state/initdb.log" 2>&1 || die "initdb failed"
pgdata="$state/pg/data"
db_port=$(freeport)
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -l "$state/pg/postgres.log" -w -t 60 \
    -o "-p $db_port -k $state/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || die "PostgreSQL did not start"
database_url="postgresql://postgres:$db_password@127.0.0.1:$db_port/postgres"

say "/etc/celerity/env and the schedule, as an operator edits them"
# Rewritten in place (same file, owner and mode), as an editor does.
sed -e "s#^CELERITY_REDIS_URL=.*#CELERITY_REDIS_URL=redis://:$redis_password@127.0.0.1:$redis_port/0#" \
    -e "s#^CELERITY_DATABASE_URL=.*#CELERITY_DATABASE_URL=$database_url#" /etc/celerity/env >"$state/env"
# Only Celerity's own tables exist here: the restore check would want more than 3 back.
echo "CELERITY_BACKUP_VERIFY_MIN_TABLES=2" >>"$state/env"
cat "$state/env" >/etc/celerity/env
[ "$(stat -c '%a %U' /etc/celerity/env)" = "600 celerity" ] || die "/etc/celerity/env lost its mode or owner"
cat >>/etc/celerity/schedule.yaml <<'YAML'

  # Added by scripts/deploy-smoke.sh: proves the scheduler claims slots.
  - name: smoke-tick
    task: demo.add
    every: 2s
    args: [20, 22]
    catch_up: skip
YAML
worker_unit=/lib/systemd/system/celerity-worker-default.service
# A client command in a unit's environment (its env file, its user): what an operator's shell on the host does.
celerity() { python3 "$repo/deploy/tools/run_unit.py" "$worker_unit" -- /usr/bin/celerity "$@"; }

say "every unit's ExecStartPre/ExecStart, as written"
ports=()
for unit in "${units[@]}"; do
    port=$(sed -n 's/^ExecStart=.*--metrics-address [0-9.]*:\([0-9]*\).*/\1/p' "$unit")
    if [ -n "$port" ]; then
        # A worker started without --metrics-address (a test) takes 9808 for a moment: wait a little for it.
        poll 60 python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$port" \
            || die "port $port of $(basename "$unit") is in use on this machine"
        ports+=("$port")
    fi
done
[ "$(printf '%s\n' "${ports[@]}" | sort -n | paste -sd' ')" = "9808 9809 9810 9811 9812" ] \
    || die "worker units' metrics ports are ${ports[*]}, expected 9808-9812 (one per node, security included)"
declare -A restarts=()
start_unit() { python3 deploy/tools/run_unit.py "/lib/systemd/system/$1.service" >>"$state/$1.log" 2>&1 & unit_pids[$1]=$!; }
# Ready when the unit's own process listens on its port (not another program's) and reports its own heartbeat.
# On a shared machine a test's worker can take 9808 (its default) between the check above and the bind: a unit
# that stopped for that reason alone is started again (3 times at most). Any other exit fails the test at once.
node_ready() {
    local name=$1 port=$2 pid=${unit_pids[$1]}
    if exited "$pid"; then
        wait "$pid" || true
        if ! tail -n 1 "$state/$name.log" | grep -q "Address already in use" || [ "${restarts[$name]:-0}" -ge 3 ]; then
            unit_failed=$name
            return 0
        fi
        restarts[$name]=$(( ${restarts[$name]:-0} + 1 ))
        echo "deploy-smoke: another program held $name's port; started again (attempt ${restarts[$name]})" >>"$state/$name.log"
        start_unit "$name"
        return 1
    fi
    ss -ltnpH "sport = :$port" | grep -q "pid=$pid," \
        && curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^celery_worker_up{.*} 1'
}
started=$SECONDS
for unit in "${units[@]}"; do start_unit "$(basename "$unit" .service)"; done
for unit in "${units[@]}"; do
    name="$(basename "$unit" .service)"
    port=$(sed -n 's/^ExecStart=.*--metrics-address [0-9.]*:\([0-9]*\).*/\1/p' "$unit")
    [ -n "$port" ] || continue
    unit_failed=""
    poll 240 node_ready "$name" "$port" \
        || die "$name does not serve /metrics with a live heartbeat on port $port (its own process)"
    [ -z "$unit_failed" ] || die "$name exited while starting: $(tail -n 1 "$state/$name.log" | cut -c1-300)"
done
for name in "${!unit_pids[@]}"; do
    kill -0 "${unit_pids[$name]}" 2>/dev/null || die "$name exited early"
    [ "$(stat -c %U "/proc/${unit_pids[$name]}")" = celerity ] || die "$name does not run as celerity"
done
# The passwords reach the scan through the environment, so the scan's own command line holds none.
SMOKE_SECRETS="$redis_password $db_password" python3 - <<'PY' || die "a password is on a command line: secrets belong in /etc/celerity/env"
import glob, os, sys
secrets = os.environ["SMOKE_SECRETS"].split()
for path in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        words = open(path, "rb").read().decode(errors="replace")
    except OSError:
        continue
    if any(secret in words for secret in secrets):
        sys.exit(f"{path}: {words.split(chr(0))[0]}")
PY
echo "${#unit_pids[@]} units running as celerity, no password on any command line; /metrics answers on ${ports[*]} ($((SECONDS - started)) s, ${#restarts[@]} restarted)"

say "a purchase unlock through the installed binary"
psql=(env PGPASSWORD="$db_password" "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$db_port/postgres")
"${psql[@]}" -c "
    INSERT INTO item_unlock_rules (item_id, unlock_key) VALUES (9, 'chapter:1'), (9, 'chapter:2'), (9, 'vip');
    INSERT INTO purchases (user_id, item_id, status, paid_at) VALUES (7, 9, 'paid', now());"
celerity enqueue myapp.tasks.apply_purchase_unlocks_async --args '[7, 9]' --queue purchases --wait --timeout 120 \
    | tail -n 1 | tee "$state/unlock.result" || true
grep -q '^SUCCESS' "$state/unlock.result" || die "the purchase unlock did not succeed"
[ "$("${psql[@]}" -tA -c 'SELECT count(*) FROM user_unlocks WHERE user_id = 7')" = 3 ] || die "user 7 does not hold 3 unlocks"

say "backups.postgres and backups.config through the installed binary"
for kind in postgres config; do
    celerity enqueue "backups.$kind" --queue backups --wait --timeout 300 | tail -n 1 | cut -c1-160 | tee "$state/$kind.result" || true
    grep -q '^SUCCESS' "$state/$kind.result" || die "backups.$kind did not succeed"
done
dump="$(ls /var/lib/celerity/backups/postgresql/backup_*.dump.gz)"
[ "$(stat -c '%a %U' "$dump")" = "600 celerity" ] || die "$dump is not 0600 celerity"
(cd "$(dirname "$dump")" && sha256sum --quiet -c "$(basename "$dump").sha256") || die "$dump does not match its sidecar"
tar -tzf /var/lib/celerity/backups/config/config_*.tar.gz | grep -qx 'etc/celerity/env' || die "the config backup lacks etc/celerity/env"
echo "$(basename "$dump"): $(stat -c %s "$dump") bytes, checksum good"

say "the scheduler claims a slot; a worker runs it"
slot_task() { redis-cli -p "$redis_port" HGET celerity:schedule:entry:smoke-tick last_task_id | grep -E '^[0-9a-f-]{36}$'; }
poll 60 slot_task || die "the scheduler claimed no slot of smoke-tick in 60 s"
celerity result "$(slot_task)" --wait 60 | tee "$state/tick.result" || true
grep -q '^SUCCESS.*42' "$state/tick.result" || die "the scheduled demo.add did not return 42"

say "the security node consumes the security queue"
celerity enqueue demo.add --args '[1, 2]' --queue security --wait --timeout 60 | tail -n 1 | tee "$state/security.result" || true
grep -q '^SUCCESS' "$state/security.result" || die "nothing ran the task sent to the security queue"

say "SIGTERM stops each unit warmly"
# A task that is running when the default node gets SIGTERM finishes and stores its result.
sleeper="$(celerity enqueue demo.sleep --args '[3]')"
poll 30 sh -c "[ \"\$(redis-cli -p $redis_port LLEN celery)\" = 0 ]" || die "the default node did not take demo.sleep"
for name in "${!unit_pids[@]}"; do kill -TERM "${unit_pids[$name]}"; done
for name in "${!unit_pids[@]}"; do
    pid=${unit_pids[$name]}
    limit=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "/lib/systemd/system/$name.service")
    poll $((limit < 60 ? limit : 60)) exited "$pid" || die "$name did not stop within its TimeoutStopSec (60 s at most here)"
    wait "$pid" && code=0 || code=$?
    [ $code -eq 0 ] || die "$name exited $code after SIGTERM"
    if [[ $name == celerity-worker-* ]]; then grep -q 'warm shutdown' "$state/$name.log" || die "$name logged no warm shutdown"; fi
    unset "unit_pids[$name]"
done
redis-cli -p "$redis_port" GET "celery-task-meta-$sleeper" | grep -q '"SUCCESS"' || die "demo.sleep was cut short by SIGTERM"
pgrep -u celerity >/dev/null && die "celerity processes are left after every unit stopped: $(pgrep -u celerity -a)"
echo "every unit exited 0; demo.sleep, running at SIGTERM, finished with SUCCESS"

say "apt-get remove"
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y celerity >"$state/apt-remove.log" 2>&1 || die "apt-get remove failed"
[ ! -e /usr/bin/celerity ] || die "/usr/bin/celerity is still there"
for exe in /proc/[0-9]*/exe; do
    [[ "$(readlink "$exe" 2>/dev/null)" == /usr/bin/celerity* ]] && die "a celerity process runs after remove: ${exe%/exe}"
done
pgrep -u celerity >/dev/null && die "processes of the celerity user run after remove"
[ -e /etc/celerity/env ] || die "apt-get remove deleted the conffile /etc/celerity/env (only purge may)"
echo "removed: no process left; /etc/celerity/env kept until purge"
say "deploy smoke test passed in $SECONDS s"
