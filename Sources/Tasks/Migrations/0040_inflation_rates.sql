-- Inflation updates (issue 14): one row per month whose rate inflation.update applied.
-- A re-run for the same month finds its row and changes nothing.
CREATE TABLE IF NOT EXISTS inflation_rates (
    period      text PRIMARY KEY CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),   -- 'YYYY-MM'
    rate        numeric(10, 6) NOT NULL,                  -- monthly rate as a fraction: 0.027 = 2.7 %
    source      text NOT NULL,                            -- 'indec' or 'bcra', and the source host
    fetched_at  timestamptz NOT NULL,
    applied_at  timestamptz NOT NULL,
    task_id     text NOT NULL
);
