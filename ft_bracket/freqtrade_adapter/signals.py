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

from ft_bracket.core.risk import Decision, Denial, MarketRules, Signal, align_to_tick, deny
from ft_bracket.core.scale_out import Level, check_levels, levels_of, max_levels

STOP_PRICE = "stop_price"
TAKE_PROFIT_PRICE = "take_profit_price"
# A signal that scales out: take_profit_price_2, _3 ... and take_profit_share, _2, _3 ...
LEVEL_PRICE = "take_profit_price_{}"
LEVEL_SHARE = "take_profit_share"


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


def level_columns(columns: Any) -> int:
    """How many take-profit levels the frame's columns can declare (1: no scale-out)."""
    count = 1
    while LEVEL_PRICE.format(count + 1) in columns:
        count += 1
    return count


def read_levels(dp: Any, pair: str, timeframe: str, candle_date: datetime | None
                ) -> tuple[Level, ...]:
    """The take-profit levels the signal candle declares; () for one take-profit (no level
    columns, or none set on this candle)."""
    dataframe, _ = dp.get_analyzed_dataframe(pair, timeframe)
    count = level_columns(dataframe.columns)
    if count == 1 or dataframe.empty or candle_date is None:
        return ()
    rows = dataframe.loc[dataframe["date"] == candle_date]
    if rows.empty:
        return ()
    row = rows.iloc[-1]
    prices = [float(row[TAKE_PROFIT_PRICE])] + [
        float(row[LEVEL_PRICE.format(n)]) for n in range(2, count + 1)]
    while len(prices) > 1 and not math.isfinite(prices[-1]):  # this signal declares fewer
        prices.pop()
    if len(prices) == 1:
        return ()
    shares = [_share(row, LEVEL_SHARE if n == 1 else f"{LEVEL_SHARE}_{n}")
              for n in range(1, len(prices) + 1)]
    return levels_of(prices, shares)


def signal_on_tick(is_short: bool, rate: float, prices: tuple[float, float],
                   levels: tuple[Level, ...], market: MarketRules) -> Signal | Decision:
    """The entry signal at ``rate``, its prices on the tick (rounded towards the rate); the
    take-profit levels of one that scales out checked against the room the venue leaves."""
    def on_tick(price: float) -> float:
        return align_to_tick(price, market.tick_size, towards=rate)

    stop_price, take_profit_price = prices
    if levels:
        levels = tuple(Level(on_tick(level.price), level.share) for level in levels)
        decision = check_levels(is_short, rate, levels, max_levels(market.max_algo_orders))
        if not decision.allowed:
            return decision
    return Signal(is_short, rate, on_tick(stop_price), on_tick(take_profit_price),
                  tuple((level.price, level.share) for level in levels))


def _share(row: Any, column: str) -> float | None:
    value = float(row[column]) if column in row.index else math.nan
    return value if math.isfinite(value) else None


class EntrySignals:
    """The entry rows of one pair's analysed dataframe, by the candle that would enter on them.

    For backtests: freqtrade analyses each pair's whole dataframe once before its loop and then
    hands callbacks that frame cut off after the last closed candle, so the row ``read_signal``
    reads at ``current_time`` is the row dated one candle before it. Looking it up here skips the
    cut (a new DataFrame per call) and four positional reads. ``prices`` answers only for a row
    whose ``enter_*`` flag is set on the asked side; anything else goes to ``read_signal``.
    """

    def __init__(self, rows: dict[datetime, tuple[datetime, bool, bool, float, float]],
                 scales_out: bool = False):
        self._rows = rows
        self.scales_out = scales_out  # the frame declares take-profit levels

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
        }, scales_out=level_columns(dataframe.columns) > 1)

    def prices(self, is_short: bool, current_time: datetime
               ) -> tuple[datetime, tuple[float, float]] | None:
        """The signal candle's date and (stop_price, take_profit_price), as ``read_signal``
        gives them at ``current_time``; None when not indexed (ask ``read_signal``)."""
        row = self._rows.get(current_time)
        if row is None or not (row[2] if is_short else row[1]):
            return None
        return row[0], (row[3], row[4])


def signal_for_trade(dp: Any, timeframe: str, trade: Any, market: MarketRules | None
                     ) -> Signal | None:
    """The signal of the candle that signalled ``trade`` (its stop, take-profit and levels, on
    the tick); for fills that custom_stake_amount did not plan (e.g. after a restart)."""
    dataframe, _ = dp.get_analyzed_dataframe(trade.pair, timeframe)
    if dataframe.empty or STOP_PRICE not in dataframe.columns:
        return None
    candle = signal_candle_date(timeframe, trade.open_date_utc)
    rows = dataframe.loc[dataframe["date"] == candle]
    if rows.empty:
        return None
    prices = (float(rows[STOP_PRICE].iat[-1]), float(rows[TAKE_PROFIT_PRICE].iat[-1]))
    if not all(math.isfinite(price) for price in prices):
        return None
    levels = read_levels(dp, trade.pair, timeframe, candle)
    rules = market or MarketRules(step_size=0.0)
    signal = signal_on_tick(bool(trade.is_short), float(trade.open_rate), prices, levels, rules)
    return signal if isinstance(signal, Signal) else None


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
