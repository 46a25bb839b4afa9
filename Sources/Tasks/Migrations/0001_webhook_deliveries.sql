-- Completion webhooks sent by tasks: one row per delivery holding WebhookSender's final outcome.
-- The id is the delivery id sent in X-Celerity-Delivery, deterministic per task, so a task that runs
-- twice upserts the same row (INSERT … ON CONFLICT (id) DO UPDATE).
CREATE TABLE webhook_deliveries (
    id text PRIMARY KEY,
    event text NOT NULL,
    url_host text NOT NULL,  -- the receiver's host only: paths and queries may hold secrets
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status_code integer,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

CREATE INDEX webhook_deliveries_failed_idx ON webhook_deliveries (created_at) WHERE status = 'failed';
