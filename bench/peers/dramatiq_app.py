"""Dramatiq's side of the benchmark: the no-op and latency actors on the Redis broker, with the
Redis results backend (results are stored only for messages sent with store_results=True).

Run by bench.py as `dramatiq dramatiq_app -p 2 -t 8` (Dramatiq's default 8 threads per process).
"""

import os
import time

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.results import Results
from dramatiq.results.backends import RedisBackend

URL = os.environ["BENCH_REDIS_URL"]
broker = RedisBroker(url=URL)
broker.add_middleware(Results(backend=RedisBackend(url=URL)))
dramatiq.set_broker(broker)

_client = None


def _redis():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(URL)
    return _client


@dramatiq.actor(actor_name="bench.noop")
def noop():
    return None


@dramatiq.actor(actor_name="bench.latency")
def latency(sent):
    now = time.time()
    _redis().rpush("bench:latency", repr(now - sent))
    return None
