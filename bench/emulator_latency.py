"""Order round trips through the real ccxt client to the emulator on loopback.

Prints p50 / p99 latency of one order placement (request, matching, fill, response, ccxt parsing)
and orders per second from a single client. Goal: p50 <= 2 ms, p99 <= 10 ms.

    .venv/bin/python bench/emulator_latency.py [--orders 2000] [--mode url|tunnel]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ccxt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_report import Figure, report

from harness.emulator import start_emulator, url_overrides

PAIR = "XRP/USDT:USDT"


def client(emulator, api_key: str, api_secret: str, mode: str) -> ccxt.binance:
    config: dict = {"apiKey": api_key, "secret": api_secret, "enableRateLimit": False,
                    "options": {"defaultType": "future"}}
    if mode == "tunnel":
        config.update({"httpsProxy": emulator.proxy_url, "verify": False})
    else:
        config["urls"] = {"api": url_overrides(emulator.url)}
        config["options"].update({"fetchMarkets": {"types": ["linear"]},
                                  "fetchCurrencies": False, "fetchMargins": False})
    exchange = ccxt.binance(config)
    exchange.load_markets()
    return exchange


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--mode", choices=("url", "tunnel"), default="url")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.mode == "tunnel":
        import urllib3

        urllib3.disable_warnings()
    with tempfile.TemporaryDirectory() as folder:
        emulator = start_emulator(Path(folder), "--weight-limit", "100000000")
        try:
            # Binance's ORDERS limits (300 per 10 s) would stop a latency run after 300 orders.
            emulator.control("POST", "config", order_limit_10s=10**9, order_limit_1m=10**9)
            key, secret = emulator.new_account(balance="100000000")
            exchange = client(emulator, key, secret, args.mode)
            exchange.set_leverage(10, PAIR)
            for _ in range(50):  # warm the connection pool and the server
                exchange.fetch_time()
            latencies: list[float] = []
            started = time.perf_counter()
            for i in range(args.orders):
                side = "buy" if i % 2 == 0 else "sell"
                t0 = time.perf_counter()
                order = exchange.create_order(PAIR, "market", side, 100)
                latencies.append((time.perf_counter() - t0) * 1000)
                assert order["status"] == "closed", order
            elapsed = time.perf_counter() - started
        finally:
            emulator.stop()
    print(f"mode={args.mode} orders={args.orders} "
          "(MARKET, alternating side, real ccxt sync client)")
    print(f"p50 {statistics.median(latencies):.2f} ms   p99 {percentile(latencies, 0.99):.2f} ms"
          f"   max {max(latencies):.2f} ms")
    print(f"orders/s {args.orders / elapsed:.0f}")
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    report(f"emulator round trip ({args.mode}, {args.orders} MARKET orders, real ccxt)", [
        Figure(f"MARKET order round trip p50 ({args.mode})", f"{p50:.2f} ms", "", "<= 2 ms",
               p50 <= 2),
        Figure(f"MARKET order round trip p99 ({args.mode})", f"{p99:.2f} ms", "", "<= 10 ms",
               p99 <= 10),
    ], args.json)


if __name__ == "__main__":
    main()
