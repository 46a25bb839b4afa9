#!/usr/bin/env bash
# API compatibility (docs/testing.md#api-compatibility): `swift package diagnose-api-breaking-changes` of the library
# products against the previous release tag (the newest `X.Y.Z` or `vX.Y.Z` tag below the VERSION file). A breaking
# change fails unless VERSION bumps the major version (the minor one before 1.0.0). Without a previous release tag
# it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(tr -d '[:space:]' < VERSION)"
previous=""
while read -r tag; do
    number="${tag#v}"
    if [[ "$number" != "$version" && "$(printf '%s\n%s\n' "$number" "$version" | sort -V | tail -n1)" == "$version" ]]; then
        previous="$tag"
        break
    fi
done < <(git tag --list | grep -E '^v?[0-9]+\.[0-9]+\.[0-9]+$' | sort -V -r)
if [[ -z "$previous" ]]; then
    echo "check-api: no release tag before $version; nothing to compare (the first release)"
    exit 0
fi
IFS=. read -r major minor _ <<< "$version"
IFS=. read -r old_major old_minor _ <<< "${previous#v}"
if (( major > old_major )) || (( major == 0 && minor > old_minor )); then
    allowed=1
else
    allowed=0
fi
echo "check-api: $version against $previous"
if swift package diagnose-api-breaking-changes "$previous" \
    --products TaskAPI --products Broker --products CelerityCLI --products Postgres --products HTTP; then
    echo "check-api: no breaking change since $previous"
elif (( allowed )); then
    echo "check-api: breaking changes since $previous, allowed by the version $version (say so in CHANGELOG.md)"
else
    echo "check-api: breaking changes since $previous need a new major version (minor before 1.0.0) in VERSION" >&2
    exit 1
fi
