"""Ready-made stop moves a strategy switches on: break-even after k take-profit levels, and a stop
that trails the best price by a distance or a multiple of the ATR. Pure.

They speak freqtrade's language: the strategy's ``custom_stoploss`` answers with the stop they
give, freqtrade keeps it only if it is tighter, and the plugin moves the venue's stop to it
(the new stop resting before the old one goes). Each answer says why, for the stop_moved event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Binance's bounds for a TRAILING_STOP_MARKET's callbackRate (%): 0.1 to 10, the maximum raised
# to 20 by its change log of 2026-10-23.
CALLBACK_RATE_RANGE = (0.1, 20.0)


class StopPolicyError(ValueError):
    """A policy attribute of the strategy is off; the message names it."""


@dataclass(frozen=True)
class StopPolicy:
    """The strategy's stop moves (None: off). Levels count take-profit fills (partial exits)."""

    break_even_after_level: int | None = None
    trail_distance: float | None = None  # a share of the best price since the entry
    trail_atr_multiple: float | None = None  # a multiple of the signal's ``atr`` column
    trail_after_level: int = 0
    # Trail on the venue (Binance's TRAILING_STOP_MARKET, by ``trail_distance``): it goes on
    # trailing while the bot is down.
    trail_on_exchange: bool = False

    def __post_init__(self) -> None:
        if self.break_even_after_level is not None:
            _check_level("break_even_after_level", self.break_even_after_level)
        _check_level("trail_after_level", self.trail_after_level, minimum=0)
        if self.trail_distance is not None and not (
                _finite(self.trail_distance) and 0 < self.trail_distance < 1):
            raise StopPolicyError(f"trail_distance must be a share of the price in (0, 1), "
                                  f"e.g. 0.02 for 2 %, got {self.trail_distance!r}")
        if self.trail_atr_multiple is not None and not (
                _finite(self.trail_atr_multiple) and self.trail_atr_multiple > 0):
            raise StopPolicyError(f"trail_atr_multiple must be a number > 0, "
                                  f"got {self.trail_atr_multiple!r}")
        if self.trail_distance is not None and self.trail_atr_multiple is not None:
            raise StopPolicyError("trail_distance and trail_atr_multiple: set one, not both")
        if self.trail_on_exchange:
            low, high = CALLBACK_RATE_RANGE
            rate = (self.trail_distance or 0.0) * 100
            if self.trail_distance is None or not low - 1e-9 <= rate <= high + 1e-9:
                raise StopPolicyError(
                    f"trail_on_exchange needs trail_distance in [{low / 100:g}, {high / 100:g}] "
                    f"(Binance's callback rate of {low:g} to {high:g} %), got "
                    f"{self.trail_distance!r}")

    @property
    def active(self) -> bool:
        return self.break_even_after_level is not None or self.trails

    @property
    def exchange_rate(self) -> float:
        """The venue's callback rate (%) for ``trail_distance``, on its 0.1 % grid."""
        return round((self.trail_distance or 0.0) * 100, 1)

    def trails_on_exchange_now(self, levels_filled: int) -> bool:
        return self.trail_on_exchange and levels_filled >= self.trail_after_level

    @property
    def trails(self) -> bool:
        return self.trail_distance is not None or self.trail_atr_multiple is not None


def policy_stop(policy: StopPolicy, *, is_short: bool, entry: float, best: float,
                levels_filled: int, atr: float | None = None) -> tuple[float, str] | None:
    """The tightest stop the policy asks for now, and why; None when it asks for none.
    ``best``: the best price since the entry (the highest for a long)."""
    asks: list[tuple[float, str]] = []
    after = policy.break_even_after_level
    if after is not None and levels_filled >= after:
        asks.append((entry, f"break-even after take-profit {after}"))
    if policy.trails and levels_filled >= policy.trail_after_level:
        if policy.trail_distance is not None:
            distance, how = best * policy.trail_distance, f"{policy.trail_distance:.2%}"
        elif atr is not None and _finite(atr) and atr > 0:
            distance = atr * float(policy.trail_atr_multiple or 0.0)
            how = f"{policy.trail_atr_multiple:g} ATR"
        else:
            distance = None
        if distance is not None:
            asks.append((best + distance if is_short else best - distance,
                         f"trailing the best price ({best:g}) by {how}"))
    if not asks:
        return None
    return min(asks) if is_short else max(asks)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _check_level(name: str, value: object, minimum: int = 1) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise StopPolicyError(f"{name} must be a whole number >= {minimum}, got {value!r}")
