"""The example strategy tuned for a live demo's clock: 1-minute candles, faster EMAs and a one-ATR
stop, so brackets open and close within minutes instead of hours. Same code path otherwise."""

from __future__ import annotations

from BracketExample import BracketExample
from freqtrade.strategy import DecimalParameter, IntParameter


class BracketDemo(BracketExample):
    timeframe = "1m"
    startup_candle_count = 60

    ema_fast = IntParameter(3, 10, default=5, space="buy")
    ema_slow = IntParameter(15, 40, default=20, space="buy")
    atr_multiplier = DecimalParameter(0.5, 2.0, default=1.0, decimals=1, space="buy")
    reward_multiple = DecimalParameter(1.5, 3.0, default=1.5, decimals=1, space="buy")
