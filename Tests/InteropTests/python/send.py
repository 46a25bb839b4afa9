"""Send Celery tasks and wait for their results, for Celerity's interop tests.

Uses the ``compat`` app, so ``CELERITY_REDIS_URL`` names the broker and the backend.

    python send.py send SPEC            sends one task (or a JSON array of them); prints one task id per line
    python send.py wait ID [--timeout S] waits for a result; prints one JSON line
    python send.py call SPEC [--timeout S]  sends, then waits; prints one JSON line

SPEC is JSON given as the argument, or on standard input when it is ``-`` or absent::

    {"name": "compat.add", "args": [2, 3], "kwargs": {}, "queue": "celery", "priority": 5,
     "countdown": 1, "eta": "2030-01-01T00:00:00+00:00", "expires": 60, "task_id": "..."}

``name``, ``args`` and ``kwargs`` are the task; every other key is passed to ``app.send_task`` as it is,
except that ``eta`` and ``expires`` given as ISO-8601 strings are parsed into datetimes.

The JSON line printed by ``wait`` and ``call``::

    {"task_id": "...", "status": "SUCCESS", "result": 5, "exc_type": null, "exc_message": null, "timed_out": false}

For a failed task, ``result`` is the exception's message, ``exc_type`` its class name (``ValueError``).
When the result does not arrive in time, ``timed_out`` is true and ``status`` is the state seen last.
"""

import argparse
import datetime
import json
import sys

from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult

from compat import app


def _datetime(value):
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _load(text):
    if text is None or text == "-":
        text = sys.stdin.read()
    return json.loads(text)


def send(spec):
    """Sends one task described by ``spec`` and returns its AsyncResult."""
    options = dict(spec)
    name = options.pop("name")
    args = options.pop("args", None) or []
    kwargs = options.pop("kwargs", None) or {}
    for key in ("eta", "expires"):
        if key in options:
            options[key] = _datetime(options[key])
    return app.send_task(name, args=args, kwargs=kwargs, **options)


def outcome(task_id, timeout):
    """Waits for the result of ``task_id`` and describes it as a dict."""
    result = AsyncResult(task_id, app=app)
    line = {"task_id": task_id, "status": None, "result": None, "exc_type": None, "exc_message": None,
            "timed_out": False}
    try:
        value = result.get(timeout=timeout, propagate=False)
    except CeleryTimeoutError:
        line.update(status=result.state, timed_out=True)
        return line
    line["status"] = result.state
    if isinstance(value, BaseException):
        message = str(value)
        line.update(result=message, exc_type=type(value).__name__, exc_message=message)
    else:
        line["result"] = value
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    send_mode = modes.add_parser("send", help="send a task and print its id")
    send_mode.add_argument("spec", nargs="?", default="-")
    wait_mode = modes.add_parser("wait", help="wait for a result and print it as JSON")
    wait_mode.add_argument("task_id")
    wait_mode.add_argument("--timeout", type=float, default=10.0)
    call_mode = modes.add_parser("call", help="send a task, wait for its result and print it as JSON")
    call_mode.add_argument("spec", nargs="?", default="-")
    call_mode.add_argument("--timeout", type=float, default=10.0)
    options = parser.parse_args(argv)

    if options.mode == "send":
        spec = _load(options.spec)
        for one in spec if isinstance(spec, list) else [spec]:
            print(send(one).id, flush=True)
    elif options.mode == "wait":
        print(json.dumps(outcome(options.task_id, options.timeout), default=repr), flush=True)
    else:
        task_id = send(_load(options.spec)).id
        print(json.dumps(outcome(task_id, options.timeout), default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
