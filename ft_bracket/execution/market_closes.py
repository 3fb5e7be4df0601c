"""Positions the plugin closes at market itself: an entry that filled beyond its own stop, a
stop the venue refused because the price is already past it (-2021), and the rest a fired leg
left when its order filled only in part (a thin book). Each is past its stop: out now, not a
freqtrade loop later.

Reduce-only, under deterministic client ids ``<prefix>-<root>-x<n>``: each attempt is on record
before it is sent, a lost answer is asked for by its id, and a retry is a new id that
reduce-only keeps from closing more than the position holds. A close still in the venue's
queue would act on whatever the symbol holds when it lands, so its pair waits it out
(``core.doubt``). A close past the stop that leaves any of the position (refused, lost, a thin
book) sends the stop again at once: the venue either takes it or says again that the price is
past it (``core.after_refusal.stop_after_close``).

Also what a refused leg placement leads to (``core.after_refusal.placement_failed`` says what it
means).

A mixin of ``OrderManager``: it uses the host's records, gateway, freqtrade side and news.
"""

from __future__ import annotations

from ft_bracket.core.legs import Bracket, BracketLeg, LegKind, Rejected, Sent
from ft_bracket.core.plan import (
    ENTRY_BEYOND_STOP,
    EXIT_STOP_LOSS,
    EXIT_STOP_ON_EXCHANGE,
    EXIT_TAKE_PROFIT,
    STOP_PAST_PRICE,
    closing_at_market,
)
from ft_bracket.core.refusal_outcome import placement_failed, stop_after_close
from ft_bracket.core.venue import VenueFill
from ft_bracket.venues.binance.gateway import Placement, Refusal


class CloseNotPlacedError(Exception):
    """The venue does not know the close: the next look sends a new attempt."""


class MarketCloses:
    def _protect(self, bracket: Bracket) -> None:
        """Both legs, stop first. A stop the venue refused outright is sent once more at once
        (freqtrade would try again only a loop later); one refused because the price is past
        it closes the position instead, and no take-profit goes out (unless the stop sent
        again after a failed close rests after all)."""
        if self._place(bracket, LegKind.STOP).refusal is Refusal.REFUSED:
            self._place(bracket, LegKind.STOP)
        if not closing_at_market(bracket):
            self._place(bracket, LegKind.TAKE_PROFIT)

    def _market_close(self, bracket: Bracket, quantity: float) -> VenueFill | None:
        bracket.market_closes += 1
        self.store(bracket)  # the attempt is on record before it is sent
        client_id = f"{self.settings.client_id_prefix}-{bracket.root}-x{bracket.market_closes}"
        fill = self.gateway.close_at_market(bracket.pair, bracket.exit_side, quantity,
                                            client_id)
        if fill is None:  # no answer, and the venue did not know it: it may land late
            self.may_land(bracket.pair, client_id)
        positions = self.snapshot.positions
        if fill is not None and positions is not None and bracket.pair in positions:
            held = positions[bracket.pair]  # what this look read, less what just closed
            left = max(abs(held) - fill.filled, 0.0)
            positions[bracket.pair] = left if held > 0 else -left
        return fill

    def _close_past_stop(self, bracket: Bracket, quantity: float) -> None:
        """The stop cannot rest, the price is past it: the position goes at market now."""
        bracket.stop.error = STOP_PAST_PRICE
        fill = self._close_or_report(bracket, quantity, "the close past the stop")
        if fill is not None:
            self._show_close(bracket, fill, EXIT_STOP_LOSS)
            self.news.closed_past_stop(bracket, quantity, fill)
        self._stop_again(bracket, quantity, fill)

    def _close_or_report(self, bracket: Bracket, quantity: float, what: str
                         ) -> VenueFill | None:
        """A close past the stop; one the venue refused or does not know is reported (the
        stop goes out again next) and is None."""
        try:
            fill = self._market_close(bracket, quantity)
            if fill is None:
                raise CloseNotPlacedError(f"{what} ({quantity:g}) was not placed")
        except Exception as error:
            self.failures.report(error, "ClosePastStop", trade=bracket.trade_id,
                                 pair=bracket.pair, action="the stop is sent again at once; "
                                 "if the price is still past it, the close is retried on the "
                                 "next loop")
            return None
        return fill

    def _stop_again(self, bracket: Bracket, quantity: float, fill: VenueFill | None) -> None:
        """What a close past the stop left gets the stop again, at once."""
        again = stop_after_close(bracket, quantity - (fill.filled if fill else 0.0))
        if again is not None:
            self._replace(bracket, LegKind.STOP, again.quantity, after_close=True)

    def _show_close(self, bracket: Bracket, fill: VenueFill, reason: str) -> None:
        """freqtrade closes the trade from the plugin's close, under the plugin's reason; a
        bracket placed from its entry's answer shows it once freqtrade has the trade (before
        freqtrade's own recovery would find it and call it ``sold_on_exchange``)."""
        if bracket.trade_id == 0:
            self._held_closes[bracket.entry_order_id or ""] = (fill.raw, reason)
        else:
            self.freqtrade.register_exit_fill(bracket.trade_id, fill.raw, reason)

    def _close_at_entry(self, bracket: Bracket, average: float) -> None:
        """The entry filled beyond its own stop (the market moved while it was on its way):
        no stop can rest there, so the position is closed at once, not a loop later."""
        for leg in bracket.legs:
            leg.apply(Sent(leg.next_client_id(self.settings.client_id_prefix, bracket.root)))
            leg.apply(Rejected(ENTRY_BEYOND_STOP))
        self.store(bracket)
        quantity = bracket.stop.quantity
        fill = self._close_or_report(bracket, quantity, "the close of an entry past its stop")
        if fill is not None:
            self._show_close(bracket, fill, EXIT_STOP_LOSS)
        self.news.entry_beyond_stop(bracket, average, fill.average if fill else None)
        self._stop_again(bracket, quantity, fill)

    def _close_rest(self, bracket: Bracket, kind: LegKind, quantity: float) -> None:
        """A fired leg left part of the position, past its price: out at market now. freqtrade
        is shown the fill and closes the trade from it."""
        fill = self._market_close(bracket, quantity)
        if fill is None:
            raise CloseNotPlacedError(f"the close of the rest ({quantity:g}) was not placed")
        bracket.rest_closed += fill.filled
        self.store(bracket)
        reason = EXIT_STOP_ON_EXCHANGE if kind is LegKind.STOP else EXIT_TAKE_PROFIT
        self._show_close(bracket, fill, reason)
        self.news.rest_closed(bracket, bracket.leg(kind), quantity, fill)

    def _placement_failed(self, bracket: Bracket, leg: BracketLeg, placement: Placement,
                          by_freqtrade: bool, after_close: bool) -> None:
        then = placement_failed(
            leg, placement.would_trigger, self.settings.take_profit_max_attempts,
            by_freqtrade=by_freqtrade, outcome_unknown=placement.refusal is Refusal.UNKNOWN,
            after_close=after_close)
        self.news.leg_failed(bracket, leg, placement.error, then.consequence)
        if then.past_stop:  # on record: the next look closes it, whatever happens now
            leg.error = STOP_PAST_PRICE
            self.store(bracket)
        if then.close_now:
            try:
                self._close_past_stop(bracket, leg.quantity)
            except Exception as error:  # on record: the next look closes it
                self.failures.report(error, "ClosePastStop", trade=bracket.trade_id,
                                     pair=bracket.pair)
        if then.exit_reason is not None:  # after the failure event: cause first, then effect
            self.request_exit(bracket.trade_id, bracket.pair, then.exit_reason,
                              bracket.entry_order_id)
