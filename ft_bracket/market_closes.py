"""Positions the plugin closes at market itself: an entry that filled beyond its own stop, and
the rest a fired leg left when its order filled only in part (a thin book).

Reduce-only, under deterministic client ids ``<prefix>-<root>-x<n>``: each attempt is on record
before it is sent, a lost answer is asked for by its id, and a retry is a new id that
reduce-only keeps from closing more than the position holds.

A mixin of ``OrderManager``: it uses the host's records, gateway, freqtrade side and news.
"""

from __future__ import annotations

from ft_bracket.core.legs import Bracket, LegKind, Rejected, Sent
from ft_bracket.core.plan import (
    ENTRY_BEYOND_STOP,
    EXIT_STOP_ON_EXCHANGE,
    EXIT_TAKE_PROFIT,
)
from ft_bracket.core.venue import VenueFill


class CloseNotPlacedError(Exception):
    """The venue does not know the close: the next look sends a new attempt."""


class MarketCloses:
    def _market_close(self, bracket: Bracket, quantity: float) -> VenueFill | None:
        bracket.market_closes += 1
        self.store(bracket)  # the attempt is on record before it is sent
        client_id = f"{self.settings.client_id_prefix}-{bracket.root}-x{bracket.market_closes}"
        return self.gateway.close_at_market(bracket.pair, bracket.exit_side, quantity,
                                            client_id)

    def _close_at_entry(self, bracket: Bracket, average: float) -> None:
        """The entry filled beyond its own stop (the market moved while it was on its way):
        no stop can rest there, so the position is closed at once, not a loop later."""
        for leg in bracket.legs:
            leg.apply(Sent(leg.next_client_id(self.settings.client_id_prefix, bracket.root)))
            leg.apply(Rejected(ENTRY_BEYOND_STOP))
        self.store(bracket)
        fill = self._market_close(bracket, bracket.stop.quantity)
        self.news.entry_beyond_stop(bracket, average, fill.average if fill else None)

    def _close_rest(self, bracket: Bracket, kind: LegKind, quantity: float) -> None:
        """A fired leg left part of the position, past its price: out at market now. freqtrade
        is shown the fill and closes the trade from it."""
        fill = self._market_close(bracket, quantity)
        if fill is None:
            raise CloseNotPlacedError(f"the close of the rest ({quantity:g}) was not placed")
        bracket.rest_closed += fill.filled
        self.store(bracket)
        reason = EXIT_STOP_ON_EXCHANGE if kind is LegKind.STOP else EXIT_TAKE_PROFIT
        self.freqtrade.register_exit_fill(bracket.trade_id, fill.raw, reason)
        self.news.rest_closed(bracket, bracket.leg(kind), quantity, fill)
