"""freqtrade's own stop-order calls (create, fetch, cancel), answered by the executor.

freqtrade keeps the stop's policy — when to place, poll, trail or cancel it — and the plugin does
its I/O: a deterministic client id for every attempt, polls answered from the loop's snapshot, a
cancel that never waits in a retrier. ``freqtrade_adapter.stop_orders`` routes the calls here.
Also where the plugin's legs reach freqtrade's rows: the stop's adoption, a closed trade's
stop row settled once the venue confirms it gone, and the take-profit's fill shown to freqtrade.
"""

from __future__ import annotations

from ft_bracket.core import client_ids
from ft_bracket.core.actions import EXIT_STOP_ON_EXCHANGE, EXIT_TAKE_PROFIT, TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import BracketLeg, LegKind, LegStatus
from ft_bracket.execution.bracket_legs import BracketLegs
from ft_bracket.execution.context import ExecutionContext
from ft_bracket.execution.leg_orders import LegOrders
from ft_bracket.execution.ports import Placement, Refusal, StopReport


class StopHandover:
    def __init__(self, context: ExecutionContext, legs: BracketLegs, orders: LegOrders) -> None:
        self.context = context
        self.legs = legs
        self.orders = orders

    def place_stop(self, trade: TradeView, amount: float, stop_price: float
                   ) -> Placement | None:
        """freqtrade wants a stop for a trade: it becomes the bracket's next stop attempt, with
        a deterministic client id. None: the trade has no bracket (freqtrade's own call)."""
        with self.context.lock:
            bracket = self.context.store.load(trade.trade_id, trade.pair)
            if bracket is None:
                return None
            leg = bracket.stop
            if leg.is_live:  # its cancel is not confirmed: two stops may never rest
                return Placement(None, f"stop {leg.client_id} may still rest", Refusal.UNKNOWN)
            if bracket.closing_at_market:
                return Placement(None, "the price is past the stop: the plugin closes the "
                                 "position at market", Refusal.UNKNOWN)
            if leg.status is LegStatus.FILLED:  # it fired: what it left is closed at market
                return Placement(None, f"stop {leg.client_id} fired; the plugin closes the rest",
                                 Refusal.UNKNOWN)
            leg.quantity, leg.trigger_price = amount, stop_price
            placement = self.legs.place(bracket, bracket.stop, by_freqtrade=True)
            if placement.leg is not None:
                self.context.known.stop_owners[placement.leg.order_id] = trade.trade_id
            return placement

    def stop_report(self, trade_id: int, order_id: str) -> StopReport | None:
        """What the venue last said of a stop this plugin placed, without a call; None when
        it is not ours or nothing fresh is known (freqtrade then asks the venue itself)."""
        with self.context.lock:
            bracket = self._stop_bracket(trade_id, order_id)
            if bracket is None:
                return None
            return self._stop_report(bracket, order_id)

    def cancel_stop(self, trade_id: int, order_id: str) -> StopReport | None:
        """freqtrade cancels a stop this plugin placed: one cancel (no retries holding the
        loop); a failure leaves it ``cancelling`` and the look sends it again every loop."""
        with self.context.lock:
            bracket = self._stop_bracket(trade_id, order_id)
            if bracket is None:
                return None
            if bracket.stop.order_id == order_id:
                try:
                    self.legs.cancel(bracket, bracket.stop)
                except Exception as error:  # the venue failed: still live, the next look retries
                    self.context.failures.report(error, "Cancel", trade=trade_id,
                                                 pair=bracket.pair)
            return self._stop_report(bracket, order_id) or StopReport(
                {"id": order_id, "status": "open", "amount": bracket.stop.quantity,
                 "filled": 0.0, "remaining": bracket.stop.quantity, "fee": {}, "info": {}})

    def other_brackets_orders(self, pair: str, trade_id: int, known: set[str],
                              neighbours: list[int], orders: list[dict]) -> set[str]:
        """Ids among ``orders`` on ``pair`` that freqtrade's recovery of an open trade's unknown
        orders (``handle_onexchange_order``, 10 s before the trade opened) must not add to it:
        not trade ``trade_id``'s (another bracket's leg, the real order it became, a market
        close, an entry whose answer was lost), or ours but filled nothing (a leg's real order
        that expired because its position was already gone: the take-profit firing after the
        stop closed it while the bot was down). freqtrade cannot write a row for the latter (no
        price: orders.ft_price is NOT NULL), and the IntegrityError rolls its recovery back.
        ``known``: the trade's own order ids; ``neighbours``: the trades closed since."""
        with self.context.lock:
            own = self.context.store.load(trade_id, pair)
            theirs: set[str] = set()
            for other in neighbours:
                bracket = self.context.store.load(other, pair) if other != trade_id else None
                if bracket is not None:
                    theirs |= bracket.fill_order_ids | {
                        leg.order_id for leg in bracket.legs if leg.order_id}
            foreign = set()
            for order in orders:
                order_id = str(order.get("id"))
                root = client_ids.order_root(self.context.prefix,
                                             str(order.get("clientOrderId") or ""))
                if order_id in known:
                    continue
                if order_id in theirs or (root is not None and (
                        own is None or root != own.root or not order.get("filled"))):
                    foreign.add(order_id)
            return foreign

    def _stop_bracket(self, trade_id: int, order_id: str) -> Bracket | None:
        bracket = self.context.store.load(trade_id)
        if bracket is None:
            return None
        owners = self.context.known.stop_owners
        ours = bracket.stop.order_id == order_id or owners.get(order_id) == trade_id
        return bracket if ours else None

    def _stop_report(self, bracket: Bracket, order_id: str) -> StopReport | None:
        leg = bracket.stop
        if leg.order_id == order_id and leg.status is LegStatus.FILLED:
            fill = self.context.known.fills.get(leg.fill_order_id or "")
            order = self.context.known.reports.get(order_id)
            return StopReport(order, fill.raw) if fill and order else None
        order = self.context.known.reports.get(order_id)
        if order is None or (leg.order_id == order_id and leg.status in (
                LegStatus.PLACING, LegStatus.TRIGGERED)):
            return None
        return StopReport(order)

    def settle_freqtrade_stop(self, bracket: Bracket, trade: TradeView) -> None:
        """A closed trade's stop row that freqtrade still thinks open, once the stop ended on
        the venue (its own cancel may have failed before the plugin's retry went through)."""
        stop = bracket.stop
        report = self.context.known.reports.get(stop.order_id or "")
        if (not trade.is_open and stop.order_id in trade.freqtrade_stop_ids
                and not stop.is_live and report is not None):
            self.context.freqtrade.settle_order_row(trade.trade_id, report)

    def adopt(self, bracket: Bracket, trade: TradeView) -> bool:
        """freqtrade takes the resting stop over as its stop-on-exchange order. A leg the venue
        gives no order record of (dry-run's) is never handed over."""
        venue = self.context.known.snapshot.legs.get(bracket.stop.client_id or "")
        if venue is None or not venue.raw:
            venue = self.context.gateway.find(bracket.pair, client_id=bracket.stop.client_id)
        if venue is None or not venue.raw:
            return False
        return self.context.freqtrade.adopt_stop(trade.trade_id, venue.raw,
                                                 bracket.stop.trigger_price)

    def adopt_stop(self, trade: TradeView) -> bool:
        """Hand the stop placed at the fill to freqtrade; False if there is none to hand over."""
        with self.context.lock:
            bracket = self.context.store.load(trade.trade_id, trade.pair)
            if bracket is None or bracket.stop.status is not LegStatus.RESTING:
                return False
            return self.adopt(bracket, trade)

    def show_exit_fill(self, bracket: Bracket, trade: TradeView, leg: BracketLeg) -> None:
        """Show freqtrade a leg's fill, so that it closes the trade itself; a take-profit level
        short of the farthest is a partial exit (its reason names the level, and the trade
        stays open for the rest)."""
        if leg.fill_order_id is None:
            return
        fill = self.orders.fill_of(bracket.pair, leg.fill_order_id)
        if leg.kind is LegKind.STOP:
            reason, partial = EXIT_STOP_ON_EXCHANGE, False
        else:
            partial = leg.level < len(bracket.take_profits)
            reason = f"{EXIT_TAKE_PROFIT}_{leg.level}" if partial else EXIT_TAKE_PROFIT
        self.context.freqtrade.register_exit_fill(trade.trade_id, fill.raw, reason,
                                                  partial=partial)
