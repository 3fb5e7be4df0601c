"""The strategy's ready-made stop moves (``core.stop_policies``) read off freqtrade's trade: the
best price since the entry (freqtrade keeps it, in backtests too), the take-profit levels
filled (freqtrade counts them as successful exits) and the signal's ``atr`` column."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ft_bracket.core.stop_policies import StopPolicy, policy_stop
from ft_bracket.freqtrade_adapter.trades import stop_distance

ATR_COLUMN = "atr"
# The distance custom_stoploss answers for a stop already past the price: exit at once.
CROSSED_STOP_DISTANCE = 1e-6


def policy_distance(policy: StopPolicy, dp: Any, timeframe: str, trade: Any,
                    current_rate: float, note: Callable[[int, str], None] | None,
                    trail: Callable[[int, float], None] | None = None) -> float | None:
    """custom_stoploss's answer for the stop the policy asks (None: none); ``note`` hears why
    when it tightens freqtrade's stop, so the stop_moved event can say it; ``trail`` hears the
    callback rate once the policy trails on the venue."""
    if trail is not None and policy.trails_on_exchange_now(int(trade.nr_of_successful_exits or 0)):
        trail(int(trade.id), policy.exchange_rate)
    asked = asked_stop(policy, dp, timeframe, trade)
    if asked is None:
        return None
    price, why = asked
    current = trade.stop_loss
    tighter = current is None or (price < current if trade.is_short else price > current)
    if note is not None and tighter:  # freqtrade will move its stop to it
        note(int(trade.id), why)
    leverage = trade.leverage or 1.0
    distance = stop_distance(price, current_rate, is_short=trade.is_short, leverage=leverage)
    return max(distance, CROSSED_STOP_DISTANCE * leverage)


def asked_stop(policy: StopPolicy, dp: Any, timeframe: str, trade: Any
               ) -> tuple[float, str] | None:
    """The stop the policy asks for the trade now, and why (None: none)."""
    atr = last_value(dp, trade.pair, timeframe, ATR_COLUMN) if policy.trail_atr_multiple else None
    best = (trade.min_rate if trade.is_short else trade.max_rate) or trade.open_rate
    return policy_stop(policy, is_short=bool(trade.is_short), entry=float(trade.open_rate),
                       best=float(best), levels_filled=int(trade.nr_of_successful_exits or 0),
                       atr=atr)


def last_value(dp: Any, pair: str, timeframe: str, column: str) -> float | None:
    """``column`` on the last analysed candle of ``pair`` (None when missing or not a number)."""
    dataframe, _ = dp.get_analyzed_dataframe(pair, timeframe)
    if dataframe.empty or column not in dataframe.columns:
        return None
    value = float(dataframe[column].iat[-1])
    return value if math.isfinite(value) else None
