"""Scale-out: a bracket's take-profit levels, each its own reduce-only order for a share of the
position. Pure.

A signal declares its levels on the entry candle (``take_profit_price``, ``take_profit_price_2``
... with ``take_profit_share``, ``take_profit_share_2`` ...; no shares: equal ones). At the fill
the position is split into the levels' quantities: each rounded down to the step, the farthest
level taking what rounding left, so the levels add up exactly to the position. A level below the
venue's minimum quantity or notional is merged into the next one out (the farthest into the one
before it), and the user is told once.

How many levels: each is an algo order on the venue, which caps them per symbol (exchangeInfo's
``MAX_NUM_ALGO_ORDERS``, 10 in Binance's recorded answers). Room is kept for the stop, its
replacement during a move, and one level's replacement during a resize.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from ft_bracket.core.risk import ALLOWED, Decision, Denial, MarketRules, deny

# Binance's recorded per-symbol cap on open algo orders, when the venue publishes none.
DEFAULT_ALGO_ORDER_LIMIT = 10
# Algo orders a bracket needs besides its levels: the stop, the stop's replacement during a move
# or a resize, and one level's replacement during a resize.
ROOM_BESIDE_LEVELS = 3
_SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Level:
    """One take-profit level of a signal: its price and its share of the position."""

    price: float
    share: float


@dataclass(frozen=True)
class Merge:
    """A level too small for the venue, merged into another (numbers as the signal gave them)."""

    level: int
    into: int
    quantity: float
    reason: str


def max_levels(algo_order_limit: int | None) -> int:
    """How many take-profit levels a bracket may have on a symbol with this algo-order cap."""
    return max(1, (algo_order_limit or DEFAULT_ALGO_ORDER_LIMIT) - ROOM_BESIDE_LEVELS)


def levels_of(prices: list[float], shares: list[float | None]) -> tuple[Level, ...]:
    """The signal's levels: the shares it gave, or equal ones when it gave none."""
    if all(share is None for share in shares):
        return tuple(Level(price, 1.0 / len(prices)) for price in prices)
    return tuple(Level(price, math.nan if share is None else float(share))
                 for price, share in zip(prices, shares, strict=True))


def check_levels(is_short: bool, entry: float, levels: tuple[Level, ...], limit: int
                 ) -> Decision:
    """Each level a price on the winning side, each farther than the one before, shares above
    zero adding up to the whole position, and no more levels than the venue has room for."""
    if len(levels) > limit:
        return deny(Denial.TOO_MANY_LEVELS,
                    f"{len(levels)} take-profit levels, at most {limit} on this symbol")
    for number, level in enumerate(levels, start=1):
        name = "take_profit_price" if number == 1 else f"take_profit_price_{number}"
        if not (math.isfinite(level.price) and level.price > 0):
            return deny(Denial.INVALID_PRICE, f"{name} is {level.price!r}")
        if not (math.isfinite(level.share) and 0 < level.share <= 1):
            share = "take_profit_share" if number == 1 else f"take_profit_share_{number}"
            return deny(Denial.LEVELS_DO_NOT_ADD_UP, f"{share} is {level.share!r}")
    for number, (near, far) in enumerate(itertools.pairwise(levels), start=2):
        farther = far.price < near.price if is_short else far.price > near.price
        if not farther:
            return deny(Denial.LEVELS_OUT_OF_ORDER,
                        f"take_profit_price_{number} {far.price} is not beyond "
                        f"{near.price}, the level before it")
    total = sum(level.share for level in levels)
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        return deny(Denial.LEVELS_DO_NOT_ADD_UP,
                    f"the take-profit shares add up to {total:g}, not 1")
    return ALLOWED


def average_target(levels: tuple[Level, ...]) -> float:
    """The price the whole position takes profit at on average, if every level fills."""
    return sum(level.price * level.share for level in levels)


def split(quantity: float, levels: tuple[Level, ...], rules: MarketRules
          ) -> tuple[list[tuple[float, float]], list[Merge]]:
    """The levels' (price, quantity) for a position of ``quantity``, adding up to it exactly;
    and the levels merged away because the venue would refuse them."""
    step = Decimal(str(rules.step_size))
    units = (Decimal(str(quantity)) / step).to_integral_value(ROUND_FLOOR)
    counts = [(Decimal(str(level.share)) * units).to_integral_value(ROUND_FLOOR)
              for level in levels[:-1]]
    counts.append(units - sum(counts, Decimal(0)))
    numbers = list(range(1, len(levels) + 1))
    prices = [level.price for level in levels]
    merges: list[Merge] = []
    while len(counts) > 1:
        small = next((i for i in range(len(counts))
                      if _too_small(float(counts[i] * step), prices[i], rules)), None)
        if small is None:
            break
        into = small + 1 if small + 1 < len(counts) else small - 1
        merges.append(Merge(numbers[small], numbers[into], float(counts[small] * step),
                            _why_small(float(counts[small] * step), prices[small], rules)))
        counts[into] += counts[small]
        del counts[small], numbers[small], prices[small]
    return [(price, float(count * step)) for price, count in zip(prices, counts, strict=True)
            ], merges


def split_levels(quantity: float, levels: tuple[tuple[float, float], ...],
                 rules: MarketRules | None) -> tuple[list[tuple[float, float]] | None, list[Merge]]:
    """``split`` for a signal's (price, share) levels; (None, []) for one take-profit."""
    if not levels or rules is None:
        return None, []
    return split(quantity, tuple(Level(price, share) for price, share in levels), rules)


def _too_small(quantity: float, price: float, rules: MarketRules) -> bool:
    return bool(_why_small(quantity, price, rules))


def _why_small(quantity: float, price: float, rules: MarketRules) -> str:
    if quantity < rules.min_quantity - 1e-12:
        return f"{quantity:g} is below the minimum quantity {rules.min_quantity:g}"
    if quantity * price < rules.min_notional - 1e-9:
        return (f"{quantity * price:.4g} is below the minimum notional "
                f"{rules.min_notional:g}")
    return ""
