"""Protection from the entry's answer: the legs go out before freqtrade records the trade.

``freqtrade_adapter.entry_orders`` calls ``protect_entry`` the moment a planned entry's answer
says filled. Until freqtrade's trade row exists the bracket waits under the entry's order id
(trade id 0) in freqtrade's key-value store; ``open_bracket`` (at ``order_filled``) or the next
watch (after a restart) hands it the trade.

A mixin of ``OrderManager``: it uses the host's lock, records, gateway and executor.
"""

from __future__ import annotations

from ft_bracket.core.book_walk import beyond_stop
from ft_bracket.core.legs import Bracket, BracketLeg, LegKind, LegStatus
from ft_bracket.core.plan import TradeView


class EntryProtection:
    def protect_entry(self, pair: str, is_short: bool, root: str, entry_order_id: str,
                      quantity: float, stop_price: float, take_profit_price: float,
                      average: float | None = None) -> None:
        """The entry's answer says filled: both legs now, back to back, before freqtrade does
        its bookkeeping. Until freqtrade has the trade row the bracket waits in the key-value
        store under the entry's order id; ``open_bracket`` then hands it the trade."""
        with self._lock:
            bracket = Bracket(
                trade_id=0, pair=pair, is_short=is_short, root=root,
                stop=BracketLeg(LegKind.STOP, stop_price, quantity),
                take_profit=BracketLeg(LegKind.TAKE_PROFIT, take_profit_price, quantity),
                entry_filled_ms=self._now_ms(), entry_order_id=entry_order_id,
            )
            self.store(bracket)
            if average is not None and beyond_stop(is_short, stop_price, average):
                self._close_at_entry(bracket, average)
                return
            self._protect(bracket)

    def _take_pending(self, trade: TradeView, entry_order_id: str | None) -> Bracket | None:
        """The bracket placed from one of this trade's entry answers, now the trade's."""
        for order_id in filter(None, (entry_order_id, *sorted(trade.entry_order_ids))):
            data = self.freqtrade.load_pending(order_id)
            if data is None:
                continue
            bracket = Bracket.from_dict(data)
            bracket.trade_id = trade.trade_id
            self.store(bracket)
            self.freqtrade.delete_pending(order_id)
            # What happened before freqtrade had the trade is told now, under its id.
            self.news.release(bracket.entry_order_id, trade.trade_id)
            held_close = self._held_closes.pop(bracket.entry_order_id or "", None)
            if held_close is not None:  # closed at market from the entry's answer
                self.freqtrade.register_exit_fill(trade.trade_id, *held_close)
            held_exit = self._held_exits.pop(bracket.entry_order_id or "", None)
            if held_exit is not None:
                self.request_exit(trade.trade_id, trade.pair, held_exit)
            if all(leg.status is LegStatus.RESTING for leg in bracket.legs):
                self.news.placed(bracket)
            return bracket
        return None
