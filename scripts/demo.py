"""`make demo`: the local Binance emulator plus `freqtrade trade` in testnet mode against it.

Everything lives under .demo/ (user data, database, logs, generated credentials). Ctrl-C stops
both processes; nothing is left running.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Overridable so a test can run the demo beside a developer's own.
EMULATOR_PORT = int(os.environ.get("DEMO_EMULATOR_PORT", "8790"))
API_PORT = int(os.environ.get("DEMO_API_PORT", "8080"))
DEMO = Path(os.environ.get("DEMO_DIR", str(REPO / ".demo")))


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


def api_get(path: str, password: str) -> object:
    request = urllib.request.Request(f"http://127.0.0.1:{API_PORT}/api/v1/{path}")
    token = base64.b64encode(f"demo:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


class TradeFeed:
    """Prints each bracket as it opens (with its legs) and closes (with the exit reason)."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.opened: set[int] = set()
        self.closed: set[int] = set()

    def poll(self) -> None:
        try:
            trades = api_get("trades?limit=500", self.password)["trades"]
        except (OSError, ValueError, KeyError):
            return
        for trade in trades:
            trade_id, side = trade["trade_id"], "short" if trade["is_short"] else "long"
            if trade_id not in self.opened:
                self.opened.add(trade_id)
                print(f"  #{trade_id} {trade['pair']} {side} opened at {trade['open_rate']}"
                      f"  {self._legs(trade_id)}", flush=True)
            if not trade["is_open"] and trade_id not in self.closed:
                self.closed.add(trade_id)
                print(f"  #{trade_id} {trade['pair']} closed by {trade['exit_reason']} at "
                      f"{trade['close_rate']}  profit {trade['profit_abs']:+.2f} USDT", flush=True)

    def _legs(self, trade_id: int) -> str:
        try:
            entries = api_get(f"trades/{trade_id}/custom-data?key=bracket_legs", self.password)
            legs = entries[0]["custom_data"][0]["value"]
        except (OSError, ValueError, KeyError, IndexError):
            return "(legs pending)"
        return (f"stop {legs['stop']['trigger_price']} [{legs['stop']['status']}]  "
                f"take-profit {legs['take_profit']['trigger_price']} "
                f"[{legs['take_profit']['status']}]")


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


def main() -> None:
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
    emulator = subprocess.Popen(
        # 5x replay: each 1-minute candle carries five minutes of (synthetic) price action.
        [python, "-m", "binance_emulator", "--port", str(EMULATOR_PORT), "--log-level", "INFO",
         "--speed", "5", "--proxy-port", str(EMULATOR_PORT + 1)],
        cwd=REPO, env=env, stdout=emulator_log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes = [emulator]
    try:
        wait_until(f"http://127.0.0.1:{EMULATOR_PORT}/fapi/v1/ping", 60, emulator, emulator_log)
        subprocess.run(
            [python, "-m", "freqtrade", "create-userdir", "--userdir", str(DEMO / "user_data")],
            cwd=REPO, check=True, stdout=subprocess.DEVNULL,
        )
        bot = subprocess.Popen(
            [python, "-m", "freqtrade", "trade", "-c", "config.json",
             "-c", "configs/emulator.json", "-c", "configs/demo.json", "-c", str(overlay),
             "--userdir", str(DEMO / "user_data"), "--logfile", str(bot_log)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(bot)
        wait_until(f"http://127.0.0.1:{API_PORT}/api/v1/ping", 120, bot, bot_log)
        print(
            "\nDemo running: freqtrade (testnet mode) trading the local Binance emulator.\n"
            f"  REST API / FreqUI : http://127.0.0.1:{API_PORT}"
            f"  (user demo, password {api_password})\n"
            f"  bot log           : {bot_log}\n"
            f"  database          : {DEMO / 'tradesv3.demo.sqlite'}\n"
            f"  emulator state    : http://127.0.0.1:{EMULATOR_PORT}/_emulator/state"
            f"?api_key={key}\n"
            "Brackets appear below as they open and close (the strategy needs a few minutes of"
            " candles first). Ctrl-C stops everything.\n",
            flush=True,
        )
        feed = TradeFeed(api_password)
        while all(p.poll() is None for p in processes):
            feed.poll()
            time.sleep(3)
        sys.exit("a demo process stopped unexpectedly; see the logs above")
    except KeyboardInterrupt:
        print("\nstopping ...")
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


if __name__ == "__main__":
    main()
