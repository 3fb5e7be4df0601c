"""`make demo`: the local Binance emulator plus `freqtrade trade` in testnet mode against it.

Everything lives under .demo/ (user data, database, logs, generated credentials). Ctrl-C stops
both processes; nothing is left running.
"""

from __future__ import annotations

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
DEMO = REPO / ".demo"
EMULATOR_PORT, API_PORT = 8790, 8080


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


def runtime_overlay(api_password: str) -> dict:
    """Per-machine settings generated on first run: never committed, never printed twice."""
    return {
        "db_url": f"sqlite:///{DEMO / 'tradesv3.demo.sqlite'}",
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
        [python, "-m", "binance_emulator", "--port", str(EMULATOR_PORT), "--log-level", "INFO"],
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
             "-c", "configs/emulator.json", "-c", str(overlay),
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
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(1)
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
