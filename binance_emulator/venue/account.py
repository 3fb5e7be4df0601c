"""One API key's futures ledger, one-way position mode: wallet, settings, positions, orders and
records, with the lookups the venue answers queries from.

A ledger decides nothing and reacts to nothing: the ``Exchange`` writes it (through its
``Bookkeeper``) and the deciding modules read it.
"""

from __future__ import annotations

from decimal import Decimal

from binance_emulator.venue.errors import BinanceError, Code
from binance_emulator.venue.models import AlgoOrder, Fill, Income, MarginChange, Order, Position

DEFAULT_LEVERAGE = 20


class Account:
    """One API key's futures wallet, one-way position mode."""

    def __init__(self, api_key: str, api_secret: str, balance: Decimal, now: int) -> None:
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
        self.update_time = now

    # Settings -----------------------------------------------------------------------------

    def leverage_for(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def is_isolated(self, symbol: str) -> bool:
        return self.isolated.get(symbol, False)

    # Records ------------------------------------------------------------------------------

    def position(self, symbol: str) -> Position:
        """The symbol's position; an empty one on first ask (positions list in that order)."""
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

    def may_have_open_orders(self) -> bool:
        """False only when no order can be open: lets a price tick skip the account cheaply."""
        return bool(self._live_orders)

    def may_have_open_algo_orders(self) -> bool:
        return bool(self._live_algos)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        for order_id in [i for i, o in self._live_orders.items() if not o.is_open]:
            del self._live_orders[order_id]
        return [o for o in self._live_orders.values() if symbol in (None, o.symbol)]

    def open_algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        for algo_id in [i for i, a in self._live_algos.items() if not a.is_open]:
            del self._live_algos[algo_id]
        return [a for a in self._live_algos.values() if symbol in (None, a.symbol)]

    # Lookups ------------------------------------------------------------------------------

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

    def find_algo_order(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        if algo_id is not None and algo_id in self.algo_orders:
            return self.algo_orders[algo_id]
        if client_id is not None:
            matches = [a for a in self.algo_orders.values() if a.client_algo_id == client_id]
            if matches:
                return max(matches, key=lambda a: (a.is_open, a.algo_id))
        raise BinanceError(Code.NO_SUCH_ORDER)
