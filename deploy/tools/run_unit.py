#!/usr/bin/env python3
"""Runs a systemd service unit's commands exactly as written, where systemd is not PID 1 (CI, containers).

    run_unit.py UNIT_FILE                 # ExecStartPre= lines in order, then exec ExecStart= (same PID)
    run_unit.py UNIT_FILE -- CMD ARGS...  # one command in the unit's environment, user and directory

It applies what decides whether the command works: EnvironmentFile= and Environment= (the environment systemd
gives a service: PATH, HOME, USER, LOGNAME, SHELL, then Environment=, then the files, which win), User=, Group=,
WorkingDirectory=, the specifiers (%H, %n, %u, %h, %%) and $VAR / ${VAR} in command lines, the `-` prefix,
NoNewPrivileges= (setpriv --no-new-privs), and the file-system sandbox in a private mount namespace:
ProtectSystem=strict (every mount read-only but /dev, /proc, /sys) with ReadWritePaths=, ProtectHome=yes and
PrivateTmp=yes. Other hardening lines (PrivateDevices=, ProtectKernel*=, RestrictAddressFamilies=...) are checked
by `systemd-analyze verify` in scripts/validate-deploy.sh, not applied here; they are listed on stderr.
Needs root (setpriv, mount). Used by scripts/deploy-smoke.sh.
"""
import ctypes
import os
import pwd
import grp
import re
import shlex
import socket
import subprocess
import sys

SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APPLIED = {
    "Type", "User", "Group", "WorkingDirectory", "EnvironmentFile", "Environment", "ExecStartPre", "ExecStart",
    "NoNewPrivileges", "ProtectSystem", "ReadWritePaths", "ProtectHome", "PrivateTmp",
}
# Read by systemd itself, with no effect on whether the command works once started.
LIFECYCLE = {"ExecReload", "KillSignal", "KillMode", "TimeoutStopSec", "Restart", "RestartSec"}
CLONE_NEWNS = 0x00020000


def fail(message):
    print(f"run_unit: {message}", file=sys.stderr)
    sys.exit(1)


def parse_unit(path):
    """The [Service] section as (key, value) pairs in order; continuation lines joined."""
    section, pairs, pending = None, [], ""
    with open(path, encoding="utf-8") as unit:
        for raw in unit:
            line = pending + raw.rstrip("\n")
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                section = stripped[1:-1]
                continue
            if section == "Service":
                key, equals, value = stripped.partition("=")
                if not equals:
                    fail(f"{path}: not KEY=VALUE: {stripped}")
                pairs.append((key.strip(), value.strip()))
    return pairs


def parse_environment_file(path):
    """KEY=VALUE lines as systemd reads them: comments, blank lines, surrounding quotes."""
    values = {}
    with open(path, encoding="utf-8") as env:
        for number, raw in enumerate(env, 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            key, equals, value = line.partition("=")
            key = key.strip()
            if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                fail(f"{path}:{number}: not NAME=value")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
                if raw.strip().partition("=")[2].strip()[0] == '"':
                    value = re.sub(r'\\(["\\$`])', r"\1", value)
            values[key] = value
    return values


def specifiers(text, unit_name, user):
    table = {"H": socket.gethostname(), "n": unit_name, "N": unit_name.rsplit(".", 1)[0],
             "p": unit_name.rsplit(".", 1)[0], "u": user.pw_name, "U": str(user.pw_uid), "h": user.pw_dir, "%": "%"}

    def replace(match):
        letter = match.group(1)
        if letter not in table:
            fail(f"specifier %{letter} is not supported here")
        return table[letter]
    return re.sub(r"%(.)", replace, text)


def command_line(text, environment):
    """An Exec line's words: `$VAR` alone becomes its words, `${VAR}` its value, `$$` a `$`; `-` = failure ignored."""
    ignore_failure = text.startswith("-")
    text = text.lstrip("-")
    if text[:1] in "@:+!":
        fail(f"the Exec prefix {text[0]} is not supported here")
    words = []
    for word in shlex.split(text):
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:
            words.extend(environment.get(whole.group(1), "").split())
        else:
            expanded = re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                              lambda m: "$" if m.group(0) == "$$" else environment.get(m.group(1), ""), word)
            words.append(expanded)
    if not words or not words[0].startswith("/"):
        fail(f"an Exec command must start with an absolute path: {text}")
    return words, ignore_failure


def mount(*arguments):
    subprocess.run(["mount", *arguments], check=True)


def sandbox(settings):
    """ProtectSystem=strict + ReadWritePaths=, ProtectHome=yes, PrivateTmp=yes in a private mount namespace."""
    strict = settings.get("ProtectSystem") == ["strict"]
    home = settings.get("ProtectHome") == ["yes"]
    private_tmp = settings.get("PrivateTmp") == ["yes"]
    if not (strict or home or private_tmp):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        fail(f"unshare(CLONE_NEWNS): {os.strerror(ctypes.get_errno())} (needs root)")
    mount("--make-rprivate", "/")
    if strict:
        with open("/proc/self/mountinfo", encoding="utf-8") as info:
            points = sorted({line.split()[4].encode().decode("unicode_escape") for line in info})
        for point in points:
            if any(point == api or point.startswith(api + "/") for api in ("/dev", "/proc", "/sys")):
                continue
            subprocess.run(["mount", "-o", "remount,bind,ro", point], check=False, stderr=subprocess.DEVNULL)
        for value in settings.get("ReadWritePaths", []):
            for path in value.split():
                optional = path.startswith("-")
                path = path.lstrip("-")
                if not os.path.isdir(path):
                    if optional:
                        continue
                    fail(f"ReadWritePaths={path} does not exist (systemd would refuse to start the unit)")
                mount("--bind", path, path)
                mount("-o", "remount,bind,rw", path)
    if home:
        for path in ("/home", "/root", "/run/user"):
            if os.path.isdir(path):
                mount("-t", "tmpfs", "-o", "ro,mode=000,size=4k", "tmpfs", path)
    if private_tmp:
        for path in ("/tmp", "/var/tmp"):
            mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", path)


def main():
    arguments = sys.argv[1:]
    if not arguments:
        fail("usage: run_unit.py UNIT_FILE [-- CMD ARGS...]")
    unit_path, extra = arguments[0], arguments[2:] if arguments[1:2] == ["--"] else None
    if len(arguments) > 1 and extra is None:
        fail("usage: run_unit.py UNIT_FILE [-- CMD ARGS...]")
    if os.geteuid() != 0:
        fail("must run as root (it drops to the unit's User= with setpriv)")
    unit_name = os.path.basename(unit_path)
    settings = {}
    for key, value in parse_unit(unit_path):
        settings.setdefault(key, []).append(value)
    ignored = sorted(set(settings) - APPLIED - LIFECYCLE)
    if ignored and extra is None:
        print(f"run_unit: {unit_name}: not applied here (systemd-analyze verify checks them): {', '.join(ignored)}",
              file=sys.stderr)

    user = pwd.getpwnam(settings.get("User", ["root"])[-1])
    group = grp.getgrnam(settings["Group"][-1]) if "Group" in settings else grp.getgrgid(user.pw_gid)
    environment = {"PATH": SYSTEMD_PATH, "HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name,
                   "SHELL": user.pw_shell}
    for value in settings.get("Environment", []):
        for assignment in shlex.split(specifiers(value, unit_name, user)):
            key, _, assigned = assignment.partition("=")
            environment[key] = assigned
    for value in settings.get("EnvironmentFile", []):
        optional = value.startswith("-")
        path = specifiers(value.lstrip("-"), unit_name, user)
        if not os.path.exists(path):
            if optional:
                continue
            fail(f"EnvironmentFile={path} does not exist (systemd would refuse to start the unit)")
        environment.update(parse_environment_file(path))

    directory = specifiers(settings.get("WorkingDirectory", ["/"])[-1], unit_name, user)
    if directory == "~":
        directory = user.pw_dir
    optional_directory = directory.startswith("-")
    directory = directory.lstrip("-")
    if not os.path.isdir(directory):
        if not optional_directory:
            fail(f"WorkingDirectory={directory} does not exist (systemd would refuse to start the unit)")
        directory = "/"

    drop = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={group.gr_gid}", "--init-groups"]
    if settings.get("NoNewPrivileges") == ["yes"]:
        drop.append("--no-new-privs")
    drop.append("--")

    if extra is not None:
        os.chdir(directory)
        os.execvpe("setpriv", drop + extra, environment)

    sandbox(settings)
    os.chdir(directory)
    for line in settings.get("ExecStartPre", []):
        words, ignore_failure = command_line(specifiers(line, unit_name, user), environment)
        status = subprocess.run(drop + words, env=environment, timeout=90).returncode
        if status != 0 and not ignore_failure:
            fail(f"{unit_name}: ExecStartPre={line} exited {status}")
    starts = settings.get("ExecStart", [])
    if len(starts) != 1:
        fail(f"{unit_name}: a Type=simple unit needs exactly one ExecStart=, found {len(starts)}")
    words, _ = command_line(specifiers(starts[0], unit_name, user), environment)
    os.execvpe("setpriv", drop + words, environment)


if __name__ == "__main__":
    main()
