#!/usr/bin/env python3
"""Node-level fuzzer (issue 22, part 7): drives a real Celerity node — supervisor + 2 worker processes on a real
redis-server — with structure-aware mutations of real Celery 5.5/5.7 envelopes (celery-envelopes.jsonl, extracted
from Tests/BrokerTests/CapturedTraffic.swift), interleaved with innocent `demo.add` messages.

Asserts, round after round:
- the supervisor's pid never changes and no worker process dies, except one the supervisor kills on purpose at a
  valid hard time limit (a `timelimit` header in range, as Celery does);
- every hostile message ends as a result (any state) or a dead letter with a reason;
- every innocent `demo.add` succeeds with the right sum exactly once (one "task succeeded" log line for its id);
- nothing is left in a queue, a processing list or the ETA set;
- at the end, with results and dead letters deleted, Redis's used_memory is back to its baseline.

Standard library only (a small RESP client below). Usage: nodefuzz.py --celerity PATH [--seconds N] [--seed N].
Exit status 0 when every round held, 1 on the first violation (its message says which message and why).
"""
import argparse
import base64
import binascii
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


class Redis:
    """A minimal RESP2 client: commands as lists of str/bytes, pipelined."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    @staticmethod
    def encode(command):
        out = [b"*%d\r\n" % len(command)]
        for arg in command:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(out)

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.file.read(size + 2)[:-2]
            return data
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self.read() for _ in range(size)]
        raise RuntimeError("bad reply %r" % line)

    def pipeline(self, commands):
        self.sock.sendall(b"".join(self.encode(c) for c in commands))
        return [self.read() for _ in commands]

    def call(self, *command):
        reply = self.pipeline([list(command)])[0]
        if isinstance(reply, RuntimeError):
            raise reply
        return reply


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


# MARK: - Mutations

NUMBERS = [float("nan"), float("inf"), float("-inf"), 1e308, -1, 0, 1e16, 1e12, 2 ** 63, -(2 ** 63) - 1, 0.5]
TYPES = [None, True, 1, -1.5, "s", [], {}, [[1]], {"a": {"b": None}}]
CONTROL_IDS = ["x1\nstart\tv\tn\tnan\t0\tq", "a\tb\t1e300", "nul\x00id", "del\x7f", "cr\r\n", "\u2028", "%0A%09"]
HOSTILE_KEYS = ["celerity:eta", "celerity:dlq:entries", "celery-task-meta-x", "_kombu.binding.celery", "fuzz:hash",
                "celerity:processes", "unacked"]
CONTENT_TYPES = ["application/x-python-serialize", "application/x-yaml", "text/plain", "", None, 5]
HEADER_FIELDS = ["lang", "task", "id", "shadow", "eta", "expires", "group", "group_index", "retries", "timelimit",
                 "root_id", "parent_id", "argsrepr", "kwargsrepr", "origin", "replaced_task_nesting", "stamped_headers",
                 "stamps"]
PROPERTY_FIELDS = ["correlation_id", "reply_to", "delivery_mode", "delivery_info", "priority", "body_encoding",
                   "delivery_tag"]


def decode_body(env):
    """The body as a list, or a fresh one when an earlier mutation broke it."""
    try:
        body = json.loads(base64.b64decode(env["body"]))
        if isinstance(body, list) and len(body) == 3:
            return body
    except (ValueError, TypeError, KeyError, RecursionError, binascii.Error):
        pass
    return [[1, 2], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]


def encode_body(env, body):
    env["body"] = base64.b64encode(json.dumps(body).encode()).decode()


def mutate(env, rng, huge):
    """Applies one to three structure-aware mutations (the first a 20 MB body when `huge`); returns their names."""
    names = []
    for step in range(rng.choice([1, 1, 2, 3])):
        kind = "huge" if huge and step == 0 else rng.choice(
            ["id", "number", "type", "type", "nesting", "base64", "content", "route", "date", "task", "encoding", "args"])
        if not isinstance(env.get("headers"), dict):
            env["headers"] = {}
        if not isinstance(env.get("properties"), dict):
            env["properties"] = {}
        h, p = env["headers"], env["properties"]
        if kind == "id":
            field = rng.choice(["id", "id", "root_id", "parent_id", "group"])
            h[field] = rng.choice(CONTROL_IDS + ["x" * 10_000, "", 12, None, ["a"], "é" * 200])
        elif kind == "number":
            value = rng.choice(NUMBERS)
            target = rng.choice(["hard", "soft", "retries", "group_index", "priority", "eta", "expires"])
            if target in ("hard", "soft"):
                current = h.get("timelimit")
                pair = (list(current) if isinstance(current, list) else [])[:2] + [None, None]
                pair[0 if target == "hard" else 1] = value
                h["timelimit"] = pair[:2]
            elif target == "priority":
                p["priority"] = value
            else:
                h[target] = value
        elif kind == "type":
            if rng.random() < 0.7:
                h[rng.choice(HEADER_FIELDS)] = rng.choice(TYPES)
            else:
                p[rng.choice(PROPERTY_FIELDS)] = rng.choice(TYPES)
        elif kind == "nesting":
            depth = rng.choice([100, 510, 513, 2000, 100_000])
            text = "[" + "[" * depth + "1" + "]" * depth + ", {}, {}]"
            env["body"] = base64.b64encode(text.encode()).decode()
        elif kind == "base64":
            env["body"] = rng.choice(["%%% not base64", env["body"][:-3], env["body"] + "=", "", "AAAA" * 3])
        elif kind == "content":
            env["content-type"] = rng.choice(CONTENT_TYPES)
        elif kind == "route":
            info = p.get("delivery_info") if isinstance(p.get("delivery_info"), dict) else {}
            info["routing_key"] = rng.choice(HOSTILE_KEYS)
            p["delivery_info"] = info
        elif kind == "date":
            h[rng.choice(["eta", "expires"])] = rng.choice(
                ["9999-12-31T23:59:59.999999+00:00", "1900-01-01T00:00:00+00:00", "0000-00-00T00:00:00",
                 "2026-13-45T99:99:99", "yesterday", "1970-01-01T00:00:00+00:00"])
        elif kind == "task":
            h["task"] = rng.choice(["no.such.task", "", "x" * 5000, "demo.add\n", "demo.fail", "demo.echo"])
        elif kind == "encoding":
            p["body_encoding"] = rng.choice(["base32", "utf-8", None, 7])
            if rng.random() < 0.5:
                env["body"] = json.dumps(decode_body(env))
        elif kind == "args":
            body = decode_body(env)
            body[rng.choice([0, 1, 2])] = rng.choice(TYPES + [[float("nan")], {"chain": 5}, {"chord": "x"}])
            encode_body(env, body)
        elif kind == "huge":
            body = decode_body(env)
            body[1] = {"blob": "x" * (20 << 20)}
            encode_body(env, body)
        names.append(kind)
    return names


def text_mutation(raw, rng):
    """Byte-level damage after the structure-aware mutations: truncation, a flipped byte, a doubled brace."""
    choice = rng.random()
    if choice < 0.4 or len(raw) < 10:
        return raw, None
    at = rng.randrange(len(raw))
    if choice < 0.6:
        return raw[:at], "truncate"
    if choice < 0.8:
        return raw[:at] + chr(rng.randrange(1, 127)) + raw[at + 1:], "flip"
    return raw[:at] + "{" + raw[at:], "brace"


# MARK: - The node

class Node:
    def __init__(self, celerity, scratch, port):
        self.log_path = os.path.join(scratch, "node.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [celerity, "worker", "-c", "2", "--hostname", "nodefuzz@localhost", "--redis-url",
             "redis://127.0.0.1:%d/0" % port, "--log-format", "json", "--metrics-address", "0", "--queues", "celery"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.offset = 0

    def new_lines(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].splitlines():
            try:
                yield json.loads(line)
            except ValueError:
                yield {"message": line.decode("utf-8", "replace")}

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Violation(Exception):
    pass


def wait_for(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise Violation("timed out after %ss waiting for %s" % (timeout, what))


IN_FLIGHT = """
local total = redis.call('ZCARD', 'celerity:eta')
for _, key in ipairs({'celery', 'celery\\6\\0223', 'celery\\6\\0226', 'celery\\6\\0229'}) do
  total = total + redis.call('LLEN', key)
end
for _, key in ipairs(redis.call('KEYS', 'celerity:processing:*')) do total = total + redis.call('LLEN', key) end
return total
"""


def in_flight(db):
    """Messages in the queue's lists, the processing lists and the ETA set, counted in one atomic script: a
    pipeline of separate reads can miss a message that a hand-back moves between two of them."""
    return db.call("EVAL", IN_FLIGHT, "0")


def cleanup(db):
    """Deletes what messages legitimately leave behind: results and dead letters."""
    cursor = b"0"
    while True:
        cursor, keys = db.call("SCAN", cursor, "MATCH", "celery-task-meta-*", "COUNT", "1000")
        if keys:
            db.call("DEL", *keys)
        if cursor == b"0":
            break
    db.call("DEL", "celerity:dlq", "celerity:dlq:entries", "celerity:dlq:bytes", "celerity:dlq:reasons", "celerity:deliveries")


def memory_report(db):
    """The biggest keys and the client buffers, for a memory violation."""
    sizes = []
    cursor = b"0"
    while True:
        cursor, keys = db.call("SCAN", cursor, "COUNT", "1000")
        for key in keys:
            sizes.append((db.call("MEMORY", "USAGE", key) or 0, key))
        if cursor == b"0":
            break
    info = db.call("INFO", "memory").decode() + db.call("INFO", "clients").decode()
    wanted = ("used_memory:", "used_memory_dataset:", "used_memory_overhead:", "mem_clients_normal:", "used_memory_scripts:")
    lines = [line for line in info.splitlines() if line.startswith(wanted)]
    return "biggest keys %s; %s" % (sorted(sizes, reverse=True)[:5], ", ".join(lines))


def used_memory(db):
    info = db.call("INFO", "memory").decode()
    return int(next(line.split(":")[1] for line in info.splitlines() if line.startswith("used_memory:")))


def run(args):
    global TEMPLATE
    rng = random.Random(args.seed)
    bases = [json.loads(json.loads(line)["envelope"]) for line in open(os.path.join(HERE, "celery-envelopes.jsonl"))]
    for base in bases:  # the captures route to several queues; this node consumes `celery`
        base["properties"]["delivery_info"] = {"exchange": "", "routing_key": "celery"}
    TEMPLATE = bases[0]
    scratch = tempfile.mkdtemp(prefix="celerity-nodefuzz-")
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", scratch], stdout=subprocess.DEVNULL)
    node = None
    stats = {"rounds": 0, "hostile": 0, "innocent": 0, "dead_lettered": 0, "results": 0, "huge": 0, "hard_limit_kills": 0}
    try:
        db = wait_for("redis-server", lambda: _connect(port), 10)
        db.call("HSET", "fuzz:hash", "mode", "live")
        node = Node(args.celerity, scratch, port)
        wait_for("the node to start 2 processes",
                 lambda: db.call("EXISTS", "celerity:worker:nodefuzz@localhost") and len(children(node.process.pid)) == 2, 30)
        supervisor = node.process.pid
        processes = children(supervisor)
        killed_before = 0
        # Baseline: one innocent round, then the same cleanup every round ends with.
        innocent_round(db, node, rng, 10, stats)
        cleanup(db)
        baseline = used_memory(db)
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            fuzz_round(db, node, rng, bases, stats, allow_huge=stats["rounds"] % 10 == 5)
            if node.process.poll() is not None or node.process.pid != supervisor:
                raise Violation("the supervisor exited: %s" % node.process.returncode)
            now = children(supervisor)
            if now != processes:
                # A valid hard time limit kills its process on purpose (Celery's behaviour); nothing else may.
                replaced = len(set(processes) - set(now))
                if replaced > stats["hard_limit_kills"] - killed_before:
                    raise Violation("a worker process died: pids %s became %s (see %s)" % (processes, now, node.log_path))
                now = wait_for("the killed process to be replaced", lambda: len(children(supervisor)) == 2 and children(supervisor), 10)
                processes = now
            killed_before = stats["hard_limit_kills"]
            cleanup(db)
            stats["rounds"] += 1
        # Client buffers that held a 20 MB message shrink on Redis's own timer: give them a few seconds.
        deadline = time.monotonic() + 15
        while used_memory(db) - baseline > 2 << 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        leftover = used_memory(db) - baseline
        stats["memory_delta_bytes"] = leftover
        if leftover > 2 << 20:
            raise Violation("Redis used_memory is %d bytes above its baseline after cleanup; %s" % (leftover, memory_report(db)))
        stats["seconds"] = round(time.monotonic() - started, 1)
        print("nodefuzz: %(rounds)d rounds in %(seconds)ss, %(hostile)d hostile messages (%(dead_lettered)d dead-lettered, "
              "%(results)d with a result, %(huge)d of 20 MB), %(innocent)d innocent demo.add each once; supervisor "
              "unchanged, no process died except %(hard_limit_kills)d killed at a valid hard time limit; Redis memory "
              "%(memory_delta_bytes)+d bytes vs baseline" % stats)
        return 0
    except Violation as violation:
        print("nodefuzz: FAILED after %d rounds (seed %d): %s" % (stats["rounds"], args.seed, violation), file=sys.stderr)
        if node:
            print("node log: %s" % node.log_path, file=sys.stderr)
            args.keep = True
        return 1
    finally:
        if node:
            node.stop()
        redis.terminate()
        redis.wait()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


def _connect(port):
    try:
        db = Redis(port)
        db.call("PING")
        return db
    except OSError:
        return None


def innocent_message(rng):
    """A demo.add(a, b) built from a captured Celery envelope: (task id, a + b, raw envelope)."""
    a, b = rng.randrange(10 ** 6), rng.randrange(10 ** 6)
    env = json.loads(json.dumps(TEMPLATE))
    task_id = str(uuid.uuid4())
    env["headers"].update({"task": "demo.add", "id": task_id, "root_id": task_id, "parent_id": None, "group": None,
                           "eta": None, "expires": None, "retries": 0, "timelimit": [None, None],
                           "ignore_result": False, "argsrepr": "(%d, %d)" % (a, b), "kwargsrepr": "{}"})
    env["properties"].update({"correlation_id": task_id, "delivery_tag": str(uuid.uuid4()), "priority": 0,
                              "delivery_info": {"exchange": "", "routing_key": "celery"}, "body_encoding": "base64"})
    env["content-type"] = "application/json"
    encode_body(env, [[a, b], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    return task_id, a + b, json.dumps(env)


TEMPLATE = None


def innocent_round(db, node, rng, count, stats):
    messages = [innocent_message(rng) for _ in range(count)]
    db.pipeline([["LPUSH", "celery", raw] for _, _, raw in messages])
    settle(db)
    check_innocent(db, node, messages, stats)


def settle(db):
    wait_for("every message to leave the queues, processing lists and ETA set", lambda: in_flight(db) == 0, 120)


def check_innocent(db, node, messages, stats):
    succeeded = {}
    for line in node.new_lines():
        message = line.get("message")
        if message == "task succeeded":
            succeeded[line.get("task.id")] = succeeded.get(line.get("task.id"), 0) + 1
        elif message == "task killed at its hard time limit":
            stats["hard_limit_kills"] += 1
        elif message in ("worker process died; its message was requeued", "ignoring an invalid event from a worker process"):
            raise Violation("node log: %s" % json.dumps(line))
    results = db.pipeline([["GET", "celery-task-meta-" + task_id] for task_id, _, _ in messages])
    for (task_id, total, _), document in zip(messages, results):
        if document is None:
            raise Violation("innocent demo.add %s has no result" % task_id)
        result = json.loads(document)
        if result.get("status") != "SUCCESS" or result.get("result") != total:
            raise Violation("innocent demo.add %s ended %s %r (expected SUCCESS %d)" % (task_id, result.get("status"), result.get("result"), total))
        if succeeded.get(task_id, 0) != 1:
            raise Violation("innocent demo.add %s succeeded %d times" % (task_id, succeeded.get(task_id, 0)))
        stats["innocent"] += 1


def fuzz_round(db, node, rng, bases, stats, allow_huge):
    hostile = []
    for index in range(20):
        env = json.loads(json.dumps(rng.choice(bases)))
        fresh = str(uuid.uuid4())
        env["headers"].update({"id": fresh, "root_id": fresh, "eta": None, "expires": None, "ignore_result": False})
        env["properties"]["delivery_tag"] = str(uuid.uuid4())
        if rng.random() < 0.5:
            env["headers"]["task"] = rng.choice(["demo.add", "demo.echo", "demo.fail", "demo.sleep"])
        names = mutate(env, rng, allow_huge and index == 0)
        if isinstance(env.get("headers"), dict) and env["headers"].get("ignore_result") not in (False, None):
            env["headers"]["ignore_result"] = False
        raw = json.dumps(env)
        raw, damage = text_mutation(raw, rng)
        if damage:
            names.append(damage)
        if "huge" in names:
            stats["huge"] += 1
        hostile.append((raw, names))
    innocent = [innocent_message(rng) for _ in range(20)]
    mixed = [raw for raw, _ in hostile] + [raw for _, _, raw in innocent]
    rng.shuffle(mixed)
    replies = db.pipeline([["LPUSH", "celery", raw] for raw in mixed])
    for reply in replies:
        if isinstance(reply, RuntimeError):
            raise Violation("LPUSH failed: %s" % reply)
    settle(db)
    check_innocent(db, node, innocent, stats)
    entries = {}
    for document in (db.call("HVALS", "celerity:dlq:entries") or []):
        entry = json.loads(document)
        entries[entry.get("envelope")] = entry
    # An envelope over the size cap keeps only an excerpt of its headers (with "…" when cut short).
    excerpts = [e for e in entries.values() if str(e.get("reason", "")).startswith("message is ")]
    for raw, names in hostile:
        stats["hostile"] += 1
        entry = entries.get(raw)
        if entry is None and len(raw) > (16 << 20):
            entry = next((e for e in excerpts if e["envelope"].rstrip("…") in raw), None)
        if entry is not None:
            if not entry.get("reason"):
                raise Violation("dead letter without a reason for %s" % names)
            stats["dead_lettered"] += 1
            continue
        if has_result(db, raw):
            stats["results"] += 1
            continue
        path = os.path.join(os.path.dirname(node.log_path), "unaccounted-message.json")
        with open(path, "w") as f:
            f.write(raw)
        raise Violation("hostile message (%s) ended neither as a result nor as a dead letter (%s): %r" % (names, path, raw[:300]))


def has_result(db, raw):
    try:
        env = json.loads(raw)
        task_id = env["headers"]["id"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(task_id, str) and db.call("EXISTS", "celery-task-meta-" + task_id) == 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--celerity", required=True, help="the celerity binary")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (the node log)")
    args = parser.parse_args()
    sys.exit(run(args))


if __name__ == "__main__":
    main()
