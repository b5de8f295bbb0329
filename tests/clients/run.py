#!/usr/bin/env python3
"""Runs tests/clients: the real Claude Code, Codex, Gemini and Copilot CLIs against a scripted
mock model.

    python3 tests/clients/run.py [-k PATTERN] [unittest arguments...]

Needs `npm ci` in tests/clients and a built backstop (`cargo build`; BACKSTOP_BIN overrides).
The clients get no network beyond loopback:
  - as root where `unshare --net` works, the whole suite re-runs itself in a new network
    namespace that has only `lo` (brought up here), and checks that nothing else is reachable;
  - otherwise every client run is traced (`strace -f -e trace=connect`) and any connection that
    is not to 127.0.0.1/::1 or a local socket fails the test;
  - with neither, it refuses to run. BACKSTOP_CLIENTS_ISOLATION=strace forces the second.
Python 3.11 standard library only.
"""

import errno
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "BACKSTOP_CLIENTS_ISOLATION_ACTIVE"


def loopback_up():
    """`ip link set lo up`, without needing iproute2."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, siocgifflags, request)[:18])[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))


def check_namespace():
    """Only `lo` exists, and an outside address (TEST-NET-3, never routed) is unreachable."""
    with open("/proc/self/net/dev") as f:
        interfaces = sorted(line.split(":")[0].strip() for line in f.readlines()[2:])
    if interfaces != ["lo"]:
        sys.exit(f"network namespace has interfaces {interfaces}, expected only lo")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        try:
            s.connect(("203.0.113.1", 443))
        except OSError as e:
            if e.errno != errno.ENETUNREACH:
                sys.exit(f"outside address: expected ENETUNREACH, got {e}")
        else:
            sys.exit("outside address reachable from the namespace")


def isolate():
    """Re-execs inside a network namespace, or arranges for strace; returns the mode."""
    active = os.environ.get(MARK)
    if active == "netns":
        loopback_up()
        check_namespace()
        return active
    if active:
        return active
    forced = os.environ.get("BACKSTOP_CLIENTS_ISOLATION")
    if forced not in (None, "", "netns", "strace"):
        sys.exit(f"BACKSTOP_CLIENTS_ISOLATION={forced}: use netns or strace")
    if forced != "strace" and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
        if probe.returncode == 0:
            os.environ[MARK] = "netns"
            os.execvp(
                "unshare",
                ["unshare", "--net", "--", sys.executable, os.path.abspath(__file__), *sys.argv[1:]],
            )
        if forced == "netns":
            sys.exit(f"unshare --net failed: {probe.stderr.strip()}")
        print(f"clients: no network namespace ({probe.stderr.strip()}); tracing connections instead")
    if not shutil.which("strace"):
        sys.exit(
            "clients: cannot keep the clients off the network: no `unshare --net` (needs root) and no strace"
        )
    os.environ[MARK] = "strace"
    return "strace"


def main():
    if sys.version_info < (3, 11):
        sys.exit(f"clients: needs Python 3.11 or later (tomllib), not {sys.version.split()[0]}")
    mode = isolate()
    sys.path.insert(0, HERE)
    import harness

    harness.ISOLATION = mode
    if not os.path.exists(harness.BACKSTOP):
        sys.exit(f"clients: no backstop binary at {harness.BACKSTOP}: run `cargo build` first")
    shutil.rmtree(harness.WORK, ignore_errors=True)
    os.makedirs(harness.WORK)
    versions = [harness.client_version(c, harness.WORK) for c in ("claude", "codex", "gemini", "copilot")]
    print(
        f"clients: {', '.join(versions)}; isolation: {mode}; backstop: {harness.BACKSTOP}; work: {harness.WORK}"
    )
    started = time.monotonic()
    program = unittest.main(module="test_clients", argv=[sys.argv[0], "-v", *sys.argv[1:]], exit=False)
    print(f"clients: {time.monotonic() - started:.1f}s")
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
