"""Positions the plugin closes at market itself: an entry that filled beyond its own stop, a
stop the venue refused because the price is already past it (-2021), and the rest a fired leg
left when its order filled only in part (a thin book). Each is past its stop: out now, not a
freqtrade loop later.

Reduce-only, under deterministic client ids (``core.client_ids.close_id``): each attempt is on
record before it is sent, a lost answer is asked for by its id, and a retry is a new id that
reduce-only keeps from closing more than the position holds. A close still in the venue's
queue would act on whatever the symbol holds when it lands, so its pair waits it out
(``core.stray_legs``). A close past the stop that leaves any of the position (refused, lost, a
thin book) returns the stop to send again at once (``core.refusal_outcome.stop_after_close``):
the venue either takes it or says again that the price is past it.
"""

from __future__ import annotations

from typing import Any

from ft_bracket.core import client_ids
from ft_bracket.core.actions import EXIT_STOP_LOSS, EXIT_STOP_ON_EXCHANGE, EXIT_TAKE_PROFIT, Place
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import Closing, LegKind, Rejected, Sent
from ft_bracket.core.quantities import exact_sum
from ft_bracket.core.refusal_outcome import stop_after_close
from ft_bracket.core.venue import VenueFill
from ft_bracket.execution.context import ExecutionContext
from ft_bracket.execution.leg_orders import LegOrders


class CloseNotPlacedError(Exception):
    """The venue does not know the close: the next look sends a new attempt."""


class MarketCloses:
    def __init__(self, context: ExecutionContext, orders: LegOrders) -> None:
        self.context = context
        self.orders = orders
        # Closes done from an entry's answer before freqtrade had the trade (entry order id ->
        # the close's order and exit reason): shown to freqtrade once it has the trade.
        self._held: dict[str, tuple[dict[str, Any], str]] = {}

    def past_stop(self, bracket: Bracket, quantity: float, *, stop_rests: bool = False
                  ) -> Place | None:
        """The stop cannot rest, the price is past it: the position goes at market now.
        Returns the stop to send again at once for what the close left, if anything; nothing
        when a stop still rests (``stop_rests``: a move past the price, the old stop kept)."""
        if not stop_rests:
            bracket.stop.close_instead(Closing.PRICE_PAST_STOP)
        fill = self._close_or_report(bracket, quantity, "the close past the stop")
        if fill is not None:
            self._show(bracket, fill, EXIT_STOP_LOSS)
            self.context.reports.closed_past_stop(bracket, quantity, fill)
        if stop_rests:
            return None
        return stop_after_close(bracket, exact_sum(quantity, -(fill.filled if fill else 0.0)))

    def entry_beyond_stop(self, bracket: Bracket, average: float) -> Place | None:
        """The entry filled beyond its own stop (the market moved while it was on its way): no
        stop can rest there, so the position is closed at once, not a loop later. Returns the
        stop to send again at once for what the close left, if anything."""
        closing = Closing.ENTRY_BEYOND_STOP
        for leg in bracket.legs:
            leg.apply(Sent(bracket.next_client_id(self.context.prefix, leg)))
            leg.apply(Rejected(closing.message, closing))
        self.context.store.store(bracket)
        quantity = bracket.stop.quantity
        fill = self._close_or_report(bracket, quantity, "the close of an entry past its stop")
        if fill is not None:
            self._show(bracket, fill, EXIT_STOP_LOSS)
        self.context.reports.entry_beyond_stop(bracket, average, fill.average if fill else None)
        return stop_after_close(bracket, exact_sum(quantity, -(fill.filled if fill else 0.0)))

    def rest(self, bracket: Bracket, kind: LegKind, quantity: float) -> None:
        """A fired leg left part of the position, past its price: out at market now. freqtrade
        is shown the fill and closes the trade from it."""
        fill = self._close(bracket, quantity)
        if fill is None:
            raise CloseNotPlacedError(f"the close of the rest ({quantity:g}) was not placed")
        bracket.rest_closed = exact_sum(bracket.rest_closed, fill.filled)
        self.context.store.store(bracket)
        reason = EXIT_STOP_ON_EXCHANGE if kind is LegKind.STOP else EXIT_TAKE_PROFIT
        self._show(bracket, fill, reason)
        self.context.reports.rest_closed(bracket, bracket.leg(kind), quantity, fill)

    def release(self, entry_order_id: str | None, trade_id: int) -> None:
        """freqtrade has the trade of a bracket closed from its entry's answer: show it the
        close (before its own recovery would find it and call it ``sold_on_exchange``)."""
        held = self._held.pop(entry_order_id or "", None)
        if held is not None:
            self.context.freqtrade.register_exit_fill(trade_id, *held)

    def _close(self, bracket: Bracket, quantity: float) -> VenueFill | None:
        bracket.market_closes += 1
        self.context.store.store(bracket)  # the attempt is on record before it is sent
        client_id = client_ids.close_id(self.context.prefix, bracket.root,
                                        bracket.market_closes)
        fill = self.orders.close_at_market(bracket.pair, bracket.exit_side, quantity, client_id)
        positions = self.context.known.snapshot.positions
        if fill is not None and positions is not None and bracket.pair in positions:
            held = positions[bracket.pair]  # what this look read, less what just closed
            left = max(abs(held) - fill.filled, 0.0)
            positions[bracket.pair] = left if held > 0 else -left
        return fill

    def _close_or_report(self, bracket: Bracket, quantity: float, what: str
                         ) -> VenueFill | None:
        """A close past the stop; one the venue refused or does not know is reported (the
        stop goes out again next) and is None."""
        try:
            fill = self._close(bracket, quantity)
            if fill is None:
                raise CloseNotPlacedError(f"{what} ({quantity:g}) was not placed")
        except Exception as error:
            self.context.failures.report(
                error, "ClosePastStop", trade=bracket.trade_id, pair=bracket.pair,
                action="the stop is sent again at once; if the price is still past it, the "
                       "close is retried on the next loop")
            return None
        return fill

    def _show(self, bracket: Bracket, fill: VenueFill, reason: str) -> None:
        """freqtrade closes the trade from the plugin's close, under the plugin's reason."""
        if bracket.trade_id is None:
            self._held[bracket.entry_order_id or ""] = (fill.raw, reason)
        else:
            self.context.freqtrade.register_exit_fill(bracket.trade_id, fill.raw, reason)
