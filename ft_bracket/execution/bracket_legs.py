"""A bracket's two legs on the venue: placed (stop first), placed again, cancelled, asked about
and read once fired; every answer recorded (store first, then tell), and what a refused
placement means carried out (``core.refusal_outcome``).
"""

from __future__ import annotations

from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import (
    BracketLeg,
    Cancelled,
    Closing,
    Filled,
    LegEvent,
    LegKind,
    LegStatus,
    ReplacedGone,
)
from ft_bracket.core.refusal_outcome import placement_failed
from ft_bracket.core.venue import VenueStatus
from ft_bracket.execution.context import ExecutionContext
from ft_bracket.execution.exit_requests import ExitRequests
from ft_bracket.execution.leg_orders import LegOrders
from ft_bracket.execution.market_closes import MarketCloses
from ft_bracket.execution.ports import Placement, Refusal
from ft_bracket.reporting.bracket_reports import leg_name


class BracketLegs:
    def __init__(self, context: ExecutionContext, orders: LegOrders, closes: MarketCloses,
                 exits: ExitRequests) -> None:
        self.context = context
        self.orders = orders
        self.closes = closes
        self.exits = exits

    def protect(self, bracket: Bracket) -> None:
        """Both legs, stop first. A stop the venue refused outright is sent once more at once
        (freqtrade would try again only a loop later); one refused because the price is past
        it closes the position instead, and no take-profit goes out (unless the stop sent
        again after a failed close rests after all)."""
        if self.place(bracket, bracket.stop).refusal is Refusal.REFUSED:
            self.place(bracket, bracket.stop)
        if not bracket.closing_at_market:
            for level in bracket.take_profits:
                self.place(bracket, level)

    def place(self, bracket: Bracket, leg: BracketLeg, *, by_freqtrade: bool = False,
              after_close: bool = False, trigger_price: float | None = None,
              quantity: float | None = None, trailing_rate: float | None = None) -> Placement:
        """Send the leg's next attempt. Sent while it rests (a move, a resize), the new one
        replaces it: the old one rests until the new one does (``core.legs.WHILE_REPLACING``)."""
        placement = self.orders.send(bracket, leg, lambda: self.context.store.store(bracket),
                                     trigger_price=trigger_price, quantity=quantity,
                                     trailing_rate=trailing_rate)
        replaced = leg.replacing is not None
        event = self.orders.answer(leg, placement)
        if placement.accepted:
            self.apply(bracket, leg, event)
        else:
            if event is not None:
                leg.apply(event)  # a move or a resize refused: the old attempt is the leg again
            self.context.store.store(bracket)
            self._refused(bracket, leg, placement, by_freqtrade, after_close, replaced)
        return placement

    def replace(self, bracket: Bracket, leg: BracketLeg, quantity: float | None, *,
                after_close: bool = False) -> None:
        """A new attempt of a leg: after it was cancelled, refused, or to resize it; the stop
        also after a close past it did not close the position (``after_close``)."""
        self.context.reports.replacing(bracket, leg, quantity)
        if self.place(bracket, leg, after_close=after_close, quantity=quantity).accepted:
            self.context.reports.leg_placed(bracket, leg)

    def move_stop(self, bracket: Bracket, price: float, why: str) -> None:
        """freqtrade's stop moved: the venue's follows, the new one resting first."""
        before = bracket.stop.trigger_price
        if self.place(bracket, bracket.stop, trigger_price=price).accepted:
            self.context.reports.stop_moved(bracket, before, why)

    def trail_stop(self, bracket: Bracket, rate: float) -> None:
        """The stop becomes the venue's trailing stop, the new one resting first."""
        before = bracket.stop.trigger_price
        if self.place(bracket, bracket.stop, trailing_rate=rate).accepted:
            self.context.reports.stop_moved(
                bracket, before, f"trailing on the exchange by {rate:g} % of the best price")

    def cancel_replaced(self, bracket: Bracket, leg: BracketLeg) -> None:
        """End the attempt a move or a resize replaced; off the record once the venue confirms
        it no longer rests (one that fired meanwhile: the position tells the rest)."""
        if leg.replacing is None:
            return
        after = self.orders.cancel_order(bracket.pair, leg.replacing.order_id)
        if after is None or after.status is not VenueStatus.RESTING:
            leg.apply(ReplacedGone())
            self.context.store.store(bracket)

    def cancel(self, bracket: Bracket, leg: BracketLeg) -> None:
        event = self.orders.cancel(bracket.pair, leg, lambda: self.context.store.store(bracket))
        self.apply(bracket, leg, event)

    def query(self, bracket: Bracket, leg: BracketLeg) -> None:
        """Ask the venue where the leg stands."""
        resting = leg.status is LegStatus.RESTING
        event = self.orders.query(bracket.pair, leg)
        self.apply(bracket, leg, event)
        seen = self.context.known.snapshot
        if (resting and isinstance(event, Cancelled | Filled)
                and seen.positions is not None and not seen.positions_reread):
            # The positions were read before the legs: what ended or filled this leg since (a
            # liquidation, a close by hand, a take-profit level) may have moved the position.
            seen.positions, seen.positions_reread = self.context.gateway.positions(), True

    def read_fill(self, bracket: Bracket, leg: BracketLeg) -> None:
        event = self.orders.read_fill(bracket.pair, leg)
        self.apply(bracket, leg, event)
        seen = self.context.known.snapshot
        if (isinstance(event, Filled) and bracket.scale_out and seen.positions is not None
                and not seen.positions_reread):
            # A level filled after the positions were read: the other legs follow the position
            # it left, so read it again.
            seen.positions, seen.positions_reread = self.context.gateway.positions(), True

    def apply(self, bracket: Bracket, leg: BracketLeg, event: LegEvent | None) -> None:
        """Record ``event`` for the leg (store first, then tell), if it changes anything."""
        if event is None:
            return
        before = leg.status
        leg.apply(event)
        if leg.kind is LegKind.STOP and leg.order_id and bracket.trade_id is not None:
            self.context.known.stop_owners[leg.order_id] = bracket.trade_id
        if leg.status is LegStatus.RESTING and before is not LegStatus.RESTING:
            bracket.protected_ms.setdefault(leg_name(leg), self.context.now_ms())
        self.context.store.store(bracket)
        if leg.status is LegStatus.FILLED and before is not LegStatus.FILLED:
            self.context.reports.filled(bracket, leg)

    def _refused(self, bracket: Bracket, leg: BracketLeg, placement: Placement,
                 by_freqtrade: bool, after_close: bool, replaced: bool) -> None:
        then = placement_failed(
            leg, placement.would_trigger, self.context.settings.take_profit_max_attempts,
            by_freqtrade=by_freqtrade, outcome_unknown=placement.refusal is Refusal.UNKNOWN,
            after_close=after_close, replaced_rests=replaced)
        self.context.reports.leg_failed(bracket, leg, placement.error, then.consequence)
        if then.past_stop:  # on record: the next look closes it, whatever happens now
            leg.close_instead(Closing.PRICE_PAST_STOP)
            self.context.store.store(bracket)
        if then.close_now:
            try:
                again = self.closes.past_stop(bracket, leg.quantity, stop_rests=replaced)
                if again is not None:
                    self.replace(bracket, bracket.stop, again.quantity, after_close=True)
            except Exception as error:  # on record: the next look closes it
                self.context.failures.report(error, "ClosePastStop", trade=bracket.trade_id,
                                             pair=bracket.pair)
        if then.exit_reason is not None:  # after the failure event: cause first, then effect
            self.exits.request(bracket, then.exit_reason)
