"""The book's side of sizing and of a fill: what a market order really pays when it walks the
levels, and how far a fill landed from the price it was meant to get."""

from __future__ import annotations

from ft_bracket.core.risk import Denial, PositionSize, Signal, size_position

# Float noise allowed when the walk ends exactly on a level.
_TOLERANCE = 1e-9


def walk_book(levels: list[tuple[float, float]], quantity: float) -> float | None:
    """The average price a market order for ``quantity`` gets against ``levels`` (best first,
    (price, quantity) each); None when they do not hold that much."""
    left, cost = quantity, 0.0
    for price, available in levels:
        take = min(left, available)
        cost += take * price
        left -= take
        if left <= quantity * _TOLERANCE:
            return cost / quantity
    return None


def size_on_book(signal: Signal, levels: list[tuple[float, float]], **sizing: object
                 ) -> PositionSize:
    """``size_position`` at the price the market entry will really get: sized at the touch,
    the book walked for that quantity, sized again at that average. The second size is the
    smaller (a worse entry is further from the stop), so its own walk is no worse: the loss
    at the stop stays within the budget. ``levels`` are the side the entry takes from."""
    first = size_position(signal=signal, **sizing)  # type: ignore[arg-type]
    if not first.approved or not levels:
        return first
    average = walk_book(levels, first.quantity)
    if average is None:
        depth = sum(quantity for _, quantity in levels)
        return PositionSize(entry_price=signal.entry_price, leverage=first.leverage,
                            risk_budget=first.risk_budget, denial=Denial.BOOK_TOO_THIN,
                            detail=f"the book holds {depth:g} within {len(levels)} levels, "
                                   f"the entry needs {first.quantity:g}")
    walked = Signal(signal.is_short, max(average, signal.entry_price) if not signal.is_short
                    else min(average, signal.entry_price), signal.stop_price,
                    signal.take_profit_price)
    return size_position(signal=walked, **sizing)  # type: ignore[arg-type]


def slippage(is_short: bool, trigger_price: float, fill_price: float) -> float:
    """How much worse than its trigger a stop filled (price units; 0 when at or better)."""
    worse = fill_price - trigger_price if is_short else trigger_price - fill_price
    return max(0.0, worse)


def beyond_stop(is_short: bool, stop_price: float, price: float) -> bool:
    """``price`` is at or through the stop (a long's at or below it, a short's at or above)."""
    return price >= stop_price if is_short else price <= stop_price
