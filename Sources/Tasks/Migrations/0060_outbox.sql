-- The transactional outbox (docs/outbox.md): an application inserts one row per task IN THE SAME TRANSACTION as
-- its business write; `celerity outbox relay` (or a worker started with --outbox) moves committed rows to Redis
-- as ordinary Celery messages, once per task id. The checks here are the edge: a bad row fails the application's
-- own INSERT, with the constraint's name saying what is wrong, instead of failing later in the relay.
CREATE TABLE celerity_outbox (
    -- The Celery task id: the result key, the relay's once-only marker and the primary key.
    task_id text PRIMARY KEY CONSTRAINT celerity_outbox_task_id_format CHECK (task_id ~ '^[A-Za-z0-9._:@-]{1,200}$'),
    task_name text NOT NULL CONSTRAINT celerity_outbox_task_name_format CHECK (task_name ~ '^[A-Za-z0-9_.:-]{1,200}$'),
    queue text NOT NULL DEFAULT 'celery' CONSTRAINT celerity_outbox_queue_format CHECK (queue ~ '^[A-Za-z0-9_.:-]{1,200}$'),
    args jsonb NOT NULL DEFAULT '[]' CONSTRAINT celerity_outbox_args_array CHECK (jsonb_typeof(args) = 'array'),
    kwargs jsonb NOT NULL DEFAULT '{}' CONSTRAINT celerity_outbox_kwargs_object CHECK (jsonb_typeof(kwargs) = 'object'),
    -- {"countdown": seconds after created_at, "eta": ISO 8601, "expires": seconds after created_at or ISO 8601,
    --  "priority": 0-9, "time_limit"/"soft_time_limit": seconds, "ignore_result": bool,
    --  "headers": {extra message headers}}; anything else is refused.
    options jsonb NOT NULL DEFAULT '{}' CONSTRAINT celerity_outbox_options_valid CHECK (
        jsonb_typeof(options) = 'object'
        AND options - ARRAY['countdown', 'eta', 'expires', 'priority', 'time_limit', 'soft_time_limit',
            'ignore_result', 'headers'] = '{}'::jsonb
        AND coalesce(jsonb_typeof(options -> 'countdown'), 'number') = 'number'
        AND coalesce(jsonb_typeof(options -> 'eta'), 'string') = 'string'
        AND coalesce(jsonb_typeof(options -> 'expires'), 'number') IN ('number', 'string')
        AND coalesce(jsonb_typeof(options -> 'time_limit'), 'number') = 'number'
        AND coalesce(jsonb_typeof(options -> 'soft_time_limit'), 'number') = 'number'
        AND coalesce(jsonb_typeof(options -> 'ignore_result'), 'boolean') = 'boolean'
        AND coalesce(jsonb_typeof(options -> 'headers'), 'object') = 'object'
        AND (options -> 'priority' IS NULL OR (options -> 'priority') IN
            ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'))
    ),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Set by the relay after the message is in Redis; rows sent longer ago than the retention are pruned.
    sent_at timestamptz,
    -- Set by the relay when a row cannot become a message (an unreadable eta); such a row is kept, never sent.
    error text
);

-- The relay's batches and the pending count read only unsent rows, oldest first.
CREATE INDEX celerity_outbox_pending_idx ON celerity_outbox (created_at) WHERE sent_at IS NULL AND error IS NULL;
-- Pruning reads sent rows by age.
CREATE INDEX celerity_outbox_sent_idx ON celerity_outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wakes the relays (LISTEN celerity_outbox) when the inserting transaction commits: PostgreSQL delivers a
-- NOTIFY only on commit, and never for a rolled-back one. One notification per statement, not per row.
CREATE FUNCTION celerity_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('celerity_outbox', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER celerity_outbox_notify AFTER INSERT ON celerity_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION celerity_outbox_notify();
