#!/usr/bin/env python3
"""Many queues (issue 23, part 6): does a worker's fetch cost grow with the number of lists it consumes?

The same drain as bench.py's (N `bench.noop` queued on `celery`, moved aside, the pool of 2 worker processes
started and warmed up, the N made visible at once, a 1 ms probe timing it), once with the worker consuming its one
default queue (`celery`: 4 priority buckets, so 4 lists) and once with it consuming 50 queues (`-Q mq01,…,mq49,celery`:
200 lists). The backlog is on `celery`, the last queue given, so every take of the 50-queue worker has the 49
empty queues' first buckets ahead of it in consumption order (kombu's: priority-major, then queue order; round
robin moves `celery` to the back after each take, where it already is) — the worst case of a scan over the lists.
A backlog spread over the queues would find a non-empty list at once and hide that cost. The 49 other queues exist
only as the worker's consumers: an empty Redis list has no key.

Every (binary, layout, repetition) gets a fresh redis-server; binaries and layouts are interleaved in every
repetition, the order rotating. Prints one JSON line per drain and a table of medians (min–max).

    bash bench/many-queues.sh [--tasks 20000] [--reps 5] [--binary before=/path/to/celerity-bench] …
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (bench.py beside this file: its Redis server, Celerity system and drain)

OTHER_QUEUES = [f"mq{index:02d}" for index in range(1, 50)]
LAYOUTS = {"1 queue": [], "50 queues": ["-Q", ",".join(OTHER_QUEUES + ["celery"])]}


class QueuesCelerity(bench.Celerity):
    """bench.py's Celerity with a chosen binary and `-Q`."""

    def __init__(self, settings: argparse.Namespace, server: bench.RedisServer, binary: Path, queues: list[str]) -> None:
        settings = argparse.Namespace(**vars(settings), celerity_bench=binary)
        super().__init__(settings, server)
        self.queues = queues

    def worker_commands(self) -> list[list[str]]:
        return [command + self.queues for command in super().worker_commands()]


def one_drain(settings: argparse.Namespace, label: str, binary: Path, layout: str, mode: str) -> dict:
    server = bench.RedisServer()
    try:
        system = QueuesCelerity(settings, server, binary, LAYOUTS[layout])
        sent = system.enqueue(settings.tasks, bulk=True, ignore_result=mode == "ignored")
        system.stage(mode)
        result = bench.drain(system, mode, settings.tasks, sent["last_ids"])
    finally:
        server.stop()
    return {"binary": label, "layout": layout, "mode": mode, "load": os.getloadavg()[0], **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--modes", default="ignored,stored", help="drains: results ignored and/or stored")
    parser.add_argument("--binary", action="append", required=True, help="LABEL=PATH of a celerity-bench (repeatable)")
    parser.add_argument("--out", type=Path, help="also write the JSON lines here")
    settings = parser.parse_args()
    binaries = [(text.split("=", 1)[0], Path(text.split("=", 1)[1]).resolve()) for text in settings.binary]
    run_settings = argparse.Namespace(tasks=settings.tasks, batch=1000, logs=Path(tempfile.mkdtemp(prefix="celerity-mq-logs.")))
    records = []
    runs = [(label, binary, layout) for label, binary in binaries for layout in LAYOUTS]
    for rep in range(settings.reps):
        for label, binary, layout in runs[rep % len(runs):] + runs[:rep % len(runs)]:
            for mode in settings.modes.split(","):
                record = {"rep": rep, **one_drain(run_settings, label, binary, layout, mode)}
                records.append(record)
                line = json.dumps(record)
                print(line, flush=True)
                if settings.out:
                    with settings.out.open("a") as out:
                        out.write(line + "\n")
    print("\n| binary | layout | drain | tasks/s, median (min–max) | Redis CPU µs/task | LLEN/task | load |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, _ in binaries:
        for layout in LAYOUTS:
            for mode in settings.modes.split(","):
                rows = [r for r in records if (r["binary"], r["layout"], r["mode"]) == (label, layout, mode)]
                rates = [r["rate"] for r in rows]
                cost = statistics.median(r["redis_cpu_us_per_task"] for r in rows)
                llen = statistics.median(r["redis_calls_per_task"].get("llen", 0) for r in rows)
                loads = [r["load"] for r in rows]
                print(f"| {label} | {layout} | {mode} | {statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f}) "
                      f"| {cost:.1f} | {llen:.2f} | {min(loads):.1f}–{max(loads):.1f} |")


if __name__ == "__main__":
    main()
