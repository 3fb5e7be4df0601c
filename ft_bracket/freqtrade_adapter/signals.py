"""Reading a bracket signal off freqtrade's analysed dataframe.

A strategy marks entry rows with ``enter_long`` / ``enter_short`` and writes absolute
``stop_price`` and ``take_profit_price`` beside them; these functions read them back for the
candle that signalled.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from freqtrade.exchange import timeframe_to_prev_date, timeframe_to_seconds

from ft_bracket.core.risk import Decision, Denial, align_to_tick, deny

STOP_PRICE = "stop_price"
TAKE_PROFIT_PRICE = "take_profit_price"


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def signal_candle_date(timeframe: str, current_time: datetime) -> datetime:
    """Open time of the last closed candle at ``current_time``: the one that signalled."""
    length = timedelta(seconds=timeframe_to_seconds(timeframe))
    return timeframe_to_prev_date(timeframe, as_utc(current_time)) - length


def read_signal(dp: Any, pair: str, timeframe: str, is_short: bool, current_time: datetime
                ) -> tuple[datetime | None, tuple[float, float] | Decision]:
    """The signal candle's date and its (stop_price, take_profit_price), or a denial."""
    dataframe, _ = dp.get_analyzed_dataframe(pair, timeframe)
    if dataframe.empty:
        return None, deny(Denial.SIGNAL_MISSING, "no analyzed candles")
    enter_column = "enter_short" if is_short else "enter_long"
    wanted = ["date", enter_column, STOP_PRICE, TAKE_PROFIT_PRICE]
    # Positional reads: column access on freqtrade's per-call slice of the frame is slow.
    columns = dataframe.columns
    positions = [columns.get_loc(name) if name in columns else -1 for name in wanted]
    candle_date = dataframe.iat[-1, positions[0]].to_pydatetime()
    missing = [name for name, at in zip(wanted[1:], positions[1:], strict=True) if at < 0]
    if missing:
        return candle_date, deny(
            Denial.SIGNAL_MISSING, f"populate_entry_trend set no {', '.join(missing)}"
        )
    if dataframe.iat[-1, positions[1]] != 1:
        return candle_date, deny(Denial.SIGNAL_MISSING, f"last candle has no {enter_column}")
    if candle_date < signal_candle_date(timeframe, current_time):
        return candle_date, deny(Denial.SIGNAL_MISSING, "signal candle is stale")
    stop_price = float(dataframe.iat[-1, positions[2]])
    take_profit_price = float(dataframe.iat[-1, positions[3]])
    return candle_date, (stop_price, take_profit_price)


class EntrySignals:
    """The entry rows of one pair's analysed dataframe, by the candle that would enter on them.

    For backtests: freqtrade analyses each pair's whole dataframe once before its loop and then
    hands callbacks that frame cut off after the last closed candle, so the row ``read_signal``
    reads at ``current_time`` is the row dated one candle before it. Looking it up here skips the
    cut (a new DataFrame per call) and four positional reads. ``prices`` answers only for a row
    whose ``enter_*`` flag is set on the asked side; anything else goes to ``read_signal``.
    """

    def __init__(self, rows: dict[datetime, tuple[datetime, bool, bool, float, float]]):
        self._rows = rows

    @classmethod
    def of(cls, dataframe: Any, timeframe: str) -> EntrySignals | None:
        """Index ``dataframe``'s entry rows; None if it lacks a column ``read_signal`` needs."""
        wanted = ["date", "enter_long", "enter_short", STOP_PRICE, TAKE_PROFIT_PRICE]
        if dataframe.empty or not set(wanted) <= set(dataframe.columns):
            return None
        long, short = (dataframe[name].to_numpy() == 1 for name in wanted[1:3])
        at = (long | short).nonzero()[0]
        length = timedelta(seconds=timeframe_to_seconds(timeframe))
        dates = dataframe["date"].iloc[at].dt.to_pydatetime()
        stops = dataframe[STOP_PRICE].to_numpy()[at]
        targets = dataframe[TAKE_PROFIT_PRICE].to_numpy()[at]
        return cls({
            date + length: (date, bool(long[i]), bool(short[i]), float(stop), float(target))
            for date, i, stop, target in zip(dates, at, stops, targets, strict=True)
        })

    def prices(self, is_short: bool, current_time: datetime
               ) -> tuple[datetime, tuple[float, float]] | None:
        """The signal candle's date and (stop_price, take_profit_price), as ``read_signal``
        gives them at ``current_time``; None when not indexed (ask ``read_signal``)."""
        row = self._rows.get(current_time)
        if row is None or not (row[2] if is_short else row[1]):
            return None
        return row[0], (row[3], row[4])


def signal_for_trade(dp: Any, timeframe: str, pair: str, open_date: datetime, open_rate: float,
                     tick_size: float | None) -> tuple[float, float] | None:
    """Stop and take-profit of the candle that signalled a trade opened at ``open_date``,
    tick-aligned; for fills that custom_stake_amount did not plan (e.g. after a restart)."""
    dataframe, _ = dp.get_analyzed_dataframe(pair, timeframe)
    if dataframe.empty or STOP_PRICE not in dataframe.columns:
        return None
    rows = dataframe.loc[dataframe["date"] == signal_candle_date(timeframe, open_date)]
    if rows.empty:
        return None
    stop_price = float(rows[STOP_PRICE].iat[-1])
    take_profit_price = float(rows[TAKE_PROFIT_PRICE].iat[-1])
    if not (math.isfinite(stop_price) and math.isfinite(take_profit_price)):
        return None
    return (align_to_tick(stop_price, tick_size, towards=open_rate),
            align_to_tick(take_profit_price, tick_size, towards=open_rate))


# How deep the entry's book walk looks (Binance's depth weight is 2 up to 50 levels).
BOOK_DEPTH = 50


def book_side(dp: Any, pair: str, is_short: bool) -> list[tuple[float, float]]:
    """The levels a market entry takes from: asks for a long, bids for a short; [] when the
    book cannot be read (the sizing then stays at the touch)."""
    try:
        book = dp.orderbook(pair, BOOK_DEPTH)
    except Exception:  # no book, no walk: the risk gate still holds at the touch
        return []
    return [(float(price), float(quantity))
            for price, quantity, *_ in book.get("bids" if is_short else "asks") or []]
