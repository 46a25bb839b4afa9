#!/usr/bin/env python3
"""Flow-control bench (docs/flow-control.md): does a rate-limited task sharing a queue slow the unlimited ones?

Drains N unlimited `flow.free` messages with `celerity-test-worker worker -c 2` on a fresh redis-server, in
three setups, interleaved over the repetitions:
  plain    - no limit anywhere: the plain fetch (flow control off);
  limited  - 200 `flow.task_rate` messages (rate_limit 100/m) queued ahead of the N free ones: every fetch runs
             flow control's path (admission, parking, the ring);
  recycle100 - as plain, with `--max-tasks-per-child 100`: the drain cost of recycling processes;
Prints the median drain time and rate per setup and writes one JSON line per measurement.
Usage: python3 bench/flow/flow.py [--tasks 5000] [--reps 3] [--binary .build/debug/celerity-test-worker]
"""
import argparse, base64, json, os, socket, statistics, subprocess, sys, tempfile, time, uuid


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)

    def pipeline(self, commands):
        self.sock.sendall(b"".join(resp(*c) for c in commands))
        return [self._reply() for _ in commands]

    def call(self, *args):
        return self.pipeline([args])[0]


def envelope(task, args, queue="celery"):
    task_id = str(uuid.uuid4())
    body = base64.b64encode(json.dumps([args, {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]).encode()).decode()
    return json.dumps({
        "body": body, "content-encoding": "utf-8", "content-type": "application/json",
        "headers": {"lang": "py", "task": task, "id": task_id, "shadow": None, "eta": None, "expires": None,
                    "group": None, "group_index": None, "retries": 0, "timelimit": [None, None], "root_id": task_id,
                    "parent_id": None, "argsrepr": repr(tuple(args)), "kwargsrepr": "{}", "origin": "bench@flow",
                    "ignore_result": True},
        "properties": {"correlation_id": task_id, "reply_to": str(uuid.uuid4()), "delivery_mode": 2,
                       "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0,
                       "body_encoding": "base64", "delivery_tag": str(uuid.uuid4())},
    })


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def measure(binary, setup, tasks):
    work = tempfile.mkdtemp(prefix="flow-bench-")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", work], stdout=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.time() + 10
        while True:
            try:
                r = Redis(port)
                r.call("PING")
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        url = "redis://127.0.0.1:%d/0" % port
        recycle = ["--max-tasks-per-child", "100"] if setup == "recycle100" else []
        worker = subprocess.Popen([binary, "worker", "-c", "2", "--redis-url", url, "--log-level", "warning",
                                   "--hostname", "bench@flow", "--metrics-address", "0"] + recycle,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not r.call("HEXISTS", "celerity:flow:limits", "flow.ocr"):  # published by each process at start
            if time.time() > deadline:
                raise RuntimeError("the worker did not start")
            time.sleep(0.05)
        messages = []
        if setup == "limited":
            messages += [envelope("flow.task_rate", ["rec:limited"]) for _ in range(200)]
        messages += [envelope("flow.free", ["rec:free"]) for _ in range(tasks)]
        if setup in ("plain", "recycle100"):
            # No limit anywhere: the published definitions are removed, so the fetch runs its plain path.
            r.pipeline([["DEL", "celerity:flow:limits", "celerity:rate_limits:defaults"]])
        started = time.time()
        for at in range(0, len(messages), 1000):
            r.pipeline([["LPUSH", "celery", m] for m in messages[at:at + 1000]])
        while r.call("LLEN", "rec:free") < tasks:
            time.sleep(0.005)
        seconds = time.time() - started
        limited = r.call("LLEN", "rec:limited")
        return {"setup": setup, "tasks": tasks, "seconds": round(seconds, 3), "per_second": round(tasks / seconds, 1),
                "limited_ran": limited, "load1": os.getloadavg()[0]}
    finally:
        if worker:
            worker.terminate()
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
        server.terminate()
        server.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--binary", default=".build/debug/celerity-test-worker")
    parser.add_argument("--out", default=None, help="append JSON lines here")
    parser.add_argument("--setups", default="plain,limited", help="comma-separated: plain, limited, recycle100")
    options = parser.parse_args()
    results = []
    for rep in range(options.reps):
        setups = options.setups.split(",")
        order = setups if rep % 2 == 0 else list(reversed(setups))
        for setup in order:
            result = measure(options.binary, setup, options.tasks)
            result["rep"] = rep
            print(json.dumps(result), flush=True)
            results.append(result)
            if options.out:
                with open(options.out, "a") as f:
                    f.write(json.dumps(result) + "\n")
    setups = options.setups.split(",")
    medians = {s: statistics.median(r["per_second"] for r in results if r["setup"] == s) for s in setups}
    print("| setup | free tasks/s (median of %d) | change against plain |" % options.reps)
    print("| --- | --- | --- |")
    for s in setups:
        change = (medians[s] - medians["plain"]) / medians["plain"] * 100 if "plain" in medians else 0
        print("| %s | %.1f | %+.1f %% |" % (s, medians[s], change))


if __name__ == "__main__":
    sys.exit(main())
