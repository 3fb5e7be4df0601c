"""One API key's futures account, one-way position mode: its wallet, settings, positions, orders
and records. Placing orders is delegated to ``matching`` and ``algo``; margin maths to ``margin``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator import algo, matching
from binance_emulator.errors import BinanceError, Code, illegal
from binance_emulator.models import AlgoOrder, Fill, Income, Order, OrderRequest, Position

if TYPE_CHECKING:
    from binance_emulator.exchange import Exchange

DEFAULT_LEVERAGE = 20


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
            raise BinanceError(Code.LEVERAGE_NOT_VALID, f"Leverage {leverage} is not valid")
        self.leverage[symbol] = leverage

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

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values()
                if o.is_open and (symbol is None or o.symbol == symbol)]

    def open_algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        return [a for a in self.algo_orders.values()
                if a.is_open and (symbol is None or a.symbol == symbol)]

    # Plain orders -------------------------------------------------------------------------

    def new_order(self, request: OrderRequest) -> Order:
        return matching.new_order(self, request)

    def find_order(self, order_id: int | None, client_id: str | None) -> Order:
        if order_id is not None and order_id in self.orders:
            return self.orders[order_id]
        if client_id is not None:
            matches = [o for o in self.orders.values() if o.client_order_id == client_id]
            if matches:
                return max(matches, key=lambda o: (o.is_open, o.order_id))
        raise BinanceError(Code.NO_SUCH_ORDER)

    def cancel_order(self, order_id: int | None, client_id: str | None) -> Order:
        try:
            order = self.find_order(order_id, client_id)
        except BinanceError:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL) from None
        if not order.is_open:
            raise BinanceError(Code.UNKNOWN_ORDER_CANCEL)
        order.status = "CANCELED"
        order.update_time = self.exchange.clock()
        return order

    def cancel_all_orders(self, symbol: str) -> None:
        self.exchange.market(symbol)
        for order in self.open_orders(symbol):
            order.status = "CANCELED"
            order.update_time = self.exchange.clock()

    # Algo (conditional) orders ------------------------------------------------------------

    def new_algo_order(self, request: OrderRequest) -> AlgoOrder:
        return algo.new_algo_order(self, request)

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
        found.status = "CANCELED"
        found.update_time = self.exchange.clock()
        return found

    def cancel_all_algo_orders(self, symbol: str) -> None:
        self.exchange.market(symbol)
        for found in self.open_algo_orders(symbol):
            found.status = "CANCELED"
            found.update_time = self.exchange.clock()

    # Price reactions ----------------------------------------------------------------------

    def on_price(self, symbol: str) -> None:
        """Fire crossed conditionals (oldest first), then fill crossed resting limits."""
        algo.fire_crossed(self, symbol)
        matching.fill_crossed_limits(self, symbol)
