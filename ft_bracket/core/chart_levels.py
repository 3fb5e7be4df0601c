"""Each trade's stop and take-profit as chart columns, and their place in ``plot_config``.

Pure (pandas, no freqtrade). ``level_columns`` puts a trade's levels on the candles of its life:
from the candle its entry filled in, to the candle it closed in (or the newest one while it is
open), NaN elsewhere; where two trades of a pair meet on one candle, the later one shows. The
stop steps to each price it moved to from the candle it moved in; each take-profit level of a
bracket that scales out has its own column (``bracket_take_profit``, ``_2``, ``_3`` ...).
``merged_plot_config`` adds the bracket's series to a strategy's own ``plot_config``, never
replacing a column the strategy configured itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

STOP_COLUMN = "bracket_stop"
TAKE_PROFIT_COLUMN = "bracket_take_profit"
_STOP_COLOR, _TAKE_PROFIT_COLOR = "#e4572e", "#29a35a"
# FreqUI draws ``type`` line / scatter; freqtrade's plot-dataframe reads ``plotly`` kwargs (its
# "scatter" is a line unless the mode says markers). The signal's columns hold a price on
# entry candles only, so they are drawn as points.
LEVEL_COLUMNS = (STOP_COLUMN, TAKE_PROFIT_COLUMN)
BRACKET_SERIES: dict[str, dict[str, Any]] = {
    STOP_COLUMN: {"color": _STOP_COLOR},
    TAKE_PROFIT_COLUMN: {"color": _TAKE_PROFIT_COLOR},
    "stop_price": {"color": _STOP_COLOR, "type": "scatter", "scatterSymbolSize": 6,
                   "plotly": {"mode": "markers"}},
    "take_profit_price": {"color": _TAKE_PROFIT_COLOR, "type": "scatter",
                          "scatterSymbolSize": 6, "plotly": {"mode": "markers"}},
}


def take_profit_column(level: int) -> str:
    """The chart column of take-profit level ``level`` (1: the bracket's only one, or its
    nearest)."""
    return TAKE_PROFIT_COLUMN if level == 1 else f"{TAKE_PROFIT_COLUMN}_{level}"


@dataclass(frozen=True)
class TradeLevels:
    """One trade's levels and life; ``closed`` is None while it is open. ``stop`` is the stop
    it opened with, ``stop_moves`` each later price from when it rested (oldest first);
    ``take_profits`` every level of a bracket that scales out, else ``take_profit`` alone."""

    trade_id: int
    opened: datetime
    closed: datetime | None
    stop: float | None
    take_profit: float | None
    stop_moves: tuple[tuple[datetime, float], ...] = ()
    take_profits: tuple[float, ...] = ()

    @property
    def levels(self) -> tuple[float, ...]:
        if self.take_profits:
            return self.take_profits
        return () if self.take_profit is None else (self.take_profit,)


def level_columns(dates: pd.Series, trades: Iterable[TradeLevels], candle: timedelta,
                  take_profit_columns: int = 1) -> tuple[np.ndarray, list[np.ndarray]]:
    """The stop's array and one array per take-profit level (at least
    ``take_profit_columns``), aligned with ``dates`` (candle open times, UTC)."""
    trades = sorted(trades, key=lambda t: (t.opened, t.trade_id))
    count = max([take_profit_columns, *(len(t.levels) for t in trades)])
    stops = np.full(len(dates), np.nan)
    take_profits = [np.full(len(dates), np.nan) for _ in range(count)]
    # The candle an instant falls in is the last one that opened at or before it.
    ends = dates + candle
    for trade in trades:
        inside = ends > _utc(trade.opened)
        if trade.closed is not None:
            inside &= dates <= _utc(trade.closed)
        inside = inside.to_numpy(dtype=bool)
        if trade.stop is not None:
            stops[inside] = trade.stop
        for since, price in trade.stop_moves:
            stops[inside & (ends > _utc(since)).to_numpy(dtype=bool)] = price
        for column, price in zip(take_profits, trade.levels, strict=False):
            column[inside] = price
    return stops, take_profits


def _utc(moment: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp


def merged_plot_config(own: Mapping[str, Any] | None, *, levels: bool = True,
                       take_profit_columns: int = 1) -> dict[str, Any]:
    """The strategy's ``plot_config`` (copied, never changed) plus the bracket's series in the
    main plot, except for columns the strategy already draws somewhere. ``levels``: also the
    bracket's own columns (only a running bot has them; plot-dataframe would report them
    missing), with ``take_profit_columns`` take-profit levels."""
    config = copy.deepcopy(dict(own or {}))
    main = config.setdefault("main_plot", {})
    drawn = set(main)
    for subplot in (config.get("subplots") or {}).values():
        drawn |= set(subplot or {})
    series = dict(BRACKET_SERIES)
    if levels:
        series |= {take_profit_column(level): BRACKET_SERIES[TAKE_PROFIT_COLUMN]
                   for level in range(2, take_profit_columns + 1)}
    for column, style in series.items():
        if column not in drawn and (levels or column not in LEVEL_COLUMNS):
            main[column] = copy.deepcopy(style)
    return config
