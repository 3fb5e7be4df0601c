"""The scale-out example tuned for a live demo's clock: 1-minute candles, faster EMAs and a
one-ATR stop, so brackets open, scale out and close within minutes instead of hours.

Half of each position is taken at 1 R (one stop distance), the rest at 2.5 R (1.75 R on average,
above the demo's ``min_reward_risk`` of 1.5 even when the entry fills off the signal's close),
and once the first half is out the stop goes to the entry price (``break_even_after_level``).
Same code path otherwise."""

from __future__ import annotations

from BracketScaleOut import BracketScaleOut
from freqtrade.strategy import DecimalParameter, IntParameter


class BracketDemo(BracketScaleOut):
    timeframe = "1m"
    startup_candle_count = 60

    ema_fast = IntParameter(3, 10, default=5, space="buy")
    ema_slow = IntParameter(15, 40, default=20, space="buy")
    atr_multiplier = DecimalParameter(0.5, 2.0, default=1.0, decimals=1, space="buy")
    first_target = DecimalParameter(1.0, 2.0, default=1.0, decimals=1, space="buy")
    reward_multiple = DecimalParameter(2.5, 5.0, default=2.5, decimals=1, space="buy")
