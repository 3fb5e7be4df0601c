"""`make demo`'s promise: brackets are printed while they are open (the stop and each take-profit
level, prices, quantities and order ids), as they are steered (a level's fill as a partial exit
with what is left, the stop moved to break-even) and when they close (reason, result in R), the
user is told where to look, and however the demo is stopped — Ctrl-C, `kill`, a closed
terminal, SIGKILL — the emulator and the bot go too.

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
from typing import Any

import psutil
import pytest
import requests

from harness.emulator import REPO
from harness.freqtrade_bot import wait_for

pytestmark = pytest.mark.e2e
# A bracket opens and closes "usually within the first few minutes"; one that scales out waits
# for its second level or its stop at break-even.
TRADE_DEADLINE_S = 600
# Half of the demo's brackets reach their first level before their stop; a live run saw two
# within four minutes of the banner.
STEERED_DEADLINE_S = 900
START_DEADLINE_S = 180
STOP_DEADLINE_S = 60
LEVEL = re.compile(r"take-profit (?P<level>\d+): (?P<price>[\d.]+) for (?P<quantity>[\d.]+) "
                   r"\(order (?P<order_id>\d+), resting\)")
OPENED = re.compile(
    r"#(?P<id>\d+) (?P<pair>\S+) (?P<side>long|short) opened at (?P<entry>[\d.]+)  "
    r"stop (?P<stop>[\d.]+) \(order (?P<stop_id>\d+), resting\)  "
    rf"(?P<levels>(?:{LEVEL.pattern}  ){{2}})risk (?P<risk>[\d.]+) USDT")
PARTIAL_EXIT = re.compile(
    r"#(?P<id>\d+) \S+ (?:long|short) partial exit at take-profit (?P<level>\d+): "
    r"(?P<quantity>[\d.]+) at (?P<price>[\d.]+), (?P<left>[\d.]+) left")
BREAK_EVEN = re.compile(
    r"#(?P<id>\d+) \S+ (?:long|short) stop moved to break-even (?P<old>[\d.]+) → "
    r"(?P<new>[\d.]+) for (?P<quantity>[\d.]+) \(order (?P<order_id>\d+)\)")
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


def custom_data(demo: DemoOnTerminal, trade_id: int) -> dict[str, Any]:
    """The plugin's records of a trade, JSON text decoded."""
    [entry] = demo.api(f"trades/{trade_id}/custom-data")
    return {row["key"]: json.loads(row["value"]) if isinstance(row["value"], str)
            and row["value"][:1] in "{[" else row["value"] for row in entry["custom_data"]}


def first_match(demo: DemoOnTerminal, pattern: re.Pattern, trade_id: int
                ) -> tuple[int, re.Match] | None:
    """The first line ``pattern`` finds for ``trade_id``, and its index."""
    return next(((index, m) for index, (_, text) in enumerate(demo.lines)
                 if (m := pattern.search(text)) and int(m["id"]) == trade_id), None)


def assert_opened_line_names_the_legs(demo: DemoOnTerminal, opened: re.Match) -> None:
    """Entry, stop and each take-profit level (price, quantity, order id) as the plugin recorded
    them and freqtrade booked them."""
    trade_id = int(opened["id"])
    trade = demo.api(f"trade/{trade_id}")
    data = custom_data(demo, trade_id)
    legs = data["bracket_legs"]
    assert opened["side"] == ("short" if trade["is_short"] else "long")
    assert float(opened["entry"]) == pytest.approx(trade["open_rate"])
    assert float(opened["risk"]) == pytest.approx(data["bracket"]["risk_amount"], abs=0.006)
    levels = [legs["take_profit"], *legs["scale_out"]]
    printed = [(int(m["level"]), float(m["price"]), float(m["quantity"]), m["order_id"])
               for m in LEVEL.finditer(opened["levels"])]
    assert printed == [(leg["level"], pytest.approx(leg["trigger_price"]),
                        pytest.approx(leg["quantity"]), leg["order_id"]) for leg in levels]
    # The stop as placed: the recorded one, unless a level's fill replaced it since (resized
    # for what was left, or moved: then its old price is the placed one).
    stop = legs["stop"]
    if stop["attempt"] == 1:
        assert (opened["stop_id"], float(opened["stop"])) == (
            stop["order_id"], pytest.approx(stop["trigger_price"]))
    moved = first_match(demo, BREAK_EVEN, trade_id)
    if moved is None:
        assert float(opened["stop"]) == pytest.approx(stop["trigger_price"])
    else:
        assert float(opened["stop"]) == pytest.approx(float(moved[1]["old"]))


def test_demo_prints_brackets_while_open_steered_and_closed_then_ctrl_c_stops_it(
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
    assert_opened_line_names_the_legs(demo, opened)
    # Beside the records, the line a person reads names the same legs.
    data = custom_data(demo, trade_id)
    assert data["bracket_legs"]["stop"]["order_id"] in data["bracket_summary"]
    # The close: freqtrade's exit reason and the result in R against the sized risk.
    assert closed["reason"] == trade["exit_reason"]
    assert float(closed["r"]) == pytest.approx(
        trade["profit_abs"] / data["bracket"]["risk_amount"], abs=0.006)

    def steered() -> tuple[re.Match, re.Match, re.Match] | None:
        """A bracket printed when placed, then its first level's partial exit, then its stop
        moved to break-even, in that order."""
        assert demo.process.poll() is None, demo.output()
        for index, (_, text) in enumerate(demo.lines):
            if not (opened := OPENED.search(text)):
                continue
            partial = first_match(demo, PARTIAL_EXIT, int(opened["id"]))
            moved = first_match(demo, BREAK_EVEN, int(opened["id"]))
            if partial and moved and index < partial[0] < moved[0]:
                return opened, partial[1], moved[1]
        return None

    opened, partial, moved = wait_for(
        steered, STEERED_DEADLINE_S, "a bracket's partial exit at a level, then its stop moved "
        "to break-even", interval=1, on_timeout=demo.output)
    trade_id = int(opened["id"])
    trade = demo.api(f"trade/{trade_id}")
    assert_opened_line_names_the_legs(demo, opened)
    # The partial exit is freqtrade's: an exit order of the level's tag, for the printed size.
    entry_side = "sell" if trade["is_short"] else "buy"
    bought = sum(o["filled"] or 0 for o in trade["orders"] if o["ft_order_side"] == entry_side)
    [exited] = [o for o in trade["orders"]
                if o["ft_order_tag"] == f"take_profit_{partial['level']}"]
    assert exited["ft_order_side"] != entry_side and not exited["is_open"]
    assert float(partial["quantity"]) == pytest.approx(exited["filled"])
    assert float(partial["price"]) == pytest.approx(exited["safe_price"])
    assert float(partial["left"]) == pytest.approx(bought - exited["filled"])
    # The stop moved from the placed one to the entry, for what was left.
    assert float(moved["old"]) == pytest.approx(float(opened["stop"]))
    tick = trade["price_precision"]
    assert abs(float(moved["new"]) - trade["open_rate"]) <= tick * (1 + 1e-9)
    assert float(moved["quantity"]) == pytest.approx(float(partial["left"]))
    stop = custom_data(demo, trade_id)["bracket_legs"]["stop"]
    assert (stop["order_id"], stop["trigger_price"]) == (
        moved["order_id"], pytest.approx(float(moved["new"])))

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
