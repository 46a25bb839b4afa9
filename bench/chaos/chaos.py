#!/usr/bin/env python3
"""Chaos and soak runs for Celerity (issue 17; bench/chaos/README.md).

chaos: tasks sent from Python Celery and from the Swift client (`celerity enqueue`) across three queues,
with priorities and countdowns, while faults are injected at random: kill -9 of worker processes, of whole
nodes, of the scheduler and of Redis (AOF, appendfsync always), and SIGSTOP of a node past its lease. Then
every task is accounted for: completed / sent, duplicates (each explained by a fault inside its run), ETA
tasks run early, missing results, leftovers in processing lists and the ETA set, SUCCESS written twice.

soak: a steady rate of fast, slow, failing and retried tasks on two nodes, without faults; RSS and file
descriptors of every supervisor and worker process and Redis's memory are sampled, and plotted.

Runs on loopback only: its own redis-server on a free port, in a scratch directory.
"""
import argparse
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import redis as redispy

QUEUES = ["chaos.a", "chaos.b", "chaos.c"]
RUNS_KEY = "chaos:runs"
SCHEDULED_KEY = "chaos:scheduled"
PRIORITY_SEPARATOR = "\x06\x16"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid):
    """The direct children of `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return found


def process_sample(pid):
    """(RSS in KiB, open file descriptors) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/status") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None


class RedisServer:
    """redis-server on a free loopback port, AOF with appendfsync always, in its own directory."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
             "--logfile", os.path.join(self.directory, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if redispy.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redispy.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        self.process.kill()
        self.process.wait()


class Node:
    """A `celerity-test-worker worker` node: a supervisor and its worker processes."""

    def __init__(self, binary, url, name, concurrency, lease, logs, extra):
        self.name = name
        self.process = subprocess.Popen(
            [binary, "worker", "-c", str(concurrency), "-Q", ",".join(QUEUES), "--lease-timeout", str(lease),
             "--reap-interval", "1", "--hostname", name, "--redis-url", url] + extra,
            env={**os.environ, "CELERITY_REDIS_URL": url},
            stdout=open(os.path.join(logs, f"{name}.log"), "ab"), stderr=subprocess.STDOUT)
        self.paused = False

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def pids(self):
        return [self.pid] + children(self.pid)

    def kill(self):
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        return pids


class Run:
    def __init__(self, args):
        self.args = args
        self.scratch = tempfile.mkdtemp(prefix="celerity-chaos-")
        self.redis = RedisServer(self.scratch)
        self.events = []  # fault events: {t, kind, pids}
        self.events_lock = threading.Lock()
        self.nodes = []
        self.node_counter = 0
        self.nodes_lock = threading.Lock()
        self.scheduler = None
        self.sent = {}  # id -> {sender, queue, priority, countdown, task, sent_at}
        self.resent = set()
        self.sent_lock = threading.Lock()
        self.success_publishes = {}
        self.stop_faults = threading.Event()
        self.stop_sampling = threading.Event()

    # -- processes --------------------------------------------------------------------------------

    def event(self, kind, pids=(), **extra):
        with self.events_lock:
            self.events.append({"t": time.time(), "kind": kind, "pids": list(pids), **extra})
        log(f"fault: {kind} {extra or ''}{' pids ' + str(list(pids)) if pids else ''}")

    def start_node(self):
        with self.nodes_lock:
            self.node_counter += 1
            name = f"chaos{self.node_counter}@localhost"
            extra = ["--result-expires", str(self.args.result_expires)] if self.args.result_expires else []
            node = Node(self.args.worker, self.redis.url, name, self.args.concurrency, self.args.lease, self.scratch, extra)
            self.nodes.append(node)
            return node

    def start_scheduler(self):
        schedule = os.path.join(self.scratch, "schedule.yaml")
        with open(schedule, "w") as file:
            file.write("entries:\n  - name: chaos-tick\n    task: chaos.run\n    every: 2s\n"
                       f"    args: [\"{SCHEDULED_KEY}\"]\n    queue: chaos.a\n    catch_up: all\n")
        self.scheduler = subprocess.Popen(
            [self.args.celerity, "scheduler", "--schedule", schedule, "--redis-url", self.redis.url],
            stdout=open(os.path.join(self.scratch, "scheduler.log"), "ab"), stderr=subprocess.STDOUT)

    def db(self):
        return redispy.Redis(port=self.redis.port, socket_timeout=10, decode_responses=True)

    # -- sending ----------------------------------------------------------------------------------

    def plan(self, count, soak=False):
        tasks = []
        for _ in range(count):
            task = {"id": str(uuid.uuid4()), "sender": random.choice(["python", "swift"]),
                    "queue": random.choice(QUEUES), "priority": random.randint(0, 9), "countdown": None,
                    "task": "chaos.run", "args": [RUNS_KEY]}
            if random.random() < self.args.countdown_share:
                task["countdown"] = round(random.uniform(1, self.args.max_countdown), 3)
            if soak:
                roll = random.random()
                if roll < 0.10:
                    task.update(task="chaos.slow", args=[RUNS_KEY, round(random.uniform(0.5, 2), 2)])
                elif roll < 0.15:
                    task.update(task="test.always_fail", args=["soak:failed"])
                elif roll < 0.25:
                    task.update(task="test.flaky", args=[f"soak:flaky:{task['id']}", 1])
            tasks.append(task)
        return tasks

    def send_python(self, tasks, rate):
        from celery import Celery
        app = Celery("chaos", broker=self.redis.url)  # no result backend: the driver reads results itself
        app.conf.broker_connection_retry_on_startup = True
        interval = 1.0 / rate
        next_at = time.time()
        for task in tasks:
            next_at += interval
            while True:
                task["sent_at"] = time.time()
                try:
                    app.send_task(task["task"], args=task["args"], queue=task["queue"], priority=task["priority"],
                                  countdown=task["countdown"], task_id=task["id"], retry=False)
                    break
                except Exception as error:  # Redis restarting: send again, and remember a double is possible
                    with self.sent_lock:
                        self.resent.add(task["id"])
                    log(f"python send failed ({type(error).__name__}); resending {task['id']}")
                    time.sleep(0.5)
            with self.sent_lock:
                self.sent[task["id"]] = task
            time.sleep(max(0, next_at - time.time()))

    def send_swift(self, tasks, rate):
        interval = 1.0 / rate
        next_at = time.time()
        for task in tasks:
            next_at += interval
            command = [self.args.celerity, "enqueue", task["task"], "--args", json.dumps(task["args"]),
                       "--queue", task["queue"], "--priority", str(task["priority"]), "--id", task["id"],
                       "--redis-url", self.redis.url]
            if task["countdown"] is not None:
                command += ["--countdown", str(task["countdown"])]
            while True:
                task["sent_at"] = time.time()
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode == 0:
                    break
                with self.sent_lock:
                    self.resent.add(task["id"])
                log(f"swift send failed ({done.stderr.strip()[:120]}); resending {task['id']}")
                time.sleep(0.5)
            with self.sent_lock:
                self.sent[task["id"]] = task
            time.sleep(max(0, next_at - time.time()))

    # -- observing --------------------------------------------------------------------------------

    def watch_results(self):
        """Counts SUCCESS publications per task id (every stored result is PUBLISHed on its key)."""
        while not self.stop_sampling.is_set():
            try:
                pubsub = self.db().pubsub()
                pubsub.psubscribe("celery-task-meta-*")
                while not self.stop_sampling.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if not message or message["type"] != "pmessage":
                        continue
                    try:
                        document = json.loads(message["data"])
                    except ValueError:
                        continue
                    if document.get("status") == "SUCCESS":
                        task_id = message["channel"][len("celery-task-meta-"):]
                        self.success_publishes[task_id] = self.success_publishes.get(task_id, 0) + 1
            except redispy.RedisError:
                time.sleep(0.2)

    # -- faults -----------------------------------------------------------------------------------

    def inject_faults(self):
        lease = self.args.lease
        while not self.stop_faults.wait(random.uniform(self.args.fault_every * 0.5, self.args.fault_every * 1.5)):
            with self.nodes_lock:
                live = [node for node in self.nodes if node.alive() and not node.paused]
            kind = random.choices(
                ["kill_process", "kill_node", "kill_scheduler", "kill_redis", "pause_node"], [30, 20, 10, 15, 15])[0]
            if kind in ("kill_node", "pause_node") and len(live) < 2:
                kind = "kill_process"
            if kind == "kill_process" and live:
                node = random.choice(live)
                workers = children(node.pid)
                if workers:
                    victim = random.choice(workers)
                    try:
                        os.kill(victim, signal.SIGKILL)
                        self.event(kind, [victim], node=node.name)
                    except ProcessLookupError:
                        pass
            elif kind == "kill_node":
                node = random.choice(live)
                pids = node.kill()
                self.event(kind, pids, node=node.name)
                with self.nodes_lock:
                    self.nodes.remove(node)

                def restart():
                    time.sleep(random.uniform(1, 3))
                    self.start_node()
                threading.Thread(target=restart, daemon=True).start()
            elif kind == "kill_scheduler":
                self.scheduler.kill()
                self.scheduler.wait()
                self.event(kind, [self.scheduler.pid])
                time.sleep(random.uniform(0.5, 2))
                self.start_scheduler()
            elif kind == "kill_redis":
                self.redis.kill()
                self.event(kind)
                time.sleep(random.uniform(0.5, 2))
                self.redis.start()
            elif kind == "pause_node":
                node = random.choice(live)
                pids = node.pids()
                node.paused = True
                for pid in pids:
                    os.kill(pid, signal.SIGSTOP)
                pause = lease + random.uniform(2, 4)
                self.event(kind, pids, node=node.name, seconds=round(pause, 1))

                def resume(node=node, pids=pids, pause=pause):
                    time.sleep(pause)
                    for pid in pids:
                        try:
                            os.kill(pid, signal.SIGCONT)
                        except ProcessLookupError:
                            pass
                    node.paused = False
                    self.event("resume_node", pids, node=node.name)
                threading.Thread(target=resume, daemon=True).start()

    # -- soak sampling and housekeeping -------------------------------------------------------------

    def sample(self, path, every):
        start = time.time()
        with open(path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["seconds", "process", "role", "rss_kib", "fds"])
            while not self.stop_sampling.wait(every):
                now = round(time.time() - start, 1)
                with self.nodes_lock:
                    nodes = list(self.nodes)
                for index, node in enumerate(nodes):
                    for role, pids in (("supervisor", [node.pid]), ("worker", children(node.pid))):
                        for slot, pid in enumerate(sorted(pids)):
                            sample = process_sample(pid)
                            if sample:
                                writer.writerow([now, f"node{index + 1}-{role}{slot if role == 'worker' else ''}", role, *sample])
                try:
                    info = self.db().info("memory")
                    writer.writerow([now, "redis", "redis", info["used_memory"] // 1024, ""])
                except redispy.RedisError:
                    pass
                file.flush()

    def drain(self, runs, dead, flaky_done):
        """Soak housekeeping: moves records, dead letters and per-task keys out of Redis, so that its memory
        shows Celerity's own use, not the run's bookkeeping."""
        db = self.db()
        while True:
            batch = db.lpop(RUNS_KEY, 1000)
            if not batch:
                break
            for line in batch:
                task_id, pid, at = line.split(" ")
                runs.setdefault(task_id, []).append((int(pid), float(at)))
        entries = db.hgetall("celerity:dlq:entries")
        if entries:
            for entry_id, text in entries.items():
                dead[json.loads(text).get("task_id")] = json.loads(text).get("reason")
            db.hdel("celerity:dlq:entries", *entries.keys())
            db.zrem("celerity:dlq", *entries.keys())
        db.delete("middleware:events", "soak:failed")
        with self.sent_lock:
            flaky = [task_id for task_id, task in self.sent.items() if task["task"] == "test.flaky" and task_id not in flaky_done]
        for chunk in range(0, len(flaky), 500):
            ids = flaky[chunk:chunk + 500]
            states = db.mget([f"celery-task-meta-{task_id}" for task_id in ids])
            for task_id, state in zip(ids, states):
                if state and json.loads(state).get("status") == "SUCCESS":
                    flaky_done[task_id] = json.loads(state).get("result")
                    db.delete(f"soak:flaky:{task_id}")

    # -- accounting -------------------------------------------------------------------------------

    def leftovers(self, db):
        left = {}
        for queue in QUEUES + ["celery"]:
            for suffix in ["", PRIORITY_SEPARATOR + "3", PRIORITY_SEPARATOR + "6", PRIORITY_SEPARATOR + "9"]:
                length = db.llen(queue + suffix)
                if length:
                    left[repr(queue + suffix)] = length
        for key in db.scan_iter("celerity:processing:*"):
            length = db.llen(key)
            if length:
                left[key] = length
        eta = db.zcard("celerity:eta")
        if eta:
            left["celerity:eta"] = eta
        return left

    def wait_until_done(self, ids, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                db = self.db()
                pending = [task_id for task_id in ids if not self.is_done(db, task_id)]
                left = self.leftovers(db)
                if not pending and not left:
                    return []
                log(f"waiting: {len(pending)} tasks without a result, in flight {sum(left.values())}")
            except redispy.RedisError as error:
                log(f"waiting: {error}")
            time.sleep(2)
        return pending

    def is_done(self, db, task_id):
        state = db.get(f"celery-task-meta-{task_id}")
        return state is not None and json.loads(state).get("status") in ("SUCCESS", "FAILURE")

    def explain(self, task_id, run_list):
        """The fault that explains a task running more than once, or None."""
        if task_id in self.resent:
            return "send retried across a Redis restart"
        first = min(at for _, at in run_list)
        last = max(at for _, at in run_list)
        pids = {pid for pid, _ in run_list}
        for event in self.events:
            if not (first - self.args.lease - 5 <= event["t"] <= last + 1):
                continue
            if event["kind"] == "kill_redis":
                return f"Redis killed at +{event['t'] - first:.2f}s of its first run"
            if pids & set(event["pids"]) and event["kind"] in ("kill_process", "kill_node", "pause_node"):
                return f"{event['kind']} of a process that ran it (+{event['t'] - first:.2f}s)"
        return None

    # -- the runs ---------------------------------------------------------------------------------

    def chaos(self):
        args = self.args
        self.redis.start()
        for _ in range(args.nodes):
            self.start_node()
        self.start_scheduler()
        watcher = threading.Thread(target=self.watch_results, daemon=True)
        watcher.start()
        tasks = self.plan(args.tasks)
        python = [task for task in tasks if task["sender"] == "python"]
        swift = [task for task in tasks if task["sender"] == "swift"]
        started = time.time()
        rate = len(tasks) / args.send_seconds
        senders = [threading.Thread(target=self.send_python, args=(python, max(rate / 2, 1)), daemon=True),
                   threading.Thread(target=self.send_swift, args=(swift, max(rate / 2, 1)), daemon=True)]
        for sender in senders:
            sender.start()
        faults = threading.Thread(target=self.inject_faults, daemon=True)
        faults.start()
        while any(sender.is_alive() for sender in senders):
            time.sleep(0.5)  # not join(): a signal must be able to interrupt the wait
        sent_seconds = time.time() - started
        log(f"sent {len(self.sent)} tasks in {sent_seconds:.0f} s; faults continue for {args.tail_seconds} s")
        time.sleep(args.tail_seconds)
        self.stop_faults.set()
        faults.join()
        # Let every paused node resume, then stop the scheduler so its slots can be counted.
        time.sleep(args.lease + 5)
        self.scheduler.terminate()
        self.scheduler.wait()
        with self.nodes_lock:
            if not any(node.alive() for node in self.nodes):
                self.start_node()
        db = self.db()
        scheduled_ids = sorted({line.split(" ")[0] for line in db.lrange(SCHEDULED_KEY, 0, -1)})
        pending = self.wait_until_done(list(self.sent) + scheduled_ids, args.drain_timeout)
        time.sleep(1)
        self.stop_sampling.set()
        report = self.account(db, scheduled_ids, pending, sent_seconds, time.time() - started)
        self.shutdown()
        return report

    def account(self, db, scheduled_ids, pending, sent_seconds, total_seconds):
        runs, values = {}, {}
        for line in db.lrange(RUNS_KEY, 0, -1):
            task_id, pid, at = line.split(" ")
            runs.setdefault(task_id, []).append((int(pid), float(at)))
            values.setdefault(task_id, set()).add(f"{pid} {at}")
        scheduled_runs = {}
        for line in db.lrange(SCHEDULED_KEY, 0, -1):
            task_id, pid, at = line.split(" ")
            scheduled_runs.setdefault(task_id, []).append((int(pid), float(at)))
        ids = list(self.sent)
        results = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            for task_id, state in zip(part, db.mget([f"celery-task-meta-{task_id}" for task_id in part])):
                results[task_id] = json.loads(state) if state else None
        completed = [task_id for task_id in ids if results[task_id] and results[task_id]["status"] == "SUCCESS"]
        duplicates, unexplained = [], []
        for task_id, run_list in list(runs.items()) + list(scheduled_runs.items()):
            if len(run_list) > 1:
                reason = self.explain(task_id, run_list)
                duplicates.append({"id": task_id, "runs": len(run_list), "explained_by": reason})
                if reason is None:
                    unexplained.append(task_id)
        early = []
        for task_id in ids:
            task = self.sent[task_id]
            if task["countdown"] is not None and task_id in runs:
                first = min(at for _, at in runs[task_id])
                due = task["sent_at"] + task["countdown"]
                if first < due:
                    early.append({"id": task_id, "early_by": round(due - first, 3)})
        # The stored result is the value of one of the task's runs: no run overwrote it with another.
        foreign_results = [task_id for task_id in completed if results[task_id]["result"] not in values.get(task_id, set())]
        written_twice = sorted(task_id for task_id, count in self.success_publishes.items() if count > 1)
        scheduled_done = [task_id for task_id in scheduled_ids if self.is_done(db, task_id)]
        kinds = {}
        for event in self.events:
            kinds[event["kind"]] = kinds.get(event["kind"], 0) + 1
        return {
            "tasks_sent": len(ids),
            "from_python": sum(1 for task in self.sent.values() if task["sender"] == "python"),
            "from_swift": sum(1 for task in self.sent.values() if task["sender"] == "swift"),
            "with_countdown": sum(1 for task in self.sent.values() if task["countdown"] is not None),
            "completed": len(completed),
            "missing_results": len(ids) - len(completed),
            "never_ran": sum(1 for task_id in ids if task_id not in runs),
            "ran_more_than_once": len([d for d in duplicates if d["id"] in self.sent]),
            "worst_runs": max([d["runs"] for d in duplicates], default=1),
            "duplicates_unexplained": len(unexplained),
            "eta_early": len(early),
            "success_written_twice": len(written_twice),
            "stored_result_not_from_a_run": len(foreign_results),
            "leftovers": self.leftovers(db),
            "scheduled_slots_run": len(scheduled_ids),
            "scheduled_completed": len(scheduled_done),
            "scheduled_run_more_than_once": len([d for d in duplicates if d["id"] in scheduled_runs]),
            "faults": kinds,
            "send_seconds": round(sent_seconds, 1),
            "total_seconds": round(total_seconds, 1),
            "pending_at_timeout": len(pending),
            "duplicates": duplicates,
            "early": early[:20],
            "unexplained": unexplained[:20],
            "events": self.events,
        }

    def soak(self):
        args = self.args
        self.redis.start()
        for _ in range(args.nodes):
            self.start_node()
        samples = os.path.join(args.out, f"{args.name}.csv")
        sampler = threading.Thread(target=self.sample, args=(samples, args.sample_every), daemon=True)
        sampler.start()
        count = int(args.rate * args.seconds)
        tasks = self.plan(count, soak=True)
        python = [task for task in tasks if task["sender"] == "python"]
        swift = [task for task in tasks if task["sender"] == "swift"]
        runs, dead, flaky_done = {}, {}, {}
        senders = [threading.Thread(target=self.send_python, args=(python, args.rate / 2), daemon=True),
                   threading.Thread(target=self.send_swift, args=(swift, args.rate / 2), daemon=True)]
        started = time.time()
        for sender in senders:
            sender.start()
        while any(sender.is_alive() for sender in senders):
            time.sleep(30)
            self.drain(runs, dead, flaky_done)
        deadline = time.time() + 120
        while time.time() < deadline:
            self.drain(runs, dead, flaky_done)
            expected_dead = [t for t in self.sent.values() if t["task"] == "test.always_fail"]
            flaky = [t for t in self.sent.values() if t["task"] == "test.flaky"]
            recorded = [t for t in self.sent.values() if t["task"].startswith("chaos.")]
            if (all(t["id"] in runs for t in recorded) and all(t["id"] in dead for t in expected_dead)
                    and all(t["id"] in flaky_done for t in flaky) and not self.leftovers(self.db())):
                break
            time.sleep(2)
        self.stop_sampling.set()
        sampler.join()
        kinds = {}
        for task in self.sent.values():
            kinds[task["task"]] = kinds.get(task["task"], 0) + 1
        recorded = [t["id"] for t in self.sent.values() if t["task"].startswith("chaos.")]
        report = {
            "tasks_sent": len(self.sent),
            "by_task": kinds,
            "seconds": round(time.time() - started, 1),
            "rate_per_second": args.rate,
            "recorded_tasks_run": sum(1 for task_id in recorded if task_id in runs),
            "recorded_tasks_run_twice": sum(1 for task_id in recorded if len(runs.get(task_id, [])) > 1),
            "failing_tasks_dead_lettered": sum(1 for t in self.sent.values() if t["task"] == "test.always_fail" and t["id"] in dead),
            "retried_tasks_succeeded": sum(1 for t in self.sent.values() if t["task"] == "test.flaky" and t["id"] in flaky_done),
            "unaccounted": len([t for t in self.sent.values()
                                if not (t["id"] in runs or t["id"] in dead or t["id"] in flaky_done)]),
            "leftovers": self.leftovers(self.db()),
            "samples": os.path.basename(samples),
        }
        self.shutdown()
        plot(samples, os.path.join(args.out, f"{args.name}.png"), report)
        return report

    def shutdown(self):
        self.stop_faults.set()
        self.stop_sampling.set()
        with self.nodes_lock:
            for node in self.nodes:
                if node.paused:
                    for pid in node.pids():
                        os.kill(pid, signal.SIGCONT)
                node.process.terminate()
            for node in self.nodes:
                try:
                    node.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    node.kill()
        if self.scheduler and self.scheduler.poll() is None:
            self.scheduler.kill()
        self.redis.kill()
        if self.args.keep:
            log(f"kept {self.scratch}")
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)


def plot(samples, png, report):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    series = {}
    with open(samples) as file:
        for row in csv.DictReader(file):
            series.setdefault(row["process"], []).append(row)
    figure, (rss_axis, fd_axis, redis_axis) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    for name, rows in sorted(series.items()):
        minutes = [float(row["seconds"]) / 60 for row in rows]
        if name == "redis":
            redis_axis.plot(minutes, [int(row["rss_kib"]) / 1024 for row in rows], label="used_memory")
            continue
        rss_axis.plot(minutes, [int(row["rss_kib"]) / 1024 for row in rows], label=name)
        fd_axis.plot(minutes, [int(row["fds"]) for row in rows], label=name)
    rss_axis.set_ylabel("RSS (MiB)")
    fd_axis.set_ylabel("open file descriptors")
    redis_axis.set_ylabel("Redis used_memory (MiB)")
    redis_axis.set_xlabel("minutes")
    for axis in (rss_axis, fd_axis, redis_axis):
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
    rss_axis.legend(fontsize=7, ncol=3)
    figure.suptitle(f"Celerity soak: {report['tasks_sent']} tasks at {report['rate_per_second']}/s on 2 nodes")
    figure.tight_layout()
    figure.savefig(png, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["chaos", "soak"])
    parser.add_argument("--worker", required=True, help="the celerity-test-worker binary")
    parser.add_argument("--celerity", required=True, help="the celerity binary (enqueue, scheduler)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument("--name", default=time.strftime("%Y-%m-%d"))
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--lease", type=float, default=3)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--send-seconds", type=float, default=600)
    parser.add_argument("--tail-seconds", type=float, default=20, help="faults go on this long after the last send")
    parser.add_argument("--fault-every", type=float, default=4, help="mean seconds between faults")
    parser.add_argument("--countdown-share", type=float, default=0.15)
    parser.add_argument("--max-countdown", type=float, default=15)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--rate", type=float, default=5, help="soak: tasks per second")
    parser.add_argument("--seconds", type=float, default=3600, help="soak: how long to send")
    parser.add_argument("--sample-every", type=float, default=15)
    parser.add_argument("--result-expires", type=float, default=0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (logs)")
    args = parser.parse_args()
    # SIGINT or SIGTERM stops the run and cleans up (nodes, scheduler, Redis), also when started in the
    # background (where SIGINT starts out ignored).
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    run = Run(args)
    try:
        report = run.chaos() if args.mode == "chaos" else run.soak()
    except BaseException:
        run.shutdown()
        raise
    path = os.path.join(args.out, f"{args.name}.json")
    with open(path, "w") as file:
        json.dump(report, file, indent=1)
    summary = {key: value for key, value in report.items() if key not in ("duplicates", "events", "early", "unexplained")}
    print(json.dumps(summary, indent=1))
    log(f"report: {path}")
    if args.mode == "chaos":
        failed = (report["completed"] != report["tasks_sent"] or report["duplicates_unexplained"] or report["eta_early"]
                  or report["missing_results"] or report["leftovers"] or report["success_written_twice"]
                  or report["stored_result_not_from_a_run"] or report["scheduled_completed"] != report["scheduled_slots_run"])
    else:
        failed = report["unaccounted"] or report["leftovers"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
