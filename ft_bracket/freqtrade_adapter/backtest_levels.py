"""Backtests and hyperopt: a trade's take-profit levels fill at their own prices.

freqtrade has no take-profit orders. In a backtest the farthest level is the ROI exit at its
price (``custom_roi``), as a lone take-profit is; every level before it is a partial exit
(``adjust_trade_position`` with a negative stake) on the candle that reaches it, at the level's
price through ``custom_exit_price``. freqtrade asks that only for limit exits, so a backtest of
a strategy that scales out records its exits as limit orders; each at the price a market exit
would have had, the levels at theirs.

Where a backtest still differs from the venue (docs/steering.md says so too): a candle that
reaches a level and the stop is a stop-out of the whole rest (a candle has no order of events:
the reading that costs more); levels reached in one candle exit together at their average
price; freqtrade skips a partial exit that would leave less than its minimum stake (with its
stop reserve), and that level's share then exits with the next one reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ft_bracket.core.quantities import exact_sum

# Quantities closer than this are the same (they are multiples of the venue's step).
_EPSILON = 1e-12


@dataclass(frozen=True)
class PartialExit:
    """The levels a candle reached, as one exit: their quantity, average price and the exit tag
    of the farthest of them (``take_profit_<k>``, as live)."""

    quantity: float
    price: float
    tag: str


@dataclass(frozen=True)
class _Levels:
    entry_amount: float
    # (price, quantity) of each level, nearest first, as the venue would get them.
    levels: list[tuple[float, float]]


class BacktestLevels:
    """Which of a trade's levels a backtest candle fills, and at what price."""

    def __init__(self) -> None:
        # pair -> (candle open times in ns, highs, lows), for frames that declare levels.
        self._candles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._trades: dict[int, _Levels] = {}
        self._due: dict[int, PartialExit] = {}

    @property
    def active(self) -> bool:
        """A trade of this run has levels: freqtrade must ask about partial exits."""
        return bool(self._trades)

    def index(self, pair: str, dataframe: pd.DataFrame) -> None:
        """Keep ``pair``'s candles (its frame declares take-profit levels)."""
        dates = dataframe["date"].dt.as_unit("ns").astype("int64").to_numpy()
        self._candles[pair] = (dates, dataframe["high"].to_numpy(), dataframe["low"].to_numpy())

    def opened(self, trade_id: int, amount: float, levels: list[tuple[float, float]] | None
               ) -> None:
        """A trade's entry filled ``amount``, split into ``levels`` (None: one take-profit). A
        trade of an earlier run (a hyperopt epoch) may have had the same id."""
        self._due.pop(trade_id, None)
        if levels is None or len(levels) < 2:
            self._trades.pop(trade_id, None)
        else:
            self._trades[trade_id] = _Levels(amount, levels)

    def last_price(self, trade_id: int) -> float | None:
        """The farthest level's price: the rest's ROI exit (None: not a trade with levels)."""
        entry = self._trades.get(trade_id)
        return entry.levels[-1][0] if entry is not None else None

    def due(self, trade: Any, current_time: datetime) -> PartialExit | None:
        """The levels (all but the farthest) that the candle opening at ``current_time``
        reaches and the trade has not exited yet; None if none, or if the candle also reaches
        the trade's stop."""
        entry = self._trades.get(trade.id)
        candles = self._candles.get(trade.pair)
        if entry is None or candles is None:
            return None
        dates, highs, lows = candles
        moment = pd.Timestamp(current_time).as_unit("ns").value
        at = int(np.searchsorted(dates, moment))
        if at >= len(dates) or dates[at] != moment:
            return None
        high, low = float(highs[at]), float(lows[at])
        stop = trade.stop_loss
        if stop and (high >= stop if trade.is_short else low <= stop):
            return None
        exited = exact_sum(entry.entry_amount, -trade.amount)
        done, reached = 0.0, []
        for number, (price, quantity) in enumerate(entry.levels[:-1], start=1):
            done = exact_sum(done, quantity)
            if done <= exited + _EPSILON:
                continue
            if not (low <= price if trade.is_short else high >= price):
                break  # levels lie outwards: a farther one is not reached either
            reached.append((price, quantity, number))
        if not reached:
            return None
        quantity = exact_sum(*(q for _, q, _ in reached))
        price = sum(p * q for p, q, _ in reached) / quantity
        due = PartialExit(quantity, price, f"take_profit_{reached[-1][2]}")
        self._due[trade.id] = due
        return due

    def price(self, trade_id: int, exit_tag: str | None, proposed_rate: float, is_short: bool
              ) -> float:
        """The exit price of the partial exit ``due`` asked for (a candle that opens beyond
        the levels fills at its open, as the venue's market order would); ``proposed_rate``
        for any other exit."""
        due = self._due.pop(trade_id, None)
        if due is None or due.tag != exit_tag:
            return proposed_rate
        return min(due.price, proposed_rate) if is_short else max(due.price, proposed_rate)
