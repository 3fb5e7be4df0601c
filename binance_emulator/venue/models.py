"""The venue's records: orders, conditional (algo) orders, positions, fills and income rows.

Plain data with no behaviour beyond what a record can say about itself; the deciding modules
(``matching``, ``algo``, ``liquidation``, ``funding``) say what happens to them, the ``Exchange``
makes it happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from binance_emulator.venue.statuses import algo_is_open, order_is_open

ZERO = Decimal(0)
STOP_TYPES = frozenset({"STOP", "STOP_MARKET"})
TAKE_PROFIT_TYPES = frozenset({"TAKE_PROFIT", "TAKE_PROFIT_MARKET"})
TRAILING_TYPES = frozenset({"TRAILING_STOP_MARKET"})
# The first id the venue draws (orders, algo orders, fills, income share one counter), unless
# told otherwise: tests and docs name ids from here on (8000000004 is a run's fourth).
FIRST_ID = 8_000_000_001


def side_sign(side: str) -> int:
    return 1 if side == "BUY" else -1


def decimals(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)


@dataclass(frozen=True)
class FeeSchedule:
    taker: Decimal = Decimal("0.0005")
    maker: Decimal = Decimal("0.0002")


@dataclass
class Order:
    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    orig_type: str
    quantity: Decimal
    price: Decimal
    stop_price: Decimal
    reduce_only: bool
    close_position: bool
    time_in_force: str
    working_type: str
    time: int
    update_time: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO

    @property
    def is_open(self) -> bool:
        return order_is_open(self.status)

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO


@dataclass
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal
    working_type: str
    reduce_only: bool
    close_position: bool
    time_in_force: str
    create_time: int
    update_time: int
    status: str = "NEW"
    trigger_time: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO
    # TRAILING_STOP_MARKET only: callbackRate in percent (1 = 1 %), the activation price, and,
    # once activated, the extreme it follows (highest for a sell, lowest for a buy).
    callback_rate: Decimal | None = None
    activate_price: Decimal = ZERO
    activated: bool = False
    extreme: Decimal = ZERO

    @property
    def is_open(self) -> bool:
        return algo_is_open(self.status)

    @property
    def is_trailing(self) -> bool:
        return self.callback_rate is not None

    @property
    def fires_on_rise(self) -> bool:
        """Buy stops (trailing ones too) and sell take-profits fire on a rising price; the others
        on a falling one."""
        return (self.order_type in STOP_TYPES | TRAILING_TYPES) == (self.side == "BUY")

    @property
    def trailing_trigger(self) -> Decimal:
        """Where an activated trailing stop fires: callbackRate % back from its extreme."""
        back = (self.callback_rate or ZERO) / 100
        return self.extreme * (1 + back if self.side == "BUY" else 1 - back)

    def is_triggered_by(self, reference: Decimal) -> bool:
        if self.is_trailing and not self.activated:
            return False
        threshold = self.trailing_trigger if self.is_trailing else self.trigger_price
        if self.fires_on_rise:
            return reference >= threshold
        return reference <= threshold


@dataclass
class Position:
    symbol: str
    amount: Decimal = ZERO  # signed: negative is short
    entry_price: Decimal = ZERO
    isolated_margin: Decimal = ZERO
    update_time: int = 0


@dataclass
class Fill:
    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time: int


@dataclass
class Income:
    tran_id: int
    symbol: str
    income_type: str
    income: Decimal
    time: int
    trade_id: str = ""


@dataclass(frozen=True)
class MarginChange:
    """A row of /fapi/v1/positionMargin/history."""

    symbol: str
    type: int  # 1 add, 2 reduce
    amount: Decimal
    time: int


@dataclass
class OrderRequest:
    """A new order as the HTTP layer parsed it (strings already turned into Decimals)."""

    symbol: str
    side: str
    type: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False
    close_position: bool = False
    time_in_force: str | None = None  # None: not sent (a LIMIT order must send it)
    working_type: str = "CONTRACT_PRICE"
    client_id: str | None = None
    position_side: str | None = None
    callback_rate: Decimal | None = None  # TRAILING_STOP_MARKET only
    activate_price: Decimal | None = None  # TRAILING_STOP_MARKET only; None: not sent
