#!/usr/bin/env python3
"""Checks a Grafana dashboard's structure and prints its PromQL queries, Grafana variables substituted.

    dashboard_queries.py DASHBOARD.json --rules OUT.yml   writes the queries as recording rules (for promtool check rules)
    dashboard_queries.py DASHBOARD.json                   prints one query per line (for queries against a live Prometheus)

Exits 1 naming the defect when the JSON has duplicate panel ids, a panel without gridPos or targets,
a query that names an undefined variable, or no uid / schemaVersion.
"""
import json
import re
import sys

SUBSTITUTIONS = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


def fail(message):
    print(f"{sys.argv[1]}: {message}", file=sys.stderr)
    sys.exit(1)


def queries(path):
    with open(path) as handle:
        dashboard = json.load(handle)
    for field in ("uid", "title", "schemaVersion", "panels"):
        if field not in dashboard:
            fail(f"no {field}")
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    seen = set()
    found = []
    for panel in dashboard["panels"]:
        if panel["id"] in seen:
            fail(f"duplicate panel id {panel['id']}")
        seen.add(panel["id"])
        if "gridPos" not in panel:
            fail(f"panel {panel['title']!r} has no gridPos")
        if panel["type"] == "row":
            continue
        if not panel.get("targets"):
            fail(f"panel {panel['title']!r} has no query")
        for target in panel["targets"]:
            expr = target["expr"]
            for key, value in SUBSTITUTIONS.items():
                expr = expr.replace(key, value)
            for name in re.findall(r"\$(\w+)", expr):
                if name not in variables:
                    fail(f"panel {panel['title']!r} uses undefined variable ${name}")
                expr = expr.replace("$" + name, ".+")
            found.append((panel["title"], expr))
    return found


def main():
    found = queries(sys.argv[1])
    if len(sys.argv) == 4 and sys.argv[2] == "--rules":
        with open(sys.argv[3], "w") as out:
            out.write("groups:\n  - name: dashboard\n    rules:\n")
            for index, (_, expr) in enumerate(found):
                out.write(f"      - record: dashboard:query_{index}\n        expr: {json.dumps(expr)}\n")
    else:
        for title, expr in found:
            print(f"{title}\t{expr}")


if __name__ == "__main__":
    main()
