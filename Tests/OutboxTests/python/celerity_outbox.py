"""Transactional enqueue through Celerity's outbox (docs/outbox.md): plain SQL on the app's own connection."""
import json
import uuid


def enqueue_in_transaction(cursor, task_name, args=(), kwargs=None, queue="celery", task_id=None, **options):
    """Adds a Celery task to celerity_outbox in the cursor's open transaction and returns its task id.

    The task is sent when, and only when, that transaction commits. options: countdown, eta (ISO 8601), expires,
    priority, time_limit, soft_time_limit, ignore_result, headers.
    """
    task_id = task_id or str(uuid.uuid4())
    cursor.execute(
        "INSERT INTO celerity_outbox (task_id, task_name, queue, args, kwargs, options)"
        " VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb)",
        [task_id, task_name, queue, json.dumps(list(args)), json.dumps(kwargs or {}), json.dumps(options)],
    )
    return task_id
