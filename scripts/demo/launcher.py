"""The demo's processes: the local Binance emulator and `freqtrade trade` in testnet mode
against it, started, watched and stopped.

Everything lives under .demo/ (user data, database, logs, generated credentials). However the
demo is stopped — Ctrl-C, `kill` (SIGTERM), a closed terminal (SIGHUP), even SIGKILL — the
emulator and the bot it started stop too, and their ports are free for the next `make demo`.
"""

from __future__ import annotations

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

from scripts.demo.feed import TradeFeed, api_getter

REPO = Path(__file__).resolve().parents[2]
# Overridable so a test can run the demo beside a developer's own.
EMULATOR_PORT = int(os.environ.get("DEMO_EMULATOR_PORT", "8790"))
API_PORT = int(os.environ.get("DEMO_API_PORT", "8080"))
DEMO = Path(os.environ.get("DEMO_DIR", str(REPO / ".demo")))
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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
        get = api_getter(API_PORT, api_password)
        wait_first_loop(get, 120, bot, bot_log)
        say(
            "\nDemo running: freqtrade (testnet mode) trading the local Binance emulator.\n"
            f"  REST API / FreqUI : http://127.0.0.1:{API_PORT}"
            f"  (user demo, password {api_password})\n"
            f"  bot log           : {bot_log}\n"
            f"  database          : {DEMO / 'tradesv3.demo.sqlite'}\n"
            f"  emulator state    : http://127.0.0.1:{EMULATOR_PORT}/_emulator/state"
            f"?api_key={key}\n"
            "Brackets appear below as they open, exit in part at a take-profit level, move"
            " their stop and close (the strategy needs a few minutes of candles first). Ctrl-C"
            " stops everything.\n"
        )
        feed = TradeFeed(get, say)
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
