#!/usr/bin/env bash
# Builds the Debian package celerity_<VERSION>_<arch>.deb from the release build (scripts/build-release.sh, Swift
# runtime linked statically: the host needs no Swift toolchain). It holds /usr/bin/celerity, the units in
# /lib/systemd/system/, example configuration in /etc/celerity/ (conffiles; env is 0600, owned by the celerity
# user that postinst creates), and the docs. Depends are the packages of the shared libraries `ldd` shows.
#   bash scripts/package.sh [--out DIR]     # default .build/deb; prints the .deb's path last
# deploy/README.md says how to install it; scripts/deploy-smoke.sh installs and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=".build/deb"
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        *) echo "package.sh: unknown argument $1 (usage: package.sh [--out DIR])" >&2; exit 1 ;;
    esac
done
for tool in dpkg-deb dpkg-query ldd readelf strip; do
    command -v "$tool" >/dev/null || { echo "package.sh: $tool is missing (apt-get install dpkg-dev binutils)" >&2; exit 1; }
done

version="$(tr -d '[:space:]' <VERSION)"
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+.-][A-Za-z0-9.~+-]+)?$ ]] \
    || { echo "package.sh: VERSION holds '$version', not a version like 1.2.3" >&2; exit 1; }
bin="$(bash scripts/build-release.sh | tail -n 1)"
built="$("$bin/celerity" --version)"
[ "$built" = "$version" ] || { echo "package.sh: celerity --version prints '$built' but VERSION says $version" >&2; exit 1; }
# The point of --static-swift-stdlib: nothing from the toolchain may be loaded at run time.
if ldd "$bin/celerity" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'; then
    echo "package.sh: $bin/celerity links Swift runtime libraries dynamically (see above)" >&2
    exit 1
fi

arch="$(dpkg --print-architecture)"
root="$(mktemp -d /tmp/celerity-package.XXXXXX)"
chmod 0755 "$root"   # the archive's ./ entry: never 0700
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin/celerity" "$root/usr/bin/celerity"
strip --strip-debug "$root/usr/bin/celerity"
for unit in deploy/systemd/*.service; do install -D -m 0644 "$unit" "$root/lib/systemd/system/$(basename "$unit")"; done
install -D -m 0600 deploy/celerity.env "$root/etc/celerity/env"
install -D -m 0644 deploy/schedule.yaml "$root/etc/celerity/schedule.yaml"
install -D -m 0644 deploy/alerts.yaml "$root/etc/celerity/alerts.yaml"
install -d "$root/usr/share/doc/celerity/runbooks"
install -m 0644 README.md docs/*.md "$root/usr/share/doc/celerity/"
install -m 0644 deploy/README.md "$root/usr/share/doc/celerity/deploy.md"
install -m 0644 deploy/runbooks/*.md "$root/usr/share/doc/celerity/runbooks/"

# Depends: the package of every shared library the binary names (DT_NEEDED: hiredis, libpq, libcurl, libc...; their
# own dependencies are theirs), at least the version built against; tzdata for schedule time zones,
# ca-certificates for HTTPS, passwd for useradd.
depends=()
needed="$(readelf -d "$bin/celerity" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
while read -r library; do
    [[ $library != missing:* ]] || { echo "package.sh: the binary needs ${library#missing:}, which is not installed" >&2; exit 1; }
    owner="$(dpkg-query -S "$library" 2>/dev/null || dpkg-query -S "$(realpath "$library")" 2>/dev/null || true)"
    [ -n "$owner" ] || { echo "package.sh: no installed package owns $library" >&2; exit 1; }
    package="${owner%%:*}"
    upstream="$(dpkg-query -W -f='${Version}' "$package" | sed 's/^[0-9]*://; s/-[^-]*$//')"
    depends+=("$package (>= $upstream)")
done < <(ldd "$bin/celerity" | awk -v needed="$needed" 'BEGIN { split(needed, names, "\n"); for (i in names) want[names[i]] = 1 }
    $2 == "=>" && ($1 in want) { if ($3 !~ /^\//) { print "missing:" $1; next } print $3 }')
depends+=(tzdata ca-certificates passwd)
depends_line="$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')"

install -d "$root/DEBIAN"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"
printf '/etc/celerity/env\n/etc/celerity/schedule.yaml\n/etc/celerity/alerts.yaml\n' >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/control" <<CONTROL
Package: celerity
Version: $version
Architecture: $arch
Maintainer: Celerity maintainers <celerity@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends_line
Recommends: postgresql-client, redis-tools
Section: admin
Priority: optional
Description: Celery-compatible job runner for Linux (workers, scheduler, alerts)
 Celerity runs Celery protocol v2 tasks from Redis in Swift worker pools, with a
 cron scheduler, Prometheus metrics, Slack alerts and PostgreSQL-backed job
 families (backups, purchase unlocks, invoices). Enable the systemd units in
 /lib/systemd/system/ after filling in /etc/celerity/env.
CONTROL

mkdir -p "$out"
deb="$out/celerity_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >&2
echo "$deb"
