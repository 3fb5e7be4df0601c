"""Bracket legs: the stop-loss and take-profit orders of one trade, as explicit state machines.

Pure: no freqtrade, no ccxt. A leg changes only by applying a typed event that carries its data
(``Accepted(order_id)``, ``Filled(quantity, price)`` ...), along a transition table: every legal
move is visible in one place, an illegal one raises, and the table is the only code that sets a
leg's ids and fill. The whole bracket serialises to a JSON-able dict that the plugin stores in
freqtrade's custom data before each exchange call.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ft_bracket.core import client_ids
from ft_bracket.core.client_ids import OrderRole


class LegKind(StrEnum):
    STOP = "stop"
    TAKE_PROFIT = "take_profit"

    @property
    def role(self) -> OrderRole:
        """The leg's role in its client ids."""
        return OrderRole.STOP if self is LegKind.STOP else OrderRole.TAKE_PROFIT

    @classmethod
    def of(cls, role: OrderRole) -> LegKind:
        return cls.STOP if role is OrderRole.STOP else cls.TAKE_PROFIT


class LegStatus(StrEnum):
    PLANNED = "planned"  # nothing sent yet
    PLACING = "placing"  # sent; the venue's answer is pending or was lost
    RESTING = "resting"  # live on the venue
    CANCELLING = "cancelling"  # cancel sent, not confirmed: it may still act
    TRIGGERED = "triggered"  # the venue turned it into a real order; not filled yet
    FILLED = "filled"  # triggered and executed
    CANCELLED = "cancelled"  # by us or behind our back, or its real order never filled
    FAILED = "failed"  # the venue refused it


# Typed events: each carries what the venue told us. ---------------------------------------


@dataclass(frozen=True)
class Sent:
    """A placement attempt under ``client_id`` is about to leave (recorded first), at a new
    trigger price or size if given (a stop move, a resize)."""

    client_id: str
    trigger_price: float | None = None
    quantity: float | None = None
    # The stop becomes the venue's trailing stop at this callback rate (%).
    trailing_rate: float | None = None


@dataclass(frozen=True)
class Accepted:
    order_id: str


@dataclass(frozen=True)
class Rejected:
    error: str
    # Set when the refusal means the position is closed at market instead (stop only).
    closing: Closing | None = None


@dataclass(frozen=True)
class Triggered:
    """The conditional fired; ``fill_order_id`` is the real order it became."""

    fill_order_id: str | None


@dataclass(frozen=True)
class Filled:
    quantity: float
    price: float
    fill_order_id: str | None = None


@dataclass(frozen=True)
class CancelRequested:
    pass


@dataclass(frozen=True)
class Cancelled:
    reason: str = ""


@dataclass(frozen=True)
class ReplacedGone:
    """The venue confirmed the attempt this leg replaced is no longer resting."""


@dataclass(frozen=True)
class Trailed:
    """A trailing stop's trigger moved on the venue with the price it follows."""

    trigger_price: float


LegEvent = (Sent | Accepted | Rejected | Triggered | Filled | CancelRequested | Cancelled
            | ReplacedGone | Trailed)

S = LegStatus
TRANSITIONS: dict[tuple[LegStatus, type], LegStatus] = {
    (S.PLANNED, Sent): S.PLACING,
    (S.FAILED, Sent): S.PLACING,
    (S.CANCELLED, Sent): S.PLACING,
    (S.PLACING, Accepted): S.RESTING,
    (S.PLACING, Rejected): S.FAILED,
    # A placement whose answer was lost may have rested, fired, even filled meanwhile.
    (S.PLACING, Triggered): S.TRIGGERED,
    (S.PLACING, Filled): S.FILLED,
    (S.PLACING, Cancelled): S.CANCELLED,
    # A move or a resize sends the new attempt first; the old one keeps resting until the new
    # one rests, then it is cancelled (``replacing``): two reduce-only legs a moment, never none.
    (S.RESTING, Sent): S.PLACING,
    (S.RESTING, Triggered): S.TRIGGERED,
    (S.RESTING, Filled): S.FILLED,
    (S.RESTING, CancelRequested): S.CANCELLING,
    (S.RESTING, Cancelled): S.CANCELLED,
    (S.CANCELLING, CancelRequested): S.CANCELLING,  # the previous cancel failed: again
    (S.CANCELLING, Cancelled): S.CANCELLED,
    # A cancel can lose the race against the trigger.
    (S.CANCELLING, Triggered): S.TRIGGERED,
    (S.CANCELLING, Filled): S.FILLED,
    (S.TRIGGERED, Filled): S.FILLED,
    # The real order expired or was rejected (e.g. reduce-only with no position): no fill.
    (S.TRIGGERED, Cancelled): S.CANCELLED,
    # A trailing stop's trigger follows the price on the venue (Binance's TRAILING_STOP_MARKET).
    (S.RESTING, Trailed): S.RESTING,
    (S.CANCELLING, Trailed): S.CANCELLING,
}
# While a new attempt replaces a resting one, a new attempt that never rests (refused, or unknown
# to the venue) leaves the old one in force: the leg is that resting attempt again.
WHILE_REPLACING: dict[tuple[LegStatus, type], LegStatus] = {
    (S.PLACING, Rejected): S.RESTING,
    (S.PLACING, Cancelled): S.RESTING,
}
# A leg in one of these may act on the venue (or may be resting there): never ignore it.
LIVE_STATUSES = frozenset({S.PLACING, S.RESTING, S.CANCELLING, S.TRIGGERED})
# Nothing of the leg rests, and no attempt is under way: a new one may be sent.
IDLE_STATUSES = frozenset({S.PLANNED, S.FAILED, S.CANCELLED})


class IllegalTransitionError(ValueError):
    """A leg was asked to make a move the table does not allow."""


@dataclass(frozen=True)
class RestingAttempt:
    """An earlier attempt of a leg, resting on the venue until the attempt replacing it rests."""

    client_id: str
    order_id: str
    trigger_price: float
    quantity: float
    trailing_rate: float | None = None


class Closing(StrEnum):
    """Why a stop could not rest and the plugin closes the position at market instead."""

    ENTRY_BEYOND_STOP = "entry_beyond_stop"  # the entry filled past its own stop
    PRICE_PAST_STOP = "price_past_stop"  # the venue refused the stop: it would trigger (-2021)

    @property
    def message(self) -> str:
        return CLOSING_MESSAGES[self]


CLOSING_MESSAGES = {
    Closing.ENTRY_BEYOND_STOP: "the entry filled beyond its stop: closed at market at once",
    Closing.PRICE_PAST_STOP: "the price is past the stop: closed at market at once",
}


@dataclass
class BracketLeg:
    """One protective order of a trade, with the history the venue needs for idempotence."""

    kind: LegKind
    trigger_price: float
    quantity: float
    status: LegStatus = LegStatus.PLANNED
    attempt: int = 0
    client_id: str | None = None
    order_id: str | None = None
    fill_order_id: str | None = None
    fill_price: float | None = None
    filled_quantity: float = 0.0
    error: str | None = None
    # The stop could not rest and its position is closed at market (cleared by a new attempt).
    closing: Closing | None = None
    # The attempt this one replaces (a move, a resize): still on the venue until this one rests
    # and that one is confirmed gone.
    replacing: RestingAttempt | None = None
    # Which take-profit level (1 for the stop and for a bracket of one take-profit).
    level: int = 1
    # A stop that trails on the venue (TRAILING_STOP_MARKET): its callback rate in %.
    trailing_rate: float | None = None

    @property
    def is_live(self) -> bool:
        """It may rest on the venue or act there."""
        return self.status in LIVE_STATUSES

    def apply(self, event: LegEvent) -> LegStatus:
        """Move along the transition table (setting what the event carries) or raise."""
        if isinstance(event, ReplacedGone):  # no move: the old attempt is off the record
            self.replacing = None
            return self.status
        key = (self.status, type(event))
        restore = self.replacing is not None and key in WHILE_REPLACING
        target = WHILE_REPLACING[key] if restore else TRANSITIONS.get(key)
        if target is None:
            raise IllegalTransitionError(
                f"{self.kind} leg: no move from {self.status} on {type(event).__name__}")
        if restore and self.replacing is not None:
            self._restore(self.replacing, event)
            self.status = target
            return target
        match event:
            case Sent(client_id=sent_id, trigger_price=trigger, quantity=quantity,
                      trailing_rate=rate):
                if self.status is S.RESTING and self.client_id and self.order_id:
                    self.replacing = RestingAttempt(self.client_id, self.order_id,
                                                    self.trigger_price, self.quantity,
                                                    self.trailing_rate)
                self.attempt += 1
                self.client_id = sent_id
                self.trigger_price = self.trigger_price if trigger is None else trigger
                self.quantity = self.quantity if quantity is None else quantity
                self.trailing_rate = self.trailing_rate if rate is None else rate
                self.order_id = self.fill_order_id = self.error = self.closing = None
                self.fill_price, self.filled_quantity = None, 0.0
            case Accepted(order_id=order_id):
                self.order_id = order_id
            case Rejected(error=error, closing=closing):
                self.error, self.closing = error, closing
            case Triggered(fill_order_id=fill_id):
                self.fill_order_id = fill_id or self.fill_order_id
            case Filled(quantity=quantity, price=price, fill_order_id=fill_id):
                self.filled_quantity, self.fill_price = quantity, price
                self.fill_order_id = fill_id or self.fill_order_id
            case Cancelled(reason=reason):
                self.error = reason or self.error
            case Trailed(trigger_price=trigger):
                self.trigger_price = trigger
        self.status = target
        return target

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BracketLeg:
        replacing = raw.get("replacing")
        return cls(
            kind=LegKind(raw["kind"]),
            trigger_price=float(raw["trigger_price"]),
            quantity=float(raw["quantity"]),
            status=LegStatus(raw["status"]),
            attempt=int(raw["attempt"]),
            client_id=raw.get("client_id"),
            order_id=raw.get("order_id"),
            fill_order_id=raw.get("fill_order_id"),
            fill_price=raw.get("fill_price"),
            filled_quantity=float(raw.get("filled_quantity") or 0.0),
            error=raw.get("error"),
            closing=_closing(raw),
            replacing=RestingAttempt(**replacing) if replacing else None,
            level=int(raw.get("level") or 1),
            trailing_rate=raw.get("trailing_rate"),
        )

    def _restore(self, old: RestingAttempt, event: LegEvent) -> None:
        """The new attempt never rested: the one it was to replace is the leg again."""
        self.client_id, self.order_id = old.client_id, old.order_id
        self.trigger_price, self.quantity = old.trigger_price, old.quantity
        self.trailing_rate = old.trailing_rate
        self.replacing = None
        self.error = getattr(event, "error", None) or getattr(event, "reason", None) or None

    @property
    def may_act(self) -> bool:
        """Something of this leg may rest on the venue or act there: the current attempt, or
        one it replaces that is not confirmed gone."""
        return self.is_live or self.replacing is not None

    @property
    def client_ids(self) -> frozenset[str]:
        """The client ids of this leg that may be on the venue: the current attempt's, and the
        one it replaces until that is confirmed gone."""
        ids = {self.client_id} if self.client_id else set()
        if self.replacing is not None:
            ids.add(self.replacing.client_id)
        return frozenset(ids)

    def next_client_id(self, prefix: str, root: str, level: int | None = None) -> str:
        """The id of this leg's next attempt under ``root`` (a scaled-out bracket's take-profit
        levels name their ``level``)."""
        return client_ids.build(prefix, root, self.kind.role, self.attempt + 1, level)

    def close_instead(self, closing: Closing) -> None:
        """Record that this (idle) stop is replaced by a close at market, and why."""
        self.closing, self.error = closing, closing.message


def _closing(raw: dict[str, Any]) -> Closing | None:
    if raw.get("closing"):
        return Closing(raw["closing"])
    # Records written before the field: the mode was told by the error's text.
    return next((c for c, text in CLOSING_MESSAGES.items() if raw.get("error") == text), None)
