"""The Python producer of ``Examples/ExternalShop``: calls its tasks by name, as a Django app without the Swift code.

Uses the ``compat`` app, so ``CELERITY_REDIS_URL`` names the broker and the backend.

    python external_shop.py [--timeout S]

Prints one JSON line: ``positional``, ``keyword``, ``mixed``, ``chord`` and ``bad_type``, each an outcome
``{"id", "state", "value", "exc_type", "exc_message"}``.
"""

import argparse
import json
import sys

from celery import chord

from compat import app

QUEUE = "external_shop"


def line_total(*args, **kwargs):
    return app.signature("external_shop.line_total", args=args, kwargs=kwargs, queue=QUEUE)


def outcome(result, timeout):
    value = result.get(timeout=timeout, propagate=False)
    line = {"id": result.id, "state": result.state, "value": None, "exc_type": None, "exc_message": None}
    if isinstance(value, BaseException):
        line.update(exc_type=type(value).__name__, exc_message=str(value))
    else:
        line["value"] = value
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30.0)
    options = parser.parse_args(argv)
    body = app.signature("external_shop.invoice_total", kwargs={"invoice_id": 7}, queue=QUEUE)
    report = {
        "positional": outcome(line_total(250, 3).delay(), options.timeout),
        "keyword": outcome(line_total(unit_cents=250, quantity=3, discount_percent=10).delay(), options.timeout),
        "mixed": outcome(line_total(250, quantity=4).delay(), options.timeout),
        "chord": outcome(chord([line_total(100, 2), line_total(50, 1), line_total(999, 0)], body)(), options.timeout),
        "bad_type": outcome(line_total("a lot", 1).delay(), options.timeout),
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
