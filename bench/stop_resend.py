"""How long a position stays bare when the venue refuses its first stop, measured on the venue.

The plugin sends a refused stop once more at once (``MarketCloses._protect``). Each round opens a
long, arms a -2022 refusal, places the stop (refused) and sends it again, then a close at market
after it; the figures are the venue's clock from the refusal to the resend's creation, and from
that to the close's fill. Two gateways on one client with ccxt's rate limit on, as the bot's:
``LegGateway`` (stops and closes skip ccxt's client-side wait) and the baseline, whose every call
waits it (rateLimit × cost since the previous call: 50 ms per order). Goal: p95 <= 20 ms.

    .venv/bin/python bench/stop_resend.py [--rounds 40] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_report import Figure, median, percentile, report

from ft_bracket.core.legs import LegKind
from ft_bracket.venues.binance.gateway import LegGateway
from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator

PAIR, SYMBOL = "XRP/USDT:USDT", "XRPUSDT"
GOAL_MS = 20


def rounds(emulator: Emulator, name: str, count: int, throttled_everywhere: bool
           ) -> tuple[list[float], list[float]]:
    """Venue milliseconds: refusal → resent stop created, and stop created → close filled."""
    key, secret = emulator.new_account("100000")
    client = binance_client(emulator, key, secret, enableRateLimit=True)
    gateway = LegGateway(client)
    if throttled_everywhere:
        gateway.urgent = gateway.api
    for n in range(count):
        client.create_order(PAIR, "market", "buy", 100)
        price = float(client.fetch_ticker(PAIR)["last"])
        emulator.fault("POST /fapi/v1/algoOrder", kind="error", code=-2022,
                       msg="ReduceOnly Order is rejected.", api_key=key)
        for attempt in (1, 2):
            gateway.place(PAIR, LegKind.STOP, "sell", 100, round(price * 0.9, 4),
                          f"{name}-{n}-sl{attempt}")
        gateway.close_at_market(PAIR, "sell", 100, f"{name}-{n}-x1")
        gateway.cancel(PAIR, str(gateway.find(PAIR, client_id=f"{name}-{n}-sl2").order_id))
    rows = emulator.journal(key)
    at = {(row["event"], row.get("client_id")): int(row["time"]) for row in rows}
    resend = [at[("algo_created", f"{name}-{n}-sl2")] - at[("request_faulted", f"{name}-{n}-sl1")]
              for n in range(count)]
    close = [at[("order_filled", f"{name}-{n}-x1")] - at[("algo_created", f"{name}-{n}-sl2")]
             for n in range(count)]
    return resend, close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp))
        try:
            emulator.set_price(SYMBOL, "1.2000")
            resend, close = rounds(emulator, "u", args.rounds, throttled_everywhere=False)
            base_resend, base_close = rounds(emulator, "b", args.rounds, throttled_everywhere=True)
        finally:
            emulator.stop()
    p95 = percentile(resend, 0.95)
    figures = [
        Figure("refused stop → resend resting, p50 (ms)", f"{median(resend):.0f}",
               f"{median(base_resend):.0f} (every call throttled)"),
        Figure("refused stop → resend resting, p95 (ms)", f"{p95:.0f}",
               f"{percentile(base_resend, 0.95):.0f}", f"<= {GOAL_MS}", p95 <= GOAL_MS),
        Figure("stop resting → close at market filled, p50 (ms)", f"{median(close):.0f}",
               f"{median(base_close):.0f}"),
        Figure("rounds", str(args.rounds)),
    ]
    report("A refused first stop, sent again (venue clock)", figures, args.json)


if __name__ == "__main__":
    main()
