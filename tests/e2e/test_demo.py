"""`make demo`'s promise: brackets are placed and closed within minutes, the user is told where to
look, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.support.emulator import REPO, free_port

pytestmark = pytest.mark.e2e
DEADLINE_S = 420


def test_demo_shows_brackets_opening_and_closing_then_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env |= {"DEMO_EMULATOR_PORT": str(free_port()), "DEMO_API_PORT": str(free_port()),
            "DEMO_DIR": str(tmp_path / "demo"), "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen([sys.executable, "scripts/demo.py"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in demo.stdout], daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + DEADLINE_S
    try:
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert demo.poll() is None, "".join(seen)
                continue
            if any(" opened at " in s for s in seen) and any(" closed by " in s for s in seen):
                break
        else:
            pytest.fail(f"no bracket opened and closed within {DEADLINE_S} s:\n{''.join(seen)}")
        output = "".join(seen)
        assert f"http://127.0.0.1:{env['DEMO_API_PORT']}" in output
        assert "stop " in output and "take-profit " in output
    finally:
        demo.send_signal(signal.SIGINT)  # what Ctrl-C does
        demo.wait(timeout=60)
    assert demo.returncode == 0
    left = [p.pid for p in psutil.process_iter(["cmdline"])
            if env["DEMO_DIR"] in " ".join(p.info["cmdline"] or [])]
    assert left == [], f"processes left behind: {left}"
    for port in (env["DEMO_EMULATOR_PORT"], env["DEMO_API_PORT"]):  # the emulator is gone too
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still open"
