#!/usr/bin/env python3
"""A structural lint of the Dockerfile (no hadolint, no Docker engine here; run by scripts/validate-deploy.sh).
Fails, naming each problem, unless: there are at least two named stages, every base image has a tag (not
latest); the build stage runs scripts/package.sh, the script CI runs; the final stage copies from an earlier
stage, installs postgresql-client and redis-tools (the backup tools), switches to a non-root USER and has an
exec-form ENTRYPOINT ["celerity"]; every apt-get install uses --no-install-recommends and removes the apt lists
in the same RUN; no ADD fetches a URL; no ENV holds a secret; .dockerignore keeps .build and .git out.
Usage: lint_dockerfile.py [Dockerfile]
"""
import json
import os
import re
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "Dockerfile"
with open(path, encoding="utf-8") as file:
    text = re.sub(r"\\\n", " ", file.read())
instructions = []
for line in text.splitlines():
    line = line.strip()
    if line and not line.startswith("#"):
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))

problems = []
stages = []  # (name, [(keyword, rest)])
for keyword, rest in instructions:
    if keyword == "FROM":
        match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", rest, re.I)
        if not match:
            problems.append(f"FROM {rest}: name every stage (FROM image AS name)")
            stages.append((rest, []))
            continue
        image, name = match.groups()
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        if not tag or tag == "latest":
            problems.append(f"FROM {image}: pin a tag, not latest")
        stages.append((name, []))
    elif not stages:
        problems.append(f"{keyword} before the first FROM")
    else:
        stages[-1][1].append((keyword, rest))

if len(stages) < 2:
    problems.append(f"{len(stages)} stage(s): expected a build stage and a runtime stage")
else:
    build_runs = " ".join(rest for _, body in stages[:-1] for keyword, rest in body if keyword == "RUN")
    if "scripts/package.sh" not in build_runs:
        problems.append("no build stage RUNs scripts/package.sh (the script CI runs)")
    final_name, final = stages[-1]
    earlier = {name for name, _ in stages[:-1]}
    copies = [re.search(r"--from=(\S+)", rest) for keyword, rest in final if keyword == "COPY"]
    if not any(match and match.group(1) in earlier for match in copies):
        problems.append(f"the final stage ({final_name}) copies nothing from an earlier stage")
    final_runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    for package in ("postgresql-client", "redis-tools"):
        if package not in final_runs:
            problems.append(f"the final stage does not install {package} (the backups worker needs it)")
    users = [rest for keyword, rest in final if keyword == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the final stage must end with a non-root USER")
    entrypoints = [rest for keyword, rest in final if keyword == "ENTRYPOINT"]
    try:
        entrypoint = json.loads(entrypoints[-1]) if entrypoints else None
    except json.JSONDecodeError:
        entrypoint = None
    if not (isinstance(entrypoint, list) and entrypoint and os.path.basename(entrypoint[0]) == "celerity"):
        problems.append('the final stage needs an exec-form ENTRYPOINT ["celerity"]')

for keyword, rest in instructions:
    if keyword == "RUN" and "apt-get install" in rest:
        if "--no-install-recommends" not in rest:
            problems.append(f"RUN {rest[:60]}...: apt-get install without --no-install-recommends")
        if "rm -rf /var/lib/apt/lists" not in rest:
            problems.append(f"RUN {rest[:60]}...: remove /var/lib/apt/lists/* in the same RUN")
    if keyword == "ADD" and re.search(r"https?://", rest):
        problems.append(f"ADD {rest}: fetch with a checked download in RUN, not ADD of a URL")
    if keyword in ("ENV", "ARG") and re.search(r"PASSWORD|SECRET|TOKEN|_KEY\b", rest, re.I):
        problems.append(f"{keyword} {rest}: a secret baked into the image")

ignore_path = os.path.join(os.path.dirname(os.path.abspath(path)), ".dockerignore")
ignored = open(ignore_path, encoding="utf-8").read().split() if os.path.exists(ignore_path) else []
for entry in (".build", ".git"):
    if entry not in ignored:
        problems.append(f".dockerignore does not exclude {entry}")

for problem in problems:
    print(f"lint_dockerfile: {path}: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"{path}: {len(stages)} stages, non-root USER {users[-1]}, ENTRYPOINT {entrypoints[-1]}, builds with scripts/package.sh")
