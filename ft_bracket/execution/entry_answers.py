"""Protection from the entry's answer: the legs go out before freqtrade records the trade.

``freqtrade_adapter.entry_orders`` calls ``protect_entry`` the moment a planned entry's answer
says filled. Until freqtrade's trade row exists the bracket has no trade and waits under the
entry's order id in freqtrade's key-value store; ``take_pending`` (at ``order_filled``, or the
next look after a restart) hands it the trade, with what happened meanwhile: its events, a
close at market, an exit it wants.
"""

from __future__ import annotations

from collections.abc import Sequence

from ft_bracket.core.actions import TradeView
from ft_bracket.core.book_walk import beyond_stop
from ft_bracket.core.bracket import Bracket, new_bracket
from ft_bracket.core.legs import LegStatus
from ft_bracket.core.scale_out import Merge
from ft_bracket.execution.bracket_legs import BracketLegs
from ft_bracket.execution.context import ExecutionContext
from ft_bracket.execution.exit_requests import ExitRequests
from ft_bracket.execution.market_closes import MarketCloses


class EntryAnswers:
    def __init__(self, context: ExecutionContext, legs: BracketLegs, closes: MarketCloses,
                 exits: ExitRequests) -> None:
        self.context = context
        self.legs = legs
        self.closes = closes
        self.exits = exits

    def protect_entry(self, pair: str, is_short: bool, root: str, entry_order_id: str,
                      quantity: float, stop_price: float, take_profit_price: float,
                      average: float | None = None, *,
                      take_profits: list[tuple[float, float]] | None = None,
                      merged: Sequence[Merge] = ()) -> None:
        """The entry's answer says filled: the legs now, back to back, before freqtrade does
        its bookkeeping; or, filled beyond its own stop, the position closed at once."""
        with self.context.lock:
            bracket = new_bracket(None, pair, is_short, root, stop_price,
                                  take_profits or [(take_profit_price, quantity)],
                                  self.context.now_ms(), entry_order_id)
            self.context.store.store(bracket)
            self.context.reports.levels_merged(bracket, merged)
            if average is not None and beyond_stop(is_short, stop_price, average):
                again = self.closes.entry_beyond_stop(bracket, average)
                if again is not None:
                    self.legs.replace(bracket, bracket.stop, again.quantity, after_close=True)
                return
            self.legs.protect(bracket)

    def take_pending(self, trade: TradeView, entry_order_id: str | None) -> Bracket | None:
        """The bracket placed from one of this trade's entry answers, now the trade's."""
        for order_id in filter(None, (entry_order_id, *sorted(trade.entry_order_ids))):
            bracket = self.context.store.take_pending(order_id, trade.trade_id)
            if bracket is None:
                continue
            # What happened before freqtrade had the trade is told now, under its id.
            self.context.reports.release(bracket.entry_order_id, trade.trade_id)
            self.closes.release(bracket.entry_order_id, trade.trade_id)
            self.exits.release(bracket.entry_order_id, trade.trade_id, trade.pair)
            if all(leg.status is LegStatus.RESTING for leg in bracket.legs):
                self.context.reports.placed(bracket)
            return bracket
        return None
