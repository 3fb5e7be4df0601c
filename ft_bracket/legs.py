"""Bracket legs: the stop-loss and take-profit orders of one trade, as explicit state machines.

Pure: no freqtrade, no ccxt. A leg's life is a transition table, so every legal move is visible
in one place and an illegal one raises. The whole bracket serialises to a JSON-able dict that
the plugin stores in freqtrade's custom data before each exchange call.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class LegKind(StrEnum):
    STOP = "stop"
    TAKE_PROFIT = "take_profit"


class LegStatus(StrEnum):
    PLANNED = "planned"  # nothing sent yet
    PLACING = "placing"  # sent; the venue's answer is pending or was lost
    RESTING = "resting"  # live on the venue
    FILLED = "filled"  # triggered and executed
    CANCELLED = "cancelled"  # by us, or behind our back
    FAILED = "failed"  # the venue refused it


class LegEvent(StrEnum):
    SEND = "send"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TRIGGERED = "triggered"
    CANCELLED = "cancelled"


TRANSITIONS: dict[tuple[LegStatus, LegEvent], LegStatus] = {
    (LegStatus.PLANNED, LegEvent.SEND): LegStatus.PLACING,
    (LegStatus.FAILED, LegEvent.SEND): LegStatus.PLACING,
    (LegStatus.CANCELLED, LegEvent.SEND): LegStatus.PLACING,
    (LegStatus.PLACING, LegEvent.ACCEPTED): LegStatus.RESTING,
    (LegStatus.PLACING, LegEvent.REJECTED): LegStatus.FAILED,
    # A placement whose answer was lost may have rested and even filled meanwhile.
    (LegStatus.PLACING, LegEvent.TRIGGERED): LegStatus.FILLED,
    (LegStatus.PLACING, LegEvent.CANCELLED): LegStatus.CANCELLED,
    (LegStatus.RESTING, LegEvent.TRIGGERED): LegStatus.FILLED,
    (LegStatus.RESTING, LegEvent.CANCELLED): LegStatus.CANCELLED,
}
OPEN_STATUSES = frozenset({LegStatus.PLACING, LegStatus.RESTING})


class IllegalTransitionError(ValueError):
    """A leg was asked to make a move the table does not allow."""


# Binance: clientAlgoId / newClientOrderId must match this.
CLIENT_ID_PATTERN = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
_LEG_CODES = {LegKind.STOP: "sl", LegKind.TAKE_PROFIT: "tp"}
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, remainder = divmod(number, 36)
        digits = _BASE36[remainder] + digits
        if not number:
            return digits


def client_id(prefix: str, trade_id: int, opened_at_s: int, kind: LegKind, attempt: int) -> str:
    """Deterministic id of one placement attempt of one leg of one trade.

    The trade's open time (seconds, base 36) keeps ids unique across databases: a fresh database
    restarts trade ids at 1, and an old leg must never pass for a new trade's.
    """
    value = f"{prefix}-{trade_id}-{_base36(opened_at_s)}-{_LEG_CODES[kind]}{attempt}"
    if not CLIENT_ID_PATTERN.match(value):
        raise ValueError(f"client id {value!r} breaks Binance's rule {CLIENT_ID_PATTERN.pattern}")
    return value


def parse_client_id(prefix: str, value: str) -> tuple[int, LegKind] | None:
    """(trade id, leg) of a client id this plugin made with ``prefix``, else None."""
    match = re.fullmatch(rf"{re.escape(prefix)}-(\d+)-[0-9a-z]+-(sl|tp)\d+", value or "")
    if match is None:
        return None
    kind = LegKind.STOP if match.group(2) == "sl" else LegKind.TAKE_PROFIT
    return int(match.group(1)), kind


def safe_trigger_price(kind: LegKind, is_short: bool, price: float, tick_size: float) -> float:
    """Round a trigger to the tick in the direction that never adds risk or asks for more.

    A stop moves towards the entry (a long's up, a short's down): it may lose less, never more.
    A take-profit moves towards the entry too (a long's down, a short's up): it may take a
    little less, never wait for more than the signal asked.
    """
    if not tick_size or tick_size <= 0:
        return price
    steps = price / tick_size
    # Long stop and short take-profit sit below the entry-side and round up; the others down.
    round_up = (kind is LegKind.STOP) != is_short
    nearest = round(steps)
    if math.isclose(steps, nearest, rel_tol=0, abs_tol=1e-9):
        steps = nearest
    else:
        steps = math.ceil(steps) if round_up else math.floor(steps)
    decimals = max(0, -math.floor(math.log10(tick_size)) + 1)
    return round(steps * tick_size, decimals)


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
    error: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def apply(self, event: LegEvent) -> LegStatus:
        """Move along the transition table or raise ``IllegalTransitionError``."""
        target = TRANSITIONS.get((self.status, event))
        if target is None:
            raise IllegalTransitionError(f"{self.kind} leg: no move from {self.status} on {event}")
        self.status = target
        return target

    def begin_attempt(self, prefix: str, trade_id: int, opened_at_s: int) -> str:
        """Start a (new) placement: next attempt number, its client id, status placing."""
        self.apply(LegEvent.SEND)
        self.attempt += 1
        self.client_id = client_id(prefix, trade_id, opened_at_s, self.kind, self.attempt)
        self.order_id = None
        self.fill_order_id = None
        self.error = None
        return self.client_id


@dataclass
class Bracket:
    """Everything the plugin knows about one trade's protection."""

    trade_id: int
    is_short: bool
    stop: BracketLeg
    take_profit: BracketLeg
    entry_filled_ms: int | None = None
    protected_ms: dict[str, int] = field(default_factory=dict)

    def leg(self, kind: LegKind) -> BracketLeg:
        return self.stop if kind is LegKind.STOP else self.take_profit

    @property
    def legs(self) -> tuple[BracketLeg, BracketLeg]:
        return (self.stop, self.take_profit)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bracket:
        def leg(raw: dict[str, Any]) -> BracketLeg:
            return BracketLeg(
                kind=LegKind(raw["kind"]),
                trigger_price=float(raw["trigger_price"]),
                quantity=float(raw["quantity"]),
                status=LegStatus(raw["status"]),
                attempt=int(raw["attempt"]),
                client_id=raw.get("client_id"),
                order_id=raw.get("order_id"),
                fill_order_id=raw.get("fill_order_id"),
                error=raw.get("error"),
            )

        return cls(
            trade_id=int(data["trade_id"]),
            is_short=bool(data["is_short"]),
            stop=leg(data["stop"]),
            take_profit=leg(data["take_profit"]),
            entry_filled_ms=data.get("entry_filled_ms"),
            protected_ms=dict(data.get("protected_ms") or {}),
        )
