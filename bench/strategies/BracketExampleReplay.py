"""The overhead benchmark's baseline: plain freqtrade taking exactly the trades a plugin run took.

``BracketExampleReplay`` computes BracketExample's indicators and signals (same code, same cost,
same hyperopt parameters), then keeps only the entries the plugin's risk gate accepted and exits
them where the plugin's run exited, each through the cheapest mechanism freqtrade has:

- entries: the signal columns, kept only on the accepted trades' signal candles (vectorised);
- size: ``custom_stake_amount`` answers the plugin trade's stake (one call per entry, no trade
  copy);
- stop: freqtrade's own fixed ``stoploss``, set at each entry to the ratio that puts the trade's
  initial stop at the plugin trade's stop price (no per-candle callback);
- take-profit: an exit signal on the candle before the plugin's take-profit candle, tagged
  ``take_profit``, filled at the plugin's exit price by ``custom_exit_price`` (one call per exit,
  which is why this strategy's exits are limit orders: freqtrade asks for an exit price only then).

The benchmark hands it the plugin run's trades (``replay``) before each run and compares the
two trade lists. Loaded from ``bench/strategies``; ``strategies/`` must be on ``sys.path``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from BracketExample import TrendPullbackSignals
from freqtrade.persistence import Trade
from freqtrade.strategy import IStrategy, stoploss_from_absolute, timeframe_to_minutes
from pandas import DataFrame

# As the plugin does: aim a hair past the stop so freqtrade's rounding lands on it exactly.
_STOP_NUDGE = 1e-9
# Lifts the stake by far less than one step so the amount truncates onto the replayed one.
_STAKE_NUDGE = 1e-9
TAKE_PROFIT_TAG = "take_profit"
# The plugin's exit reasons in a backtest, by what ended the trade.
EXIT_CLASSES = {
    "stop_loss": "stop",
    # freqtrade's name for a stop that moved after its entry fill (by float noise in
    # recalculating the open rate); the plugin's stop all the same.
    "trailing_stop_loss": "stop",
    "stoploss_on_exchange": "stop",
    "liquidation": "liquidation",
    "roi": "take-profit",
    TAKE_PROFIT_TAG: "take-profit",
    "force_exit": "end of data",
}


@dataclass(frozen=True)
class ReplayedTrade:
    """One trade of the plugin's run, as the baseline needs it."""

    pair: str
    is_short: bool
    open_date: datetime
    close_date: datetime
    open_rate: float
    amount: float
    leverage: float
    stop_price: float
    close_rate: float
    exit_class: str


class TradeReplay:
    """The plugin run's trades, indexed the way the baseline's callbacks ask for them."""

    def __init__(self, trades: list[ReplayedTrade], timeframe: str) -> None:
        candle = pd.Timedelta(minutes=timeframe_to_minutes(timeframe))
        self.by_entry = {(t.pair, t.open_date): t for t in trades}
        self.entry_signals: dict[tuple[str, bool], list[pd.Timestamp]] = {}
        self.exit_signals: dict[tuple[str, bool], list[pd.Timestamp]] = {}
        for trade in trades:
            key = (trade.pair, trade.is_short)
            self.entry_signals.setdefault(key, []).append(pd.Timestamp(trade.open_date) - candle)
            if trade.exit_class == "take-profit":
                self.exit_signals.setdefault(key, []).append(
                    pd.Timestamp(trade.close_date) - candle)

    @classmethod
    def from_results(cls, results: DataFrame, timeframe: str) -> TradeReplay:
        """From a backtest's ``results`` frame (the plugin's run)."""
        return cls([
            ReplayedTrade(
                pair=row.pair, is_short=bool(row.is_short),
                open_date=pd.Timestamp(row.open_date).to_pydatetime(),
                close_date=pd.Timestamp(row.close_date).to_pydatetime(),
                open_rate=float(row.open_rate), amount=float(row.amount),
                leverage=float(row.leverage), stop_price=float(row.stop_loss_abs),
                close_rate=float(row.close_rate),
                exit_class=EXIT_CLASSES.get(row.exit_reason, str(row.exit_reason)),
            )
            for row in results.itertuples()
        ], timeframe)


def _mark(dataframe: DataFrame, column: str, dates: list[pd.Timestamp] | None) -> None:
    dataframe[column] = dataframe["date"].isin(dates).astype(int) if dates else 0


class BracketExampleReplay(TrendPullbackSignals, IStrategy):
    """BracketExample's signals, trading only the replayed trades, exits at their prices."""

    INTERFACE_VERSION = 3
    stoploss = -0.99  # replaced at each entry by the replayed trade's stop
    minimal_roi = {"0": 100.0}  # noqa: RUF012 - freqtrade's own attribute shape
    order_types = {  # noqa: RUF012 - freqtrade's own attribute shape
        "entry": "market",
        "exit": "limit",
        "emergency_exit": "market",
        "force_entry": "market",
        "force_exit": "market",
        "stoploss": "market",
        "stoploss_on_exchange": False,
    }
    replay: TradeReplay | None = None

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """The example's signals (their cost is part of any strategy), then only the replayed
        entries."""
        dataframe = super().populate_entry_trend(dataframe, metadata)
        replay = self.replay or TradeReplay([], self.timeframe)
        pair = metadata["pair"]
        _mark(dataframe, "enter_long", replay.entry_signals.get((pair, False)))
        _mark(dataframe, "enter_short", replay.entry_signals.get((pair, True)))
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """Exit signals one candle before each replayed take-profit."""
        replay = self.replay or TradeReplay([], self.timeframe)
        pair = metadata["pair"]
        _mark(dataframe, "exit_long", replay.exit_signals.get((pair, False)))
        _mark(dataframe, "exit_short", replay.exit_signals.get((pair, True)))
        exits = (dataframe["exit_long"] == 1) | (dataframe["exit_short"] == 1)
        dataframe["exit_tag"] = None
        dataframe.loc[exits, "exit_tag"] = TAKE_PROFIT_TAG
        return dataframe

    def custom_stake_amount(
        self, pair: str, current_time: datetime, current_rate: float, proposed_stake: float,
        min_stake: float | None, max_stake: float, leverage: float, entry_tag: str | None,
        side: str, **kwargs: Any,
    ) -> float:
        """The replayed trade's stake; its stop becomes the initial stop of this entry."""
        trade = self.replay.by_entry.get((pair, current_time)) if self.replay else None
        if trade is None or trade.is_short != (side == "short"):
            return 0.0
        nudge = 1 + _STOP_NUDGE if trade.is_short else 1 - _STOP_NUDGE
        self.stoploss = -stoploss_from_absolute(trade.stop_price * nudge, current_rate,
                                                is_short=trade.is_short, leverage=leverage)
        # From the amount: the results' stake is rounded to 8 decimals, which can cost a step.
        return trade.amount * trade.open_rate / trade.leverage * (1 + _STAKE_NUDGE)

    def custom_exit_price(
        self, pair: str, trade: Trade, current_time: datetime, proposed_rate: float,
        current_profit: float, exit_tag: str | None, **kwargs: Any,
    ) -> float:
        """The replayed take-profit's exit price."""
        replayed = self.replay.by_entry.get((pair, trade.open_date_utc)) if self.replay else None
        return proposed_rate if replayed is None else replayed.close_rate

    def leverage(
        self, pair: str, current_time: datetime, current_rate: float, proposed_leverage: float,
        max_leverage: float, entry_tag: str | None, side: str, **kwargs: Any,
    ) -> float:
        """Same leverage as BracketExample."""
        return min(3.0, max_leverage)
