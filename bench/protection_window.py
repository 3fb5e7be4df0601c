"""Unprotected window per leg, and exchange calls per loop, with a real bot on the emulator.

Opens N brackets with `freqtrade trade` in testnet mode (the shipped config.json + the emulator
overlay, the strategy swapped for the file-driven test strategy so entries happen on demand),
five pairs at a time, closing each round by force-exit. The window of a leg is measured on the
venue: from the entry order's fill to the leg's creation on the emulator. Then, with N brackets
open, it counts the calls the emulator saw per bot loop (one loop = one openAlgoOrders call,
which the plugin makes exactly once per loop).

    .venv/bin/python bench/protection_window.py [--brackets 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.emulator import REPO, start_emulator
from tests.support.freqtrade import E2E_STRATEGIES, FreqtradeBot, merged, tunnel_exchange

PAIRS = {  # pair: (price set on the emulator, stop, take-profit) for a long
    "XRP/USDT:USDT": ("1.2000", 1.17, 1.26),
    "DOGE/USDT:USDT": ("0.160000", 0.156, 0.168),
    "ADA/USDT:USDT": ("0.45000", 0.44, 0.47),
    "SOL/USDT:USDT": ("150.0000", 146.0, 158.0),
    "BNB/USDT:USDT": ("600.000", 585.0, 630.0),
}


def symbol(pair: str) -> str:
    return pair.split("/")[0] + "USDT"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brackets", type=int, default=20)
    args = parser.parse_args()
    shipped = merged(json.loads((REPO / "config.json").read_text()),
                     json.loads((REPO / "configs" / "emulator.json").read_text()))
    windows: dict[str, list[float]] = {"stop": [], "take_profit": []}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        emulator = start_emulator(work)
        bot = None
        try:
            key, secret = emulator.new_account(balance="100000")
            for pair, (price, _, _) in PAIRS.items():
                emulator.set_price(symbol(pair), price)
            signal_file = work / "signals.json"
            signal_file.write_text("{}")
            config = merged(shipped, {
                "exchange": {**tunnel_exchange(emulator, key, secret),
                             "pair_whitelist": list(PAIRS)},
                "strategy": "BracketFromFile",
                "signal_file": str(signal_file),
                "max_open_trades": len(PAIRS),
                "bracket": {"max_open_positions": len(PAIRS), "max_total_open_risk": 0.05,
                            "daily_loss_limit": 0.5},
            })
            (work / "bot").mkdir()
            bot = FreqtradeBot(work / "bot", config, "BracketFromFile", E2E_STRATEGIES).start()
            opened = 0
            while opened < args.brackets:
                batch = list(PAIRS)[: min(len(PAIRS), args.brackets - opened)]
                signal_file.write_text(json.dumps({
                    p: {"side": "long", "stop_price": PAIRS[p][1],
                        "take_profit_price": PAIRS[p][2]} for p in batch}))
                bot.wait_for(lambda b=batch: _all_protected(emulator, key, b), 90,
                             f"{len(batch)} protected positions")
                signal_file.write_text("{}")
                _collect(emulator.state(key), batch, windows)
                opened += len(batch)
                if opened >= args.brackets:
                    break
                for trade in bot.status():
                    bot.force_exit(trade["trade_id"])
                bot.wait_for(lambda: not bot.status(), 60, "all trades closed")
                time.sleep(1.5)  # pair locks after an exit last one candle's worth of loops
            open_brackets = len(bot.status())
            before = emulator.control("GET", "requests")
            time.sleep(20)
            after = emulator.control("GET", "requests")
        finally:
            if bot is not None:
                bot.stop()
            emulator.stop()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    loops = max(1, delta.get("GET /fapi/v1/openAlgoOrders", 0))
    signed_calls = sum(v for k, v in delta.items()
                       if not k.startswith(("GET /fapi/v1/depth", "GET /fapi/v1/klines",
                                            "GET /fapi/v1/exchangeInfo", "GET /fapi/v1/time")))
    print(f"brackets opened: {sum(len(v) for v in windows.values()) // 2} "
          "(shipped config + emulator overlay, live against the emulator through the tunnel)")
    for leg, samples in windows.items():
        print(f"unprotected window {leg:>11}: p50 {statistics.median(samples):6.0f} ms   "
              f"p95 {percentile(samples, 0.95):6.0f} ms   max {max(samples):6.0f} ms")
    print(f"with {open_brackets} open brackets over {loops} loops:")
    print(f"  plugin watch calls per loop (openAlgoOrders): "
          f"{delta.get('GET /fapi/v1/openAlgoOrders', 0) / loops:.2f}")
    print(f"  freqtrade stop polls per loop (GET algoOrder): "
          f"{delta.get('GET /fapi/v1/algoOrder', 0) / loops:.2f}")
    print(f"  all account/order calls per loop: {signed_calls / loops:.2f}  {dict(delta)}")


def _all_protected(emulator, key: str, pairs: list[str]) -> bool:
    resting = [a for a in emulator.state(key)["algo_orders"] if a["algoStatus"] == "NEW"]
    return all(sum(a["symbol"] == symbol(p) for a in resting) == 2 for p in pairs)


def _collect(state: dict, pairs: list[str], windows: dict[str, list[float]]) -> None:
    for pair in pairs:
        entry = max((o for o in state["orders"] if o["symbol"] == symbol(pair)
                     and o["side"] == "BUY" and o["status"] == "FILLED"),
                    key=lambda o: o["updateTime"])
        for algo in state["algo_orders"]:
            if algo["symbol"] != symbol(pair) or algo["algoStatus"] != "NEW":
                continue
            leg = "stop" if algo["orderType"] == "STOP_MARKET" else "take_profit"
            windows[leg].append(algo["createTime"] - entry["updateTime"])


if __name__ == "__main__":
    main()
