#!/usr/bin/env bash
# Validates everything under deploy/ with the tools that will run it (docs/operations.md):
# systemd units (systemd-analyze verify), docker-compose.yml (docker-compose config, no engine needed),
# Prometheus config, rules and rule unit tests (promtool), Alertmanager config (amtool), the Grafana
# dashboard (structure + every query through promtool), one runbook per alert, the Dockerfile (a structural
# lint: no Docker engine here), the KEDA ScaledObject (YAML + its query through promtool) and the environment
# names (deploy/ sets only what the code reads; every CELERITY_* the code reads is documented).
# Usage: scripts/validate-deploy.sh [CELERITY_BINARY]   (default: the debug build's celerity)
# Fails loudly when a tool is missing: scripts/install-deps.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-$(swift build --show-bin-path)/celerity}"
for tool in systemd-analyze promtool amtool docker-compose python3; do
    command -v "$tool" >/dev/null || { echo "validate-deploy: $tool is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "validate-deploy: no celerity binary at $binary (build first)" >&2; exit 1; }
work="$(mktemp -d /tmp/celerity-validate.XXXXXX)"
trap 'rm -rf "$work"' EXIT
step() { echo "--- $*"; }

step "systemd units"
mkdir "$work/units"
for unit in deploy/systemd/*.service; do
    # verify checks that ExecStart's binary exists: point the units at the one just built.
    sed "s#/usr/bin/celerity#$binary#g" "$unit" >"$work/units/$(basename "$unit")"
done
# systemd-analyze reports unknown keys as warnings with exit 0: any output is a failure.
(cd "$work/units" && systemd-analyze verify ./*.service) >"$work/systemd.log" 2>&1 || true
if [ -s "$work/systemd.log" ]; then cat "$work/systemd.log" >&2; echo "validate-deploy: systemd-analyze verify failed" >&2; exit 1; fi
grep -L '^TimeoutStopSec=' deploy/systemd/*.service | grep . && { echo "validate-deploy: a unit has no TimeoutStopSec" >&2; exit 1; }
for unit in deploy/systemd/celerity-worker-*.service; do
    shutdown=$(sed -n 's/.*--shutdown-timeout \([0-9]*\).*/\1/p' "$unit")
    stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)/\1/p' "$unit")
    [ "$stop" -gt "$shutdown" ] || { echo "validate-deploy: $unit: TimeoutStopSec $stop is not above --shutdown-timeout $shutdown" >&2; exit 1; }
done
echo "$(ls deploy/systemd/*.service | wc -l) units verified"

step "docker-compose.yml"
env -i PATH="$PATH" docker-compose -f deploy/docker-compose.yml --env-file deploy/compose.env.example config -q
docker-compose -f deploy/docker-compose.yml --env-file deploy/compose.env.example config --services | tr '\n' ' '; echo

step "Prometheus config, rules and rule tests"
promtool check config deploy/prometheus/prometheus.yml
promtool test rules deploy/prometheus/tests/*.yml

step "Alertmanager config"
mkdir "$work/alertmanager"
cp deploy/alertmanager/celerity.tmpl "$work/alertmanager/"
sed "s#/etc/alertmanager/templates/#$work/alertmanager/#" deploy/alertmanager/alertmanager.yml >"$work/alertmanager/alertmanager.yml"
amtool check-config "$work/alertmanager/alertmanager.yml"
for severity in critical warning; do
    receiver=$(amtool config routes test --config.file="$work/alertmanager/alertmanager.yml" severity=$severity alertname=Test 2>/dev/null)
    expected=$([ $severity = critical ] && echo critical-alerts || echo slack-notifications)
    [ "$receiver" = "$expected" ] || { echo "validate-deploy: severity=$severity routes to '$receiver', not $expected" >&2; exit 1; }
done

step "Grafana dashboards"
for dashboard in deploy/grafana/dashboards/*.json; do
    python3 deploy/tools/dashboard_queries.py "$dashboard" --rules "$work/dashboard-$(basename "$dashboard" .json).yml"
done
promtool check rules "$work"/dashboard-*.yml

step "KEDA ScaledObject (structure; its Prometheus query through promtool)"
python3 deploy/tools/check_keda.py "$work/keda-rules.yml"
promtool check rules "$work/keda-rules.yml"

step "runbooks"
alerts=$(sed -n 's/^ *- alert: *//p' deploy/prometheus/rules/*.yml)
for alert in $alerts; do
    [ -s "deploy/runbooks/$alert.md" ] || { echo "validate-deploy: no runbook deploy/runbooks/$alert.md" >&2; exit 1; }
done
echo "$(echo "$alerts" | wc -w) alerts, each with a runbook"

step "Dockerfile (structure; scripts/deploy-smoke.sh runs the package build it calls)"
python3 deploy/tools/lint_dockerfile.py Dockerfile

step "environment names"
python3 deploy/tools/check_env_names.py

echo "deploy/ is valid"
