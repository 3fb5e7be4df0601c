"""The emulator's CONNECT tunnel: Binance's hosts only, no plain proxying, and Binance's paths
served over TLS."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from harness.emulator import Emulator

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def tunnel_answer(emulator: Emulator, request_line: str) -> str:
    with socket.create_connection(("127.0.0.1", emulator.proxy_port), timeout=10) as sock:
        sock.sendall(f"{request_line}\r\nHost: x\r\n\r\n".encode())
        return sock.recv(4096).decode("latin-1")


@pytest.mark.parametrize("target", ["example.com:443", "127.0.0.1:443", "binance.com.evil:443"])
def test_tunnel_refuses_non_binance_hosts(emulator: Emulator, target: str) -> None:
    answer = tunnel_answer(emulator, f"CONNECT {target} HTTP/1.1")
    assert answer.startswith("HTTP/1.1 403 Forbidden")


def test_tunnel_accepts_binance_and_refuses_plain_proxying(emulator: Emulator) -> None:
    assert tunnel_answer(emulator, "CONNECT fapi.binance.com:443 HTTP/1.1").startswith(
        "HTTP/1.1 200")
    assert tunnel_answer(emulator, "GET http://example.com/ HTTP/1.1").startswith(
        "HTTP/1.1 405")


def test_tunnel_serves_binance_paths_over_tls(emulator: Emulator) -> None:
    session = requests.Session()
    session.proxies = {"https": emulator.proxy_url}
    before = int(time.time() * 1000)
    response = session.get("https://fapi.binance.com/fapi/v1/time", verify=False, timeout=10)
    after = int(time.time() * 1000) + 1
    assert before <= response.json()["serverTime"] <= after
