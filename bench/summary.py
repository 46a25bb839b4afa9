"""Turns the JSON lines of a bench run into the Markdown table (used by bench.py, or by hand:
`python3 bench/summary.py bench/results/DATE.jsonl > bench/results/DATE.md`)."""

from __future__ import annotations

import json
import math
import statistics
import sys

SYSTEMS = [("celerity", "Celerity"), ("celery", "Celery"), ("dramatiq", "Dramatiq"), ("rq", "RQ")]

# (label, phase, field, unit, higher is better, target (op, value), Redis ceiling (phase, field))
METRICS = [
    ("enqueue, one by one", "enqueue_one", "rate", "tasks/s", True, (">=", 8000), ("lpush_c1", "rate")),
    ("enqueue, bulk (pipelined)", "enqueue_bulk", "rate", "tasks/s", True, (">=", 50000), ("lpush_c1_p100", "rate")),
    ("drain, results ignored", "drain_ignored", "rate", "tasks/s", True, (">=", 25000), ("rpop_c1", "rate")),
    ("drain, results stored", "drain_stored", "rate", "tasks/s", True, (">=", 15000), ("rpop_c1", "rate")),
    ("Redis CPU per task, drain with results ignored", "drain_ignored", "redis_cpu_us_per_task", "µs", False, None, None),
    ("Redis CPU per task, drain with results stored", "drain_stored", "redis_cpu_us_per_task", "µs", False, None, None),
    ("Redis script calls per task, drain with results stored", "drain_stored", "redis_script_calls_per_task", "calls",
     False, None, None),
    ("latency p50", "latency", "p50_ms", "ms", False, ("<=", 0.5), ("ping_c1", "p50_ms")),
    ("latency p95", "latency", "p95_ms", "ms", False, None, ("ping_c1", "p95_ms")),
    ("latency p99", "latency", "p99_ms", "ms", False, ("<=", 2.0), ("ping_c1", "p99_ms")),
    ("RSS per worker process, idle (max)", "idle", "worker_rss_max_mib", "MiB", False, ("<=", 20), None),
    ("RSS per worker process, after the stored drain (max)", "drain_stored", "after_worker_rss_max_mib", "MiB", False,
     ("<=", 20), None),
    ("PSS per worker process, idle (max; shared pages split)", "idle", "worker_pss_max_mib", "MiB", False, None, None),
    ("RSS of the supervisor, idle", "idle", "supervisor_rss_mib", "MiB", False, None, None),
    ("RSS of the whole pool, idle", "idle", "total_rss_mib", "MiB", False, None, None),
    ("CPU while idle (whole pool)", "idle", "cpu_percent", "% of a core", False, None, None),
]


def values(records, system, phase, field):
    found = [r.get(field) for r in records if r.get("system") == system and r.get("phase") == phase]
    return [v for v in found if isinstance(v, (int, float)) and not math.isnan(v)]


def fmt(value, unit):
    if value is None:
        return "—"
    if unit == "tasks/s":
        return f"{value:,.0f}"
    if unit == "calls":
        return f"{value:.3f}"
    if unit == "ms":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return f"{value:.1f}"


def cell(samples, unit):
    if not samples:
        return "n/a"
    median = statistics.median(samples)
    if len(samples) == 1:
        return fmt(median, unit)
    return f"{fmt(median, unit)} ({fmt(min(samples), unit)}–{fmt(max(samples), unit)})"


def ratio(a, b):
    if not a or not b or statistics.median(b) == 0:
        return "—"
    r = statistics.median(a) / statistics.median(b)
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def met(samples, target):
    if not target or not samples:
        return ""
    op, bound = target
    median = statistics.median(samples)
    ok = median >= bound if op == ">=" else median <= bound
    return ("✅ " if ok else "❌ ") + f"{op.replace('>=', '≥').replace('<=', '≤')} {bound:g}"


def render(records, settings):
    meta = next((r for r in records if r.get("phase") == "environment"), {})
    present = [(key, label) for key, label in SYSTEMS if any(r.get("system") == key for r in records)]
    peers = [(key, label) for key, label in present if key != "celerity"]
    lines = []
    if settings.get("note"):
        lines += [settings["note"], ""]
    lines += [
        f"Tasks per phase: {meta.get('tasks')}, repetitions: {meta.get('reps')}, latency phase: "
        f"{meta.get('rate'):g} tasks/s for {meta.get('latency_seconds'):g} s, idle window: {meta.get('idle_seconds'):g} s. "
        f"Machine: {meta.get('cpus')} cores, Linux {meta.get('kernel')}, {meta.get('redis')}, Python {meta.get('python')}, "
        f"commit {meta.get('commit')}. Whole run: {settings.get('elapsed_seconds', 0) / 60:.1f} min.",
        "",
        "Cells: median (min–max) over the repetitions. Ratios: Celerity's median ÷ the other's median "
        "(above 1 is more for Celerity: better for rates, worse for latency, memory and CPU).",
        "",
    ]
    header = ["metric", "unit"] + [label for _, label in present] + ["Redis ceiling", "Celerity target"]
    header += [f"Celerity ÷ {label}" for _, label in peers] + ["Celerity ÷ Redis"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for label, phase, field, unit, _, target, ceiling in METRICS:
        row = [label, unit]
        samples = {key: values(records, key, phase, field) for key, _ in present}
        row += [cell(samples[key], unit) for key, _ in present]
        ceiling_samples = values(records, "redis", *ceiling) if ceiling else []
        row.append(cell(ceiling_samples, unit) + (f" ({ceiling[0].replace('_', ' ')})" if ceiling_samples else "")
                   if ceiling else "—")
        row.append(met(samples.get("celerity", []), target))
        row += [ratio(samples.get("celerity"), samples[key]) for key, _ in peers]
        row.append(ratio(samples.get("celerity"), ceiling_samples) if ceiling else "—")
        lines.append("| " + " | ".join(row) + " |")

    lines += ["", "Redis alone (redis-benchmark, default 3-byte values):", ""]
    lines.append("| test | requests/s | p50 ms | p99 ms |")
    lines.append("|---|---|---|---|")
    for phase, text in [("lpush_c1", "LPUSH, 1 client"), ("rpop_c1", "RPOP, 1 client"),
                        ("lpush_c50", "LPUSH, 50 clients"), ("rpop_c50", "RPOP, 50 clients"),
                        ("lpush_c1_p100", "LPUSH, 1 client, pipeline 100"), ("ping_c1", "PING, 1 client (RTT)")]:
        lines.append(f"| {text} | {cell(values(records, 'redis', phase, 'rate'), 'tasks/s')} | "
                     f"{cell(values(records, 'redis', phase, 'p50_ms'), 'ms')} | "
                     f"{cell(values(records, 'redis', phase, 'p99_ms'), 'ms')} |")

    checks = [r for r in records if r.get("phase", "").startswith("drain_") and r.get("verified") is False]
    lines += ["", "Every drain verified (all results stored where stored): "
              + ("yes" if not checks else f"NO: {[(r['system'], r['rep'], r['phase']) for r in checks]}")]
    one_ignored = {key: values(records, key, "enqueue_one_ignored", "rate") for key, _ in peers}
    extra = [f"{label} {cell(one_ignored[key], 'tasks/s')}" for key, label in peers if one_ignored[key]]
    if extra:
        lines.append("One-by-one enqueue with results ignored (Celery and Dramatiq have no bulk send): "
                     + ", ".join(extra) + " tasks/s.")
    pickup = {key: values(records, key, "drain_stored", "pickup_ms") for key, _ in present}
    lines.append("Time from making the queue visible to the first message taken (not counted in the drain rate): "
                 + ", ".join(f"{label} {cell(pickup[key], 'ms')} ms" for key, label in present if pickup[key]) + ".")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    print(render(records, {"note": ""}), end="")
