#!/usr/bin/env python3
"""Scale curves (issue 18, item 1): how Celerity's cost grows with its work. Run through
`bench/scale/run.sh`; what each curve means and how it is measured is in bench/README.md ("Scale curves").

    scale.py run --curve drain --sizes 10000,100000,1000000 --out bench/results --name scale-DATE
    scale.py report bench/results/scale-DATE.jsonl        # the table (.md) and the plots (.png) again

Every measurement gets a fresh redis-server (no persistence) on a free loopback port, and appends one JSON
line to <name>.jsonl; `run` renders the report after each curve. Curves: drain, eta, queues, nodes, dlq.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench  # noqa: E402  (the issue-7 benchmark: RedisServer, Pool, the Celerity and Celery systems, drain)
from bench import CLOCK_TICKS, cpu_ticks, log  # noqa: E402

SCALE = Path(__file__).resolve().parent
ROOT = SCALE.parent.parent
PRIORITY_STEPS = (0, 3, 6, 9)
PROMOTE_LIMIT_MS = 5.0


def bucket_key(queue: str, step: int) -> str:
    """A kombu priority bucket's list: the queue itself for step 0, `queue\\x06\\x16<step>` otherwise."""
    return queue if step == 0 else f"{queue}\x06\x16{step}"


class ScaleCelerity(bench.Celerity):
    """The benchmark's Celerity system, consuming `queues`, with the metrics endpoint off (so several
    nodes, and other work on this machine, never compete for port 9808)."""

    def __init__(self, settings, server, queues=("celery",), nodes=1) -> None:
        super().__init__(settings, server)
        self.queues = list(queues)
        self.nodes = nodes
        self.ready_keys = [bucket_key(q, s) for s in PRIORITY_STEPS for q in self.queues]

    def worker_commands(self) -> list[list[str]]:
        return [[str(self.settings.celerity_bench), "worker", "-c", "2", "--log-level", "warning",
                 "--metrics-address", "0", "-Q", ",".join(self.queues), "-n", f"scale-{index}@bench"]
                for index in range(self.nodes)]

    def send_at_rate(self, rate: float, seconds: float) -> dict:
        return self.run_client("send-at-rate", "--rate", str(rate), "--duration", str(seconds),
                               "--queue", self.queues[0])

    def stage(self, mode: str) -> None:
        pipe = self.server.client.pipeline(transaction=True)
        for key in self.ready_keys:
            if self.server.client.exists(key):
                pipe.rename(key, f"bench:stage:{mode}:{key}")
        pipe.execute()

    def release(self, mode: str) -> None:
        pipe = self.server.client.pipeline(transaction=True)
        for key in self.ready_keys:
            if self.server.client.exists(f"bench:stage:{mode}:{key}"):
                pipe.rename(f"bench:stage:{mode}:{key}", key)
        pipe.execute()


def prioritize(server: bench.RedisServer) -> None:
    """Runs redis-server at nice -10, for the curves that time single script calls (SLOWLOG): on this shared
    machine a server waiting for a core would otherwise charge the wait to whatever call it was running.
    SCALE_REDIS_FIFO=1 runs it under SCHED_FIFO instead (no other process preempts it: a diagnostic of how much
    of the longest call is the wait, to use briefly, as it can take a whole core from the machine's other work)."""
    if os.environ.get("SCALE_REDIS_FIFO") == "1":
        os.sched_setscheduler(server.process.pid, os.SCHED_FIFO, os.sched_param(1))
    else:
        os.setpriority(os.PRIO_PROCESS, server.process.pid, -10)


def used_memory(server: bench.RedisServer) -> int:
    return int(server.client.info("memory")["used_memory"])


def pool_cpu(pool: bench.Pool, seconds: float) -> float:
    """CPU of every process of the pool over `seconds`, in % of one core."""
    pids = pool.all_pids()
    before = {pid: cpu_ticks(pid) for pid in pids}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    return 100 * sum(cpu_ticks(pid) - before[pid] for pid in pids) / CLOCK_TICKS / elapsed


def enqueue(system: ScaleCelerity, count: int, *extra: str) -> dict:
    return system.run_client("enqueue", "--count", str(count), "--batch", str(system.settings.batch),
                             "--ignore-result", *extra)


# MARK: - Curves


def curve_drain(settings, size: int) -> list[dict]:
    """Backlog drain: `size` queued no-op tasks (results ignored), drained by one node with 2 processes as in
    bench.py; Redis memory per queued message from `used_memory` before and after the bulk enqueue."""
    records = []
    server = bench.RedisServer()
    try:
        system = ScaleCelerity(settings, server)
        before = used_memory(server)
        sent = enqueue(system, size)
        after = used_memory(server)
        sample = server.client.lindex("celery", 0) or b""
        system.stage("ignored")
        timeline = watch_probe(system)
        result = bench.drain(system, "ignored", size, [])
        first, last = timeline[0], timeline[-1]
        records.append({"curve": "drain", "system": "celerity", "size": size, "rate": result["rate"],
                        "seconds": result["seconds"], "pickup_ms": result["pickup_ms"],
                        "enqueue_rate": sent["rate"], "bytes_per_message": (after - before) / size,
                        "message_bytes": len(sample), "used_memory_mib": after / 2**20,
                        "redis_cpu_ms_per_1k": result["redis_cpu_us_per_task"],
                        "redis_script_calls_per_task": result["redis_script_calls_per_task"],
                        "pool_cpu_ms_per_1k": 1e6 * (last[2] - first[2]) / size,
                        "pool_wait_per_s": (last[3] - first[3]) / (last[0] - first[0]), "timeline": timeline})
    finally:
        server.stop()
    if size == min(settings.sizes):
        # The same message queued by Celery: bench.noop.apply_async(ignore_result=True), one by one.
        server = bench.RedisServer()
        try:
            celery = bench.Celery(settings, server)
            before = used_memory(server)
            celery.enqueue(size, bulk=False, ignore_result=True)
            after = used_memory(server)
            sample = server.client.lindex("celery", 0) or b""
            records.append({"curve": "drain", "system": "celery", "size": size,
                            "bytes_per_message": (after - before) / size, "message_bytes": len(sample)})
        finally:
            server.stop()
    return records


def watch_probe(system: ScaleCelerity) -> list[list[float]]:
    """Makes the system's drain probe also keep, every 0.5 s: seconds since the first probe, messages ready, CPU
    seconds used and seconds spent waiting for a core by the pool's processes, so far — the rate over the
    drain, not only its mean, and whether a slower stretch cost more CPU per task or only waited longer."""
    timeline: list[list[float]] = []
    probe, start_pool = system.probe, system.start_pool
    pools: list[bench.Pool] = []

    def started_pool(*args, **kwargs):
        pools.append(start_pool(*args, **kwargs))
        return pools[-1]

    def recorded(*args, **kwargs):
        ready, busy = probe(*args, **kwargs)
        now = time.perf_counter()
        if not timeline:
            recorded.started = now
        if not timeline or now - recorded.started - timeline[-1][0] >= 0.5 or ready == 0:
            pids = pools[-1].all_pids() if pools else []
            cpu = sum(cpu_ticks(pid) for pid in pids) / CLOCK_TICKS
            timeline.append([round(now - recorded.started, 3), ready, round(cpu, 2), round(run_delay(pids), 3)])
        return ready, busy

    system.probe, system.start_pool = recorded, started_pool
    return timeline


def run_delay(pids: list[int]) -> float:
    """Seconds the processes' threads spent runnable but waiting for a core (/proc/PID/task/TID/schedstat,
    second field)."""
    total = 0
    for pid in pids:
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{pid}/task/{thread}/schedstat") as handle:
                    total += int(handle.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return total / 1e9


def slowlog_scripts(server: bench.RedisServer) -> list[tuple[float, list[str]]]:
    """Every SLOWLOG entry: (milliseconds, arguments as text)."""
    entries = server.client.slowlog_get(1_000_000)
    found = []
    for entry in entries:
        command = entry.get("command", b"")
        arguments = (command.decode(errors="replace") if isinstance(command, bytes) else command).split()
        found.append((entry["duration"] / 1000, arguments))
    return found


def is_script_on(arguments: list[str], key: str, keys: int) -> bool:
    return len(arguments) > 3 and arguments[0].upper() in ("EVALSHA", "EVAL") and arguments[2] == str(keys) \
        and arguments[3] == key


def curve_eta(settings, size: int) -> list[dict]:
    """ETA burst: `size` bench.latency tasks with one ETA (a whole second), sent in bulk to a running node,
    which defers them into the ETA set; at the due second they are promoted and run. Each task records its
    start minus the ETA. SLOWLOG (threshold 100 µs) gives the longest single promote call."""
    server = bench.RedisServer()
    client = server.client
    try:
        system = ScaleCelerity(settings, server)
        prioritize(server)
        client.config_set("slowlog-log-slower-than", 100)
        client.config_set("slowlog-max-len", 1_000_000)
        client.config_set("latency-monitor-threshold", 1)
        pool = system.start_pool(f"eta-{size}")
        try:
            client.slowlog_reset()
            client.execute_command("LATENCY", "RESET")
            client.delete("bench:latency")
            margin = 6 + size / 3000  # time to send and defer them all first
            due = math.ceil(time.time() + margin)
            sent_at = time.time()
            enqueue(system, size, "--task", "bench.latency", "--eta", str(due))
            while client.zcard("celerity:eta") < size and time.time() < due:
                time.sleep(0.01)
            deferred_seconds = time.time() - sent_at
            all_deferred = client.zcard("celerity:eta") >= size
            deadline = due + 120 + size / 500
            while client.llen("bench:latency") < size and time.time() < deadline:
                time.sleep(0.01)
            samples = sorted(float(v) for v in client.lrange("bench:latency", 0, -1))
            idle_cpu = None
        finally:
            pool.stop()
        log_entries = slowlog_scripts(server)
        promote = [ms for ms, args in log_entries if is_script_on(args, "celerity:eta", 1)]
        longest_any = max(log_entries, default=(0.0, []), key=lambda e: e[0])
        latency = client.execute_command("LATENCY", "LATEST") or []
        command_max = max((int(row[3]) for row in latency if row[0] in (b"command", "command")), default=0)
        return [{
            "curve": "eta", "system": "celerity", "size": size, "started": len(samples),
            "all_started_s": samples[-1] if samples else None, "p50_start_s": bench.percentile(samples, 0.5),
            "first_start_s": samples[0] if samples else None, "deferred_seconds": deferred_seconds,
            "deferred_before_due": all_deferred, "promote_calls_over_100us": len(promote),
            "promote_max_ms": max(promote, default=0.0), "promote_median_ms": bench.percentile(sorted(promote), 0.5),
            "promote_calls_over_5ms": sum(1 for ms in promote if ms > PROMOTE_LIMIT_MS),
            "slowest_call_ms": longest_any[0], "slowest_call": " ".join(longest_any[1][:4])[:80],
            "latency_command_max_ms": command_max, "idle_cpu": idle_cpu,
        }]
    finally:
        server.stop()


def curve_queues(settings, size: int) -> list[dict]:
    """`size` queues × 4 priority buckets, one node with 2 processes consuming all: drain rate of
    settings.queue_tasks no-op tasks spread evenly over every (queue, bucket), per-queue remaining messages
    sampled every 50 ms (fairness), then the idle CPU of the pool and of Redis over 10 s."""
    queues = [f"scale-q{index:02d}" for index in range(size)]
    count = settings.queue_tasks
    server = bench.RedisServer()
    client = server.client
    try:
        system = ScaleCelerity(settings, server, queues=queues)
        enqueue(system, count, "--queues", ",".join(queues), "--priorities", ",".join(map(str, PRIORITY_STEPS)))
        system.stage("ignored")
        probe = client.register_script("""
            local out = {}
            for q = 1, #ARGV do
              local n = 0
              for _, step in ipairs({'', '\\6\\0223', '\\6\\0226', '\\6\\0229'}) do n = n + redis.call('LLEN', ARGV[q] .. step) end
              out[q] = n
            end
            local busy = 0
            for _, p in ipairs(redis.call('SMEMBERS', 'celerity:processes')) do
              busy = busy + redis.call('LLEN', 'celerity:processing:' .. p)
            end
            out[#ARGV + 1] = busy
            return out
        """)
        pool = system.start_pool(f"queues-{size}")
        try:
            pids = pool.all_pids()
            redis_start, pool_start = bench.redis_cpu_seconds(client), sum(cpu_ticks(pid) for pid in pids) / CLOCK_TICKS
            system.release("ignored")
            released = time.perf_counter()
            start, timeline, last_sample = None, [], -1.0
            while True:
                counts = probe(args=queues)
                now = time.perf_counter()
                remaining, busy = counts[:-1], counts[-1]
                total = sum(remaining)
                if start is None and total < count:
                    start = now
                if start is not None and now - last_sample >= 0.05:
                    timeline.append([round(now - start, 3), remaining])
                    last_sample = now
                if total == 0 and busy == 0 and start is not None:
                    done = now
                    timeline.append([round(now - start, 3), remaining])
                    redis_drain = bench.redis_cpu_seconds(client) - redis_start
                    pool_drain = sum(cpu_ticks(pid) for pid in pids) / CLOCK_TICKS - pool_start
                    break
                if now - released > 600:
                    raise RuntimeError("queues drain did not finish in 600 s")
                time.sleep(0.002)
            time.sleep(1.0)
            redis_before = bench.redis_cpu_seconds(client)
            idle = pool_cpu(pool, settings.idle)
            redis_idle = 100 * (bench.redis_cpu_seconds(client) - redis_before) / settings.idle
        finally:
            pool.stop()
        seconds = done - start
        per_queue = count // size
        emptied = []
        for index in range(size):
            emptied.append(next((t for t, rem in timeline if rem[index] == 0), seconds))
        half = next((rem for t, rem in timeline if sum(rem) <= count / 2), timeline[-1][1])
        slowest_at_half = min(1 - rem / per_queue for rem in half)
        return [{
            "curve": "queues", "system": "celerity", "size": size, "buckets": size * 4, "tasks": count,
            "rate": count / seconds, "seconds": seconds, "redis_cpu_ms_per_1k": 1e6 * redis_drain / count,
            "pool_cpu_ms_per_1k": 1e6 * pool_drain / count, "idle_cpu_percent": idle, "redis_idle_cpu_percent": redis_idle,
            "first_queue_empty_s": min(emptied), "last_queue_empty_s": max(emptied),
            "slowest_queue_done_at_half": slowest_at_half,
            "timeline": timeline if size == max(settings.sizes) else None,
        }]
    finally:
        server.stop()


# What an idle node spends Redis operations on, by the command and its first key.
def classify(arguments: list[str]) -> str:
    name = arguments[0].upper()
    key = arguments[1] if len(arguments) > 1 else ""
    if name in ("EVALSHA", "EVAL"):
        key = arguments[3] if len(arguments) > 3 else ""
        if key.startswith("celerity:processing:"):
            return "fetch (idle poll)"
        if key == "celerity:eta":
            return "ETA scan"
        if key == "celerity:lock:reaper":
            return "reaper"
        return "other script"
    if name == "BLMOVE" or (name in ("LMOVE", "LINDEX", "LLEN", "LRANGE", "EXISTS", "HLEN") and key != "" and
                            (key.startswith("celerity:processing:") or key in ("celerity:deliveries", "celerity:revoked")
                             or not key.startswith("celerity:"))):
        return "fetch (idle poll)"
    if name in ("ZRANGEBYSCORE", "ZREM") and key == "celerity:eta":
        return "ETA scan"
    if key == "celerity:lock:reaper" or name == "SMEMBERS" or (name == "EXISTS" and key.startswith("celerity:lease:")):
        return "reaper"
    if key.startswith("celerity:lease:") or key in ("celerity:processes", "celerity:workers") \
            or key.startswith("celerity:worker:") or name == "PUBLISH":
        return "heartbeat"
    return f"other ({name})"


def curve_nodes(settings, size: int) -> list[dict]:
    """`size` idle worker nodes (2 processes each) on one Redis: every command Redis runs over
    settings.window seconds (MONITOR), by purpose; commands run inside scripts are counted apart."""
    server = bench.RedisServer()
    client = server.client
    try:
        system = ScaleCelerity(settings, server, nodes=size)
        pool = system.start_pool(f"nodes-{size}")
        try:
            deadline = time.monotonic() + 60
            while client.scard("celerity:processes") < 2 * size or client.zcard("celerity:workers") < size:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{size} nodes did not all register")
                time.sleep(0.1)
            time.sleep(3)
            calls: dict[str, int] = {}
            inner: dict[str, int] = {}
            stop = threading.Event()

            def watch() -> None:
                with client.monitor() as monitor:
                    for entry in monitor.listen():
                        if stop.is_set():
                            return
                        command = entry.get("command", "")
                        if not command:
                            continue
                        arguments = command.split()
                        if arguments[0].upper() == "EVAL" and "celerity:processing:" in command:
                            arguments = ["EVAL", "-", "-", "celerity:processing:"]  # the idle poll's fetch, sent as source
                        bucket = inner if entry.get("client_type") == "lua" else calls
                        category = classify(arguments)
                        bucket[category] = bucket.get(category, 0) + 1

            client.config_resetstat()
            redis_before = bench.redis_cpu_seconds(client)
            thread = threading.Thread(target=watch, daemon=True)
            thread.start()
            idle = pool_cpu(pool, settings.window)
            stop.set()
            client.ping()  # wakes the monitor so it sees the stop
            thread.join(5)
            redis_idle = 100 * (bench.redis_cpu_seconds(client) - redis_before) / settings.window
            stats = client.info("commandstats")
        finally:
            pool.stop()
        total_calls = sum(v["calls"] for k, v in stats.items() if k not in ("cmdstat_monitor", "cmdstat_ping",
                                                                             "cmdstat_info", "cmdstat_config"))
        return [{
            "curve": "nodes", "system": "celerity", "size": size, "processes": 2 * size, "window_s": settings.window,
            "calls_per_s": {k: v / settings.window for k, v in sorted(calls.items())},
            "script_inner_per_s": {k: v / settings.window for k, v in sorted(inner.items())},
            "commandstats_per_s": total_calls / settings.window,
            "pool_idle_cpu_percent": idle, "redis_cpu_percent": redis_idle,
        }]
    finally:
        server.stop()


def celerity_cli(settings, server, *arguments: str) -> tuple[float, str]:
    env = dict(os.environ, CELERITY_REDIS_URL=server.url)
    started = time.perf_counter()
    done = subprocess.run([str(settings.celerity), *arguments], env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"celerity {' '.join(arguments)} failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


def curve_dlq(settings, size: int) -> list[dict]:
    """A dead-letter queue of `size` entries (real envelopes, entries shaped as the worker writes them):
    `celerity dlq list` first and last page, and `celerity dlq requeue --all`, each timed as a command."""
    server = bench.RedisServer()
    client = server.client
    try:
        system = ScaleCelerity(settings, server)
        enqueue(system, size)
        now = time.time()
        index = 0
        while True:
            envelopes = client.lrange("celery", 0, 4999)
            if not envelopes:
                break
            pipe = client.pipeline(transaction=False)
            for raw in envelopes:
                entry_id = f"{int(now * 1000)}-{uuid.uuid4().hex[:8]}-{index}"
                entry = {"id": entry_id, "reason": "unknown task name", "error": "NotRegistered: bench.noop",
                         "time": now + index * 1e-6, "worker": "scale@bench", "queue": "celery", "task": "bench.noop",
                         "task_id": "", "envelope": raw.decode()}
                pipe.hset("celerity:dlq:entries", entry_id, json.dumps(entry))
                pipe.zadd("celerity:dlq", {entry_id: now + index * 1e-6})
                index += 1
            pipe.ltrim("celery", len(envelopes), -1)
            pipe.execute()
        prioritize(server)
        client.config_set("slowlog-log-slower-than", 100)
        client.config_set("slowlog-max-len", 1_000_000)
        first = [celerity_cli(settings, server, "dlq", "list", "--limit", "50")[0] for _ in range(3)]
        last_page, output = celerity_cli(settings, server, "dlq", "list", "--limit", "50", "--offset", str(size - 50))
        last_lines = [line for line in output.splitlines()
                      if line and "dead-lettered message" not in line and not line.startswith("showing")]
        client.slowlog_reset()
        requeue_seconds, output = celerity_cli(settings, server, "dlq", "requeue", "--all")
        requeued = client.llen("celery")
        scripts = [ms for ms, args in slowlog_scripts(server) if is_script_on(args, "celerity:dlq", 2)]
        return [{
            "curve": "dlq", "system": "celerity", "size": size, "list_first_page_s": statistics.median(first),
            "list_last_page_s": last_page, "last_page_entries": len(last_lines), "requeue_all_s": requeue_seconds,
            "requeued": requeued, "left_in_dlq": client.zcard("celerity:dlq"),
            "requeue_script_max_ms": max(scripts, default=0.0), "requeue_script_median_ms": bench.percentile(sorted(scripts), 0.5),
            "requeue_scripts_over_100us": len(scripts),
        }]
    finally:
        server.stop()


CURVES = {"drain": curve_drain, "eta": curve_eta, "queues": curve_queues, "nodes": curve_nodes, "dlq": curve_dlq}
DEFAULT_SIZES = {"drain": [10_000, 100_000, 1_000_000], "eta": [1_000, 10_000, 100_000], "queues": [1, 10, 50],
                 "nodes": [1, 4, 16], "dlq": [1_000, 10_000, 100_000]}


# MARK: - Report


def environment(settings) -> dict:
    server = bench.RedisServer()
    try:
        version = server.client.info("server")["redis_version"]
    finally:
        server.stop()
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"curve": "meta", "cores": os.cpu_count(), "kernel": platform.release(), "redis": version,
            "python": platform.python_version(), "commit": commit, "label": settings.label,
            "celerity_prefetch_batch": os.environ.get("CELERITY_PREFETCH_BATCH", "default"),
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def window_rates(timeline: list[list[float]] | None, seconds: float = 2.0) -> list[tuple[int, float]]:
    """(messages ready at the window's start, tasks/s) over consecutive windows of about `seconds`."""
    rates, start = [], 0
    for index in range(1, len(timeline or [])):
        (t0, ready0), (t1, ready1) = timeline[start][:2], timeline[index][:2]
        if t1 - t0 >= seconds and ready1 > 0:
            rates.append((ready0, (ready0 - ready1) / (t1 - t0)))
            start = index
    return rates


def fmt(value, digits=0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def report(jsonl: Path) -> None:
    records = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
    metas = [r for r in records if r["curve"] == "meta"]
    out = [f"# Scale curves ({jsonl.stem})", "",
           "`bash bench/scale/run.sh`. bench/README.md, \"Scale curves\", says what each number means, what bent, "
           "what was fixed and what is left. One run per size and label, each on a fresh redis-server; JSON lines "
           "beside this file. Labels name the code measured, in the order measured.", ""]
    for meta in metas:
        out.append(f"- {meta['time']} [{meta.get('label') or 'main'}]: {meta['cores']} cores, Linux {meta['kernel']}, "
                   f"Redis {meta['redis']}, Python {meta['python']}, commit {meta['commit']}")
    out.append("")
    order = {label: index for index, label in enumerate(dict.fromkeys(r.get("label", "") for r in records))}
    by_curve: dict[str, list[dict]] = {}
    for record in records:
        by_curve.setdefault(record["curve"], []).append(record)

    if "drain" in by_curve:
        rows = [r for r in by_curve["drain"] if r["system"] == "celerity"]
        celery = [r for r in by_curve["drain"] if r["system"] == "celery"]
        out += ["## Backlog drain and memory per queued message", "",
                "| label | backlog | drain rate (tasks/s) | vs. the 10k figure | median 2 s window (tasks/s) | pool CPU per 1k tasks (ms) | Redis CPU per 1k tasks (ms) | pool's wait for a core (s/s) | load average | bulk enqueue (tasks/s) | Redis bytes per message | message bytes | Redis used memory (MiB) |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for label in dict.fromkeys(r.get("label", "") for r in rows):
            group = sorted((r for r in rows if r.get("label", "") == label), key=lambda r: r["size"])
            base = group[0]["rate"] if group else 0
            for r in group:
                windows = [rate for _, rate in window_rates(r.get("timeline"))]
                out.append(f"| {label or 'main'} | {r['size']:,} | {fmt(r['rate'])} | {100 * r['rate'] / base - 100:+.1f} % | "
                           f"{fmt(statistics.median(windows)) if windows else '—'} | {fmt(r.get('pool_cpu_ms_per_1k'))} | "
                           f"{fmt(r.get('redis_cpu_ms_per_1k'))} | {fmt(r.get('pool_wait_per_s'), 2)} | "
                           f"{r['load1']:.1f} | {fmt(r['enqueue_rate'])} | {fmt(r['bytes_per_message'])} | {r['message_bytes']:,} | "
                           f"{r['used_memory_mib']:,.1f} |")
        for r in celery:
            out.append(f"| Celery 5.7.0 (apply_async), {r.get('label') or 'main'} | {r['size']:,} | — | — | — | — | — | — | — | — | {fmt(r['bytes_per_message'])} | "
                       f"{r['message_bytes']:,} | — |")
        out.append("")
    if "eta" in by_curve:
        out += ["## ETA burst: every task due in the same second", "",
                "| label | tasks | all deferred before due | all started after due (s) | median start after due (s) | promote calls > 100 µs | their median (ms) | longest promote call (ms) | promote calls > 5 ms | slowest call of any kind (ms) |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(by_curve["eta"], key=lambda r: (order[r.get("label", "")], r["size"])):
            out.append(f"| {r.get('label') or 'main'} | {r['size']:,} | {'yes' if r['deferred_before_due'] else 'no'} ({r['deferred_seconds']:.1f} s) | "
                       f"{fmt(r['all_started_s'], 2)} | {fmt(r['p50_start_s'], 2)} | {r['promote_calls_over_100us']} | "
                       f"{fmt(r.get('promote_median_ms'), 2)} | "
                       f"{r['promote_max_ms']:.2f} | {r['promote_calls_over_5ms']} | {r['slowest_call_ms']:.2f} (`{r['slowest_call']}`) |")
        out.append("")
    if "queues" in by_curve:
        out += ["## Many queues × 4 priority buckets", "",
                "| label | queues | lists | tasks | fetch rate (tasks/s) | pool CPU per 1k tasks (ms) | Redis CPU per 1k tasks (ms) | pool idle CPU (% of a core) | Redis idle CPU (%) | first queue empty (s) | last queue empty (s) | slowest queue's share done at half-drain |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(by_curve["queues"], key=lambda r: (order[r.get("label", "")], r["size"])):
            out.append(f"| {r.get('label') or 'main'} | {r['size']} | {r['buckets']} | {r['tasks']:,} | {fmt(r['rate'])} | {fmt(r.get('pool_cpu_ms_per_1k'))} | "
                       f"{fmt(r.get('redis_cpu_ms_per_1k'))} | {r['idle_cpu_percent']:.1f} | "
                       f"{r['redis_idle_cpu_percent']:.1f} | {r['first_queue_empty_s']:.2f} | {r['last_queue_empty_s']:.2f} | "
                       f"{100 * r['slowest_queue_done_at_half']:.0f} % |")
        out.append("")
    if "nodes" in by_curve:
        rows = sorted(by_curve["nodes"], key=lambda r: (order[r.get("label", "")], r["size"]))
        categories = sorted({c for r in rows for c in r["calls_per_s"]})
        out += ["## Idle nodes on one Redis: commands per second by purpose", "",
                "| label | nodes | processes | " + " | ".join(categories) + " | all calls | per node | commands inside scripts | Redis CPU (%) | pool CPU (% of a core) |",
                "|---|---|---|" + "---|" * (len(categories) + 5)]
        for r in rows:
            calls = sum(r["calls_per_s"].values())
            out.append(f"| {r.get('label') or 'main'} | {r['size']} | {r['processes']} | " +
                       " | ".join(f"{r['calls_per_s'].get(c, 0):,.1f}" for c in categories) +
                       f" | {calls:,.1f} | {calls / r['size']:,.1f} | {sum(r['script_inner_per_s'].values()):,.1f} | "
                       f"{r['redis_cpu_percent']:.1f} | {r['pool_idle_cpu_percent']:.1f} |")
        out.append("")
    if "dlq" in by_curve:
        rows = sorted(by_curve["dlq"], key=lambda r: (order[r.get("label", "")], r["size"]))
        out += ["## Dead-letter queue", "",
                "| label | entries | `dlq list` first page (s) | last page (`--offset`) (s) | `dlq requeue --all` (s) | requeued | requeue script calls > 100 µs | their median (ms) | longest (ms) |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            out.append(f"| {r.get('label') or 'main'} | {r['size']:,} | {r['list_first_page_s']:.3f} | {r['list_last_page_s']:.3f} | "
                       f"{r['requeue_all_s']:.2f} | {r['requeued']:,} | {r.get('requeue_scripts_over_100us', '—')} | "
                       f"{fmt(r.get('requeue_script_median_ms'), 2)} | {r['requeue_script_max_ms']:.2f} |")
        out.append("")
    out.append(f"Plots: {', '.join(f'`{p.name}`' for p in plot(by_curve, jsonl))}")
    jsonl.with_suffix(".md").write_text("\n".join(out) + "\n")


def plot(by_curve: dict[str, list[dict]], jsonl: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []

    def save(fig, name: str) -> None:
        path = jsonl.with_name(f"{jsonl.stem}-{name}.png")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    if "drain" in by_curve:
        fig, (left, mid, right) = plt.subplots(1, 3, figsize=(15, 4.5))
        rows = [r for r in by_curve["drain"] if r["system"] == "celerity"]
        labels = list(dict.fromkeys(r.get("label", "") for r in rows))
        for number, label in enumerate(labels):
            color = f"C{number}"
            group = sorted((r for r in rows if r.get("label", "") == label), key=lambda r: r["size"])
            left.plot([r["size"] for r in group], [r["rate"] for r in group], "o-", color=color, label=label or "main")
            base = group[0]["rate"]
            left.axhspan(base * 0.9, base * 1.1, color=color, alpha=0.08)
            windows = window_rates(group[-1].get("timeline"))
            if windows:
                mid.plot([ready for ready, _ in windows], [rate for _, rate in windows], ".-", color=color,
                         label=label or "main")
        latest = sorted((r for r in rows if r.get("label", "") == labels[-1]), key=lambda r: r["size"])
        right.plot([r["size"] for r in latest], [r["bytes_per_message"] for r in latest], "o-", label="Celerity")
        celery = [r for r in by_curve["drain"] if r["system"] == "celery"]
        if celery:
            right.axhline(celery[-1]["bytes_per_message"], color="grey", linestyle="--",
                          label=f"Celery 5.7.0 ({celery[-1]['bytes_per_message']:,.0f} B)")
        left.set(xscale="log", xlabel="backlog (messages)", ylabel="drain rate (tasks/s)",
                 title="Drain rate (bands: ±10 % of each 10k figure)")
        left.set_ylim(bottom=0)
        left.legend(fontsize=7)
        mid.set(xlabel="messages still ready", ylabel="tasks/s over 2 s", title="Rate during each 1M drain")
        mid.set_ylim(bottom=0)
        mid.invert_xaxis()
        mid.legend(fontsize=7)
        right.set(xscale="log", xlabel="backlog (messages)", ylabel="Redis bytes per queued message",
                  title="Memory per queued message")
        right.set_ylim(bottom=0)
        right.legend(fontsize=8, loc="lower right")
        save(fig, "drain")
    if "eta" in by_curve:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        for number, label in enumerate(dict.fromkeys(r.get("label", "") for r in by_curve["eta"])):
            rows = sorted((r for r in by_curve["eta"] if r.get("label", "") == label), key=lambda r: r["size"])
            name, color = label or "main", f"C{number}"
            sizes = [r["size"] for r in rows]
            left.plot(sizes, [r["all_started_s"] for r in rows], "o-", color=color, label=name)
            left.plot(sizes, [r["p50_start_s"] for r in rows], "o:", color=color)
            right.plot(sizes, [r["promote_max_ms"] for r in rows], "o:", color=color)
            medians = [(r["size"], r["promote_median_ms"]) for r in rows if r.get("promote_median_ms") == r.get("promote_median_ms")
                       and r.get("promote_median_ms") is not None]
            if medians:
                right.plot([m[0] for m in medians], [m[1] for m in medians], "o-", color=color, label=name)
        left.set(xscale="log", xlabel="tasks due in one second", ylabel="seconds after the due second",
                 title="ETA burst: all started (solid), median (dotted)")
        left.legend(fontsize=7)
        right.axhline(PROMOTE_LIMIT_MS, color="red", linestyle="--", label="5 ms bound")
        right.set(xscale="log", yscale="log", xlabel="tasks due in one second", ylabel="ms",
                  title="Promote calls: median (solid), longest (dotted)")
        right.legend(fontsize=7)
        save(fig, "eta")
    if "queues" in by_curve:
        fig, (left, mid, right) = plt.subplots(1, 3, figsize=(14, 4))
        for number, label in enumerate(dict.fromkeys(r.get("label", "") for r in by_curve["queues"])):
            rows = sorted((r for r in by_curve["queues"] if r.get("label", "") == label), key=lambda r: r["size"])
            color, sizes = f"C{number}", [r["size"] for r in rows]
            left.plot(sizes, [r["rate"] for r in rows], "o-", color=color, label=label or "main")
            if all(r.get("redis_cpu_ms_per_1k") for r in rows):
                mid.plot(sizes, [r["redis_cpu_ms_per_1k"] for r in rows], "o-", color=color, label=f"Redis, {label or 'main'}")
                mid.plot(sizes, [r["pool_cpu_ms_per_1k"] for r in rows], "o:", color=color, label=f"pool, {label or 'main'}")
        left.set(xlabel="queues (× 4 priority buckets)", ylabel="tasks/s", title="Fetch (drain) rate")
        left.set_ylim(bottom=0)
        left.legend(fontsize=7)
        mid.set(xlabel="queues (× 4 priority buckets)", ylabel="CPU ms per 1,000 tasks", title="Cost per task")
        mid.set_ylim(bottom=0)
        mid.legend(fontsize=7)
        biggest = next((r for r in reversed(by_curve["queues"]) if r.get("timeline")), None)
        if biggest:
            times = [t for t, _ in biggest["timeline"]]
            for index in range(biggest["size"]):
                right.plot(times, [rem[index] for _, rem in biggest["timeline"]], linewidth=0.7)
            right.set(xlabel="seconds into the drain", ylabel="messages left",
                      title=f"Each of {biggest['size']} queues (last run)")
        save(fig, "queues")
    if "nodes" in by_curve:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
        for label in dict.fromkeys(r.get("label", "") for r in by_curve["nodes"]):
            rows = sorted((r for r in by_curve["nodes"] if r.get("label", "") == label), key=lambda r: r["size"])
            sizes = [r["size"] for r in rows]
            left.plot(sizes, [sum(r["calls_per_s"].values()) for r in rows], "o-", label=label or "main")
            for category in sorted({c for r in rows for c in r["calls_per_s"]} - {"fetch (idle poll)"}):
                if category.startswith("other"):
                    continue
                right.plot(sizes, [r["calls_per_s"].get(category, 0) for r in rows], "o-" if "before" in label else "o--",
                           label=f"{category}, {label or 'main'}")
        left.set(xlabel="idle worker nodes (2 processes each)", ylabel="Redis calls/s", title="All calls of idle nodes")
        left.set_ylim(bottom=0)
        left.legend(fontsize=8)
        right.set(xlabel="idle worker nodes (2 processes each)", ylabel="Redis calls/s", title="Housekeeping calls by purpose")
        right.set_ylim(bottom=0)
        right.legend(fontsize=7)
        save(fig, "nodes")
    if "dlq" in by_curve:
        rows = sorted(by_curve["dlq"], key=lambda r: r["size"])
        fig, axis = plt.subplots(figsize=(7, 4))
        axis.plot([r["size"] for r in rows], [r["list_first_page_s"] for r in rows], "o-", label="dlq list (first page)")
        axis.plot([r["size"] for r in rows], [r["list_last_page_s"] for r in rows], "o-", label="dlq list --offset (last page)")
        axis.plot([r["size"] for r in rows], [r["requeue_all_s"] for r in rows], "o-", label="dlq requeue --all")
        axis.set(xscale="log", yscale="log", xlabel="dead-letter entries", ylabel="seconds (whole command)", title="Dead-letter queue")
        axis.legend()
        save(fig, "dlq")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run")
    run.add_argument("--curve", choices=sorted(CURVES), required=True)
    run.add_argument("--sizes", help="comma-separated sizes (default: the curve's three)")
    run.add_argument("--label", default="", help="a label for these records, e.g. batched")
    run.add_argument("--batch", type=int, default=1000, help="messages per pipelined batch in bulk enqueues")
    run.add_argument("--queue-tasks", type=int, default=40_000, help="tasks in the queues curve's drain")
    run.add_argument("--idle", type=float, default=10, help="seconds of idle CPU measurement")
    run.add_argument("--window", type=float, default=20, help="seconds the nodes curve watches Redis")
    run.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    run.add_argument("--name", default=f"scale-{datetime.date.today().isoformat()}")
    run.add_argument("--celerity-bench", type=Path, required=True)
    run.add_argument("--celerity", type=Path, required=True)
    show = commands.add_parser("report")
    show.add_argument("jsonl", type=Path)
    settings = parser.parse_args()
    if settings.command == "report":
        report(settings.jsonl)
        return
    settings.celerity_bench, settings.celerity = settings.celerity_bench.resolve(), settings.celerity.resolve()
    settings.sizes = [int(s) for s in settings.sizes.split(",")] if settings.sizes else DEFAULT_SIZES[settings.curve]
    settings.logs = Path(tempfile.mkdtemp(prefix="celerity-scale-logs."))
    settings.out.mkdir(parents=True, exist_ok=True)
    jsonl = settings.out / f"{settings.name}.jsonl"
    with jsonl.open("a") as handle:
        def emit(record: dict) -> None:
            record.setdefault("label", settings.label)
            record["load1"] = os.getloadavg()[0]
            handle.write(json.dumps(record) + "\n")
            handle.flush()
        emit(environment(settings))
        for size in settings.sizes:
            log(f"{settings.curve} at {size:,}")
            started = time.monotonic()
            for record in CURVES[settings.curve](settings, size):
                record["wall_s"] = time.monotonic() - started
                emit(record)
                log(json.dumps({k: v for k, v in record.items() if k != "timeline"}))
    report(jsonl)
    log(f"wrote {jsonl} and {jsonl.with_suffix('.md')} (logs: {settings.logs})")


if __name__ == "__main__":
    main()
