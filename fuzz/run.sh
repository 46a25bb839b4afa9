#!/usr/bin/env bash
# Builds the libFuzzer targets (a package of their own, fuzz/Package.swift, so the main build never
# compiles them) and runs each for a bounded time over its committed corpus in fuzz/corpus/<target>.
#
#   bash fuzz/run.sh                     # every target, 30 s each (CI)
#   bash fuzz/run.sh --seconds 600 FuzzJSON
#   bash fuzz/run.sh --merge             # also fold new interesting inputs into the committed corpus
#
# An input that crashes, hangs (>10 s) or allocates more than 512 MB at once fails the run; it is saved
# under fuzz/artifacts/ (reproduce: fuzz/.build/release/<target> fuzz/artifacts/<file>).
set -euo pipefail
cd "$(dirname "$0")"
seconds=30
merge=0
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --merge) merge=1; shift ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=(FuzzTaskMessage FuzzSerializedBody FuzzJSON FuzzScheduleFile FuzzCron FuzzRedisURL)

# -parse-as-library: libFuzzer drives the program; ld.lld: gold fails on ASan's symbols.
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld)
mkdir -p artifacts
if ! swift build "${flags[@]}" >artifacts/build.log 2>&1; then
    grep -E 'error' artifacts/build.log >&2 || tail -20 artifacts/build.log >&2
    echo "the fuzz targets do not build (fuzz/artifacts/build.log)" >&2
    exit 1
fi
bin=$(swift build "${flags[@]}" --show-bin-path)
# Swift's own crash backtracer would get in the way of ASan's and libFuzzer's reports.
export SWIFT_BACKTRACE=enable=no
status=0
for target in "${targets[@]}"; do
    scratch=$(mktemp -d)
    started=$(date +%s)
    # New inputs go to the scratch directory (first); the committed corpus is read only.
    if "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -print_final_stats=1 -artifact_prefix="artifacts/$target-" "$scratch" "corpus/$target" \
        >"artifacts/$target.log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "artifacts/$target.log" | grep -o '[0-9]*$' || echo "?")
        echo "$target: ${seconds}s, $runs inputs, no crash ($(($(date +%s) - started)) s wall)"
    else
        status=1
        echo "$target: FAILED — see fuzz/artifacts/$target.log" >&2
        grep -E 'ERROR|Fatal error|Test unit written|SUMMARY' "artifacts/$target.log" | head -10 >&2
    fi
    if ((merge)); then
        "$bin/$target" -merge=1 "corpus/$target" "$scratch" >/dev/null 2>&1
    fi
    rm -rf "$scratch"
done
exit $status
