"""The peers' clients for the benchmark, one process per measurement, printing one JSON line like
`celerity-bench` does:

    python client.py SYSTEM enqueue --count N [--bulk] [--ignore-result]
    python client.py SYSTEM send-at-rate --rate 200 --duration 20

SYSTEM is celery, dramatiq or rq. `--bulk` uses the library's pipelined bulk send (RQ's
`enqueue_many`, in batches of --batch); Celery and Dramatiq have none, so they refuse it.
"""

import argparse
import json
import os
import sys
import time


def celery_sender(ignore_result):
    from celery_app import app, noop

    app.connection_for_write().ensure_connection()
    return lambda: noop.apply_async(ignore_result=ignore_result).id


def dramatiq_sender(ignore_result):
    from dramatiq_app import noop

    return lambda: noop.send_with_options(store_results=not ignore_result).message_id


def rq_queue():
    import redis
    from rq import Queue

    return Queue("default", connection=redis.Redis.from_url(os.environ["BENCH_REDIS_URL"]))


def rq_sender(ignore_result):
    from rq_tasks import noop

    queue = rq_queue()
    ttl = 0 if ignore_result else None
    return lambda: queue.enqueue(noop, result_ttl=ttl).id


def rq_bulk(count, batch, ignore_result):
    from rq import Queue
    from rq_tasks import noop

    queue = rq_queue()
    ttl = 0 if ignore_result else None
    ids = []
    sent = 0
    while sent < count:
        size = min(batch, count - sent)
        jobs = queue.enqueue_many([Queue.prepare_data(noop, result_ttl=ttl) for _ in range(size)])
        ids.extend(job.id for job in jobs[-256:])
        ids = ids[-256:]
        sent += size
    return ids


SENDERS = {"celery": celery_sender, "dramatiq": dramatiq_sender, "rq": rq_sender}


def latency_sender(system):
    if system == "celery":
        from celery_app import app, latency

        app.connection_for_write().ensure_connection()
        return lambda sent: latency.apply_async((sent,))
    if system == "dramatiq":
        from dramatiq_app import latency

        return lambda sent: latency.send(sent)
    from rq_tasks import latency

    queue = rq_queue()
    return lambda sent: queue.enqueue(latency, sent, result_ttl=0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=sorted(SENDERS))
    sub = parser.add_subparsers(dest="command", required=True)
    enqueue = sub.add_parser("enqueue")
    enqueue.add_argument("--count", type=int, default=20000)
    enqueue.add_argument("--bulk", action="store_true")
    enqueue.add_argument("--batch", type=int, default=1000)
    enqueue.add_argument("--ignore-result", action="store_true")
    rate = sub.add_parser("send-at-rate")
    rate.add_argument("--rate", type=float, default=200)
    rate.add_argument("--duration", type=float, default=20)
    args = parser.parse_args()

    if args.command == "enqueue":
        if args.bulk and args.system != "rq":
            sys.exit(f"{args.system} has no pipelined bulk send")
        send = None if args.bulk else SENDERS[args.system](args.ignore_result)
        start = time.perf_counter()
        if args.bulk:
            last_ids = rq_bulk(args.count, args.batch, args.ignore_result)
        else:
            last_ids = []
            for index in range(args.count):
                task_id = send()
                if index >= args.count - 256:
                    last_ids.append(task_id)
        seconds = time.perf_counter() - start
        print(json.dumps({"sent": args.count, "seconds": seconds, "rate": args.count / seconds,
                          "batch": args.batch if args.bulk else 1, "last_ids": last_ids}))
    else:
        send = latency_sender(args.system)
        total = int(args.rate * args.duration)
        interval = 1 / args.rate
        late = 0
        start = time.perf_counter()
        for index in range(total):
            due = start + interval * index
            now = time.perf_counter()
            if now < due:
                time.sleep(due - now)
            elif now - due > 0.005:
                late += 1
            send(time.time())
        print(json.dumps({"sent": total, "seconds": time.perf_counter() - start, "late": late}))


if __name__ == "__main__":
    main()
