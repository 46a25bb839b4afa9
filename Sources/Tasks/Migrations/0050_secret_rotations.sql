-- JWT secret rotations (issue 14): one row per secrets.rotate_jwt run, keyed by its rotation id (the task id).
-- Never a secret value: only the first 12 hex digits of each new value's SHA-256.
CREATE TABLE IF NOT EXISTS secret_rotations (
    rotation_id          text PRIMARY KEY,
    status               text NOT NULL
                         CHECK (status IN ('running', 'dry_run', 'applied', 'rolled_back', 'retired', 'failed')),
    names                jsonb NOT NULL,                  -- ["JWT_SECRET_KEY", …]
    fingerprints         jsonb NOT NULL DEFAULT '{}',     -- {"JWT_SECRET_KEY": "3f9a0c…"} (SHA-256 prefix)
    started_at           timestamptz NOT NULL,
    finished_at          timestamptz,
    previous_expires_at  timestamptz,                     -- end of the grace period for the previous values
    retired_at           timestamptz,
    retire_task_id       text,
    task_id              text NOT NULL,
    error                text
);
CREATE INDEX IF NOT EXISTS secret_rotations_started ON secret_rotations (started_at DESC);
