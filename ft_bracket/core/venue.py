"""What the venue says about legs and positions, and the one mapping from that to leg events.

Pure. The Binance gateway translates the venue's words (``algoStatus``, order ``status``) into
``VenueStatus`` through its quirks table; from there ``observe`` is the only place that decides
what a venue report means for a leg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ft_bracket.core.legs import (
    LIVE_STATUSES,
    Accepted,
    BracketLeg,
    Cancelled,
    Filled,
    LegEvent,
    LegStatus,
    Trailed,
    Triggered,
)


class VenueStatus(StrEnum):
    RESTING = "resting"  # waiting for its trigger
    TRIGGERED = "triggered"  # fired; its real order is being placed or executed
    FINISHED = "finished"  # fired, and its real order is final: filled, or expired/rejected
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


GONE_STATUSES = frozenset({VenueStatus.CANCELLED, VenueStatus.EXPIRED, VenueStatus.REJECTED})


@dataclass(frozen=True)
class VenueLeg:
    """A conditional order as the venue reports it."""

    pair: str
    order_id: str
    client_id: str
    status: VenueStatus
    trigger_price: float
    quantity: float
    # The real order a triggered conditional became (Binance's actualOrderId).
    fill_order_id: str | None = None
    close_position: bool = False
    # The venue's answer as the client parsed it (freqtrade builds order rows from this).
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class VenueFill:
    """The real order a triggered leg became."""

    order_id: str
    final: bool  # nothing more will fill
    filled: float
    average: float | None
    status: str  # the venue's word, for messages
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class VenueSnapshot:
    """One loop's look at the account: open legs (by client id) and signed positions.

    ``pairs`` is what the legs query covered (None: every pair); ``positions`` is None when they
    were not read this time. The executor keeps it current as its own calls change the venue.
    """

    legs: dict[str, VenueLeg] = field(default_factory=dict)
    positions: dict[str, float] | None = None
    pairs: frozenset[str] | None = None
    marks: dict[str, float] = field(default_factory=dict)  # mark price of each position
    # Positions are read before the legs; once read again after them, they are current enough.
    positions_reread: bool = False

    def covers(self, pair: str) -> bool:
        return self.pairs is None or pair in self.pairs

    def position(self, pair: str) -> float | None:
        return None if self.positions is None else self.positions.get(pair, 0.0)

    def legs_on(self, pair: str) -> list[VenueLeg]:
        return [leg for leg in self.legs.values() if leg.pair == pair]

    def forget(self, client_id: str | None) -> None:
        if client_id is not None:
            self.legs.pop(client_id, None)

    def remember(self, leg: VenueLeg) -> None:
        if leg.status is VenueStatus.RESTING:
            self.legs[leg.client_id] = leg
        else:
            self.legs.pop(leg.client_id, None)


def observe(leg: BracketLeg, venue: VenueLeg | None, fill: VenueFill | None = None
            ) -> LegEvent | None:
    """The event a venue report means for ``leg``, or None when it changes nothing.

    ``venue`` None means the venue has no order with the leg's client id (it never arrived, or it
    is gone from a snapshot that only lists open orders: ask before you conclude). ``fill`` is
    the real order of a fired leg; without it a fired leg is only ``Triggered``.
    """
    if leg.status not in LIVE_STATUSES:
        return None
    if venue is None:
        return Cancelled("not on the venue")
    if venue.status is VenueStatus.RESTING:
        if leg.status is LegStatus.PLACING:
            return Accepted(venue.order_id)
        trailed = (leg.trailing_rate is not None and venue.order_id == leg.order_id
                   and venue.trigger_price > 0 and venue.trigger_price != leg.trigger_price)
        return Trailed(venue.trigger_price) if trailed else None
    if venue.status in GONE_STATUSES:
        return Cancelled(venue.status.value)
    if fill is None:
        # Fired, outcome unknown: TRIGGERED means "read its real order next".
        return None if leg.status is LegStatus.TRIGGERED else Triggered(venue.fill_order_id)
    return observe_fill(leg, fill)


def observe_fill(leg: BracketLeg, fill: VenueFill) -> LegEvent | None:
    """The event the real order of a fired leg means for it."""
    if leg.status not in LIVE_STATUSES:
        return None
    if not fill.final:
        return None if leg.status is LegStatus.TRIGGERED else Triggered(fill.order_id)
    if fill.filled > 0:
        return Filled(fill.filled, float(fill.average or 0.0), fill.order_id)
    return Cancelled(f"its {fill.status} order filled nothing")

