"""Builders for bracket records, venue reports and trade views in any state (pure data)."""

from __future__ import annotations

from dataclasses import replace

from ft_bracket.core import client_ids
from ft_bracket.core.actions import TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import BracketLeg, LegKind, LegStatus
from ft_bracket.core.venue import VenueLeg, VenueSnapshot, VenueStatus

PAIR = "XRP/USDT:USDT"
PREFIX = "ftb"
ROOT = "7-s0me"
QUANTITY = 100.0
STOP_PRICE, TAKE_PROFIT_PRICE = 1.17, 1.26
ORDER_IDS = {LegKind.STOP: "8000000004", LegKind.TAKE_PROFIT: "8000000005"}


def leg(kind: LegKind, status: LegStatus = LegStatus.RESTING, attempt: int = 1,
        quantity: float = QUANTITY) -> BracketLeg:
    """A leg in ``status`` with the ids a leg in that status has."""
    price = STOP_PRICE if kind is LegKind.STOP else TAKE_PROFIT_PRICE
    if status is LegStatus.PLANNED:
        return BracketLeg(kind, price, quantity)
    sent = status is not LegStatus.PLACING and status is not LegStatus.FAILED
    return BracketLeg(
        kind, price, quantity, status=status, attempt=attempt,
        client_id=client_ids.build(PREFIX, ROOT, kind.role, attempt),
        order_id=ORDER_IDS[kind] if sent else None,
        fill_order_id="9000000001" if status in (LegStatus.TRIGGERED, LegStatus.FILLED) else None,
    )


def bracket(stop: LegStatus = LegStatus.RESTING, take_profit: LegStatus = LegStatus.RESTING,
            *, take_profit_attempt: int = 1, quantity: float = QUANTITY) -> Bracket:
    return Bracket(trade_id=7, pair=PAIR, is_short=False, root=ROOT,
                   stop=leg(LegKind.STOP, stop, quantity=quantity),
                   take_profit=leg(LegKind.TAKE_PROFIT, take_profit, take_profit_attempt,
                                   quantity=quantity))


def on_venue(record: BracketLeg, status: VenueStatus = VenueStatus.RESTING,
             order_id: str | None = None) -> VenueLeg:
    """What the venue would report for the leg's current attempt."""
    return VenueLeg(PAIR, order_id or record.order_id or ORDER_IDS[record.kind],
                    record.client_id or "", status, record.trigger_price, record.quantity)


def snapshot(*legs: VenueLeg, position: float | None = QUANTITY,
             pairs: frozenset[str] | None = None) -> VenueSnapshot:
    positions = None if position is None else ({PAIR: position} if position else {})
    return VenueSnapshot(legs={v.client_id: v for v in legs}, positions=positions, pairs=pairs)


def resting_snapshot(record: Bracket, position: float | None = QUANTITY) -> VenueSnapshot:
    """Both legs of ``record`` resting on the venue, and the position."""
    return snapshot(*(on_venue(x) for x in record.legs if x.status is LegStatus.RESTING),
                    position=position)


def view(record: Bracket | None = None, **changes: object) -> TradeView:
    """An open trade whose freqtrade stop is the record's adopted stop, at the bracket price."""
    adopted = frozenset({ORDER_IDS[LegKind.STOP]})
    base = TradeView(trade_id=7, pair=PAIR, is_short=False, amount=QUANTITY, is_open=True,
                     stop_price=STOP_PRICE, freqtrade_stop_ids=adopted, order_ids=adopted)
    return replace(base, **changes)  # type: ignore[arg-type]
