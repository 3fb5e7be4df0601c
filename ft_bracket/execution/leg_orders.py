"""Our orders on the venue: conditional legs (a bracket's or a guard's alike) and market closes.

It places, cancels, asks about and reads the fills of legs, and sends closes. Each attempt is
on record before it is sent (``save``); what a call learns is kept in ``Knowledge``; a send
whose answer was lost and that the venue, asked, did not know may still land, so its pair waits
it out (``ExecutionContext.may_land``). It decides nothing: it returns what the venue's answer
means for the leg (``core.venue.observe``), and its owner applies that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ft_bracket.core.legs import BracketLeg, CancelRequested, LegEvent, LegStatus, Rejected, Sent
from ft_bracket.core.venue import VenueFill, VenueLeg, observe, observe_fill
from ft_bracket.execution.context import ExecutionContext
from ft_bracket.execution.ports import Placement, Refusal


class LegOwner(Protocol):
    """What a leg's orders need of the record that owns it (a bracket, a guard)."""

    @property
    def pair(self) -> str: ...

    @property
    def exit_side(self) -> str: ...

    def next_client_id(self, prefix: str, leg: BracketLeg) -> str: ...


class LegOrders:
    def __init__(self, context: ExecutionContext) -> None:
        self.context = context

    def send(self, owner: LegOwner, leg: BracketLeg, save: Callable[[], None], *,
             close_position: bool = False, trigger_price: float | None = None,
             quantity: float | None = None, trailing_rate: float | None = None) -> Placement:
        """A new attempt of ``leg`` under its next client id (at a new trigger price or size if
        given); the leg is ``placing`` (and on record) before the venue hears of it. Apply
        ``answer(leg, placement)`` next."""
        client_id = owner.next_client_id(self.context.prefix, leg)
        leg.apply(Sent(client_id, trigger_price, quantity, trailing_rate))
        save()
        placement = self.context.gateway.place(owner.pair, leg.kind, owner.exit_side,
                                               leg.quantity, leg.trigger_price, client_id,
                                               close_position=close_position,
                                               trailing_rate=leg.trailing_rate)
        if placement.leg is not None:
            self.context.known.seen(placement.leg)
        elif placement.refusal is Refusal.UNKNOWN:
            self.context.may_land(owner.pair, client_id)
        return placement

    @staticmethod
    def answer(leg: BracketLeg, placement: Placement) -> LegEvent | None:
        """What a placement's answer means for the leg that was sent."""
        if placement.leg is not None:
            return observe(leg, placement.leg)
        return Rejected(placement.error or "refused")

    def query(self, pair: str, leg: BracketLeg) -> LegEvent | None:
        """Ask the venue for the leg by its client id."""
        venue = self.context.gateway.find(pair, client_id=leg.client_id)
        if venue is not None:
            self.context.known.seen(venue)
        elif leg.status is LegStatus.PLACING:  # never arrived, or not yet
            self.context.may_land(pair, leg.client_id)
        return observe(leg, venue)

    def cancel(self, pair: str, leg: BracketLeg, save: Callable[[], None]) -> LegEvent | None:
        """Cancel a resting leg (again, if an earlier cancel failed); ``cancelling`` is on
        record first: until the venue confirms, it may still act."""
        if leg.status not in (LegStatus.RESTING, LegStatus.CANCELLING) or leg.order_id is None:
            return None
        leg.apply(CancelRequested())
        save()
        venue = self.context.gateway.cancel(pair, leg.order_id)
        if venue is not None:
            self.context.known.seen(venue)
        return observe(leg, venue)

    def cancel_order(self, pair: str, order_id: str) -> VenueLeg | None:
        """Cancel an order of ours no leg's current attempt is (a replaced one); what the venue
        says it is now."""
        venue = self.context.gateway.cancel(pair, order_id)
        if venue is not None:
            self.context.known.seen(venue)
        return venue

    def read_fill(self, pair: str, leg: BracketLeg) -> LegEvent | None:
        """Read the real order a fired leg became."""
        if leg.fill_order_id is None:  # fired, but the venue has not named its order yet
            venue = self.context.gateway.find(pair, client_id=leg.client_id)
            if venue is None or venue.fill_order_id is None:
                return None
            leg.fill_order_id = venue.fill_order_id
        fill = self.context.gateway.fill(pair, leg.fill_order_id)
        self.context.known.fills[fill.order_id] = fill
        return observe_fill(leg, fill)

    def fill_of(self, pair: str, order_id: str) -> VenueFill:
        """A real order's fill: as read before, or from the venue now."""
        fill = self.context.known.fills.get(order_id)
        if fill is None:
            fill = self.context.known.fills[order_id] = self.context.gateway.fill(pair, order_id)
        return fill

    def close_at_market(self, pair: str, side: str, quantity: float, client_id: str
                        ) -> VenueFill | None:
        """A reduce-only market close; None: nothing is known to have been placed."""
        fill = self.context.gateway.close_at_market(pair, side, quantity, client_id)
        if fill is None:  # no answer, and the venue did not know it: it may land late
            self.context.may_land(pair, client_id)
        return fill
