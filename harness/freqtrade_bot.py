"""Run real freqtrade processes against the emulator and look at what they did.

``FreqtradeBot`` is one ``freqtrade trade`` subprocess with its own config file, sqlite database,
user-data directory, API port and log file; ``run_freqtrade`` runs a one-shot subcommand
(``download-data``, ``backtesting``) to completion. Their configs come from
``harness.freqtrade_config``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests

from harness.emulator import REPO, free_port
from harness.freqtrade_config import PAIR, merged

FREQTRADE = Path(sys.executable).with_name("freqtrade")
E2E_STRATEGIES = REPO / "tests" / "e2e" / "strategies"
# A hang guard, not a speed test: a start takes seconds on a quiet 2-core machine and took over
# 60 s beside two test runs, a soak and stress-ng (load 15).
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 15.0
PORT_ATTEMPTS = 3
LOG_TAIL_LINES = 60
# freqtrade's database refusing a write: an order row written twice (its unique (ft_pair,
# order_id)), or one it cannot write (a NOT NULL column). A restart's log must have none. (A bare
# PendingRollbackError is not counted: freqtrade's SIGTERM handler can interrupt a commit, and its
# clean-up then logs one; that is a stop, not a refused row.)
DATABASE_ERRORS = ("IntegrityError", "UNIQUE constraint failed")

T = TypeVar("T")


def database_errors(log: str) -> list[str]:
    """The lines of a freqtrade log where its database refused a write."""
    return [line for line in log.splitlines() if any(error in line for error in DATABASE_ERRORS)]


class WaitAbortedError(AssertionError):
    """Raised by a ``wait_for`` predicate when waiting longer cannot help (the process died)."""


class PortTakenError(WaitAbortedError):
    """Another process got the API port first: start again on another."""


def _die_with_parent() -> None:
    """Linux only: the bot gets SIGTERM if the test process dies without tearing down."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _environment() -> dict[str, str]:
    """The test's environment minus pytest's markers: freqtrade skips its logging set-up
    (``--logfile`` included) when it sees ``PYTEST_VERSION``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # The tunnel's certificate is self-signed on purpose: silence urllib3's warning per request.
    return {**inherited, "PYTHONUNBUFFERED": "1", "COLUMNS": "200",
            "PYTHONWARNINGS": "ignore:Unverified HTTPS request"}


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return f"(no log at {path})"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def wait_for(
    predicate: Callable[[], T | None],
    timeout: float,
    what: str = "condition",
    interval: float = 0.25,
    on_timeout: Callable[[], str] | None = None,
) -> T:
    """Poll ``predicate`` until it returns something truthy; return that, or fail after ``timeout``.

    Exceptions from the predicate count as "not yet" until the deadline, then are re-raised;
    ``WaitAbortedError`` ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
            last_error = None
        except WaitAbortedError:
            raise
        except Exception as error:  # polled state may be momentarily unreadable
            last_error = error
        if time.monotonic() >= deadline:
            detail = f"\n{on_timeout()}" if on_timeout is not None else ""
            message = f"timed out after {timeout:.0f} s waiting for {what}{detail}"
            if last_error is not None:
                raise AssertionError(message) from last_error
            raise AssertionError(message)
        time.sleep(interval)


class FreqtradeBot:
    """One ``freqtrade trade`` process with private config, database, user dir, port and log."""

    def __init__(
        self,
        workdir: Path,
        config: dict[str, Any],
        strategy: str = "SignalFromFile",
        strategy_path: Path = E2E_STRATEGIES,
        env: dict[str, str] | None = None,
        launcher: list[str] | None = None,
    ) -> None:
        self.workdir = workdir
        # What runs freqtrade's CLI: the installed `freqtrade`, or e.g. a recording wrapper.
        self.launcher = launcher or [str(FREQTRADE)]
        self.env = {**_environment(), **(env or {})}
        self.strategy = strategy
        self.strategy_path = strategy_path
        self.port = free_port()
        self.username = "tester"
        self.password = uuid.uuid4().hex
        self.config = merged(config, {"api_server": {
            "enabled": True,
            "listen_ip_address": "127.0.0.1",
            "listen_port": self.port,
            "verbosity": "error",
            "enable_openapi": False,
            "jwt_secret_key": uuid.uuid4().hex + uuid.uuid4().hex,
            "ws_token": uuid.uuid4().hex,
            # A browser UI served from its own origin (tests/support/frequi.py) may be allowed.
            "CORS_origins": config.get("api_server", {}).get("CORS_origins", []),
            "username": self.username,
            "password": self.password,
        }})
        self.config_path = workdir / "config.json"
        self.db_path = workdir / "trades.sqlite"
        self.userdir = workdir / "user_data"
        self.log_path = workdir / "freqtrade.log"
        # Anything printed outside the logging system (start-up tracebacks) lands here.
        self.console_path = workdir / "console.log"
        self.process: subprocess.Popen | None = None
        self.session = requests.Session()
        self.session.auth = (self.username, self.password)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    # Life cycle ---------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S) -> FreqtradeBot:
        """Launch the bot and return once its REST API answers as this bot.

        A free port can be taken by another process between choosing and binding it: then
        the bot starts again on another port (a few times), instead of failing the test.
        """
        make_userdir(self.userdir)
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self.config_path.write_text(json.dumps(self.config, indent=2))
            self._launch()
            try:
                wait_for(self._answers, timeout, "freqtrade's REST API",
                         on_timeout=self.log_tail)
            except (AssertionError, PortTakenError):
                if attempt == PORT_ATTEMPTS or not self._port_taken():
                    raise
                self.stop()
                self.port = free_port()
                self.config["api_server"]["listen_port"] = self.port
                continue
            return self
        raise AssertionError("unreachable")

    def _launch(self) -> None:
        args = [
            *self.launcher, "trade", "-c", str(self.config_path),
            "--strategy", self.strategy, "--strategy-path", str(self.strategy_path),
            "--db-url", f"sqlite:///{self.db_path}", "--userdir", str(self.userdir),
            "--logfile", str(self.log_path),
        ]
        self._log_offset = len(self.log_text())  # this launch's lines only
        with self.console_path.open("ab") as console:
            self.process = subprocess.Popen(
                args, stdout=console, stderr=subprocess.STDOUT, cwd=self.workdir,
                env=self.env, preexec_fn=_die_with_parent,
            )

    def _port_taken(self) -> bool:
        return "address already in use" in self._launch_log() or (
            self._answering_as() not in (None, self.config["bot_name"]))

    def _launch_log(self) -> str:
        return self.launch_log().lower()

    def _answering_as(self) -> str | None:
        with contextlib.suppress(requests.RequestException, ValueError, KeyError):
            answer = self.session.get(f"{self.api_url}/show_config", timeout=2)
            return str(answer.json()["bot_name"])
        return None

    def __enter__(self) -> FreqtradeBot:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise WaitAbortedError(
                f"freqtrade exited with {self.process.returncode}\n{self.log_tail()}"
            )

    def _answers(self) -> bool:
        """Our bot's REST API answers (another process on the port is not our bot)."""
        self._check_alive()
        if "address already in use" in self._launch_log():
            raise PortTakenError(f"port {self.port} was taken")
        name = self._answering_as()
        if name is not None and name != self.config["bot_name"]:
            raise PortTakenError(f"port {self.port} answers as {name}")
        return name == self.config["bot_name"]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time. Safe to call twice."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The end of freqtrade's log, and of its console (tracebacks before logging starts)."""
        return (
            f"--- last {lines} lines of {self.log_path} ---\n{_tail(self.log_path, lines)}\n"
            f"--- last 15 lines of {self.console_path} ---\n{_tail(self.console_path, 15)}"
        )

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def launch_log(self) -> str:
        """The log lines of this launch only (the workdir's log keeps earlier launches')."""
        return self.log_text()[getattr(self, "_log_offset", 0):]

    # REST API -----------------------------------------------------------------------------

    def api(self, method: str, path: str, **body: Any) -> Any:
        response = self.session.request(
            method, f"{self.api_url}/{path}", json=body or None, timeout=30
        )
        if not response.ok:
            raise AssertionError(
                f"{method} /api/v1/{path} -> {response.status_code} {response.text}\n"
                f"{self.log_tail()}"
            )
        return response.json()

    def force_enter(self, pair: str = PAIR, side: str = "long", **extra: Any) -> dict[str, Any]:
        """POST /forceenter; returns the new trade as the API shows it."""
        trade = self.api("POST", "forceenter", pair=pair, side=side, **extra)
        assert "trade_id" in trade, f"force-entry refused: {trade}\n{self.log_tail()}"
        return trade

    def force_exit(self, trade_id: int, ordertype: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"tradeid": str(trade_id)}
        if ordertype is not None:
            body["ordertype"] = ordertype
        return self.api("POST", "forceexit", **body)

    def status(self) -> list[dict[str, Any]]:
        """Open trades as ``/api/v1/status`` reports them."""
        return self.api("GET", "status")

    # Database -----------------------------------------------------------------------------

    def trades_from_db(self) -> list[dict[str, Any]]:
        """Every trade row, each with its ``orders`` rows, read straight from sqlite."""
        if not self.db_path.exists():
            return []
        uri = f"file:{self.db_path}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
            db.row_factory = sqlite3.Row
            # One read transaction: trades and orders from the same commit, never a trade row
            # from before a commit and its order rows from after it.
            db.execute("BEGIN")
            trades = [dict(r) for r in db.execute("SELECT * FROM trades ORDER BY id")]
            orders = [dict(r) for r in db.execute("SELECT * FROM orders ORDER BY id")]
        for trade in trades:
            trade["orders"] = [o for o in orders if o["ft_trade_id"] == trade["id"]]
        return trades

    def trade_from_db(self, trade_id: int) -> dict[str, Any]:
        matches = [t for t in self.trades_from_db() if t["id"] == trade_id]
        assert matches, f"trade {trade_id} not in {self.db_path}\n{self.log_tail()}"
        return matches[0]

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float, what: str = "condition"
    ) -> T:
        """``wait_for`` that gives up if the bot dies and shows its log tail on a timeout."""

        def alive_and_ready() -> T | None:
            self._check_alive()
            return predicate()

        return wait_for(alive_and_ready, timeout, what, on_timeout=self.log_tail)


def make_userdir(userdir: Path) -> None:
    """The folders ``freqtrade create-userdir`` makes, without paying for a process."""
    for sub in ("data", "strategies", "logs", "backtest_results", "hyperopt_results", "plot",
                "notebooks", "freqaimodels", "hyperopts"):
        (userdir / sub).mkdir(parents=True, exist_ok=True)


def run_freqtrade(
    workdir: Path, subcommand: str, config: dict[str, Any], *args: str, timeout: float = 120
) -> str:
    """Run ``freqtrade <subcommand> -c <config> --userdir <workdir>/user_data <args>``.

    Returns freqtrade's log; fails with the tail of its output if it fails or overruns.
    """
    userdir = workdir / "user_data"
    make_userdir(userdir)
    config_path = workdir / f"{subcommand}.json"
    config_path.write_text(json.dumps(config, indent=2))
    log_path = workdir / f"{subcommand}.log"
    console_path = workdir / f"{subcommand}.console.log"
    command = [str(FREQTRADE), subcommand, "-c", str(config_path), "--userdir", str(userdir),
               "--logfile", str(log_path), *args]
    with console_path.open("wb") as console:
        try:
            completed = subprocess.run(
                command, stdout=console, stderr=subprocess.STDOUT, cwd=workdir, timeout=timeout,
                env=_environment(), preexec_fn=_die_with_parent, check=False,
            )
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"freqtrade {subcommand} ran over {timeout:.0f} s\n"
                f"{_tail(console_path, LOG_TAIL_LINES)}"
            ) from None
    assert completed.returncode == 0, (
        f"freqtrade {subcommand} exited with {completed.returncode}\n"
        f"{_tail(console_path, LOG_TAIL_LINES)}"
    )
    return log_path.read_text(errors="replace")
