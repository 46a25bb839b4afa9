#!/usr/bin/env python3
"""Checks deploy/keda/*.yaml (run by scripts/validate-deploy.sh; no Kubernetes cluster or KEDA here): each file
parses as YAML, is a keda.sh/v1alpha1 ScaledObject with a target, replica bounds (1 <= min <= max) and a
prometheus trigger whose query reads celerity_worker_desired_processes with a positive numeric threshold. Writes
each query into a Prometheus rule file (argument 1) so promtool checks its syntax.
Usage: check_keda.py RULES_OUT
"""
import glob
import sys

import yaml


def fail(path, problem):
    sys.exit(f"check_keda: {path}: {problem}")


rules = []
for path in sorted(glob.glob("deploy/keda/*.yaml")):
    with open(path, encoding="utf-8") as file:
        document = yaml.safe_load(file)
    if document.get("apiVersion") != "keda.sh/v1alpha1" or document.get("kind") != "ScaledObject":
        fail(path, "not a keda.sh/v1alpha1 ScaledObject")
    spec = document.get("spec") or {}
    if not (spec.get("scaleTargetRef") or {}).get("name"):
        fail(path, "spec.scaleTargetRef.name is missing")
    low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
        fail(path, f"replica bounds {low}..{high}: need 1 <= minReplicaCount <= maxReplicaCount")
    triggers = [t for t in spec.get("triggers") or [] if t.get("type") == "prometheus"]
    if not triggers:
        fail(path, "no prometheus trigger")
    for trigger in triggers:
        metadata = trigger.get("metadata") or {}
        query = metadata.get("query", "")
        if "celerity_worker_desired_processes" not in query:
            fail(path, "the trigger's query does not read celerity_worker_desired_processes")
        try:
            if float(metadata.get("threshold", "")) <= 0:
                raise ValueError
        except ValueError:
            fail(path, f"threshold {metadata.get('threshold')!r} is not a positive number")
        rules.append({"record": f"keda:{len(rules)}", "expr": query})
    print(f"{path}: ScaledObject {document['metadata']['name']} ok")
if not rules:
    sys.exit("check_keda: no ScaledObject under deploy/keda")
with open(sys.argv[1], "w", encoding="utf-8") as out:
    yaml.safe_dump({"groups": [{"name": "keda", "rules": rules}]}, out)
