"""`make demo`'s promise: brackets are printed while they are open (both legs, prices and order
ids) and when they close (reason, result in R), the user is told where to look, and however the
demo is stopped — Ctrl-C, `kill`, a closed terminal, SIGKILL — the emulator and the bot go too.

The demo runs on a real pseudo-terminal it owns, as in a user's shell: Ctrl-C is the byte ^C
typed into it (the terminal turns it into SIGINT) and a closed terminal is the pty's master side
closed (the kernel sends SIGHUP).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from harness.emulator import REPO
from harness.freqtrade_bot import wait_for

pytestmark = pytest.mark.e2e
TRADE_DEADLINE_S = 420  # a bracket opens and closes "usually within the first three minutes"
START_DEADLINE_S = 180
STOP_DEADLINE_S = 60
OPENED = re.compile(
    r"#(?P<id>\d+) (?P<pair>\S+) (?P<side>long|short) opened at (?P<entry>[\d.]+)  "
    r"stop (?P<stop>[\d.]+) \(order (?P<stop_id>\d+), resting\)  "
    r"take-profit (?P<tp>[\d.]+) \(order (?P<tp_id>\d+), resting\)  risk (?P<risk>[\d.]+) USDT")
CLOSED = re.compile(
    r"#(?P<id>\d+) (?P<pair>\S+) (?:long|short) closed by (?P<reason>\S+) at (?P<rate>[\d.]+)  "
    r"(?P<r>[+-][\d.]+) R  \((?P<profit>[+-][\d.]+) USDT\)")


def _take_terminal() -> None:
    """In the child, after setsid: make the pty on stdin its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def demo_ports() -> tuple[int, int]:
    """Ports for the demo's emulator (and its tunnel, the next port) and its REST API, below the
    kernel's ephemeral range: a port the kernel handed out as free can be taken again by any
    outgoing connection (the other tests' bots make plenty) before the demo binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random(os.getpid())  # distinct per xdist worker, repeatable
    while True:
        emulator, api = rng.randrange(10_000, low - 2), rng.randrange(10_000, low)
        if api not in (emulator, emulator + 1) and all(
                _bindable(p) for p in (emulator, emulator + 1, api)):
            return emulator, api


class DemoOnTerminal:
    """``python -m scripts.demo`` as a session leader on its own pty; ``lines`` is what it printed,
    each with the wall-clock time the test read it."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        emulator_port, api_port = demo_ports()
        self.env |= {"DEMO_EMULATOR_PORT": str(emulator_port), "DEMO_API_PORT": str(api_port),
                     "DEMO_DIR": str(tmp_path / "demo"), "PYTHONUNBUFFERED": "1"}
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.demo"], cwd=REPO, env=self.env, stdin=slave,
            stdout=slave, stderr=slave, start_new_session=True, preexec_fn=_take_terminal)
        os.close(slave)
        self.lines: list[tuple[float, str]] = []
        self._reading = True
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.children: list[psutil.Process] = []

    @property
    def ports(self) -> list[int]:
        emulator = int(self.env["DEMO_EMULATOR_PORT"])
        return [emulator, emulator + 1, int(self.env["DEMO_API_PORT"])]

    def _read(self) -> None:
        pending = b""
        while self._reading:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the demo and everything on the terminal closed it
                return
            if not chunk:
                return
            pending += chunk
            *complete, pending = pending.split(b"\n")
            self.lines += [(time.time(), raw.decode(errors="replace").rstrip("\r"))
                           for raw in complete]

    def output(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def wait_running(self) -> str:
        """Wait for the "Demo running" banner; remember the processes the demo started."""
        def banner() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"demo exited with {self.process.returncode}:\n{self.output()}")
            return any(text.startswith("Demo running") for _, text in self.lines)

        wait_for(banner, START_DEADLINE_S, "the demo's banner", on_timeout=self.output)
        self.children = psutil.Process(self.process.pid).children(recursive=True)
        assert len(self.children) >= 2, self.children  # the emulator and the bot
        return self.output()

    def password(self) -> str:
        return re.search(r"\(user demo, password (\S+)\)", self.output()).group(1)

    def api(self, path: str) -> object:
        response = requests.get(f"http://127.0.0.1:{self.env['DEMO_API_PORT']}/api/v1/{path}",
                                auth=("demo", self.password()), timeout=10)
        response.raise_for_status()
        return response.json()

    def type_ctrl_c(self) -> None:
        os.write(self.master, b"\x03")

    def close_terminal(self) -> None:
        self._reading = False
        self._reader.join(timeout=5)
        os.close(self.master)
        self.master = -1

    def assert_everything_stopped(self) -> None:
        def gone(process: psutil.Process) -> bool:
            with contextlib.suppress(psutil.NoSuchProcess):
                return process.status() == psutil.STATUS_ZOMBIE  # exited, holds no port
            return True

        wait_for(lambda: self.process.poll() is not None, STOP_DEADLINE_S, "the demo to exit")
        wait_for(lambda: all(gone(p) for p in self.children), STOP_DEADLINE_S,
                 "the emulator and the bot to exit",
                 on_timeout=lambda: f"left: {self.children}\n{self.output()}")
        for port in self.ports:
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"
        # freqtrade shut down through its own clean-up, not the demo's SIGKILL fallback.
        bot_log = Path(self.env["DEMO_DIR"], "freqtrade.log").read_text()
        assert "worker found ... calling exit" in bot_log, bot_log[-2000:]

    def close(self) -> None:
        """Teardown whatever happened: nothing of this test may outlive it."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for child in self.children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        if self.master >= 0:
            self._reading = False
            self._reader.join(timeout=5)
            os.close(self.master)


@pytest.fixture
def demo(tmp_path: Path):
    run = DemoOnTerminal(tmp_path)
    yield run
    run.close()


def test_demo_prints_brackets_while_open_and_when_closed_then_ctrl_c_stops_it(
    demo: DemoOnTerminal,
) -> None:
    banner = demo.wait_running()
    assert f"http://127.0.0.1:{demo.env['DEMO_API_PORT']}" in banner

    def closed_at(trade_id: int) -> float:
        stamp = datetime.datetime.fromisoformat(demo.api(f"trade/{trade_id}")["close_date"])
        return stamp.replace(tzinfo=stamp.tzinfo or datetime.UTC).timestamp()

    def printed_while_open() -> tuple[re.Match, re.Match] | None:
        """A bracket whose open line was read before freqtrade closed the trade, then its
        close line. (One that closed within a poll of opening proves nothing: keep waiting.)"""
        assert demo.process.poll() is None, demo.output()
        opened = {int(m["id"]): (seen, m) for seen, text in demo.lines
                  if (m := OPENED.search(text))}
        for _, text in demo.lines:
            if (closed := CLOSED.search(text)) and int(closed["id"]) in opened:
                seen, open_match = opened[int(closed["id"])]
                if seen < closed_at(int(closed["id"])):
                    return open_match, closed
        return None

    opened, closed = wait_for(printed_while_open, TRADE_DEADLINE_S,
                              "a bracket printed while open, then closed",
                              interval=1, on_timeout=demo.output)
    trade_id = int(opened["id"])
    trade = demo.api(f"trade/{trade_id}")
    # The legs' order ids and prices are the ones the plugin recorded.
    [entry] = demo.api(f"trades/{trade_id}/custom-data")
    data = {row["key"]: row["value"] for row in entry["custom_data"]}
    legs, bracket = (json.loads(v) if isinstance(v, str) else v
                     for v in (data["bracket_legs"], data["bracket"]))
    # Beside the records, the line a person reads names the same legs.
    assert legs["stop"]["order_id"] in data["bracket_summary"]
    assert (opened["stop_id"], opened["tp_id"]) == (
        legs["stop"]["order_id"], legs["take_profit"]["order_id"])
    assert float(opened["stop"]) == pytest.approx(legs["stop"]["trigger_price"])
    assert float(opened["tp"]) == pytest.approx(legs["take_profit"]["trigger_price"])
    assert opened["side"] == ("short" if trade["is_short"] else "long")
    assert float(opened["entry"]) == pytest.approx(trade["open_rate"])
    # The close: freqtrade's exit reason and the result in R against the sized risk.
    assert closed["reason"] == trade["exit_reason"]
    assert float(closed["r"]) == pytest.approx(
        trade["profit_abs"] / bracket["risk_amount"], abs=0.006)

    demo.type_ctrl_c()
    demo.assert_everything_stopped()
    assert demo.process.returncode == 0
    assert "stopping (SIGINT)" in demo.output()


@pytest.mark.parametrize("how", ["kill", "closed terminal", "SIGKILL"])
def test_demo_stopped_any_way_stops_the_emulator_and_the_bot(
    demo: DemoOnTerminal, how: str,
) -> None:
    demo.wait_running()
    if how == "kill":
        demo.process.send_signal(signal.SIGTERM)
    elif how == "closed terminal":
        demo.close_terminal()
    else:  # no clean-up code runs: the children learn of it from the kernel
        demo.process.send_signal(signal.SIGKILL)
    demo.assert_everything_stopped()
    if how == "kill":
        assert demo.process.returncode == 0
        assert "stopping (SIGTERM)" in demo.output()
