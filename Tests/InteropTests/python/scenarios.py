"""Python-client scenarios for Celerity's interop tests: each runs in one process and prints one JSON line.

Uses the ``compat`` app, so ``CELERITY_REDIS_URL`` names the broker and the backend.

    python scenarios.py options [--timeout S]       apply_async/send_task with args, kwargs, queue, priority,
                                                    countdown, eta, expires; a failure; result_extended fields
    python scenarios.py ignore-result KEY VALUE      compat.record(KEY, VALUE) with ignore_result=True; prints its id
    python scenarios.py retry KEY FAILURES           compat.flaky(KEY, FAILURES); the states published for it
    python scenarios.py canvas [--timeout S]         chain, group, chord (and a chord with a failing member)
    python scenarios.py mixed-canvas SIZE            a chord, a group, a chain and SIZE retried tasks, for a mixed pool
    python scenarios.py eta-close COUNT              COUNT tasks, one at a time, each with an ETA 150 ms away
    python scenarios.py revoke ID [--terminate]      app.control.revoke(ID[, terminate=True])
    python scenarios.py wait ID... [--timeout S]     waits for each task; prints one outcome per task

An outcome is ``{"id", "state", "value", "exc_type", "exc_module", "exc_args", "exc_repr", "date_done"}``;
``value`` is the result for SUCCESS, else null.
"""

import argparse
import datetime
import decimal
import json
import sys
import time
import uuid

from celery import chain, chord, group
from celery.result import AsyncResult

from compat import _redis, app

add = app.tasks["compat.add"]
echo = app.tasks["compat.echo"]
fail = app.tasks["compat.fail"]
record = app.tasks["compat.record"]
tsum = app.tasks["compat.tsum"]
flaky = app.tasks["compat.flaky"]
sleep = app.tasks["compat.sleep"]


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def outcome(result, timeout):
    """Waits for ``result`` and describes it, rebuilt exception included."""
    value = result.get(timeout=timeout, propagate=False)
    line = {"id": result.id, "state": result.state, "value": None, "exc_type": None, "exc_module": None,
            "exc_args": None, "exc_repr": None, "date_done": _iso(result.date_done)}
    if isinstance(value, BaseException):
        line.update(exc_type=type(value).__name__, exc_module=type(value).__module__,
                    exc_args=[a if isinstance(a, (str, int, float, type(None))) else repr(a) for a in value.args],
                    exc_repr=repr(value), is_value_error=isinstance(value, ValueError))
    else:
        line["value"] = value
    return line


def extended(result):
    """The ``result_extended`` fields as the Python client reads them."""
    return {"name": result.name, "args": result.args, "kwargs": result.kwargs, "worker": result.worker,
            "retries": result.retries, "queue": result.queue}


def options_scenario(timeout):
    now = datetime.datetime.now(datetime.timezone.utc)
    sent = {
        "apply_async_args": add.apply_async((2, 3)),
        "send_task_queue_priority": app.send_task("compat.add", args=[20, 22], queue="other", priority=5),
        "send_task_kwargs": app.send_task("compat.echo", kwargs={"a": 1, "b": ["x", None], "c": {"d": 1.5}},
                                          queue="other"),
        "apply_async_kwargs_priority": add.apply_async(kwargs={"a": 4, "b": 5}, priority=9),
        "countdown": add.apply_async((1, 2), countdown=1.0),
        "eta": app.send_task("compat.add", args=[3, 4], eta=now + datetime.timedelta(seconds=1.5)),
        "expires_future": add.apply_async((5, 6), expires=60),
        "expires_before_eta": add.apply_async((7, 8), countdown=1.0, expires=0.3),
        "failure": fail.apply_async(),
        "soft_time_limit": sleep.apply_async((5,), soft_time_limit=0.5),
        "time_limit": sleep.apply_async((5,), time_limit=1),
        "unregistered": app.send_task("compat.nosuchtask", args=[1]),
    }
    report = {"sent_at": now.isoformat()}
    for name, result in sent.items():
        report[name] = outcome(result, timeout)
    # kombu's JSON type markers ({"__type__": "datetime", ...}) and non-ASCII text pass through a Swift task untouched.
    typed = {"when": datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc),
             "day": datetime.date(2026, 1, 2), "amount": decimal.Decimal("10.10"), "ref": uuid.UUID(int=7),
             "text": "h\u00e9llo \u2713 \U0001F600"}
    echoed = echo.apply_async(kwargs=typed).get(timeout=timeout)
    report["type_markers"] = {"equal": echoed == typed, "echoed": repr(echoed)}
    report["extended"] = extended(AsyncResult(sent["send_task_queue_priority"].id, app=app))
    report["extended_kwargs"] = extended(AsyncResult(sent["send_task_kwargs"].id, app=app))
    return report


def retry_scenario(key, failures, timeout):
    """Subscribes to the task's result channel before sending, and lists every state published for it."""
    task_id = str(uuid.uuid4())
    channel = f"celery-task-meta-{task_id}"
    pubsub = _redis().pubsub()
    pubsub.subscribe(channel)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=1)
        if message and message["type"] == "subscribe":
            break
    result = flaky.apply_async((key, failures), task_id=task_id)
    states, documents = [], []
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=1)
        if not message or message["type"] != "message":
            continue
        document = json.loads(message["data"])
        documents.append(document)
        states.append(document["status"])
        if document["status"] in ("SUCCESS", "FAILURE", "REVOKED"):
            break
    pubsub.close()
    report = outcome(result, timeout)
    report.update(states=states, documents=documents, extended=extended(result))
    return report


def canvas_scenario(timeout):
    report = {}
    chained = (add.s(1, 1) | add.s(10)).apply_async()
    report["chain"] = outcome(chained, timeout)
    report["chain_parent"] = outcome(chained.parent, timeout)

    grouped = group(add.s(i, i) for i in range(10)).apply_async()
    report["group"] = {"values": grouped.get(timeout=timeout), "ids": [r.id for r in grouped.results]}

    header = [add.s(i, i) for i in range(10)]
    chorded = chord(header, tsum.s())()
    report["chord"] = outcome(chorded, timeout)
    report["chord_header_ids"] = [r.id for r in chorded.parent.results] if chorded.parent is not None else []

    failing = chord([add.s(1, 1), fail.s(), add.s(2, 2)], tsum.s())()
    report["chord_failing"] = outcome(failing, timeout)

    # A failure inside a chain fails the rest of the chain too, so get() on its end raises instead of hanging.
    broken = (add.s(1, 1) | fail.si() | add.s(10) | add.s(100)).apply_async()
    report["chain_failing"] = outcome(broken, timeout)
    report["chain_failing_ids"] = [broken.parent.parent.parent.id, broken.parent.parent.id, broken.parent.id, broken.id]

    # A chain in a chord header that fails midway still completes the chord: the body fails with ChordError.
    nested = chord([add.s(1, 1) | fail.si() | add.s(1), add.s(2, 2)], tsum.s())()
    report["chord_chain_failing"] = outcome(nested, timeout)

    # link= callbacks get the result; link_error= errbacks are sent with the failed task's id (wire: old-style
    # errback, what Celery does for an errback its worker has not registered).
    linked = add.apply_async((2, 2), link=add.s(100))
    report["link"] = outcome(linked, timeout)
    report["link_children"] = [child.id for child in (linked.children or [])]
    errant = fail.apply_async(link_error=record.s(value="errback"))
    report["link_error"] = outcome(errant, timeout)
    return report


def mixed_canvas_scenario(size, timeout):
    """A chord, a group and a chain meant for a pool of Python and Celerity workers together."""
    chorded = chord([add.s(i, i) for i in range(size)], tsum.s())()
    grouped = group(add.s(i, 1) for i in range(size)).apply_async()
    chained = chain(add.s(0, 1), *[add.s(1) for _ in range(9)]).apply_async()
    retried = [flaky.apply_async((f"mixed-flaky-py-{i}", 1)) for i in range(size)]
    return {"chord": outcome(chorded, timeout), "group": grouped.get(timeout=timeout),
            "chain": outcome(chained, timeout), "retried": [outcome(r, timeout) for r in retried]}


def eta_close_scenario(count, timeout):
    """Tasks whose ETA is 150 ms away when sent, one at a time: when each was due and when it finished."""
    report = []
    for i in range(count):
        eta = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(milliseconds=150)
        line = outcome(add.apply_async((i, i), eta=eta), timeout)
        line["eta"] = eta.isoformat()
        report.append(line)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    mode = modes.add_parser("options")
    mode.add_argument("--timeout", type=float, default=30.0)
    mode = modes.add_parser("ignore-result")
    mode.add_argument("key")
    mode.add_argument("value")
    mode = modes.add_parser("retry")
    mode.add_argument("key")
    mode.add_argument("failures", type=int)
    mode.add_argument("--timeout", type=float, default=30.0)
    mode = modes.add_parser("canvas")
    mode.add_argument("--timeout", type=float, default=30.0)
    mode = modes.add_parser("mixed-canvas")
    mode.add_argument("size", type=int)
    mode.add_argument("--timeout", type=float, default=60.0)
    mode = modes.add_parser("eta-close")
    mode.add_argument("count", type=int)
    mode.add_argument("--timeout", type=float, default=30.0)
    mode = modes.add_parser("revoke")
    mode.add_argument("task_id")
    mode.add_argument("--terminate", action="store_true")
    mode = modes.add_parser("wait")
    mode.add_argument("task_ids", nargs="+")
    mode.add_argument("--timeout", type=float, default=30.0)
    options = parser.parse_args(argv)

    if options.mode == "options":
        report = options_scenario(options.timeout)
    elif options.mode == "ignore-result":
        report = {"id": record.apply_async((options.key, options.value), ignore_result=True).id}
    elif options.mode == "retry":
        report = retry_scenario(options.key, options.failures, options.timeout)
    elif options.mode == "canvas":
        report = canvas_scenario(options.timeout)
    elif options.mode == "mixed-canvas":
        report = mixed_canvas_scenario(options.size, options.timeout)
    elif options.mode == "eta-close":
        report = eta_close_scenario(options.count, options.timeout)
    elif options.mode == "revoke":
        app.control.revoke(options.task_id, terminate=options.terminate)
        report = {"revoked": options.task_id, "terminate": options.terminate}
    else:
        report = [outcome(AsyncResult(task_id, app=app), options.timeout) for task_id in options.task_ids]
    print(json.dumps(report, default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
