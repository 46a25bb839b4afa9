-- Backups (issue 15): one row per run of backups.postgres / .redis / .config / .verify.
CREATE TABLE IF NOT EXISTS backup_runs (
    run_id           text PRIMARY KEY,             -- unique per run; a retried task records a second run
    kind             text NOT NULL CHECK (kind IN ('postgres', 'redis', 'config', 'verify')),
    status           text NOT NULL CHECK (status IN ('success', 'failure')),
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    duration_seconds double precision NOT NULL,
    file             text,                         -- file name in <backup dir>/<kind>/; for verify: the dump restored
    size_bytes       bigint,
    sha256           text,
    row_counts       jsonb,                        -- {"schema.table": rows} at dump time; for verify: as restored
    verified_at      timestamptz,                  -- postgres rows: when backups.verify last restored this file
    restore_seconds  double precision,             -- verify rows: measured restore time
    rto_seconds      double precision,             -- verify rows: the recovery time objective beside it
    error            text,                         -- failure reason, without credentials
    task_id          text
);
CREATE INDEX IF NOT EXISTS backup_runs_kind_finished ON backup_runs (kind, finished_at DESC);
CREATE INDEX IF NOT EXISTS backup_runs_file ON backup_runs (file);

-- One row per kind for monitoring: SELECT kind, last_success_at FROM backup_status;
-- the last verification is the 'verify' row's last_success_at (also last_verified_at of the 'postgres' row).
CREATE OR REPLACE VIEW backup_status AS
SELECT kind,
       max(finished_at) FILTER (WHERE status = 'success') AS last_success_at,
       max(finished_at) FILTER (WHERE status = 'failure') AS last_failure_at,
       max(verified_at) AS last_verified_at,
       (array_agg(size_bytes ORDER BY finished_at DESC) FILTER (WHERE status = 'success'))[1] AS last_size_bytes,
       (array_agg(restore_seconds ORDER BY finished_at DESC) FILTER (WHERE status = 'success'))[1]
           AS last_restore_seconds
FROM backup_runs
GROUP BY kind;
