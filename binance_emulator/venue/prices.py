"""Where each symbol's price comes from, on wall-clock time.

A price path is built from base candles: within a candle the price moves in straight lines from the
open through both extremes to the close, so candles of any interval (1m from 5m data, 1h from 5m)
are computed from one function and stay consistent with the last price. The base candles are either
real ones replayed from freqtrade feather files (``--data``) or a seeded synthetic walk.

Tests take control of a symbol with ``set_price``: from then on the price only changes when they
say so, and the forming candle shows the prices they set.
"""

from __future__ import annotations

import math
import time
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from binance_emulator.venue.markets import Market

MINUTE_MS = 60_000
INTERVAL_MS = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "2h": 120 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "6h": 360 * MINUTE_MS,
    "8h": 480 * MINUTE_MS,
    "12h": 720 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
    "3d": 3 * 1440 * MINUTE_MS,
    "1w": 7 * 1440 * MINUTE_MS,
}
# 1970-01-01 was a Thursday; Binance's weekly candles open on Mondays.
_WEEK_OFFSET_MS = 4 * 1440 * MINUTE_MS
FUNDING_INTERVAL_MS = 8 * 60 * MINUTE_MS
DEFAULT_FUNDING_RATE = 0.0001
SYNTHETIC_BASE_INTERVAL_MS = 5 * MINUTE_MS


def now_ms() -> int:
    return int(time.time() * 1000)


def align_down(t_ms: int, interval_ms: int) -> int:
    offset = _WEEK_OFFSET_MS if interval_ms == INTERVAL_MS["1w"] else 0
    return (t_ms - offset) // interval_ms * interval_ms + offset


@dataclass
class Candle:
    open_time: int
    close_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass
class BaseCandles:
    """Candles on a regular grid; times are wall-clock after anchoring."""

    open_times: np.ndarray  # int64 ms
    interval_ms: int
    ohlcv: np.ndarray  # shape (n, 5)
    funding_rates: list[tuple[int, float]] = field(default_factory=list)


class PricePath:
    """The price of one symbol as a function of wall-clock time."""

    def __init__(
        self,
        market: Market,
        base: BaseCandles,
        funding_interval_ms: int = FUNDING_INTERVAL_MS,
        basis: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.market = market
        self.base = base
        self.interval_ms = base.interval_ms
        self.listing_ms = int(base.open_times[0])
        self.end_ms = int(base.open_times[-1]) + base.interval_ms
        self.funding_rates = base.funding_rates
        # Funding every 8 h of path time: with --speed N, every 8/N h of wall-clock time.
        self.funding_interval_ms = funding_interval_ms
        self._vertex_times, self._vertex_prices, self._vertex_volumes = _vertices(base)
        if basis is not None:
            self._vertex_prices = self._vertex_prices * (1 + basis(self._vertex_times))
        # Manual control: ticks (time, price) that replace the path from the first one on.
        self._manual_times: list[int] = []
        self._manual_prices: list[float] = []

    def with_basis(self, basis: Callable[[np.ndarray], np.ndarray] | None) -> PricePath:
        """The same path scaled by (1 + basis): the mark price beside this last price."""
        return PricePath(self.market, self.base, self.funding_interval_ms, basis)

    @property
    def manual(self) -> bool:
        return bool(self._manual_times)

    def set_price(self, price: float, at_ms: int | None = None) -> None:
        """Take control of the price: it stays at ``price`` until set again."""
        t = now_ms() if at_ms is None else at_ms
        if self._manual_times and t < self._manual_times[-1]:
            t = self._manual_times[-1]
        self._manual_times.append(t)
        self._manual_prices.append(price)

    def price_at(self, t_ms: int) -> float:
        if self._manual_times and t_ms >= self._manual_times[0]:
            return self._manual_prices[bisect_right(self._manual_times, t_ms) - 1]
        return self._interpolate(t_ms, self._vertex_prices)

    def _extremes_between(self, start_ms: int, end_ms: int) -> tuple[float, float] | None:
        """Highest and lowest vertex strictly inside (start, end) and manual tick in [start, end].

        Manual ticks may share a millisecond (a scripted path, or a tick in the same ms as the
        query); all of them were traded, not only the last.
        """
        prices: list[float] = []
        manual_from = self._manual_times[0] if self._manual_times else None
        path_end = end_ms if manual_from is None else min(end_ms, manual_from)
        lo = np.searchsorted(self._vertex_times, start_ms, side="right")
        hi = np.searchsorted(self._vertex_times, path_end, side="left")
        if hi > lo:
            segment = self._vertex_prices[lo:hi]
            prices += [float(segment.max()), float(segment.min())]
        if manual_from is not None and end_ms >= manual_from:
            lo = bisect_left(self._manual_times, start_ms)
            hi = bisect_right(self._manual_times, end_ms)
            prices += self._manual_prices[lo:hi]
            # The path's value where manual control began is a price that was traded.
            if start_ms < manual_from <= end_ms:
                prices.append(self._interpolate(manual_from, self._vertex_prices))
        if not prices:
            return None
        return max(prices), min(prices)

    def _cumulative_volume(self, t_ms: int) -> float:
        return self._interpolate(t_ms, self._vertex_volumes)

    def _interpolate(self, t_ms: int, values: np.ndarray) -> float:
        """np.interp for one point; np.interp itself rescans the arrays on every call, which
        dominates the price tick with many symbols."""
        times = self._vertex_times
        i = int(np.searchsorted(times, t_ms, side="right"))
        if i == 0:
            return float(values[0])
        if i == len(times):
            return float(values[-1])
        t0, t1 = int(times[i - 1]), int(times[i])
        v0, v1 = float(values[i - 1]), float(values[i])
        return v0 + (v1 - v0) * (t_ms - t0) / (t1 - t0)

    def candle(self, open_ms: int, interval_ms: int, at_ms: int) -> Candle:
        """The candle opening at ``open_ms``, formed up to ``at_ms`` if it is still open."""
        close_ms = open_ms + interval_ms - 1
        last_ms = min(close_ms, at_ms)
        first = self.price_at(open_ms)
        last = self.price_at(last_ms)
        high, low = max(first, last), min(first, last)
        inner = self._extremes_between(open_ms, last_ms)
        if inner is not None:
            high, low = max(high, inner[0]), min(low, inner[1])
        volume = self._cumulative_volume(last_ms) - self._cumulative_volume(open_ms)
        return Candle(open_ms, close_ms, first, high, low, last, max(volume, 0.0))

    def candles(
        self,
        interval: str,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
        at_ms: int,
    ) -> list[Candle]:
        """Klines as Binance selects them: by startTime/endTime, newest is the forming one."""
        interval_ms = INTERVAL_MS[interval]
        first_open = align_down(self.listing_ms + interval_ms - 1, interval_ms)
        last_open = align_down(at_ms, interval_ms)
        if end_ms is not None:
            last_open = min(last_open, align_down(end_ms, interval_ms))
        if start_ms is not None:
            first_open = max(first_open, align_down(start_ms + interval_ms - 1, interval_ms))
            opens = range(first_open, last_open + 1, interval_ms)[:limit]
        else:
            opens = range(first_open, last_open + 1, interval_ms)[-limit:]
        return [self.candle(t, interval_ms, at_ms) for t in opens]

    def next_funding_time(self, t_ms: int) -> int:
        return align_down(t_ms, self.funding_interval_ms) + self.funding_interval_ms

    def funding_times(self, after_ms: int, until_ms: int) -> range:
        """Funding settlements in (after_ms, until_ms]."""
        return range(self.next_funding_time(after_ms), until_ms + 1, self.funding_interval_ms)

    def funding_rate_at(self, t_ms: int) -> float:
        if not self.funding_rates:
            return DEFAULT_FUNDING_RATE
        times = [t for t, _ in self.funding_rates]
        index = bisect_right(times, t_ms) - 1
        return self.funding_rates[max(index, 0)][1]


def _vertices(base: BaseCandles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four points per candle: open, first extreme, second extreme, close."""
    n = len(base.open_times)
    step = base.interval_ms
    o, h, low, c, v = (base.ohlcv[:, i] for i in range(5))
    bullish = c >= o
    first = np.where(bullish, low, h)
    second = np.where(bullish, h, low)
    t0 = base.open_times.astype(np.int64)
    times = np.stack([t0, t0 + step // 3, t0 + 2 * step // 3, t0 + step - 1], axis=1).reshape(-1)
    prices = np.stack([o, first, second, c], axis=1).reshape(-1)
    cum_before = np.concatenate([[0.0], np.cumsum(v)[:-1]])
    volumes = np.stack(
        [cum_before, cum_before + v / 3, cum_before + 2 * v / 3, cum_before + v], axis=1
    ).reshape(-1)
    assert len(times) == 4 * n
    return times, prices, volumes


def synthetic_candles(
    market: Market,
    start_ms: int,
    end_ms: int,
    seed: int,
    interval_ms: int = SYNTHETIC_BASE_INTERVAL_MS,
    start_price: float | None = None,
) -> BaseCandles:
    """A seeded random walk with mild mean reversion, so a demo never drifts to absurd prices."""
    rng = np.random.default_rng([seed, zlib.crc32(market.symbol.encode())])
    first = align_down(start_ms, interval_ms)
    open_times = np.arange(first, end_ms, interval_ms, dtype=np.int64)
    n = len(open_times)
    sigma = 0.0025
    reference = market.reference_price
    price = reference if start_price is None else start_price
    shocks = rng.normal(0.0, sigma, n)
    wicks = np.abs(rng.normal(0.0, sigma / 2, (n, 2)))
    volumes = rng.lognormal(mean=math.log(1_000_000 / reference), sigma=0.5, size=n)
    # Log price is an AR(1) around the reference: x' = x + shock - 0.002 (x - log ref).
    log_ref = math.log(reference)
    levels = np.exp(_mean_reverting(math.log(price) - log_ref, shocks, 0.998) + log_ref)
    opens, closes = levels[:-1], levels[1:]
    highs = np.maximum(opens, closes) * np.exp(wicks[:, 0])
    lows = np.minimum(opens, closes) * np.exp(-wicks[:, 1])
    return BaseCandles(open_times, interval_ms,
                       np.stack([opens, highs, lows, closes, volumes], axis=1))


def _mean_reverting(start: float, shocks: np.ndarray, keep: float) -> np.ndarray:
    """y_0 = start and y_{i+1} = keep * y_i + shocks[i]: len(shocks) + 1 values.

    Solved in closed form over chunks short enough that keep ** -chunk stays well-conditioned;
    a Python loop over every candle would dominate start-up with many symbols.
    """
    out = np.empty(len(shocks) + 1)
    out[0] = start
    chunk = 512
    for first in range(0, len(shocks), chunk):
        part = shocks[first:first + chunk]
        k = np.arange(1, len(part) + 1)
        # y_{first+k} = keep^k * y_first + sum_{j<k} keep^(k-1-j) * s_j
        out[first + 1:first + 1 + len(part)] = keep ** k * (
            out[first] + np.cumsum(part / keep ** k)
        )
    return out


def replayed_candles(
    market: Market,
    data_dir: Path,
    start_ms: int,
    future_ms: int,
    seed: int,
    speed: float = 1.0,
) -> BaseCandles | None:
    """Real candles from freqtrade feather files, shifted so replay starts at ``start_ms``.

    At least 500 candles become history (freqtrade's start-up needs 499), the rest replays forward
    in real time (or ``speed`` times faster), and a synthetic walk continues after the data ends.
    """
    import pandas as pd  # pandas comes with freqtrade; only replay needs it

    stem = f"{market.base_asset}_{market.quote_asset}_{market.quote_asset}"
    files = [
        (INTERVAL_MS[tf], data_dir / f"{stem}-{tf}-futures.feather")
        for tf in INTERVAL_MS
        if (data_dir / f"{stem}-{tf}-futures.feather").exists()
    ]
    if not files:
        return None
    data_interval_ms, path = min(files)
    frame = pd.read_feather(path).dropna(subset=["open", "high", "low", "close"])
    wall_interval_ms = max(1, round(data_interval_ms / speed))
    anchor = min(len(frame) - 1, max(500, len(frame) // 2))
    first_open = align_down(start_ms, wall_interval_ms) - anchor * wall_interval_ms
    open_times = first_open + np.arange(len(frame), dtype=np.int64) * wall_interval_ms
    ohlcv = frame[["open", "high", "low", "close", "volume"]].to_numpy(dtype=float)
    data_end = int(open_times[-1]) + wall_interval_ms
    tail = synthetic_candles(
        market,
        data_end,
        max(start_ms + future_ms, data_end + wall_interval_ms),
        seed,
        interval_ms=wall_interval_ms,
        start_price=float(ohlcv[-1, 3]),
    )
    funding = _replayed_funding(data_dir / f"{stem}-8h-funding_rate.feather")
    return BaseCandles(
        np.concatenate([open_times, tail.open_times]),
        wall_interval_ms,
        np.concatenate([ohlcv, tail.ohlcv]),
        funding_rates=_shift_funding(funding, int(frame["date"].iloc[anchor].value // 1_000_000),
                                     align_down(start_ms, wall_interval_ms), speed),
    )


def _replayed_funding(path: Path) -> list[tuple[int, float]]:
    if not path.exists():
        return []
    import pandas as pd

    frame = pd.read_feather(path)
    return [
        (int(ts.value // 1_000_000), float(rate))
        for ts, rate in zip(frame["date"], frame["open"], strict=True)
    ]


def _shift_funding(
    rates: list[tuple[int, float]], data_anchor_ms: int, wall_anchor_ms: int, speed: float
) -> list[tuple[int, float]]:
    return [(wall_anchor_ms + round((t - data_anchor_ms) / speed), r) for t, r in rates]


def build_paths(
    markets: dict[str, Market],
    data_dir: Path | None,
    seed: int,
    start_ms: int,
    history_days: int = 60,
    future_days: int = 30,
    speed: float = 1.0,
) -> dict[str, PricePath]:
    """One path per market: replayed where ``data_dir`` has candles, synthetic elsewhere."""
    day_ms = 1440 * MINUTE_MS
    paths: dict[str, PricePath] = {}
    for symbol, market in markets.items():
        base = None
        if data_dir is not None:
            base = replayed_candles(market, data_dir, start_ms, future_days * day_ms, seed, speed)
        if base is None:
            # Faster than real time: the same number of candles, each lasting 1/speed as long.
            base = synthetic_candles(
                market,
                start_ms - round(history_days * day_ms / speed),
                start_ms + round(future_days * day_ms / speed),
                seed,
                interval_ms=max(1, round(SYNTHETIC_BASE_INTERVAL_MS / speed)),
            )
        paths[symbol] = PricePath(market, base, round(FUNDING_INTERVAL_MS / speed))
    return paths
