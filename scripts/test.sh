#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite (unit, integration
# with real redis-server and PostgreSQL, and the interop tests against real Python Celery).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
