"""Where a plugin backtest spends the time the plain-freqtrade replay does not.

Runs BracketExample once (to learn its trades), then BracketExample and BracketExampleReplay
once each under cProfile on the same data (bench/backtest_data.py) and prints, for both:
the total, the time inside the plugin's own code per freqtrade callback (what freqtrade's call
into ``ft_bracket`` cost, callees included), freqtrade's deep copies of the trade before
callbacks, freqtrade's entry path per entry attempt, and the functions whose own time differs
most. cProfile slows Python code down about twofold and unevenly: read shares, not seconds.

    .venv/bin/python bench/backtest_profile.py [--days 60] [--pairs 5] [--top 15]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from pathlib import Path
from typing import Any

from backtest_data import (
    BASELINE,
    PLUGIN,
    REPO,
    backtest_session,
)
from backtest_overhead import check_same_trades
from BracketExampleReplay import TradeReplay

PLUGIN_CODE = str(REPO / "ft_bracket")
Key = tuple[str, int, str]


def _is_plugin(key: Key) -> bool:
    return key[0].startswith(PLUGIN_CODE)


def _label(key: Key) -> str:
    path, line, name = key
    if path.startswith(PLUGIN_CODE):
        path = "ft_bracket" + path[len(PLUGIN_CODE):]
    elif "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    return f"{name} ({Path(path).name}:{line})"


def entries_into_plugin(stats: pstats.Stats) -> dict[str, tuple[int, float]]:
    """Calls from outside ``ft_bracket`` into it: function -> (calls, cumulative seconds)."""
    entries: dict[str, tuple[int, float]] = {}
    for key, (_, _, _, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if not _is_plugin(key):
            continue
        for caller, (_, calls, _, cumulative) in callers.items():
            if "freqtrade/" in caller[0]:
                count, seconds = entries.get(key[2], (0, 0.0))
                entries[key[2]] = (count + calls, seconds + cumulative)
    return entries


def edge(stats: pstats.Stats, callee: str, caller: str) -> tuple[int, float]:
    """Calls and cumulative seconds of ``callee`` when called by ``caller`` (names)."""
    calls, seconds = 0, 0.0
    for key, (_, _, _, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if key[2] != callee:
            continue
        for from_key, (_, count, _, cumulative) in callers.items():
            if from_key[2] == caller:
                calls, seconds = calls + count, seconds + cumulative
    return calls, seconds


def function(stats: pstats.Stats, name: str, path_part: str) -> tuple[int, float]:
    for key, (_, calls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if key[2] == name and path_part in key[0]:
            return calls, cumulative
    return 0, 0.0


def own_times(stats: pstats.Stats) -> dict[str, float]:
    return {_label(k): v[2] for k, v in stats.stats.items()}  # type: ignore[attr-defined]


def profile_run(backtesting: Any, strategy: Any, data: dict, timerange: Any) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.enable()
    backtesting.backtest_one_strategy(strategy, data, timerange)
    profiler.disable()
    return pstats.Stats(profiler)


def print_profile(runs: dict[str, pstats.Stats], top: int) -> None:
    totals = {name: s.total_tt for name, s in runs.items()}  # type: ignore[attr-defined]
    print(f"{'':44}{PLUGIN:>22}{BASELINE:>26}")
    print(f"{'total (profiled)':44}{totals[PLUGIN]:>20.2f} s{totals[BASELINE]:>24.2f} s")

    def row(label: str, values: dict[str, tuple[int, float]]) -> None:
        cells = "".join(
            f"{values[name][1]:>10.2f} s {values[name][1] / totals[name]:>5.1%} "
            f"{values[name][0]:>7,}" + " " * (4 if name == BASELINE else 0)
            for name in (PLUGIN, BASELINE))
        print(f"{label:44}{cells}")

    print(f"{'':44}{'seconds share   calls':>26}{'seconds share   calls':>26}")
    entries = {name: entries_into_plugin(s) for name, s in runs.items()}
    # ft_advise_signals wraps the strategy's populate_* (in both runs): its own part is the index.
    entries[PLUGIN].pop("ft_advise_signals", None)
    for callback in sorted(entries[PLUGIN], key=lambda c: -entries[PLUGIN][c][1]):
        row(f"  ft_bracket {callback}",
            {PLUGIN: entries[PLUGIN][callback], BASELINE: (0, 0.0)})
    row("  ft_bracket EntrySignals.of (entry rows index)",
        {n: function(s, "of", "ft_bracket/signals.py") for n, s in runs.items()})
    row("  deep copies of the trade (strategy_wrapper)",
        {n: edge(s, "deepcopy", "wrapper") for n, s in runs.items()})
    row("  freqtrade _enter_trade (entry attempts)",
        {n: function(s, "_enter_trade", "backtesting.py") for n, s in runs.items()})
    row("  freqtrade should_exit (per open trade, candle)",
        {n: function(s, "should_exit", "interface.py") for n, s in runs.items()})
    row("  freqtrade _get_ohlcv_as_lists (signals)",
        {n: function(s, "_get_ohlcv_as_lists", "backtesting.py") for n, s in runs.items()})
    row("  strategy advise_all_indicators",
        {n: function(s, "advise_all_indicators", "interface.py") for n, s in runs.items()})
    ours, theirs = own_times(runs[PLUGIN]), own_times(runs[BASELINE])
    differences = sorted(((ours.get(k, 0.0) - theirs.get(k, 0.0), k) for k in ours | theirs),
                         reverse=True)
    print(f"\nown time, plugin minus baseline, top {top} (seconds, profiled):")
    for seconds, label in differences[:top]:
        print(f"  {seconds:+8.3f}  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    options = parser.parse_args()

    with backtest_session(options.pairs, options.days, "bracket-profile-") as session:
        backtesting, dataset = session.backtesting, session.dataset
        data, timerange = backtesting.load_bt_data()
        strategies = {s.get_strategy_name(): s for s in backtesting.strategylist}
        backtesting.backtest_one_strategy(strategies[PLUGIN], data, timerange)
        strategies[BASELINE].replay = TradeReplay.from_results(
            backtesting.all_bt_content[PLUGIN]["results"], backtesting.timeframe)
        runs = {name: profile_run(backtesting, strategies[name], data, timerange)
                for name in (PLUGIN, BASELINE)}
        checked = check_same_trades(backtesting.all_bt_content[PLUGIN]["results"],
                                    backtesting.all_bt_content[BASELINE]["results"],
                                    "profiled backtests")
    print(f"data: {dataset.describe()}\n{checked}\n")
    print_profile(runs, options.top)


if __name__ == "__main__":
    main()
