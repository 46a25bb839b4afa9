"""Python-client scenarios for the Celery wire features of Celerity's interop tests; each prints one JSON line.

Uses the ``compat`` app, so ``CELERITY_REDIS_URL`` names the broker and the backend and
``CELERITY_GLOBAL_KEYPREFIX`` its ``global_keyprefix``.

    python wire.py events TYPE [--timeout S]   receives Celery events until one of TYPE arrives; prints the
                                                types and hostnames seen
"""

import argparse
import json
import socket
import sys
import time

from compat import app


def events_scenario(wanted, timeout):
    """Captures events with Celery's own receiver (kombu's fanout, prefixed as kombu prefixes it)."""
    seen = []
    deadline = time.monotonic() + timeout
    with app.connection() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": seen.append})
        try:
            for _ in receiver.itercapture(limit=None, timeout=timeout, wakeup=False):
                if any(event.get("type") == wanted for event in seen) or time.monotonic() > deadline:
                    break
        except (socket.timeout, TimeoutError):
            pass
    return {
        "types": sorted({event.get("type") for event in seen}),
        "hostnames": sorted({event.get("hostname") for event in seen if event.get("hostname")}),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    mode = modes.add_parser("events")
    mode.add_argument("type")
    mode.add_argument("--timeout", type=float, default=20.0)
    options = parser.parse_args(argv)

    if options.mode == "events":
        report = events_scenario(options.type, options.timeout)
    print(json.dumps(report, default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
