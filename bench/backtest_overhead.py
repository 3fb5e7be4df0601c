"""Backtest overhead of the bracket plugin, like for like, in one run.

``BracketExample`` (signals + ft_bracket) against ``BracketExampleReplay``: plain freqtrade with
the same indicators and signals that takes exactly the plugin run's trades (the entries the
risk gate accepted, exits at the same prices; see bench/strategies/BracketExampleReplay.py).
Both run in one process on the same data, alternating (plugin, baseline, baseline, plugin, ...),
and the two trade lists are compared trade by trade before any figure is printed.

Then a short hyperopt with BracketExample's spaces (``buy``: both EMA periods, the ATR multiple
and the reward multiple): the optimizer proposes each point once, and freqtrade's own epoch
function (``HyperOptimizer.generate_optimizer``: data load, signals for the epoch's parameters,
backtest, loss) runs it for the plugin and then for the baseline, which replays that epoch's
plugin trades. Epochs per second are over those epoch calls; the optimizer's ask / tell is the
same for both and is left out.

Data: see bench/backtest_data.py (synthetic, seeded). Markets from a local emulator.

    .venv/bin/python bench/backtest_overhead.py [--days 365] [--pairs 5] [--rounds 3]
        [--epochs 6] [--json out.json]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from backtest_data import (
    BASELINE,
    PLUGIN,
    backtest_session,
    make_user_dir,
    optimize_config,
)
from bench_report import Figure, median, report
from BracketExampleReplay import EXIT_CLASSES, TradeReplay

GOAL = 1.20
HYPEROPT_SEED = 7
# What "the same trade" means; amounts too, so both runs also risk and earn the same.
TRADE_FIELDS = ("pair", "is_short", "open_date", "close_date", "open_rate", "close_rate",
                "amount")


@dataclass(frozen=True)
class Run:
    """One timed run: CPU seconds of this process (what other processes on the machine take
    from it does not count) and wall seconds."""

    cpu: float
    wall: float


@contextmanager
def measured(runs: list[Run]) -> Iterator[None]:
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    runs.append(Run(time.process_time() - cpu, time.perf_counter() - wall))


def trade_list_differences(plugin: pd.DataFrame, baseline: pd.DataFrame) -> list[str]:
    """Every difference between the two runs' trades (empty: the same trades)."""
    def rows(frame: pd.DataFrame) -> list[tuple]:
        classes = frame["exit_reason"].map(lambda r: EXIT_CLASSES.get(r, r))
        keyed = frame[list(TRADE_FIELDS)].assign(exit_class=classes)
        return sorted(keyed.itertuples(index=False, name=None), key=lambda r: (r[2], r[0]))

    ours, theirs = rows(plugin), rows(baseline)
    differences = [f"plugin {a}\n      baseline {b}" for a, b in zip(ours, theirs, strict=False)
                   if a != b]
    if len(ours) != len(theirs):
        differences.append(f"{len(ours)} plugin trades, {len(theirs)} baseline trades")
    return differences


def describe_trades(results: pd.DataFrame) -> str:
    classes = Counter(EXIT_CLASSES.get(r, r) for r in results["exit_reason"])
    return f"{len(results):,} trades (" + ", ".join(
        f"{count:,} {name}" for name, count in classes.most_common()) + ")"


def check_same_trades(plugin: pd.DataFrame, baseline: pd.DataFrame, what: str) -> str:
    differences = trade_list_differences(plugin, baseline)
    if differences:
        shown = "\n    ".join(differences[:5])
        raise SystemExit(f"{what}: the baseline did not take the plugin's trades "
                         f"({len(differences)} differences):\n    {shown}")
    return (f"{what}: trade lists identical, {describe_trades(plugin)}; compared: "
            f"{', '.join(TRADE_FIELDS)}, exit reason class")


def timed_backtests(backtesting: Any, data: dict, timerange: Any, rounds: int
                    ) -> tuple[dict[str, list[Run]], str]:
    """Alternating backtests (P B, B P, P B, ...): wall times per strategy and the check."""
    strategies = {s.get_strategy_name(): s for s in backtesting.strategylist}
    timings: dict[str, list[Run]] = {PLUGIN: [], BASELINE: []}
    results: dict[str, pd.DataFrame] = {}
    for number in range(rounds):
        order = (PLUGIN, BASELINE) if number % 2 == 0 else (BASELINE, PLUGIN)
        for name in order:
            if name == BASELINE:
                strategies[BASELINE].replay = TradeReplay.from_results(
                    results[PLUGIN], backtesting.timeframe)
            with measured(timings[name]):
                backtesting.backtest_one_strategy(strategies[name], data, timerange)
            latest = backtesting.all_bt_content[name]["results"]
            if name in results and trade_list_differences(results[name], latest):
                raise SystemExit(f"{name} took other trades in round {number + 1}")
            results[name] = latest
    return timings, check_same_trades(results[PLUGIN], results[BASELINE], "backtest")


def hyperopt_epochs(configs: dict[str, dict], epochs: int) -> tuple[dict[str, list[Run]], str]:
    """Each optimizer point as one epoch of each strategy: seconds per epoch, and the check."""
    from freqtrade.optimize.hyperopt.hyperopt_optimizer import HyperOptimizer

    optimizers = {}
    captured: dict[str, pd.DataFrame] = {}
    for name, config in configs.items():
        pickle = Path(config["user_data_dir"]) / "hyperopt_results" / "tickerdata.pkl"
        optimizer = optimizers[name] = HyperOptimizer(config, pickle)
        optimizer.prepare_hyperopt()
        backtest = optimizer.backtesting.backtest

        def keep_results(*args: Any, _name: str = name, _backtest: Any = backtest,
                         **kwargs: Any) -> Any:
            outcome = _backtest(*args, **kwargs)
            captured[_name] = outcome["results"]
            return outcome

        optimizer.backtesting.backtest = keep_results
    study = optimizers[PLUGIN].get_optimizer(HYPEROPT_SEED)
    timings: dict[str, list[Run]] = {PLUGIN: [], BASELINE: []}
    trades = 0
    for epoch in range(epochs):
        point = study.ask(optimizers[PLUGIN].o_dimensions)
        for name in (PLUGIN, BASELINE):
            optimizer = optimizers[name]
            if name == BASELINE:
                optimizer.backtesting.strategy.replay = TradeReplay.from_results(
                    captured[PLUGIN], optimizer.backtesting.timeframe)
            with measured(timings[name]):
                outcome = optimizer.generate_optimizer(point.params)
            if name == PLUGIN:
                study.tell(point, outcome["loss"])
        differences = trade_list_differences(captured[PLUGIN], captured[BASELINE])
        if differences:
            raise SystemExit(f"hyperopt epoch {epoch + 1} ({point.params}): the baseline did not "
                             f"take the plugin's trades: {differences[:3]}")
        trades += len(captured[PLUGIN])
    return timings, (f"hyperopt: trade lists identical in all {epochs} epochs "
                     f"({trades:,} trades in all)")


def print_runs(title: str, timings: dict[str, list[Run]]) -> None:
    print(title)
    print(f"  {'run':>4}  {PLUGIN + ' cpu / wall':>26}  {BASELINE + ' cpu / wall':>32}"
          "  ratio cpu / wall")
    for number, (ours, theirs) in enumerate(zip(timings[PLUGIN], timings[BASELINE],
                                                strict=True), start=1):
        print(f"  {number:>4}  {ours.cpu:15.2f} / {ours.wall:6.2f} s  "
              f"{theirs.cpu:21.2f} / {theirs.wall:6.2f} s  "
              f"{ours.cpu / theirs.cpu:5.3f} / {ours.wall / theirs.wall:5.3f}")


def ratios(timings: dict[str, list[Run]], measure: str) -> list[float]:
    """Per-round ratios plugin / baseline (each round's pair ran back to back)."""
    return [getattr(a, measure) / getattr(b, measure)
            for a, b in zip(timings[PLUGIN], timings[BASELINE], strict=True)]


def overhead_figures(timings: dict[str, list[Run]], what: str, per: str) -> list[Figure]:
    """The goal on the median CPU-time ratio; wall time and the best runs beside it."""
    cpu, wall = median(ratios(timings, "cpu")), median(ratios(timings, "wall"))
    best = {name: min(run.cpu for run in runs) for name, runs in timings.items()}
    return [
        Figure(f"{what}: plugin / baseline, CPU time (median of {len(timings[PLUGIN])} "
               f"{per} ratios)", f"{cpu:.3f}x", f"{BASELINE} (same trades)",
               f"<= {GOAL:.2f}x", cpu <= GOAL),
        Figure(f"{what}: the same in wall time", f"{wall:.3f}x", "", "(noisier)"),
        Figure(f"{what}: best CPU seconds", f"{best[PLUGIN]:.2f} s", f"{best[BASELINE]:.2f} s",
               f"ratio of bests {best[PLUGIN] / best[BASELINE]:.3f}x"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="backtests per strategy")
    parser.add_argument("--epochs", type=int, default=6, help="hyperopt epochs (0: none)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("freqtrade").setLevel(logging.WARNING)

    from freqtrade.enums import RunMode

    with backtest_session(options.pairs, options.days, "bracket-bench-") as session:
        dataset, workdir, pairs = session.dataset, session.workdir, session.pairs
        data, timerange = session.backtesting.load_bt_data()
        print(f"data: {dataset.describe()}")
        timings, checked = timed_backtests(session.backtesting, data, timerange, options.rounds)
        del data
        session.backtesting = None
        epoch_timings: dict[str, list[Run]] = {}
        epochs_checked = ""
        if options.epochs:
            configs = {}
            for name in (PLUGIN, BASELINE):
                user_dir = workdir / f"hyperopt-{name}"
                make_user_dir(user_dir)
                configs[name] = optimize_config(
                    workdir, user_dir, session.datadir, session.emulator.url, list(pairs),
                    RunMode.HYPEROPT, strategy=name, spaces=["buy"],
                    epochs=options.epochs, hyperopt_loss="SharpeHyperOptLoss",
                    hyperopt_jobs=1, hyperopt_min_trades=1)
            epoch_timings, epochs_checked = hyperopt_epochs(configs, options.epochs)

    print(checked)
    print_runs(f"backtest seconds, {options.pairs} pairs x {options.days} days "
               "(rounds alternate which strategy runs first):", timings)
    size = f"{options.pairs} pairs x {options.days} d"
    figures = overhead_figures(timings, f"backtest {size}", "round")
    if epoch_timings:
        print(epochs_checked)
        print_runs("hyperopt epoch seconds (same points, plugin first):", epoch_timings)
        rates = {name: len(runs) / sum(run.cpu for run in runs)
                 for name, runs in epoch_timings.items()}
        figures += overhead_figures(epoch_timings, f"hyperopt epoch {size}", "epoch")[:1]
        figures.append(Figure(
            f"hyperopt epochs per CPU second, {size}, space buy",
            f"{rates[PLUGIN]:.3f}/s", f"{rates[BASELINE]:.3f}/s"))
    report(f"backtest overhead ({size}; {dataset.describe()})", figures, options.json)


if __name__ == "__main__":
    main()
