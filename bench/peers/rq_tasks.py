"""RQ's side of the benchmark: the no-op and latency jobs.

Run by bench.py as two `rq worker --worker-class rq.worker.SimpleWorker` processes (RQ has no
supervisor of its own; its default forking Worker forks once per job and is far slower).
"""

import os
import time

import redis

URL = os.environ["BENCH_REDIS_URL"]
_client = None


def _redis():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(URL)
    return _client


def noop():
    return None


def latency(sent):
    now = time.time()
    _redis().rpush("bench:latency", repr(now - sent))
    return None
