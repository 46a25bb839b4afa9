#!/usr/bin/env python3
"""The environment-name cross-check (run by scripts/validate-deploy.sh). Fails, naming each mismatch, when:
  - a variable that deploy/ gives Celerity is not one the code reads: the systemd units' Environment=, the
    example /etc/celerity/env (deploy/celerity.env, commented lines included), the Dockerfile's ENV, and the
    environment of every compose service built from this repository (`docker-compose config`, anchors resolved);
  - a CELERITY_* variable the code reads (a "CELERITY_..." string literal in Sources/) is documented nowhere
    (README.md, docs/*.md, deploy/README.md).
A literal that only prefixes other names (CELERITY_SECRETS for CELERITY_SECRETS_RELOAD_URL...) is not a variable.
Usage: check_env_names.py [REPOSITORY_ROOT]
"""
import glob
import os
import re
import subprocess
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
os.chdir(root)
NAME = r"[A-Z_][A-Z0-9_]*"


def read(path):
    with open(path, encoding="utf-8") as file:
        return file.read()


# What the code reads.
literals = set()
for path in glob.glob("Sources/**/*.swift", recursive=True):
    literals.update(re.findall(r'"(CELERITY_[A-Z0-9_]*[A-Z0-9]|SLACK_WEBHOOK_URL)"', read(path)))
read_by_code = {name for name in literals if not any(other.startswith(name + "_") for other in literals)}

# What deploy/ sets, and where.
deploy_sets = {}
for path in sorted(glob.glob("deploy/systemd/*.service")):
    for value in re.findall(r"^Environment=(.*)$", read(path), re.M):
        for name in re.findall(rf"(?:^|\s|\")({NAME})=", value):
            deploy_sets.setdefault(name, []).append(path)
for name in re.findall(rf"^#?({NAME})=", read("deploy/celerity.env"), re.M):
    deploy_sets.setdefault(name, []).append("deploy/celerity.env")
for value in re.findall(r"^ENV\s+(.*)$", read("Dockerfile"), re.M):
    for name in re.findall(rf"(?:^|\s)({NAME})=", value):
        deploy_sets.setdefault(name, []).append("Dockerfile")
compose = subprocess.run(
    ["docker-compose", "-f", "deploy/docker-compose.yml", "--env-file", "deploy/compose.env.example", "config"],
    check=True, capture_output=True, text=True, env={"PATH": os.environ["PATH"]},
).stdout
# `config` prints normalized YAML (two-space indents, anchors resolved): read services/<name>/{build,environment}
# line by line, so that no YAML library is needed.
services, service, section = {}, None, None
in_services = False
for line in compose.splitlines():
    indent = len(line) - len(line.lstrip(" "))
    if indent == 0:
        in_services = line.rstrip() == "services:"
        continue
    if not in_services:
        continue
    if indent == 2:
        service, section = line.strip().rstrip(":"), None
        services[service] = {"build": False, "environment": []}
    elif indent == 4:
        section = line.strip().split(":")[0]
        services[service]["build"] |= section == "build"
    elif indent == 6 and section == "environment":
        services[service]["environment"].append(line.strip().split(":")[0])
for service, definition in services.items():
    if definition["build"]:
        for name in definition["environment"]:
            deploy_sets.setdefault(name, []).append(f"deploy/docker-compose.yml ({service})")
if not any(definition["build"] for definition in services.values()):
    sys.exit("check_env_names: no compose service is built from this repository (`build:`): nothing to check")

documentation = "\n".join(read(path) for path in ["README.md", "deploy/README.md", *glob.glob("docs/*.md")])
problems = []
for name, places in sorted(deploy_sets.items()):
    if name not in read_by_code:
        problems.append(f"{name} is set in {', '.join(sorted(set(places)))} but the code never reads it")
for name in sorted(read_by_code):
    if not re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", documentation):
        problems.append(f"{name} is read by the code (Sources/) but documented nowhere (README.md, docs/, deploy/README.md)")
for problem in problems:
    print(f"check_env_names: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"{len(deploy_sets)} variables set in deploy/, all read by the code; {len(read_by_code)} read by the code, all documented")
