"""Start the emulator as a real process and talk to its control API."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "binance" / "futures"
DEFAULT_KEY = "emulator-key"
DEFAULT_SECRET = "emulator-secret"
READY_LINE = re.compile(r"ready on http://127\.0\.0\.1:(?P<port>\d+), CONNECT proxy "
                        r"127\.0\.0\.1:(?P<proxy>\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def url_overrides(base_url: str) -> dict[str, str]:
    """ccxt ``urls.api`` entries that send every USDⓈ-M call to ``base_url`` (option A)."""
    return {
        f"fapi{scope}{version}": f"{base_url}/fapi/{version.lower() or 'v1'}"
        for scope in ("Public", "Private")
        for version in ("", "V2", "V3")
    }


@dataclass
class Emulator:
    """A running ``python -m binance_emulator`` and a client for its control API."""

    port: int
    proxy_port: int
    process: subprocess.Popen
    log_path: Path
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def control(self, method: str, path: str, **body: Any) -> Any:
        response = self.session.request(
            method, f"{self.url}/_emulator/{path}", json=body or None, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def set_price(self, symbol: str, price: str | float, mark: str | float | None = None
                  ) -> Any:
        """Manual control of ``symbol``: last at ``price``, mark at ``mark`` (default: the
        same); every trigger and liquidation either crosses happens before the answer."""
        extra = {} if mark is None else {"mark": str(mark)}
        return self.control("POST", "price", symbol=symbol, price=str(price), **extra)

    def fault(self, endpoint: str, **spec: Any) -> Any:
        return self.control("POST", "fault", endpoint=endpoint, **spec)

    def state(self, api_key: str = DEFAULT_KEY) -> dict[str, Any]:
        response = self.session.get(
            f"{self.url}/_emulator/state", params={"api_key": api_key}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def journal(self, api_key: str = DEFAULT_KEY, since_id: int = 0) -> list[dict[str, Any]]:
        """The venue's own record for one account (and manual price changes), oldest first."""
        response = self.session.get(f"{self.url}/_emulator/journal",
                                    params={"api_key": api_key, "since_id": since_id}, timeout=30)
        response.raise_for_status()
        return list(response.json()["rows"])

    def new_account(self, balance: str = "10000") -> tuple[str, str]:
        """A fresh, isolated account on this emulator: (api_key, api_secret)."""
        key, secret = f"key-{uuid.uuid4().hex[:12]}", f"secret-{uuid.uuid4().hex}"
        self.control("POST", "accounts", api_key=key, api_secret=secret, balance=balance)
        return key, secret

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_emulator(log_dir: Path, *extra_args: str, data: Path | None = None) -> Emulator:
    """Start an emulator on ports the system picks (no race with other processes choosing
    ports at the same time) and return once it answers; its ready line says which."""
    log_path = log_dir / f"emulator-{uuid.uuid4().hex[:8]}.log"
    args = [sys.executable, "-m", "binance_emulator", "--port", "0", "--proxy-port", "0",
            "--log-level", "INFO", *extra_args]
    if data is not None:
        args += ["--data", str(data)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited: {log_path.read_text()}")
        ready = READY_LINE.search(log_path.read_text(errors="replace"))
        if ready is not None:
            emulator = Emulator(int(ready["port"]), int(ready["proxy"]), process, log_path)
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{emulator.url}/fapi/v1/ping", timeout=1).json() == {}:
                    return emulator
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"emulator did not answer within 60 s: {log_path.read_text()}")
