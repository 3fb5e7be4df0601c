"""Price paths: consistent klines across intervals, Binance's kline selection, manual control,
replayed real candles and seeded synthetic walks."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from binance_emulator.api import wire
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.markets import MARKETS
from binance_emulator.venue.prices import (
    INTERVAL_MS,
    BaseCandles,
    Candle,
    PricePath,
    align_down,
    replayed_candles,
    synthetic_candles,
)
from harness.emulator import SHARED_DATA

XRP = MARKETS["XRPUSDT"]
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# 2025-11-03 00:00 UTC plus a bit, so "now" sits inside a forming candle of every interval.
START = 1_762_128_000_000
NOW = START + 3 * DAY + 5 * HOUR + 37 * MINUTE + 12_345
XRP_5M = SHARED_DATA / "XRP_USDT_USDT-5m-futures.feather"


@pytest.fixture(scope="module")
def path() -> PricePath:
    return PricePath(XRP, synthetic_candles(XRP, START, START + 10 * DAY, seed=11))


def aggregate(candles: list[Candle]) -> tuple[float, float, float, float, float]:
    return (
        candles[0].open,
        max(c.high for c in candles),
        min(c.low for c in candles),
        candles[-1].close,
        sum(c.volume for c in candles),
    )


def ohlcv(candle: Candle) -> tuple[float, float, float, float, float]:
    return candle.open, candle.high, candle.low, candle.close, candle.volume


# Intervals agree ---------------------------------------------------------------------------


def test_hourly_candles_aggregate_their_five_minute_candles(path: PricePath) -> None:
    hours = path.candles("1h", None, None, 6, NOW)
    assert len(hours) == 6
    for hour in hours:
        fives = path.candles("5m", hour.open_time, hour.open_time + HOUR - 1, 20, NOW)
        expected_count = 12 if hour.close_time < NOW else (NOW - hour.open_time) // 300_000 + 1
        assert len(fives) == expected_count
        assert fives[0].open_time == hour.open_time
        assert ohlcv(hour)[:4] == aggregate(fives)[:4]
        assert hour.volume == pytest.approx(aggregate(fives)[4], rel=1e-9)


def test_daily_candle_aggregates_its_hours(path: PricePath) -> None:
    day = path.candles("1d", None, None, 2, NOW)[0]
    hours = path.candles("1h", day.open_time, day.close_time, 30, NOW)
    assert len(hours) == 24
    assert ohlcv(day)[:4] == aggregate(hours)[:4]


def test_one_minute_candles_stay_inside_their_five_minute_candle(path: PricePath) -> None:
    fives = path.candles("5m", None, None, 12, NOW)[:-1]
    for five in fives:
        ones = path.candles("1m", five.open_time, five.close_time, 10, NOW)
        assert [c.open_time for c in ones] == [five.open_time + i * MINUTE for i in range(5)]
        assert all(five.low <= c.low <= c.high <= five.high for c in ones)
        assert ones[0].open == five.open
        assert ones[-1].close == five.close
        # The base candle's extremes fall inside some minute, so the minutes reach them.
        assert max(c.high for c in ones) == five.high
        assert min(c.low for c in ones) == five.low


@pytest.mark.parametrize("interval", ["1m", "5m", "15m", "1h", "4h", "1d"])
def test_newest_kline_is_the_forming_candle_closing_at_the_current_price(
    path: PricePath, interval: str
) -> None:
    candles = path.candles(interval, None, None, 3, NOW)
    forming = candles[-1]
    assert forming.open_time == align_down(NOW, INTERVAL_MS[interval])
    assert forming.open_time <= NOW <= forming.close_time
    assert forming.close == path.price_at(NOW)
    assert forming.low <= forming.close <= forming.high
    assert [c.open_time for c in candles] == [
        forming.open_time - (2 - i) * INTERVAL_MS[interval] for i in range(3)
    ]


def test_forming_kline_close_is_the_exchange_last_price(path: PricePath) -> None:
    exchange = Exchange({XRP.symbol: XRP}, {XRP.symbol: path}, clock=lambda: NOW)
    row = wire.kline_row(XRP, path.candles("1m", None, None, 1, NOW)[-1])
    assert Decimal(row[4]) == exchange.quotes.last(XRP.symbol)
    assert row[6] == align_down(NOW, MINUTE) + MINUTE - 1


def test_weekly_candles_open_on_monday(path: PricePath) -> None:
    week = path.candles("1w", None, None, 1, NOW)[-1]
    # 1970-01-05 was a Monday.
    assert (week.open_time - 4 * DAY) % (7 * DAY) == 0
    assert week.open_time <= NOW < week.open_time + 7 * DAY


# Selection like Binance --------------------------------------------------------------------


def test_start_time_selects_from_the_first_candle_opening_at_or_after_it(
    path: PricePath,
) -> None:
    aligned = align_down(NOW, HOUR) - 10 * HOUR
    candles = path.candles("1h", aligned, None, 3, NOW)
    assert [c.open_time for c in candles] == [aligned, aligned + HOUR, aligned + 2 * HOUR]
    unaligned = path.candles("1h", aligned + 1, None, 3, NOW)
    assert unaligned[0].open_time == aligned + HOUR


def test_end_time_selects_the_last_candles_opening_at_or_before_it(path: PricePath) -> None:
    end = align_down(NOW, HOUR) - 5 * HOUR + 17
    candles = path.candles("1h", None, end, 4, NOW)
    assert [c.open_time for c in candles] == [
        align_down(end, HOUR) - i * HOUR for i in (3, 2, 1, 0)
    ]


def test_start_and_end_time_with_limit(path: PricePath) -> None:
    start = align_down(NOW, HOUR) - 10 * HOUR
    assert len(path.candles("1h", start, start + 3 * HOUR, 100, NOW)) == 4
    limited = path.candles("1h", start, start + 8 * HOUR, 2, NOW)
    assert [c.open_time for c in limited] == [start, start + HOUR]


def test_start_time_zero_begins_at_listing(path: PricePath) -> None:
    first = path.candles("5m", 0, None, 2, NOW)[0]
    assert first.open_time == START == path.listing_ms
    assert first.open == pytest.approx(XRP.reference_price)


def test_no_candles_from_the_future(path: PricePath) -> None:
    candles = path.candles("1h", align_down(NOW, HOUR) - HOUR, NOW + 5 * DAY, 100, NOW)
    assert len(candles) == 2
    assert candles[-1].open_time == align_down(NOW, HOUR)
    assert path.candles("1h", NOW + HOUR, None, 100, NOW) == []


# Manual control ----------------------------------------------------------------------------


def fresh_path() -> PricePath:
    return PricePath(XRP, synthetic_candles(XRP, START, START + 10 * DAY, seed=11))


def test_set_price_shows_in_the_forming_candle() -> None:
    path = fresh_path()
    minute_open = align_down(NOW, MINUTE)
    before = path.candles("1m", None, None, 1, NOW)[-1]
    path.set_price(5.0, NOW + 1)
    path.set_price(0.2, NOW + 2)
    path.set_price(1.3, NOW + 3)
    forming = path.candles("1m", None, None, 1, NOW + 4)[-1]
    assert forming.open_time == minute_open
    assert forming.open == before.open
    assert (forming.high, forming.low, forming.close) == (5.0, 0.2, 1.3)
    assert path.manual
    # The next candle is flat at the last manual price.
    later = path.candles("1m", None, None, 1, NOW + 2 * MINUTE)[-1]
    assert (later.open, later.high, later.low, later.close) == (1.3, 1.3, 1.3, 1.3)
    # History before manual control is untouched.
    assert ohlcv(path.candles("1m", None, minute_open - 1, 1, NOW)[-1]) == ohlcv(
        fresh_path().candles("1m", None, minute_open - 1, 1, NOW)[-1]
    )


def test_prices_set_in_the_same_millisecond_all_count() -> None:
    path = fresh_path()
    path.set_price(5.0, NOW)
    path.set_price(1.3, NOW)
    forming = path.candles("1m", None, None, 1, NOW)[-1]
    assert forming.high == 5.0
    assert forming.close == 1.3


def test_exchange_set_price_reaches_the_klines() -> None:
    path = fresh_path()
    exchange = Exchange({XRP.symbol: XRP}, {XRP.symbol: path}, clock=lambda: NOW)
    exchange.set_price(XRP.symbol, Decimal("2.5"))
    row = wire.kline_row(XRP, path.candles("5m", None, None, 1, NOW)[-1])
    assert row[2] == "2.5000"
    assert row[4] == "2.5000"
    assert exchange.quotes.last(XRP.symbol) == Decimal("2.5000")


# Replayed real data ------------------------------------------------------------------------


@pytest.mark.skipif(not XRP_5M.exists(),
                    reason=f"shared market data not present at {XRP_5M} (optional input)")
def test_replayed_xrp_candles_are_history_and_equal_the_file() -> None:
    import pandas as pd

    frame = pd.read_feather(XRP_5M)
    base = replayed_candles(XRP, SHARED_DATA, NOW, future_ms=DAY, seed=3)
    assert base is not None
    assert base.interval_ms == 5 * MINUTE
    path = PricePath(XRP, base)
    forming_open = align_down(NOW, 5 * MINUTE)
    history = path.candles("5m", 0, forming_open - 1, 1500, NOW)
    assert len(history) >= 500
    assert history[-1].open_time == forming_open - 5 * MINUTE
    file_rows = frame[["open", "high", "low", "close"]].to_numpy()
    for candle, row in zip(history, file_rows, strict=False):
        assert (candle.open, candle.high, candle.low, candle.close) == tuple(row)
    # The wire rounds to the tick, which the file's prices already sit on.
    first = wire.kline_row(XRP, history[0])
    assert first[1:5] == [f"{v:.4f}" for v in file_rows[0]]
    # Replay continues with the next file candle as the forming one.
    forming = path.candles("5m", None, None, 1, NOW)[-1]
    assert forming.open == file_rows[len(history)][0]
    # After the file a synthetic walk continues from its last close.
    data_end = forming_open + (len(frame) - len(history)) * 5 * MINUTE
    assert path.price_at(data_end) == pytest.approx(file_rows[-1][3])
    assert path.end_ms >= NOW + DAY


def test_replay_without_files_falls_back(tmp_path) -> None:
    assert replayed_candles(XRP, tmp_path, NOW, future_ms=DAY, seed=3) is None


# Synthetic paths ---------------------------------------------------------------------------


def test_synthetic_paths_are_deterministic_per_seed() -> None:
    first = synthetic_candles(XRP, START, START + DAY, seed=5)
    again = synthetic_candles(XRP, START, START + DAY, seed=5)
    other = synthetic_candles(XRP, START, START + DAY, seed=6)
    sol = synthetic_candles(MARKETS["SOLUSDT"], START, START + DAY, seed=5)
    assert np.array_equal(first.ohlcv, again.ohlcv)
    assert np.array_equal(first.open_times, again.open_times)
    assert not np.array_equal(first.ohlcv, other.ohlcv)
    assert not np.allclose(first.ohlcv[:, 3] / XRP.reference_price,
                           sol.ohlcv[:, 3] / MARKETS["SOLUSDT"].reference_price)
    assert len(first.open_times) == DAY // (5 * MINUTE)


def test_synthetic_candles_are_well_formed() -> None:
    base = synthetic_candles(XRP, START, START + 30 * DAY, seed=5)
    o, h, low, c, v = base.ohlcv.T
    assert np.all(h >= np.maximum(o, c))
    assert np.all(low <= np.minimum(o, c))
    assert np.all(v > 0)
    # Each candle opens at the previous close, and mean reversion keeps it near the reference.
    assert np.array_equal(o[1:], c[:-1])
    assert 0.5 * XRP.reference_price < c.min() < c.max() < 2 * XRP.reference_price


def test_straight_lines_between_vertices() -> None:
    open_times = np.array([START, START + 300_000], dtype=np.int64)
    base = BaseCandles(open_times, 300_000, np.array([[1.0, 1.3, 0.9, 1.2, 30.0],
                                                      [1.2, 1.25, 1.1, 1.1, 30.0]]))
    path = PricePath(XRP, base)
    # Bullish: open -> low at 1/3 -> high at 2/3 -> close.
    assert path.price_at(START) == 1.0
    assert path.price_at(START + 100_000) == 0.9
    assert path.price_at(START + 200_000) == 1.3
    assert path.price_at(START + 299_999) == 1.2
    assert path.price_at(START + 50_000) == pytest.approx(0.95)
