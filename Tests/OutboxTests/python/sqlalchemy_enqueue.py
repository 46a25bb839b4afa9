"""The SQLAlchemy snippet of docs/outbox.md, run by the outbox tests: one order and its outbox row in one
transaction. usage: sqlalchemy_enqueue.py DATABASE_URL QUEUE RECORD_KEY (prints the task id)."""
import json
import sys
import uuid

from sqlalchemy import create_engine, text

url, queue, key = sys.argv[1], sys.argv[2], sys.argv[3]
engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

# --- docs/outbox.md: SQLAlchemy ---
OUTBOX_INSERT = text(
    "INSERT INTO celerity_outbox (task_id, task_name, queue, args, kwargs, options)"
    " VALUES (:task_id, :task_name, :queue, CAST(:args AS jsonb), CAST(:kwargs AS jsonb), CAST(:options AS jsonb))"
)

with engine.begin() as connection:  # or: with session.begin(): connection = session.connection()
    connection.execute(text("INSERT INTO outbox_test_orders (n, task_id) VALUES (100000, 'sqlalchemy')"))
    task_id = str(uuid.uuid4())
    connection.execute(OUTBOX_INSERT, {
        "task_id": task_id, "task_name": "compat.record", "queue": queue,
        "args": json.dumps([key, "sqlalchemy-order"]), "kwargs": "{}", "options": json.dumps({"priority": 3}),
    })
# --- end ---
print(task_id)
