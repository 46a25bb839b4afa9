# The celerity image: a Swift 6 build stage runs scripts/package.sh (the same script CI runs: the release build
# with the Swift runtime linked statically, then the .deb), and a slim Debian stage installs that .deb, which
# brings the shared libraries (hiredis, libpq, libcurl), the celerity user and /etc/celerity, plus the backup
# tools (postgresql-client: pg_dump, pg_restore; redis-tools: redis-cli, redis-check-rdb).
#   docker build -t celerity:latest .        (deploy/docker-compose.yml builds it with `build:`)
# No Docker engine runs in CI: scripts/validate-deploy.sh lints this file and CI runs package.sh itself.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libhiredis-dev libpq-dev libcurl4-openssl-dev pkg-config dpkg-dev binutils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash scripts/package.sh --out /deb

FROM debian:bookworm-slim AS runtime
COPY --from=build /deb/ /tmp/deb/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        /tmp/deb/celerity_*.deb postgresql-client redis-tools \
    && rm -rf /var/lib/apt/lists/* /tmp/deb
USER celerity
WORKDIR /var/lib/celerity
ENV CELERITY_BACKUP_DIR=/var/lib/celerity/backups
# /metrics, /healthz and the status page of the worker nodes (docker-compose.yml gives each its own port).
EXPOSE 9808
ENTRYPOINT ["celerity"]
CMD ["--help"]
