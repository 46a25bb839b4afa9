"""Python-client scenarios for the Celery wire features of Celerity's interop tests; each prints one JSON line.

Uses the ``compat`` app, so ``CELERITY_REDIS_URL`` names the broker and the backend and
``CELERITY_GLOBAL_KEYPREFIX`` its ``global_keyprefix``.

    python wire.py events TYPE [--hostname H] [--timeout S]
                                                receives Celery events until one of TYPE (from H) arrives;
                                                prints the types and hostnames seen, and the events of TYPE
    python wire.py children COUNT [--queue Q]  sends compat.spawn(COUNT), waits for it, then reads
                                                ``AsyncResult.children`` and waits for each child
    python wire.py nested-chords [--queue Q]   chords whose header holds a group, a chord, a chain ending in a
                                                group; prints what each body received
    python wire.py extended ID                 waits for task ID; prints the ``result_extended`` fields
                                                ``AsyncResult`` reads (null when not stored)
"""

import argparse
import json
import socket
import sys
import time

from celery import chain, chord, group
from celery.result import AsyncResult, GroupResult

from compat import app


def events_scenario(wanted, hostname, timeout):
    """Captures events with Celery's own receiver (kombu's fanout, prefixed as kombu prefixes it)."""
    seen = []
    deadline = time.monotonic() + timeout
    with app.connection() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": seen.append})
        print("listening", flush=True)
        try:
            for _ in receiver.itercapture(limit=None, timeout=timeout, wakeup=False):
                if any(event.get("type") == wanted and hostname in (None, event.get("hostname")) for event in seen):
                    break
                if time.monotonic() > deadline:
                    break
        except (socket.timeout, TimeoutError):
            pass
    return {
        "types": sorted({event.get("type") for event in seen}),
        "hostnames": sorted({event.get("hostname") for event in seen if event.get("hostname")}),
        "wanted": [event for event in seen if event.get("type") == wanted],
    }


def describe(child, timeout):
    """A child of ``AsyncResult.children`` as its kind and value(s)."""
    if isinstance(child, GroupResult):
        return {"type": "GroupResult", "id": child.id, "values": child.get(timeout=timeout)}
    return {"type": type(child).__name__, "id": child.id, "value": child.get(timeout=timeout)}


def children_scenario(count, queue, timeout):
    result = app.send_task("compat.spawn", args=[count], queue=queue)
    value = result.get(timeout=timeout)
    parent = AsyncResult(result.id, app=app)
    return {"id": result.id, "value": value, "children": [describe(c, timeout) for c in parent.children or []]}


def nested_chords_scenario(queue, timeout):
    """Chords whose header is not a flat list of tasks, every part on ``queue``; the bodies return what they got."""
    def sig(name, *args):
        return app.signature(name, args=args, queue=queue)

    identity = sig("compat.identity")
    cases = {
        # Celery flattens a group in a header: the body gets one list.
        "group_in_header": chord([group(sig("compat.add", 1, 1), sig("compat.add", 2, 2)), sig("compat.add", 3, 3)],
                                 identity),
        # The inner chord's body result counts as one header result of the outer chord.
        "chord_in_header": chord([chord([sig("compat.add", 1, 1), sig("compat.add", 2, 2)], sig("compat.tsum")),
                                  sig("compat.add", 10, 10)], identity),
        # A chain ending in a group is a GroupResult in the header: Celery saves the header and joins it by
        # restoring it, so the body gets a nested list.
        "chain_to_group_in_header": chord([chain(sig("compat.add", 1, 1), group(sig("compat.add", 1),
                                                                              sig("compat.add", 2))),
                                           sig("compat.add", 5, 5)], identity),
    }
    report = {}
    for name, canvas in cases.items():
        result = canvas.apply_async()
        try:
            report[name] = {"value": result.get(timeout=timeout)}
        except Exception as error:  # noqa: BLE001 - reported to the test
            report[name] = {"error": f"{type(error).__name__}: {error}", "state": result.state}
    return report


def extended_scenario(task_id, timeout):
    result = AsyncResult(task_id, app=app)
    result.get(timeout=timeout)
    return {field: getattr(result, field) for field in ("name", "args", "kwargs", "worker", "retries", "queue")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    mode = modes.add_parser("events")
    mode.add_argument("type")
    mode.add_argument("--hostname")
    mode.add_argument("--timeout", type=float, default=20.0)
    mode = modes.add_parser("children")
    mode.add_argument("count", type=int)
    mode.add_argument("--queue", default="celery")
    mode.add_argument("--timeout", type=float, default=20.0)
    mode = modes.add_parser("nested-chords")
    mode.add_argument("--queue", default="celery")
    mode.add_argument("--timeout", type=float, default=30.0)
    mode = modes.add_parser("extended")
    mode.add_argument("task_id")
    mode.add_argument("--timeout", type=float, default=20.0)
    options = parser.parse_args(argv)

    if options.mode == "events":
        report = events_scenario(options.type, options.hostname, options.timeout)
    elif options.mode == "nested-chords":
        report = nested_chords_scenario(options.queue, options.timeout)
    elif options.mode == "children":
        report = children_scenario(options.count, options.queue, options.timeout)
    else:
        report = extended_scenario(options.task_id, options.timeout)
    print(json.dumps(report, default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
