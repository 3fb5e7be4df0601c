"""Unprotected window per leg, the plugin beside freqtrade's own stoploss_on_exchange, one run.

Two live bots on one emulator, each its own account, the same pairs and the same entries (one
signal file both read), both on the shipped config.json + configs/emulator.json:

- ``plugin``: the file-driven bracket strategy (tests/e2e/strategies/BracketFromFile.py): the
  plugin places a reduce-only stop and take-profit after the entry fill;
- ``freqtrade``: plain freqtrade (bench/strategies/StopFromFile.py), a fixed stop placed by its
  own ``stoploss_on_exchange``, no plugin, no take-profit.

Rounds of one entry per pair, both bots in each round, closed by force-exit between rounds (on
1m candles, the file-driven strategies' own, so a pair's lock after an exit is short). The
window of a leg is measured on the venue's clock: from the entry order's fill to the leg's
creation on the emulator. Goal: p95 <= 150 ms for both legs.

    .venv/bin/python bench/protection_window.py [--brackets 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_report import Figure, median, percentile, report
from live_bots import (
    Bracket,
    bot_config,
    protected,
    start_bot,
    symbol,
    write_signals,
)

from harness.emulator import start_emulator

GOAL_MS = 150
PAIRS = {  # pair: (price set on the emulator, stop, take-profit) for a long
    "XRP/USDT:USDT": Bracket("1.2000", 1.17, 1.26),
    "DOGE/USDT:USDT": Bracket("0.160000", 0.156, 0.168),
    "ADA/USDT:USDT": Bracket("0.45000", 0.44, 0.47),
    "SOL/USDT:USDT": Bracket("150.0000", 146.0, 158.0),
    "BNB/USDT:USDT": Bracket("600.000", 585.0, 630.0),
}
# bot -> (strategy, legs it rests per position, config overrides)
BOTS = {
    "plugin": ("BracketFromFile", 2,
               {"bracket": {"risk_per_trade": 0.01, "max_total_open_risk": 0.05}}),
    # Without the plugin's sizing: a fixed stake of about the plugin's size.
    "freqtrade": ("StopFromFile", 1, {"stake_amount": 100}),
}
LEG_NAMES = {"STOP_MARKET": "stop", "TAKE_PROFIT_MARKET": "take_profit"}


def collect(state: dict, pairs: list[str], windows: dict[str, list[float]]) -> None:
    """Entry fill -> leg created, venue milliseconds, for each resting leg of ``pairs``."""
    for pair in pairs:
        entry = max((o for o in state["orders"] if o["symbol"] == symbol(pair)
                     and o["side"] == "BUY" and o["status"] == "FILLED"),
                    key=lambda o: o["updateTime"])
        for algo in state["algo_orders"]:
            if algo["symbol"] == symbol(pair) and algo["algoStatus"] == "NEW":
                windows[LEG_NAMES[algo["orderType"]]].append(
                    algo["createTime"] - entry["updateTime"])


def measure(brackets: int, work: Path) -> dict[str, dict[str, list[float]]]:
    emulator = start_emulator(work)
    bots = {}
    windows: dict[str, dict[str, list[float]]] = {
        name: {"stop": [], "take_profit": []} for name in BOTS}
    try:
        for pair, bracket in PAIRS.items():
            emulator.set_price(symbol(pair), bracket.price)
        signal_file = work / "signals.json"
        write_signals(signal_file, {})
        accounts = {name: emulator.new_account(balance="100000") for name in BOTS}
        for name, (strategy, _, overrides) in BOTS.items():
            key, secret = accounts[name]
            # 1m candles (the file-driven strategies' own): freqtrade locks a pair after an exit
            # until the next candle, so rounds wait at most a minute, not five.
            config = bot_config(emulator, key, secret, list(PAIRS), signal_file, strategy,
                                timeframe="1m", **overrides)
            bots[name] = start_bot(work / name, config, strategy)
        opened = 0
        while opened < brackets:
            batch = list(PAIRS)[: min(len(PAIRS), brackets - opened)]
            write_signals(signal_file, {p: PAIRS[p] for p in batch})
            for name, bot in bots.items():
                legs = BOTS[name][1]
                bot.wait_for(lambda n=name, k=legs, b=batch: protected(
                    emulator, accounts[n][0], b, k), 150, f"{len(batch)} protected ({name})")
            write_signals(signal_file, {})
            for name in bots:
                collect(emulator.state(accounts[name][0]), batch, windows[name])
            opened += len(batch)
            if opened >= brackets:
                break
            for bot in bots.values():
                for trade in bot.status():
                    bot.force_exit(trade["trade_id"])
            for bot in bots.values():
                bot.wait_for(lambda b=bot: not b.status(), 60, "all trades closed")
            time.sleep(1.5)  # pair locks after an exit last one candle's worth of loops
    finally:
        for bot in bots.values():
            bot.stop()
        emulator.stop()
    return windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brackets", type=int, default=20, help="entries per bot")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bracket-window-") as folder:
        windows = measure(options.brackets, Path(folder))
    print(f"entries per bot: {options.brackets} ({len(PAIRS)} pairs per round; shipped config "
          "+ emulator overlay, live through the tunnel; venue clock)")
    for name, legs in windows.items():
        for leg, samples in legs.items():
            if samples:
                print(f"  {name:>9} {leg:>11}: p50 {median(samples):6.0f} ms   p95 "
                      f"{percentile(samples, 0.95):6.0f} ms   max {max(samples):6.0f} ms   "
                      f"({len(samples)}: {', '.join(f'{s:.0f}' for s in samples)})")
    ours, theirs = windows["plugin"], windows["freqtrade"]["stop"]
    figures = []
    for leg, samples in ours.items():
        p50, p95 = median(samples), percentile(samples, 0.95)
        theirs_p95 = percentile(theirs, 0.95)
        baseline = (f"freqtrade stop {median(theirs):.0f} / {theirs_p95:.0f} ms "
                    f"(p95 {theirs_p95 / p95:.1f}x the plugin's)"
                    if leg == "stop" else "freqtrade places none")
        figures.append(Figure(f"unprotected window, {leg} (p50 / p95)",
                              f"{p50:.0f} / {p95:.0f} ms", baseline, f"p95 <= {GOAL_MS} ms",
                              p95 <= GOAL_MS))
    report(f"protection window ({options.brackets} entries per bot, {len(PAIRS)} pairs, venue "
           "clock; baseline: freqtrade's own stoploss_on_exchange in the same run)", figures,
           options.json)


if __name__ == "__main__":
    main()
