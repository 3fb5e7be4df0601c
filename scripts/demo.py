"""`make demo`: the local Binance emulator plus `freqtrade trade` in testnet mode against it.

Everything lives under .demo/ (user data, database, logs, generated credentials). However the
demo is stopped — Ctrl-C, `kill` (SIGTERM), a closed terminal (SIGHUP), even SIGKILL — the
emulator and the bot it started stop too, and their ports are free for the next `make demo`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Overridable so a test can run the demo beside a developer's own.
EMULATOR_PORT = int(os.environ.get("DEMO_EMULATOR_PORT", "8790"))
API_PORT = int(os.environ.get("DEMO_API_PORT", "8080"))
DEMO = Path(os.environ.get("DEMO_DIR", str(REPO / ".demo")))
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Polls a freshly opened trade may wait for its legs' order ids before it is printed without.
LEG_WAIT_POLLS = 5


class StopSignal(KeyboardInterrupt):
    """A stop signal arrived: unwind to the clean-up, wherever the demo was. A BaseException,
    like Ctrl-C's own, so no ``except Exception`` on the way swallows it."""


def _request_stop(signum: int, _frame: object) -> None:
    raise StopSignal(signal.Signals(signum).name)


def _child_setup() -> None:
    """Runs in each child before exec: it must not inherit the signals blocked around its start,
    and (Linux) it gets SIGTERM if the demo dies without cleaning up (SIGKILL)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def say(text: str) -> None:
    """Print, unless the terminal is gone (after SIGHUP a write fails with EIO)."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_until(url: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{process.args[2]} exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer within {timeout:.0f} s; see {log}")


def wait_first_loop(get: Callable[[str], Any], timeout: float, process: subprocess.Popen,
                    log: Path) -> None:
    """Wait until the bot finished its first loop. Its API answers earlier, while freqtrade still
    builds its worker; a SIGTERM in that window leaves freqtrade 2026.9 hanging (its API thread
    keeps the process alive), so "running" must mean past that window."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"freqtrade exited early; see {log}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, ValueError):
            if get("health").get("last_process_ts"):
                return
        time.sleep(0.5)
    sys.exit(f"freqtrade did not finish its first loop within {timeout:.0f} s; see {log}")


def api_getter(password: str) -> Callable[[str], Any]:
    """GET /api/v1/<path> of the demo's bot, parsed."""
    token = base64.b64encode(f"demo:{password}".encode()).decode()

    def get(path: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{API_PORT}/api/v1/{path}")
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    return get


def _custom_data(get: Callable[[str], Any], trade_id: int) -> dict[str, Any]:
    """The trade's custom data as {key: value}; values the API shows as JSON text are decoded."""
    try:
        [entry] = get(f"trades/{trade_id}/custom-data")
    except (OSError, ValueError):  # 404 until the plugin has written its first record
        return {}
    values = {}
    for row in entry["custom_data"]:
        value = row["value"]
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        values[row["key"]] = value
    return values


def _leg_text(name: str, leg: dict[str, Any] | None) -> str:
    if not leg:
        return f"{name} (not placed yet)"
    order_id = leg.get("order_id") or "-"
    return f"{name} {leg.get('trigger_price')} (order {order_id}, {leg.get('status')})"


class TradeFeed:
    """Prints each bracket when it opens (entry and both legs with price and order id) and when it
    closes (exit reason, result in R = profit / the risk the plugin sized it for).

    Open trades come from ``/status``, closed ones from ``/trades`` (which lists closed trades
    only); ``get`` is the bot's REST API.
    """

    def __init__(self, get: Callable[[str], Any], write: Callable[[str], None] = say) -> None:
        self.get = get
        self.write = write
        self.risk: dict[int, float] = {}
        self.waited: dict[int, int] = {}
        self.opened: set[int] = set()
        self.closed: set[int] | None = None  # None until the first poll saw the database

    def poll(self) -> None:
        try:
            open_trades = self.get("status")
            closed = self.get("trades?limit=50&order_by_id=false")["trades"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        if self.closed is None:
            # Trades closed before this run (a kept .demo/ database) are history, not news.
            self.closed = {trade["trade_id"] for trade in closed}
            if self.closed:
                self.write(f"  ({len(self.closed)} earlier closed trades in the database)")
        for trade in open_trades:
            if trade["trade_id"] not in self.opened:
                self._announce_open(trade, closing=False)
        for trade in sorted(closed, key=lambda t: t["trade_id"]):
            if trade["trade_id"] not in self.closed:
                if trade["trade_id"] not in self.opened:
                    self._announce_open(trade, closing=True)
                self._announce_close(trade)

    def _announce_open(self, trade: dict[str, Any], closing: bool) -> None:
        trade_id = trade["trade_id"]
        data = _custom_data(self.get, trade_id)
        legs = data.get("bracket_legs") or {}
        placed = all((legs.get(k) or {}).get("order_id") for k in ("stop", "take_profit"))
        self.waited[trade_id] = self.waited.get(trade_id, 0) + 1
        if not placed and not closing and self.waited[trade_id] < LEG_WAIT_POLLS:
            return  # the legs follow the fill within a loop or two: print them together
        risk = (data.get("bracket") or {}).get("risk_amount")
        if risk:
            self.risk[trade_id] = float(risk)
        self.opened.add(trade_id)
        side = "short" if trade["is_short"] else "long"
        risk_text = f"  risk {float(risk):.2f} USDT" if risk else ""
        self.write(
            f"  #{trade_id} {trade['pair']} {side} opened at {trade['open_rate']}  "
            f"{_leg_text('stop', legs.get('stop'))}  "
            f"{_leg_text('take-profit', legs.get('take_profit'))}{risk_text}"
        )

    def _announce_close(self, trade: dict[str, Any]) -> None:
        trade_id = trade["trade_id"]
        assert self.closed is not None
        self.closed.add(trade_id)
        profit = float(trade["profit_abs"] or 0.0)
        risk = self.risk.get(trade_id)
        result = f"{profit / risk:+.2f} R" if risk else "R unknown (no risk record)"
        side = "short" if trade["is_short"] else "long"
        self.write(
            f"  #{trade_id} {trade['pair']} {side} closed by {trade['exit_reason']} at "
            f"{trade['close_rate']}  {result}  ({profit:+.2f} USDT)"
        )


def runtime_overlay(api_password: str) -> dict:
    """Per-run settings: generated credentials (never committed) and this run's ports."""
    tunnel = {"httpsProxy": f"http://127.0.0.1:{EMULATOR_PORT + 1}", "verify": False}
    return {
        "db_url": f"sqlite:///{DEMO / 'tradesv3.demo.sqlite'}",
        "exchange": {"ccxt_config": tunnel, "ccxt_async_config": tunnel},
        "api_server": {
            "enabled": True,
            "listen_ip_address": "127.0.0.1",
            "listen_port": API_PORT,
            "username": "demo",
            "password": api_password,
            "jwt_secret_key": secrets.token_hex(32),
            "ws_token": secrets.token_urlsafe(24),
            "CORS_origins": [],
        },
    }


def start(processes: list[subprocess.Popen], args: list[str], log: Path,
          env: dict[str, str]) -> subprocess.Popen:
    """Start a child in its own session and record it before any stop signal can interrupt."""
    # Blocked, a stop signal waits until the child is in ``processes``, so cleanup finds it.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        process = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_child_setup,
        )
        processes.append(process)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    return process


def stop_all(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each child's process group (newest first), SIGKILL after 20 s."""
    for process in reversed(processes):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def emulator_command(python: str) -> list[str]:
    """The emulator's command line. 5x replay: each 1-minute candle carries five minutes of
    (synthetic) price action. Ids from the clock: the database in .demo/ outlives the emulator,
    and a fresh one counting from 8000000001 again would hand freqtrade an order id it already
    stored (sqlite's UNIQUE constraint then stops the bot); Binance never reuses one."""
    return [python, "-m", "binance_emulator", "--port", str(EMULATOR_PORT), "--log-level",
            "INFO", "--speed", "5", "--proxy-port", str(EMULATOR_PORT + 1),
            "--first-id", "clock"]


def main() -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, _request_stop)
    for port in (EMULATOR_PORT, EMULATOR_PORT + 1, API_PORT):
        if not port_is_free(port):
            sys.exit(f"port {port} on 127.0.0.1 is in use; stop what runs there and retry")
    (DEMO / "user_data").mkdir(parents=True, exist_ok=True)
    api_password = secrets.token_urlsafe(12)
    overlay = DEMO / "runtime.json"
    overlay.write_text(json.dumps(runtime_overlay(api_password), indent=2))
    overlay.chmod(0o600)
    # The emulator accepts exactly this key pair; freqtrade reads it from the environment.
    key, secret = secrets.token_hex(16), secrets.token_hex(32)
    env = {
        **os.environ,
        "BINANCE_EMULATOR_API_KEY": key,
        "BINANCE_EMULATOR_API_SECRET": secret,
        "FREQTRADE__EXCHANGE__KEY": key,
        "FREQTRADE__EXCHANGE__SECRET": secret,
    }
    emulator_log, bot_log = DEMO / "emulator.log", DEMO / "freqtrade.log"
    python = sys.executable
    processes: list[subprocess.Popen] = []
    try:
        emulator = start(processes, emulator_command(python), emulator_log, env)
        wait_until(f"http://127.0.0.1:{EMULATOR_PORT}/fapi/v1/ping", 60, emulator, emulator_log)
        subprocess.run(
            [python, "-m", "freqtrade", "create-userdir", "--userdir", str(DEMO / "user_data")],
            cwd=REPO, check=True, stdout=subprocess.DEVNULL,
        )
        bot = start(processes, [
            python, "-m", "freqtrade", "trade", "-c", "config.json",
            "-c", "configs/emulator.json", "-c", "configs/demo.json", "-c", str(overlay),
            "--userdir", str(DEMO / "user_data"), "--logfile", str(bot_log)],
            DEMO / "freqtrade.console.log", env)
        wait_until(f"http://127.0.0.1:{API_PORT}/api/v1/ping", 120, bot, bot_log)
        get = api_getter(api_password)
        wait_first_loop(get, 120, bot, bot_log)
        say(
            "\nDemo running: freqtrade (testnet mode) trading the local Binance emulator.\n"
            f"  REST API / FreqUI : http://127.0.0.1:{API_PORT}"
            f"  (user demo, password {api_password})\n"
            f"  bot log           : {bot_log}\n"
            f"  database          : {DEMO / 'tradesv3.demo.sqlite'}\n"
            f"  emulator state    : http://127.0.0.1:{EMULATOR_PORT}/_emulator/state"
            f"?api_key={key}\n"
            "Brackets appear below as they open and close (the strategy needs a few minutes of"
            " candles first). Ctrl-C stops everything.\n"
        )
        feed = TradeFeed(get)
        while all(p.poll() is None for p in processes):
            feed.poll()
            time.sleep(3)
        sys.exit("a demo process stopped unexpectedly; see the logs in " + str(DEMO))
    except KeyboardInterrupt as stop:
        say(f"\nstopping ({stop or 'SIGINT'}) ...")
    finally:
        # A second signal must not cut the clean-up short.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stop_all(processes)


if __name__ == "__main__":
    main()
