#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite (unit, integration
# with real redis-server and PostgreSQL, and the interop tests against real Python Celery).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
# An application in its own package (Examples/ExternalShop), built in release as a user builds it, but in this
# package's build directory: it reuses the release builds of swift-nio & co. that scripts/run.sh and bench/ make
# (docs/testing.md), with the same flags as scripts/build-release.sh so that neither rebuilds what the other built.
# ExternalShopTests runs it.
(cd Examples/ExternalShop && swift build -c release --static-swift-stdlib --scratch-path ../../.build)
export CELERITY_EXTERNAL_SHOP_WORKER="$PWD/.build/release/external-shop-worker"
# deploy/: systemd units, compose file, Prometheus rules and their unit tests, Alertmanager, Grafana.
bash scripts/validate-deploy.sh
# One test at a time: the integration tests start real servers and worker pools, and on a 2-core
# machine running them side by side turns timing margins into flakes (about 3 minutes in all).
swift test --skip-build --no-parallel "$@"
