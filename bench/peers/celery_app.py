"""Celery's side of the benchmark: the no-op and latency tasks, Celery's defaults otherwise.

Run by bench.py as `celery -A celery_app worker -c 2 --loglevel WARNING` (prefork, 2 child processes).
"""

import os
import time

import redis
from celery import Celery

URL = os.environ["BENCH_REDIS_URL"]
app = Celery("bench", broker=URL, backend=URL)

_client = None


def _redis():
    # One connection per process, made after the prefork pool forked.
    global _client
    if _client is None:
        _client = redis.Redis.from_url(URL)
    return _client


@app.task(name="bench.noop")
def noop():
    return None


@app.task(name="bench.latency")
def latency(sent):
    now = time.time()
    _redis().rpush("bench:latency", repr(now - sent))
    return None
