#!/usr/bin/env python3
"""Celerity against Celery, Dramatiq and RQ on one machine, in one run (issue 7).

Run through `bench/run.sh`, which builds `celerity-bench` (release) and the pinned Python venv first.
Every (system, repetition) gets a fresh, empty `redis-server` on a free loopback port, without
persistence; the systems are interleaved in every repetition (the order rotates), and the summary
reports medians with min–max. What each number means is in bench/README.md.

Per system and repetition:
  1. enqueue one by one: N `bench.noop` tasks (results stored) from one client, timed by the client;
  2. enqueue in bulk (pipelined) where the library has it: N `bench.noop` tasks with results ignored
     (for Celery and Dramatiq, which have no bulk send, the same N are sent one by one, untimed);
     both batches are moved aside (RENAME) and are the queues the drain phases run;
  3. drain, results ignored, then results stored: 2 worker processes are started and warmed up on an
     empty queue, the N messages are made visible at once (RENAME back), and a 1 ms probe watches
     Redis: drain rate = N / (t_done - t_start), t_start = the last probe that still saw all N ready,
     t_done = the first probe that saw no message ready or unacknowledged (and, with results, the
     last 256 results stored where a system acknowledges before storing);
  4. idle: RSS of every process of the pool, and its CPU time over --idle seconds with nothing to do;
  5. latency: `bench.latency(time.time())` sent at --rate per second for --latency seconds; the task's
     first statement records now - sent in a Redis list; p50/p95/p99 over every task.
Once per repetition: redis-benchmark (LPUSH/RPOP with 1 and 50 clients, LPUSH pipelined 100 deep,
PING with 1 client for the round-trip time).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / "peers"
VENV = Path(os.environ.get("BENCH_VENV", ROOT / ".build" / "bench-venv")).resolve()
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# MARK: - Redis


class RedisServer:
    """A throwaway redis-server on a free loopback port, no persistence."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="celerity-bench-redis.")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory,
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(host="127.0.0.1", port=self.port)
        for _ in range(200):
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        else:
            raise RuntimeError("redis-server did not start")
        self.client.flushall()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


# MARK: - Processes


def process_table() -> dict[int, int]:
    """pid → parent pid, for every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            table[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            pass
    return table


def descendants(root: int) -> list[int]:
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, parent in table.items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return sorted(found)


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return 0


def rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE / 2**20
    except OSError:
        return 0.0


def pss_mib(pid: int) -> float:
    """Proportional set size: shared pages (libraries, copy-on-write memory of forked children) split
    between the processes that share them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Pool:
    """The worker processes of one system: supervisors (roots we started) and worker processes."""

    def __init__(self, popens: list[subprocess.Popen], has_supervisor: bool, log_path: Path) -> None:
        self.popens = popens
        self.has_supervisor = has_supervisor
        self.log_path = log_path

    def roles(self) -> tuple[list[int], list[int]]:
        roots = [p.pid for p in self.popens]
        if not self.has_supervisor:
            return [], roots
        workers = sorted({pid for root in roots for pid in descendants(root)})
        return roots, workers

    def all_pids(self) -> list[int]:
        supervisors, workers = self.roles()
        return supervisors + workers

    def memory(self) -> dict:
        supervisors, workers = self.roles()
        worker_rss = [round(rss_mib(pid), 1) for pid in workers]
        supervisor_rss = [round(rss_mib(pid), 1) for pid in supervisors]
        return {
            "supervisor_rss_mib": max(supervisor_rss) if supervisor_rss else None,
            "worker_rss_mib": worker_rss,
            "worker_rss_max_mib": max(worker_rss) if worker_rss else None,
            "worker_pss_max_mib": round(max(pss_mib(pid) for pid in workers), 1) if workers else None,
            "total_rss_mib": round(sum(worker_rss) + sum(supervisor_rss), 1),
            "processes": len(worker_rss) + len(supervisor_rss),
        }

    def stop(self) -> None:
        pids = self.all_pids()
        for popen in self.popens:
            if popen.poll() is None:
                popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for popen in self.popens:
            try:
                popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait()
        time.sleep(0.2)
        for pid in pids:  # a worker process that outlived its supervisor
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# MARK: - Systems


class System:
    name = ""
    label = ""
    has_bulk = False
    has_supervisor = True
    ready_keys: list[str] = []
    probe_source = ""
    result_key_prefix: str | None = None  # results whose existence marks "done" (acks before storing)

    def __init__(self, settings: argparse.Namespace, server: RedisServer) -> None:
        self.settings = settings
        self.server = server
        self.env = dict(os.environ, BENCH_REDIS_URL=server.url, CELERITY_REDIS_URL=server.url,
                        PYTHONPATH=str(PEERS), PYTHONDONTWRITEBYTECODE="1")
        self.probe = server.client.register_script(self.probe_source)

    def client_command(self, *arguments: str) -> list[str]:
        raise NotImplementedError

    def run_client(self, *arguments: str) -> dict:
        command = self.client_command(*arguments)
        done = subprocess.run(command, env=self.env, cwd=PEERS, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def enqueue(self, count: int, bulk: bool, ignore_result: bool) -> dict:
        raise NotImplementedError

    def send_at_rate(self, rate: float, seconds: float) -> dict:
        return self.run_client("send-at-rate", "--rate", str(rate), "--duration", str(seconds))

    def worker_commands(self) -> list[list[str]]:
        raise NotImplementedError

    def start_pool(self, tag: str) -> Pool:
        log_path = self.settings.logs / f"{self.name}-{tag}.log"
        handle = open(log_path, "ab")
        popens = [subprocess.Popen(command, env=self.env, cwd=PEERS, stdout=handle, stderr=handle,
                                   start_new_session=True) for command in self.worker_commands()]
        handle.close()
        pool = Pool(popens, self.has_supervisor, log_path)
        try:
            self.warm_up()
        except BaseException:
            pool.stop()
            raise
        return pool

    def warm_up(self, count: int = 20) -> None:
        """Waits until the pool runs tasks: sends `count` latency tasks and waits for their samples."""
        client = self.server.client
        client.delete("bench:latency")
        self.send_at_rate(count * 2, 0.5)
        deadline = time.monotonic() + 120
        while client.llen("bench:latency") < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: workers did not start (see {self.settings.logs})")
            time.sleep(0.05)
        time.sleep(1.0)
        client.delete("bench:latency")

    def stage(self, mode: str) -> None:
        """Moves the ready messages aside, as the queue of the `mode` drain."""
        pipe = self.server.client.pipeline(transaction=True)
        for key in self.ready_keys:
            pipe.rename(key, f"bench:stage:{mode}:{key}")
        pipe.execute()

    def release(self, mode: str) -> None:
        pipe = self.server.client.pipeline(transaction=True)
        for key in self.ready_keys:
            pipe.rename(f"bench:stage:{mode}:{key}", key)
        pipe.execute()

    def verify(self, mode: str, count: int) -> bool:
        raise NotImplementedError


PY = lambda: str(VENV / "bin" / "python")  # noqa: E731


class Celerity(System):
    name, label, has_bulk = "celerity", "Celerity", True
    ready_keys = ["celery"]
    probe_source = """
        local busy = 0
        for _, p in ipairs(redis.call('SMEMBERS', 'celerity:processes')) do
          busy = busy + redis.call('LLEN', 'celerity:processing:' .. p)
        end
        return {redis.call('LLEN', 'celery'), busy}
    """

    def client_command(self, *arguments: str) -> list[str]:
        return [str(self.settings.celerity_bench), *arguments]

    def enqueue(self, count: int, bulk: bool, ignore_result: bool) -> dict:
        arguments = ["enqueue", "--count", str(count), "--batch", str(self.settings.batch if bulk else 1)]
        return self.run_client(*arguments, *(["--ignore-result"] if ignore_result else []))

    def worker_commands(self) -> list[list[str]]:
        return [[str(self.settings.celerity_bench), "worker", "-c", "2", "--log-level", "warning"]]

    def verify(self, mode: str, count: int) -> bool:
        return mode == "ignored" or count_keys(self.server.client, "celery-task-meta-*") >= count


class Celery(System):
    name, label = "celery", "Celery"
    ready_keys = ["celery"]
    probe_source = "return {redis.call('LLEN', 'celery'), redis.call('HLEN', 'unacked')}"
    result_key_prefix = "celery-task-meta-"

    def client_command(self, *arguments: str) -> list[str]:
        return [PY(), str(PEERS / "client.py"), self.name, *arguments]

    def enqueue(self, count: int, bulk: bool, ignore_result: bool) -> dict:
        return self.run_client("enqueue", "--count", str(count), *(["--ignore-result"] if ignore_result else []))

    def worker_commands(self) -> list[list[str]]:
        return [[str(VENV / "bin" / "celery"), "-A", "celery_app", "worker", "-c", "2", "--loglevel", "WARNING"]]

    def verify(self, mode: str, count: int) -> bool:
        return mode == "ignored" or count_keys(self.server.client, "celery-task-meta-*") >= count


class Dramatiq(System):
    name, label = "dramatiq", "Dramatiq"
    ready_keys = ["dramatiq:default", "dramatiq:default.msgs"]
    # Dramatiq deletes a message from .msgs when it acknowledges it, after storing its result.
    probe_source = "return {redis.call('LLEN', 'dramatiq:default'), redis.call('HLEN', 'dramatiq:default.msgs')}"

    def client_command(self, *arguments: str) -> list[str]:
        return [PY(), str(PEERS / "client.py"), self.name, *arguments]

    def enqueue(self, count: int, bulk: bool, ignore_result: bool) -> dict:
        return self.run_client("enqueue", "--count", str(count), *(["--ignore-result"] if ignore_result else []))

    def worker_commands(self) -> list[list[str]]:
        return [[str(VENV / "bin" / "dramatiq"), "dramatiq_app", "-p", "2", "-t", "8"]]

    def verify(self, mode: str, count: int) -> bool:
        # Dramatiq's Redis results backend names each result key by an MD5 hex digest, with no prefix.
        client = self.server.client
        hashed = sum(1 for key in client.scan_iter(count=5000) if len(key) == 32 and b":" not in key)
        return mode == "ignored" or hashed >= count


class RQ(System):
    name, label, has_bulk, has_supervisor = "rq", "RQ (SimpleWorker)", True, False
    ready_keys = ["rq:queue:default"]
    # RQ removes a job from the started registry in the same transaction that stores its result.
    probe_source = "return {redis.call('LLEN', 'rq:queue:default'), redis.call('ZCARD', 'rq:wip:default')}"

    def client_command(self, *arguments: str) -> list[str]:
        return [PY(), str(PEERS / "client.py"), self.name, *arguments]

    def enqueue(self, count: int, bulk: bool, ignore_result: bool) -> dict:
        arguments = ["enqueue", "--count", str(count), "--batch", str(self.settings.batch)]
        return self.run_client(*arguments, *(["--bulk"] if bulk else []), *(["--ignore-result"] if ignore_result else []))

    def worker_commands(self) -> list[list[str]]:
        command = [str(VENV / "bin" / "rq"), "worker", "--url", self.server.url, "--worker-class",
                   "rq.worker.SimpleWorker", "--logging_level", "WARNING", "default"]
        return [command, command]

    def verify(self, mode: str, count: int) -> bool:
        return mode == "ignored" or self.server.client.zcard("rq:finished:default") >= count


SYSTEMS = {cls.name: cls for cls in (Celerity, Celery, Dramatiq, RQ)}


def count_keys(client: redis.Redis, pattern: str) -> int:
    return sum(1 for _ in client.scan_iter(match=pattern, count=5000))


# MARK: - Phases


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def drain(system: System, mode: str, count: int, last_ids: list[str]) -> dict:
    pool = system.start_pool(f"drain-{mode}")
    client = system.server.client
    try:
        expected = system.result_key_prefix and mode == "stored"
        result_keys = [system.result_key_prefix + task_id for task_id in last_ids] if expected else []
        client.config_resetstat()
        cpu_before = redis_cpu_seconds(client)
        released = time.perf_counter()
        system.release(mode)
        last_full = released
        start = None
        timeout = max(120.0, count / 50)
        probes = 0
        while True:
            ready, busy = system.probe()
            now = time.perf_counter()
            probes += 1
            if start is None:
                if ready >= count:
                    last_full = now
                else:
                    start = last_full
            if ready == 0 and busy == 0 and start is not None:
                if not result_keys or client.exists(*result_keys) == len(result_keys):
                    done = now
                    break
            if now - released > timeout:
                raise RuntimeError(f"{system.name}: drain ({mode}) did not finish in {timeout:.0f} s")
            time.sleep(0.001)
        redis_cpu = redis_cpu_seconds(client) - cpu_before
        commands = client.info("commandstats")
        memory = pool.memory()
    finally:
        pool.stop()
    seconds = done - start
    return {
        "rate": count / seconds, "seconds": seconds, "pickup_ms": (start - released) * 1000, "probes": probes,
        "verified": system.verify(mode, count), **{f"after_{k}": v for k, v in memory.items()},
        **redis_cost(redis_cpu, commands, count, probes),
    }


def redis_cpu_seconds(client: redis.Redis) -> float:
    """CPU time the Redis server has used (user + system), from INFO cpu."""
    cpu = client.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


def redis_cost(cpu_seconds: float, commands: dict, count: int, probes: int) -> dict:
    """What a drain cost Redis per task: CPU (INFO cpu, whole server from release to done, the 1 ms probe
    included) and, from INFO commandstats (reset before the release), script calls per task with the probe's
    EVALSHA calls taken out, and calls per task of every command (those run inside scripts included)."""
    stats = {name.removeprefix("cmdstat_"): value for name, value in commands.items()}
    script_calls = sum(stats.get(name, {}).get("calls", 0) for name in ("evalsha", "eval", "fcall"))
    return {
        "redis_cpu_us_per_task": cpu_seconds * 1e6 / count,
        "redis_script_calls_per_task": max(0, script_calls - probes) / count,
        "redis_calls_per_task": {name: round(value.get("calls", 0) / count, 3) for name, value in stats.items()},
        "redis_usec_per_task": {name: round(value.get("usec", 0) / count, 2) for name, value in stats.items()},
    }


def idle_and_latency(system: System, rate: float, seconds: float, idle_seconds: float) -> tuple[dict, dict]:
    pool = system.start_pool("latency")
    client = system.server.client
    try:
        time.sleep(1.0)
        pids = pool.all_pids()
        before = {pid: cpu_ticks(pid) for pid in pids}
        started = time.monotonic()
        time.sleep(idle_seconds)
        elapsed = time.monotonic() - started
        used = sum(cpu_ticks(pid) - before[pid] for pid in pids) / CLOCK_TICKS
        idle = {"cpu_percent": 100 * used / elapsed, "seconds": elapsed, **pool.memory()}

        client.delete("bench:latency")
        sent = system.send_at_rate(rate, seconds)
        deadline = time.monotonic() + 30
        while client.llen("bench:latency") < sent["sent"] and time.monotonic() < deadline:
            time.sleep(0.05)
        samples = sorted(float(value) * 1000 for value in client.lrange("bench:latency", 0, -1))
        latency = {
            "p50_ms": percentile(samples, 0.50), "p95_ms": percentile(samples, 0.95),
            "p99_ms": percentile(samples, 0.99), "max_ms": samples[-1] if samples else float("nan"),
            "samples": len(samples), "sent": sent["sent"], "send_seconds": sent["seconds"], "late": sent["late"],
            **{f"after_{k}": v for k, v in pool.memory().items()},
        }
    finally:
        pool.stop()
    return idle, latency


def run_system(system_class: type[System], settings: argparse.Namespace, rep: int, emit) -> None:
    server = RedisServer()
    system = system_class(settings, server)
    count = settings.tasks
    base = {"rep": rep, "system": system.name}
    try:
        log(f"rep {rep} {system.name}: enqueue {count} one by one")
        one = system.enqueue(count, bulk=False, ignore_result=False)
        emit({**base, "phase": "enqueue_one", "rate": one["rate"], "seconds": one["seconds"]})
        system.stage("stored")

        if system.has_bulk:
            log(f"rep {rep} {system.name}: enqueue {count} in bulk")
            bulk = system.enqueue(count, bulk=True, ignore_result=True)
            emit({**base, "phase": "enqueue_bulk", "rate": bulk["rate"], "seconds": bulk["seconds"],
                  "batch": bulk["batch"]})
        else:
            log(f"rep {rep} {system.name}: enqueue {count} one by one (results ignored; the next drain's queue)")
            bulk = system.enqueue(count, bulk=False, ignore_result=True)
            emit({**base, "phase": "enqueue_one_ignored", "rate": bulk["rate"], "seconds": bulk["seconds"]})
        system.stage("ignored")

        for mode, ids in (("ignored", bulk["last_ids"]), ("stored", one["last_ids"])):
            log(f"rep {rep} {system.name}: drain {count}, results {mode}")
            emit({**base, "phase": f"drain_{mode}", **drain(system, mode, count, ids)})

        log(f"rep {rep} {system.name}: idle {settings.idle:g} s, then latency at {settings.rate:g}/s for {settings.latency:g} s")
        idle, latency = idle_and_latency(system, settings.rate, settings.latency, settings.idle)
        emit({**base, "phase": "idle", **idle})
        emit({**base, "phase": "latency", **latency})
    finally:
        server.stop()


def redis_ceiling(settings: argparse.Namespace, rep: int, emit) -> None:
    server = RedisServer()
    try:
        runs = [
            ("lpush_c1", ["-t", "lpush", "-c", "1", "-n", str(settings.ceiling_requests)]),
            ("rpop_c1", ["-t", "rpop", "-c", "1", "-n", str(settings.ceiling_requests)]),
            ("lpush_c50", ["-t", "lpush", "-c", "50", "-n", str(settings.ceiling_requests * 4)]),
            ("rpop_c50", ["-t", "rpop", "-c", "50", "-n", str(settings.ceiling_requests * 4)]),
            ("lpush_c1_p100", ["-t", "lpush", "-c", "1", "-P", "100", "-n", str(settings.ceiling_requests * 20)]),
            ("ping_c1", ["-t", "ping_mbulk", "-c", "1", "-n", str(settings.ceiling_requests)]),
        ]
        log(f"rep {rep} redis: redis-benchmark")
        for name, arguments in runs:
            output = subprocess.run(["redis-benchmark", "-p", str(server.port), "--csv", *arguments],
                                    capture_output=True, text=True, check=True).stdout
            rows = [line.replace('"', "").split(",") for line in output.strip().splitlines()]
            header, values = rows[0], rows[-1]
            row = dict(zip(header, values))
            emit({"rep": rep, "system": "redis", "phase": name, "rate": float(row["rps"]),
                  "p50_ms": float(row["p50_latency_ms"]), "p95_ms": float(row["p95_latency_ms"]),
                  "p99_ms": float(row["p99_latency_ms"])})
            server.client.flushall()
    finally:
        server.stop()


# MARK: - Summary


def summarize(records: list[dict], settings: argparse.Namespace, elapsed: float) -> str:
    from summary import render  # bench/summary.py

    return render(records, vars(settings) | {"elapsed_seconds": elapsed})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="CI size: 200 tasks, 1 repetition, 2 s latency, 2 s idle")
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--latency", type=float, default=20, help="seconds of the latency phase")
    parser.add_argument("--idle", type=float, default=10, help="seconds of the idle CPU measurement")
    parser.add_argument("--batch", type=int, default=1000, help="tasks per pipelined batch in bulk enqueues")
    parser.add_argument("--ceiling-requests", type=int, default=50000)
    parser.add_argument("--systems", default="celerity,celery,dramatiq,rq")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--name", default=datetime.date.today().isoformat(), help="results file name (no suffix)")
    parser.add_argument("--note", default="", help="a line printed above the table")
    parser.add_argument("--celerity-bench", type=Path, required=True)
    settings = parser.parse_args()
    if settings.tiny:
        settings.tasks, settings.reps, settings.latency, settings.idle = 200, 1, 2.0, 2.0
        settings.ceiling_requests = 2000
    names = [name.strip() for name in settings.systems.split(",") if name.strip()]
    unknown = [name for name in names if name not in SYSTEMS]
    if unknown:
        parser.error(f"unknown systems: {unknown}")

    settings.out.mkdir(parents=True, exist_ok=True)
    settings.logs = Path(tempfile.mkdtemp(prefix="celerity-bench-logs."))
    jsonl = settings.out / f"{settings.name}.jsonl"
    markdown = settings.out / f"{settings.name}.md"
    records: list[dict] = []
    began = time.monotonic()
    with open(jsonl, "w") as sink:
        def emit(record: dict) -> None:
            record = {**record, "time": datetime.datetime.now().isoformat(timespec="seconds"),
                      "load1": round(os.getloadavg()[0], 2)}
            records.append(record)
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in record.items()
                     if k not in ("time", "worker_rss_mib", "after_worker_rss_mib", "redis_calls_per_task", "redis_usec_per_task")}
            log("  " + json.dumps(shown))

        emit({"system": "meta", "phase": "environment", "tasks": settings.tasks, "reps": settings.reps,
              "rate": settings.rate, "latency_seconds": settings.latency, "idle_seconds": settings.idle,
              "systems": names, "host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release(),
              "python": platform.python_version(),
              "celerity_prefetch_batch": os.environ.get("CELERITY_PREFETCH_BATCH", "default"),
              "redis": subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip(),
              "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                       capture_output=True, text=True).stdout.strip()})
        for rep in range(1, settings.reps + 1):
            order = names[(rep - 1) % len(names):] + names[:(rep - 1) % len(names)]
            redis_ceiling(settings, rep, emit)
            for name in order:
                run_system(SYSTEMS[name], settings, rep, emit)
    elapsed = time.monotonic() - began
    sys.path.insert(0, str(BENCH))
    markdown.write_text(summarize(records, settings, elapsed))
    log(f"done in {elapsed / 60:.1f} min: {markdown} and {jsonl} (worker logs in {settings.logs})")


if __name__ == "__main__":
    main()
