#!/usr/bin/env bash
# The one release build: every executable (celerity, celerity-bench, celerity-example, celerity-test-worker)
# with the Swift runtime linked statically (--static-swift-stdlib), so a binary runs on a host with no Swift
# toolchain. scripts/package.sh, scripts/run.sh, bench/*.sh and the Dockerfile all call it, so CI builds release
# once. Build output goes to stderr; the last thing printed on stdout is the directory holding the binaries:
#   bin="$(bash scripts/build-release.sh)"; "$bin/celerity" --version
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib)
swift build "${flags[@]}" >&2
swift build "${flags[@]}" --show-bin-path
