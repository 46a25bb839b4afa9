-- Invoice batches (docs/jobs.md): written by `invoices.process_batch`, `invoices.process` and the completion
-- step; read by the app's progress endpoint and `celerity batch status`.
CREATE TABLE invoice_batches (
    id text PRIMARY KEY,
    status text NOT NULL
        CHECK (status IN ('processing', 'completed', 'completed_with_errors', 'timed_out', 'rejected')),
    reason text,                        -- why a batch was rejected
    total integer NOT NULL CHECK (total >= 0),
    processed integer NOT NULL DEFAULT 0,
    succeeded integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    timed_out integer NOT NULL DEFAULT 0,
    callback_url text,
    deadline timestamptz,
    task_id text,                       -- the process_batch task
    completed_by text,                  -- the completion step (chord body or deadline task) that won
    completed_at timestamptz,
    webhook_delivery_id text,           -- = webhook_deliveries.id
    webhook_status text CHECK (webhook_status IN ('delivered', 'failed')),
    webhook_attempts integer,
    webhook_status_code integer,
    webhook_error text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX invoice_batches_processing_idx ON invoice_batches (deadline) WHERE status = 'processing';

CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id text NOT NULL REFERENCES invoice_batches (id),
    position integer NOT NULL CHECK (position >= 0),
    image bytea NOT NULL,
    sha256 text NOT NULL,               -- hex SHA-256 of the image bytes: duplicate detection
    metadata jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'timed_out')),
    fields jsonb,                       -- what OCR recognised
    error text,
    reused_from bigint REFERENCES invoices (id),  -- a duplicate: the invoice whose OCR result was reused
    created_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    UNIQUE (batch_id, position)
);

CREATE INDEX invoices_recognised_sha256_idx ON invoices (sha256) WHERE status = 'succeeded';
CREATE INDEX invoices_processed_at_idx ON invoices (processed_at);
