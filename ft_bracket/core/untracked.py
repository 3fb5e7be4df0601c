"""Positions no trade owns, as pure policy: finding them, and guarding them.

An entry whose answer was lost can fill; a person can open a position by hand. freqtrade knows
nothing of such a position, so no bracket protects it. The plugin guards it: a closePosition
STOP_MARKET a configurable distance from the price (or, by setting, a close at market), the pair
locked until the position is gone and that stop is confirmed cancelled. A position is ours to
explain when it sits on one of our pairs; one-way mode nets a symbol into one position, so bots
sharing an account must trade disjoint pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ft_bracket.core.actions import Cancel, Place, Query, ReadFill, TradeView
from ft_bracket.core.legs import IDLE_STATUSES, BracketLeg, LegKind, LegStatus
from ft_bracket.core.plan import settle
from ft_bracket.core.venue import VenueSnapshot

PROTECT, CLOSE = "protect", "close"
_EPSILON = 1e-9


@dataclass
class Guard:
    """The record of one guarded pair (kept in freqtrade's key-value store)."""

    pair: str
    is_short: bool
    root: str
    stop: BracketLeg  # closePosition: its quantity is the position's whatever it becomes
    closes: int = 0  # market closes sent

    @property
    def exit_side(self) -> str:
        return "buy" if self.is_short else "sell"

    def next_client_id(self, prefix: str, leg: BracketLeg) -> str:
        return leg.next_client_id(prefix, self.root)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Guard:
        return cls(str(data["pair"]), bool(data["is_short"]), str(data["root"]),
                   BracketLeg.from_dict(data["stop"]), int(data.get("closes", 0)))


def guard_trigger(mark: float, is_short: bool, distance: float) -> float:
    """Where the guard's stop sits: ``distance`` of the price against the position."""
    return mark * (1 + distance) if is_short else mark * (1 - distance)


@dataclass(frozen=True)
class Protect:
    """Start guarding: record the guard, then place its stop."""


@dataclass(frozen=True)
class CloseAtMarket:
    pass


@dataclass(frozen=True)
class Release:
    """The position is gone and nothing of the guard rests: forget it, unlock the pair."""


GuardAction = Protect | CloseAtMarket | Release | Query | ReadFill | Place | Cancel


def plan_guard(guard: Guard | None, position: float | None, snapshot: VenueSnapshot,
               action: str) -> list[GuardAction]:
    """The next step for one pair holding (or having held) a position no trade owns."""
    held = position is not None and abs(position) > _EPSILON
    if guard is None:
        if not held:
            return []
        return [CloseAtMarket()] if action == CLOSE else [Protect()]
    step = settle(guard.stop, guard.pair, snapshot)
    if step is not None:
        return [step]  # type: ignore[list-item]
    stop = guard.stop
    if held:
        if action == CLOSE:
            return [CloseAtMarket()]
        if stop.status in IDLE_STATUSES or stop.status is LegStatus.FILLED:
            return [Place(LegKind.STOP)]
        return []
    if position is None:
        return []  # positions not read this time: conclude nothing
    if stop.status in (LegStatus.RESTING, LegStatus.CANCELLING):
        return [Cancel(LegKind.STOP)]
    return [] if stop.is_live else [Release()]


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
