"""A Celery app for Celerity's interop tests.

The broker and the result backend are both the Redis URL in ``CELERITY_REDIS_URL``
(``redis://127.0.0.1:6379/0`` by default). Start a worker from this directory with::

    python -m celery -A compat worker --pool=solo -Q celery --loglevel=INFO

Environment:
    CELERITY_REDIS_URL      broker and backend URL (kombu spelling, e.g. ``redis+socket:///tmp/r.sock``)
    CELERITY_TRACK_STARTED  "1" to store the STARTED state (``task_track_started``)
    CELERITY_GLOBAL_KEYPREFIX  ``global_keyprefix`` for the broker and the result backend (unset: none)
    CELERITY_TASK_SEND_SENT_EVENT  "1" to publish ``task-sent`` events (``task_send_sent_event``)
    CELERITY_PRIORITY_STEPS, CELERITY_PRIORITY_SEPARATOR  kombu's ``priority_steps`` ("0,5,9") and ``sep`` (unset: defaults)
"""

import json
import os
import time

import redis
from celery import Celery, group

REDIS_URL = os.environ.get("CELERITY_REDIS_URL", "redis://127.0.0.1:6379/0")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


app = Celery("compat", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    result_extended=True,
    task_track_started=_flag("CELERITY_TRACK_STARTED"),
    task_send_sent_event=_flag("CELERITY_TASK_SEND_SENT_EVENT"),
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # `celery control pool_restart` answers (as on Celerity) instead of refusing: the side-by-side control test.
    worker_pool_restarts=True,
)
if os.environ.get("CELERITY_GLOBAL_KEYPREFIX"):
    app.conf.broker_transport_options = {"global_keyprefix": os.environ["CELERITY_GLOBAL_KEYPREFIX"]}
    app.conf.result_backend_transport_options = {"global_keyprefix": os.environ["CELERITY_GLOBAL_KEYPREFIX"]}
if os.environ.get("CELERITY_PRIORITY_STEPS"):
    app.conf.broker_transport_options = dict(
        app.conf.broker_transport_options or {},
        priority_steps=[int(step) for step in os.environ["CELERITY_PRIORITY_STEPS"].split(",")],
    )
if os.environ.get("CELERITY_PRIORITY_SEPARATOR"):
    app.conf.broker_transport_options = dict(
        app.conf.broker_transport_options or {}, sep=os.environ["CELERITY_PRIORITY_SEPARATOR"]
    )

_client = None


def _redis():
    """A redis-py client for the same server (kombu's ``redis+socket://`` is redis-py's ``unix://``)."""
    global _client
    if _client is None:
        url = REDIS_URL
        for prefix in ("redis+socket://", "socket://"):
            if url.startswith(prefix):
                url = "unix://" + url[len(prefix):]
        _client = redis.Redis.from_url(url)
    return _client


@app.task(name="compat.add")
def add(a, b):
    return a + b


@app.task(name="compat.echo")
def echo(**kwargs):
    return kwargs


@app.task(name="compat.fail")
def fail():
    raise ValueError("boom")


@app.task(name="compat.sleep")
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(name="compat.tsum")
def tsum(numbers):
    return sum(numbers)


@app.task(name="compat.record")
def record(key, value):
    """RPUSHes ``value`` (JSON-encoded unless it is a string or a number) to the list ``key``; returns its length."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        value = json.dumps(value)
    return _redis().rpush(key, value)


@app.task(name="compat.identity")
def identity(value):
    """Returns its argument: shows what a chord body receives."""
    return value


@app.task(name="compat.spawn")
def spawn(count):
    """Sends ``compat.add(i, i)`` for each ``i < count``, then a group of ``compat.add(i, 1)``; returns ``count``.

    Celery records them in the result's ``children``: ``count`` tasks, then one group.
    """
    for i in range(count):
        add.delay(i, i)
    group(add.s(i, 1) for i in range(count)).apply_async()
    return count


@app.task(bind=True, name="compat.flaky", max_retries=5)
def flaky(self, key, failures):
    """``INCR key``; while the count is at most ``failures``, retries in 0.5 s with ``RuntimeError``; returns the count."""
    runs = _redis().incr(key)
    if runs <= failures:
        raise self.retry(countdown=0.5, exc=RuntimeError(f"flaky run {runs}"))
    return runs
