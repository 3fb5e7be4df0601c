"""Exchange calls, request weight and client throttle per bot loop, N open brackets on N pairs.

Two live bots on one emulator (each its own account, the same N pairs, prices frozen), both the
shipped config with N slots, both opening one bracket per pair through the file-driven strategy:

- ``plugin``: as shipped; freqtrade's stop polls are answered from the plugin's loop snapshot;
- ``freqtrade's own polls``: the same plugin with its routing of freqtrade's stop-order calls
  off, so freqtrade polls each trade's stop itself (one GET per trade per loop): what freqtrade
  does without the plugin's snapshot, the baseline.

Both run under bench/bot_probe.py, which records every HTTP request of every ccxt client in
the bot (freqtrade's sync and async clients, the plugin's own) with the seconds ccxt's sync
client slept in ``throttle`` before it and the venue's ``X-MBX-USED-WEIGHT-1M``, and the start
of every bot loop. Once all brackets rest, the figures are taken over whole loops of a window.
Weights are the venue's own (binance_emulator/routes.py: Binance's documented weights); the
per-minute figure is set against Binance's 2,400 request weight per minute.

    .venv/bin/python bench/calls_per_loop.py [--brackets 50] [--seconds 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backtest_data import emulator_pairs
from bench_report import Figure, report
from live_bots import bot_config, freeze_prices, protected, start_bot, write_signals

from binance_emulator.api.routes import ROUTES
from harness.emulator import start_emulator

BUDGET = 2400  # Binance USDⓈ-M REQUEST_WEIGHT per minute
VARIANTS = {"plugin": True, "freqtrade's own polls": False}  # name -> plugin routes stop calls
ROUTE = {(r.method, r.path): r for r in ROUTES}


@dataclass
class LoopFigures:
    """What one bot did over whole loops of the window."""

    loops: int = 0
    seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    weight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    throttled: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    peak_used_weight: int = 0

    def per_loop(self, value: float) -> float:
        return value / max(1, self.loops)

    @property
    def weight_per_minute(self) -> float:
        return sum(self.weight.values()) * 60 / max(self.seconds, 1e-9)


def endpoint(call: dict[str, Any]) -> str:
    name = f"{call['method']} {call['path']}"
    route = ROUTE.get((call["method"], call["path"]))
    if route is not None and callable(route.weight) and "klines" not in call["path"]:
        name += "" if call["symbol"] else " (all symbols)"
    return name


def weight_of(call: dict[str, Any]) -> int:
    route = ROUTE.get((call["method"], call["path"]))
    if route is None:
        return 0
    params = {"symbol": "X"} if call["symbol"] else {}
    if call.get("limit"):
        params["limit"] = call["limit"]
    return route.weight_of(params)


def loop_figures(record: Path, since: float, until: float) -> LoopFigures:
    events = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    loops = [e["loop"] for e in events if "loop" in e and since <= e["loop"] <= until]
    figures = LoopFigures(loops=max(0, len(loops) - 1))
    if figures.loops == 0:
        return figures
    start, end = loops[0], loops[-1]
    figures.seconds = end - start
    for call in events:
        if "loop" in call or not start <= call["t"] < end:
            continue
        name = endpoint(call)
        figures.calls[name] += 1
        figures.weight[name] += weight_of(call)
        figures.throttled[call["client"]] += call["throttled"]
        route = ROUTE.get((call["method"], call["path"]))
        if route is not None and route.signed and call["used_weight"]:
            figures.peak_used_weight = max(figures.peak_used_weight, call["used_weight"])
    return figures


def print_table(figures: dict[str, LoopFigures], brackets: int) -> None:
    names = sorted({n for f in figures.values() for n in f.calls})
    print(f"calls per loop by endpoint (request weight per loop), {brackets} open brackets:")
    print(f"  {'endpoint':48}" + "".join(f"{v:>28}" for v in figures))
    for name in names:
        cells = "".join(f"{f.per_loop(f.calls.get(name, 0)):>16.2f} "
                        f"(w {f.per_loop(f.weight.get(name, 0)):6.1f})" for f in figures.values())
        print(f"  {name:48}{cells}")
    for label, value in (
        ("all calls per loop", lambda f: f"{f.per_loop(sum(f.calls.values())):.2f}"),
        ("request weight per loop", lambda f: f"{f.per_loop(sum(f.weight.values())):.1f}"),
        ("request weight per minute", lambda f: f"{f.weight_per_minute:.0f} / {BUDGET}"),
        ("X-MBX-USED-WEIGHT-1M peak (signed)", lambda f: f"{f.peak_used_weight}"),
        ("throttled s per loop, freqtrade client",
         lambda f: f"{f.per_loop(f.throttled.get('freqtrade', 0.0)):.3f}"),
        ("throttled s per loop, plugin client",
         lambda f: f"{f.per_loop(f.throttled.get('plugin', 0.0)):.3f}"),
        ("loops (seconds)", lambda f: f"{f.loops} ({f.seconds:.0f} s)"),
    ):
        print(f"  {label:48}" + "".join(f"{value(f):>28}" for f in figures.values()))


def measure(brackets: int, seconds: float, work: Path) -> dict[str, LoopFigures]:
    pairs = list(emulator_pairs(brackets))
    emulator = start_emulator(work)
    bots = {}
    try:
        levels = freeze_prices(emulator, pairs)
        signal_file = work / "signals.json"
        write_signals(signal_file, {})
        accounts = {name: emulator.new_account(balance="1000000") for name in VARIANTS}
        for name, routes in VARIANTS.items():
            key, secret = accounts[name]
            config = bot_config(emulator, key, secret, pairs, signal_file, "BracketFromFile")
            slug = "routed" if routes else "unrouted"
            bots[name] = start_bot(work / slug, config, "BracketFromFile",
                                   record=work / f"{slug}.jsonl", route_stops=routes)
        write_signals(signal_file, levels)
        for name, bot in bots.items():
            bot.wait_for(lambda n=name: protected(emulator, accounts[n][0], pairs, 2), 300,
                         f"{brackets} protected positions ({name})")
        write_signals(signal_file, {})
        time.sleep(12)  # two loops past the last entry: the window holds only steady loops
        since = time.time()
        time.sleep(seconds)
        until = time.time()
        open_counts = {name: len(bot.status()) for name, bot in bots.items()}
    finally:
        for bot in bots.values():
            bot.stop()
        emulator.stop()
    for name, count in open_counts.items():
        if count != brackets:
            raise SystemExit(f"{name}: {count} open trades, expected {brackets}")
    return {name: loop_figures(work / f"{'routed' if routes else 'unrouted'}.jsonl",
                               since, until) for name, routes in VARIANTS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brackets", type=int, default=50, help="open brackets, one per pair")
    parser.add_argument("--seconds", type=float, default=60, help="measuring window")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bracket-calls-") as folder:
        figures = measure(options.brackets, options.seconds, Path(folder))
    print_table(figures, options.brackets)
    ours, theirs = figures["plugin"], figures["freqtrade's own polls"]

    def signed_calls(f: LoopFigures) -> float:
        return f.per_loop(sum(count for name, count in f.calls.items() if is_signed(name)))

    def weight(f: LoopFigures, signed: bool) -> float:
        return f.per_loop(sum(w for name, w in f.weight.items() if is_signed(name) == signed))

    n = options.brackets
    report(f"calls per loop ({n} open brackets on {n} pairs, shipped config, live on the "
           "emulator; baseline: the same bot with freqtrade polling its own stops)", [
        Figure("account/order (signed) calls per loop", f"{signed_calls(ours):.2f}",
               f"{signed_calls(theirs):.2f}", "O(1): 2 (open legs + positions)",
               signed_calls(ours) <= 2.05),
        Figure("signed request weight per loop", f"{weight(ours, True):.1f}",
               f"{weight(theirs, True):.1f}", "minimal (40 + 5)", weight(ours, True) <= 45.5),
        Figure("public weight per loop (freqtrade's order-book exit pricing, candles)",
               f"{weight(ours, False):.1f}", f"{weight(theirs, False):.1f}",
               "freqtrade's own"),
        Figure("request weight per minute, all calls", f"{ours.weight_per_minute:.0f}",
               f"{theirs.weight_per_minute:.0f}", f"<= {BUDGET} (Binance budget)",
               ours.weight_per_minute <= BUDGET),
        Figure("throttled per loop, plugin's client",
               f"{ours.per_loop(ours.throttled.get('plugin', 0.0)):.3f} s",
               f"{theirs.per_loop(theirs.throttled.get('plugin', 0.0)):.3f} s", "minimal"),
        Figure("throttled per loop, freqtrade's client",
               f"{ours.per_loop(ours.throttled.get('freqtrade', 0.0)):.3f} s",
               f"{theirs.per_loop(theirs.throttled.get('freqtrade', 0.0)):.3f} s",
               "no stop polls left"),
        Figure("loop length (process_throttle_secs 5)", f"{ours.seconds / ours.loops:.1f} s",
               f"{theirs.seconds / theirs.loops:.1f} s"),
    ], options.json)


def is_signed(name: str) -> bool:
    method, path = name.split(" ")[:2]
    route = ROUTE.get((method, path))
    return route is not None and route.signed


if __name__ == "__main__":
    main()
