"""One API key's futures account, one-way position mode: its wallet, settings, positions, orders
and records. Placing orders is delegated to ``matching`` and ``algo``; margin maths to ``margin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator.venue import algo, liquidation, margin, matching
from binance_emulator.venue.errors import BinanceError, Code, illegal
from binance_emulator.venue.models import AlgoOrder, Fill, Income, Order, OrderRequest, Position

if TYPE_CHECKING:
    from binance_emulator.venue.exchange import Exchange

DEFAULT_LEVERAGE = 20


@dataclass(frozen=True)
class MarginChange:
    """A row of /fapi/v1/positionMargin/history."""

    symbol: str
    type: int  # 1 add, 2 reduce
    amount: Decimal
    time: int


class Account:
    """One API key's futures wallet, one-way position mode."""

    def __init__(self, exchange: Exchange, api_key: str, api_secret: str, balance: Decimal) -> None:
        self.exchange = exchange
        self.api_key = api_key
        self.api_secret = api_secret
        self.wallet = balance
        self.leverage: dict[str, int] = {}
        self.isolated: dict[str, bool] = {}
        self.multi_assets_margin = False
        self.positions: dict[str, Position] = {}
        self.orders: dict[int, Order] = {}
        self.algo_orders: dict[int, AlgoOrder] = {}
        self.fills: list[Fill] = []
        self.income: list[Income] = []
        # Liquidation orders, as /fapi/v1/forceOrders lists them (also in ``orders``).
        self.force_orders: list[Order] = []
        self.margin_changes: list[MarginChange] = []
        # A triggered conditional by the id of the real order it became.
        self.algo_by_order: dict[int, AlgoOrder] = {}
        # Orders that may still be open: every price tick scans these, not the whole history.
        self._live_orders: dict[int, Order] = {}
        self._live_algos: dict[int, AlgoOrder] = {}
        # Every client id ever accepted, in order: lets tests prove nothing was placed twice.
        self.accepted_client_ids: list[str] = []
        self.update_time = exchange.clock()

    # Settings -----------------------------------------------------------------------------

    def leverage_for(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def is_isolated(self, symbol: str) -> bool:
        return self.isolated.get(symbol, False)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        market = self.exchange.market(symbol)
        if not 1 <= leverage <= market.max_leverage:
            raise BinanceError.of(Code.LEVERAGE_NOT_VALID, leverage=leverage)
        position = self.position(symbol)
        notional = abs(position.amount) * self.exchange.mark_price(symbol)
        if notional > market.max_notional(leverage):
            raise BinanceError(Code.MAX_POSITION_AT_LEVERAGE)
        self.leverage[symbol] = leverage

    def change_isolated_margin(self, symbol: str, amount: Decimal, kind: int) -> None:
        """POST /fapi/v1/positionMargin: move margin between the wallet and one position."""
        self.exchange.market(symbol)
        position = self.position(symbol)
        if not self.is_isolated(symbol) or not position.amount:
            raise BinanceError(Code.ADD_MARGIN_ISOLATED_ONLY)
        if kind not in (1, 2) or amount <= 0:
            raise illegal("type" if kind not in (1, 2) else "amount")
        if kind == 1 and amount > margin.available_balance(self):
            raise BinanceError(Code.CROSS_BALANCE_INSUFFICIENT)
        # Reducing may not take the position below its initial margin at the mark.
        required = abs(position.amount) * self.exchange.mark_price(symbol) / self.leverage_for(
            symbol)
        if kind == 2 and amount > position.isolated_margin - required:
            raise BinanceError(Code.ISOLATED_BALANCE_INSUFFICIENT)
        position.isolated_margin += amount if kind == 1 else -amount
        now = self.exchange.clock()
        self.margin_changes.append(MarginChange(symbol, kind, amount, now))
        self.exchange.journal.record(self.api_key, "position_margin", symbol=symbol,
                                     type=kind, amount=amount,
                                     isolated_margin=position.isolated_margin)
        liquidation.check(self)

    def set_margin_type(self, symbol: str, margin_type: str) -> None:
        self.exchange.market(symbol)
        if margin_type not in ("ISOLATED", "CROSSED"):
            raise illegal("marginType")
        isolated = margin_type == "ISOLATED"
        if self.is_isolated(symbol) == isolated:
            raise BinanceError(Code.NO_NEED_TO_CHANGE_MARGIN_TYPE)
        if self.position(symbol).amount:
            raise BinanceError(Code.MARGIN_TYPE_WITH_POSITION)
        if self.open_orders(symbol):
            raise BinanceError(Code.MARGIN_TYPE_WITH_OPEN_ORDERS)
        self.isolated[symbol] = isolated

    # State --------------------------------------------------------------------------------

    def position(self, symbol: str) -> Position:
        position = self.positions.get(symbol)
        if position is None:
            position = self.positions[symbol] = Position(symbol)
        return position

    def store_order(self, order: Order) -> None:
        self.orders[order.order_id] = order
        self._live_orders[order.order_id] = order

    def store_algo_order(self, found: AlgoOrder) -> None:
        self.algo_orders[found.algo_id] = found
        self._live_algos[found.algo_id] = found

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        for order_id in [i for i, o in self._live_orders.items() if not o.is_open]:
            del self._live_orders[order_id]
        return [o for o in self._live_orders.values() if symbol in (None, o.symbol)]

    def open_algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        for algo_id in [i for i, a in self._live_algos.items() if not a.is_open]:
            del self._live_algos[algo_id]
        return [a for a in self._live_algos.values() if symbol in (None, a.symbol)]

    # Plain orders -------------------------------------------------------------------------

    def new_order(self, request: OrderRequest) -> Order:
        try:
            return matching.new_order(self, request)
        except BinanceError as error:
            self._journal_rejection("order_rejected", request, error)
            raise

    def modify_order(self, symbol: str, order_id: int | None, client_id: str | None, side: str,
                     quantity: Decimal | None, price: Decimal | None) -> Order:
        order = self.find_order(order_id, client_id, symbol)
        try:
            return matching.modify_order(self, order, side, quantity, price)
        except BinanceError as error:
            self.exchange.journal.record(self.api_key, "modify_rejected", symbol=symbol,
                                         order_id=order.order_id, code=error.code,
                                         msg=error.msg)
            raise

    def _journal_rejection(self, event: str, request: OrderRequest, error: BinanceError) -> None:
        self.exchange.journal.record(
            self.api_key, event, symbol=request.symbol, client_id=request.client_id,
            side=request.side, type=request.type, qty=request.quantity, price=request.price,
            trigger_price=request.trigger_price, code=error.code, msg=error.msg,
        )

    def find_order(self, order_id: int | None, client_id: str | None,
                   symbol: str | None = None) -> Order:
        """By id or client id; an order of another symbol does not exist for this query."""
        found: Order | None = self.orders.get(order_id) if order_id is not None else None
        if found is None and client_id is not None:
            matches = [o for o in self.orders.values() if o.client_order_id == client_id
                       and (symbol is None or o.symbol == symbol)]
            if matches:
                found = max(matches, key=lambda o: (o.is_open, o.order_id))
        if found is None or (symbol is not None and found.symbol != symbol):
            raise BinanceError(Code.NO_SUCH_ORDER)
        return found

    def cancel_order(self, order_id: int | None, client_id: str | None,
                     symbol: str | None = None) -> Order:
        try:
            order = self.find_order(order_id, client_id, symbol)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not order.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        self.close_order(order, "CANCELED")
        return order

    def cancel_all_orders(self, symbol: str) -> None:
        self.exchange.market(symbol)
        for order in self.open_orders(symbol):
            self.close_order(order, "CANCELED")

    def close_order(self, order: Order, status: str, reason: str | None = None) -> None:
        """End an open order without (further) fills: cancelled or expired."""
        order.status = status
        order.update_time = self.exchange.clock()
        self.exchange.journal.record(
            self.api_key, f"order_{status.lower()}", symbol=order.symbol,
            order_id=order.order_id, client_id=order.client_order_id,
            executed_qty=order.executed_qty, reason=reason,
        )
        self.finish_parent(order)

    def finish_parent(self, order: Order) -> None:
        """The conditional a finished real order came from is FINISHED too."""
        parent = self.algo_by_order.get(order.order_id)
        if parent is not None and parent.status == "TRIGGERED" and not order.is_open:
            parent.status = "FINISHED"
            parent.update_time = order.update_time
            parent.actual_price = order.avg_price

    # Algo (conditional) orders ------------------------------------------------------------

    def new_algo_order(self, request: OrderRequest) -> AlgoOrder:
        try:
            return algo.new_algo_order(self, request)
        except BinanceError as error:
            self._journal_rejection("algo_rejected", request, error)
            raise

    def find_algo_order(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        if algo_id is not None and algo_id in self.algo_orders:
            return self.algo_orders[algo_id]
        if client_id is not None:
            matches = [a for a in self.algo_orders.values() if a.client_algo_id == client_id]
            if matches:
                return max(matches, key=lambda a: (a.is_open, a.algo_id))
        raise BinanceError(Code.NO_SUCH_ORDER)

    def cancel_algo_order(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        try:
            found = self.find_algo_order(algo_id, client_id)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not found.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        self.close_algo_order(found, "CANCELED")
        return found

    def cancel_all_algo_orders(self, symbol: str) -> None:
        self.exchange.market(symbol)
        for found in self.open_algo_orders(symbol):
            self.close_algo_order(found, "CANCELED")

    def close_algo_order(self, found: AlgoOrder, status: str, reason: str | None = None) -> None:
        found.status = status
        found.update_time = self.exchange.clock()
        self.exchange.journal.record(
            self.api_key, f"algo_{status.lower()}", symbol=found.symbol, algo_id=found.algo_id,
            client_id=found.client_algo_id, reason=reason,
        )

    # Price reactions ----------------------------------------------------------------------

    def on_price(self, symbol: str, last_moved: bool = True) -> None:
        """React to a new last/mark price of ``symbol``, in the order the price path meets things:
        conditionals reached before the liquidation price, then liquidation (on mark), then the
        rest of the crossed conditionals, then resting limits the last price traded through."""
        position = self.positions.get(symbol)
        if self._live_algos and position is not None and position.amount:
            algo.fire_crossed(self, symbol, margin.liquidation_price(self, position))
        liquidation.check(self, symbol)
        if self._live_algos:
            algo.fire_crossed(self, symbol)
        if last_moved and self._live_orders:
            matching.fill_crossed_limits(self, symbol)
            liquidation.check(self, symbol)
