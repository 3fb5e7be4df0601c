"""Positions no trade owns, and entries whose outcome is unknown. Pure.

A position is ours to explain when it sits on one of our pairs; one-way mode nets a symbol into
one position, so bots sharing an account must trade disjoint pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ft_bracket.core.plan import TradeView

_EPSILON = 1e-9


def excess_positions(positions: dict[str, float], trades: Iterable[TradeView],
                     pairs: Iterable[str] | None = None) -> dict[str, float]:
    """Per pair, the signed amount the venue holds beyond what the open trades own (only pairs
    in ``pairs`` when given: another bot's pairs are none of our business)."""
    tracked: dict[str, float] = {}
    for trade in trades:
        if trade.is_open:
            tracked[trade.pair] = tracked.get(trade.pair, 0.0) + (
                -trade.amount if trade.is_short else trade.amount)
    ours = None if pairs is None else set(pairs)
    candidates = set(positions) | set(tracked)
    excess = {pair: positions.get(pair, 0.0) - tracked.get(pair, 0.0) for pair in candidates
              if ours is None or pair in ours}
    return {pair: amount for pair, amount in excess.items() if abs(amount) > _EPSILON}


@dataclass
class UnknownEntries:
    """Entries whose answer was lost: the pair is locked until the venue's position says."""

    due: dict[str, float] = field(default_factory=dict)  # pair -> when to look

    def note(self, pair: str, look_at: float) -> None:
        self.due[pair] = look_at

    def settle(self, now: float, excess: dict[str, float]) -> tuple[list[str], dict[str, float]]:
        """For the entries due by ``now``: the pairs found clean (to unlock) and those holding
        more than their trades (the entry filled after all), with the excess."""
        ready = sorted(pair for pair, at in self.due.items() if at <= now)
        clean, filled = [], {}
        for pair in ready:
            del self.due[pair]
            if pair in excess:
                filled[pair] = excess[pair]
            else:
                clean.append(pair)
        return clean, filled
