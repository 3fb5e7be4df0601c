"""The checks a new order must pass before the venue accepts it: symbol filters (PRICE_FILTER,
LOT_SIZE, MARKET_LOT_SIZE, MIN_NOTIONAL, PERCENT_PRICE), order parameters, client ids,
reduce-only, margin and the position cap of the leverage bracket; and the checks of an account's
settings (leverage, margin type, isolated margin). Each failure raises the ``BinanceError`` the
venue would answer, with Binance's code and text; nothing here changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.errors import BinanceError, Code, illegal, mandatory, notional_too_small
from binance_emulator.venue.markets import Market
from binance_emulator.venue.models import ZERO, OrderRequest, decimals
from binance_emulator.venue.quotes import Quotes

CLIENT_ID_PATTERN = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
TIME_IN_FORCE = frozenset({"GTC", "IOC", "FOK", "GTX", "GTD"})
MAX_PRICE = Decimal(1_000_000)
# TRAILING_STOP_MARKET callbackRate in percent: [0.1, 10] in the API docs, the maximum raised to
# 20 by Binance's change log of 2026-10-23.
CALLBACK_RATE_RANGE = (Decimal("0.1"), Decimal(20))
# Open conditional orders of one account across all symbols (Binance's change log of 2025-12-29).
MAX_OPEN_ALGO_ORDERS = 200


def check_common(request: OrderRequest) -> None:
    """Parameters every order endpoint judges the same way."""
    if request.side not in ("BUY", "SELL"):
        raise illegal("side")
    # One-way mode: BOTH or nothing; LONG/SHORT only exist in hedge mode.
    if request.position_side not in (None, "BOTH"):
        raise BinanceError(Code.POSITION_SIDE_MISMATCH)
    if request.time_in_force is not None and request.time_in_force not in TIME_IN_FORCE:
        raise BinanceError(Code.INVALID_TIF)


def check_price(market: Market, value: Decimal, name: str) -> None:
    if decimals(value) > market.price_precision:
        raise BinanceError(Code.BAD_PRECISION)
    if value <= 0:
        raise illegal(name)
    if value < market.tick_size:
        raise BinanceError(Code.PRICE_BELOW_MIN)
    if value % market.tick_size:
        raise BinanceError(Code.PRICE_OFF_TICK)


def check_quantity(market: Market, quantity: Decimal | None, is_market: bool) -> Decimal:
    if quantity is None:
        raise mandatory("quantity")
    if decimals(quantity) > market.quantity_precision:
        raise BinanceError(Code.BAD_PRECISION)
    if quantity <= 0:
        raise BinanceError(Code.QTY_NOT_POSITIVE)
    if quantity < market.min_qty:
        raise BinanceError(Code.QTY_BELOW_MIN)
    if quantity % market.step_size:
        raise BinanceError(Code.QTY_OFF_STEP)
    if quantity > (market.market_max_qty if is_market else market.max_qty):
        raise BinanceError(Code.QTY_ABOVE_MAX)
    return quantity


def check_min_notional(market: Market, request: OrderRequest, quantity: Decimal,
                       price: Decimal) -> None:
    if not request.reduce_only and quantity * price < market.min_notional:
        raise notional_too_small(f"{market.min_notional.normalize():f}")


def check_percent_price(market: Market, side: str, price: Decimal, mark: Decimal) -> None:
    """PERCENT_PRICE: a buy may not be above mark × multiplierUp, a sell not below × down."""
    tick = market.tick_size
    if side == "BUY":
        cap = (mark * market.percent_up / tick).to_integral_value(ROUND_FLOOR) * tick
        if price > cap:
            raise BinanceError.of(Code.PRICE_ABOVE_MULTIPLIER_UP, price=f"{cap.quantize(tick):f}")
    else:
        floor = (mark * market.percent_down / tick).to_integral_value(ROUND_CEILING) * tick
        if price < floor:
            raise BinanceError.of(Code.PRICE_BELOW_MULTIPLIER_DOWN,
                                      price=f"{floor.quantize(tick):f}")


def check_market_percent_price(market: Market, side: str, best: Decimal, mark: Decimal) -> None:
    """A MARKET order is refused when the best price it would take is outside PERCENT_PRICE."""
    if (side == "BUY" and best > mark * market.percent_up) or (
        side == "SELL" and best < mark * market.percent_down
    ):
        raise BinanceError(Code.MARKET_PERCENT_PRICE)


def check_client_id(client_id: str | None, open_ids: Iterable[str],
                    next_id: Callable[[], int]) -> str:
    """The client's id, or the venue's own when it sent none (drawn from ``next_id``)."""
    if client_id is None:
        client_id = f"emu{next_id()}"
    if not CLIENT_ID_PATTERN.match(client_id):
        raise illegal("newClientOrderId")
    if client_id in open_ids:
        raise BinanceError(Code.DUPLICATE_CLIENT_ORDER_ID)
    return client_id


def check_reduce_only(account: Account, symbol: str, side: str) -> None:
    """A reduce-only order must face a position it can reduce."""
    amount = account.position(symbol).amount
    if not amount or (amount > 0) == (side == "BUY"):
        raise BinanceError(Code.REDUCE_ONLY_REJECTED)


def check_algo_order_count(account: Account, market: Market) -> None:
    """A new conditional needs room under MAX_NUM_ALGO_ORDERS (this symbol's open ones) and
    under the account's limit across all symbols."""
    limit = market.max_num_algo_orders
    if (limit is not None and len(account.open_algo_orders(market.symbol)) >= limit) or (
        len(account.open_algo_orders()) >= MAX_OPEN_ALGO_ORDERS
    ):
        raise BinanceError(Code.MAX_STOP_ORDER_EXCEEDED)


def check_callback_rate(rate: Decimal | None) -> Decimal:
    """A trailing stop's callbackRate: sent, and within ``CALLBACK_RATE_RANGE``."""
    if rate is None:
        raise mandatory("callbackRate")
    low, high = CALLBACK_RATE_RANGE
    if not low <= rate <= high:
        raise BinanceError(Code.INVALID_CALLBACK_RATE)
    return rate


def opening_part(account: Account, symbol: str, side: str, quantity: Decimal) -> Decimal:
    """How much of an order opens or increases the position (the rest closes it)."""
    amount = account.position(symbol).amount
    closing = min(quantity, abs(amount)) if amount and (amount > 0) != (side == "BUY") else ZERO
    return quantity - closing


def check_margin(account: Account, quotes: Quotes, market: Market, side: str, quantity: Decimal,
                 price: Decimal, taker_fee: Decimal) -> None:
    """The part of an order that opens or increases a position needs initial margin."""
    opening = opening_part(account, market.symbol, side, quantity)
    if not opening:
        return
    required = opening * price / account.leverage_for(market.symbol)
    required += quantity * price * taker_fee
    if required > margin.available_balance(account, quotes):
        raise BinanceError(Code.MARGIN_INSUFFICIENT)


def check_position_cap(
    account: Account, market: Market, side: str, quantity: Decimal, price: Decimal
) -> None:
    """Position plus same-side open orders may not exceed the bracket cap of the leverage."""
    opening = opening_part(account, market.symbol, side, quantity)
    if not opening:
        return
    amount = account.position(market.symbol).amount
    resting = sum((o.remaining for o in account.open_orders(market.symbol)
                   if o.side == side and not o.reduce_only), ZERO)
    exposure = (abs(amount) if (amount > 0) == (side == "BUY") else ZERO) + resting + opening
    if exposure * price > market.max_notional(account.leverage_for(market.symbol)):
        raise BinanceError(Code.MAX_POSITION_AT_LEVERAGE)


# Account settings ----------------------------------------------------------------------------


def check_leverage(account: Account, market: Market, mark: Decimal, leverage: int) -> None:
    """POST /fapi/v1/leverage: within the symbol's brackets, and the position within its cap."""
    if not 1 <= leverage <= market.max_leverage:
        raise BinanceError.of(Code.LEVERAGE_NOT_VALID, leverage=leverage)
    notional = abs(account.position(market.symbol).amount) * mark
    if notional > market.max_notional(leverage):
        raise BinanceError(Code.MAX_POSITION_AT_LEVERAGE)


def check_margin_type(account: Account, symbol: str, margin_type: str) -> bool:
    """POST /fapi/v1/marginType: a change, with no position and no open order; True: isolated."""
    if margin_type not in ("ISOLATED", "CROSSED"):
        raise illegal("marginType")
    isolated = margin_type == "ISOLATED"
    if account.is_isolated(symbol) == isolated:
        raise BinanceError(Code.NO_NEED_TO_CHANGE_MARGIN_TYPE)
    if account.position(symbol).amount:
        raise BinanceError(Code.MARGIN_TYPE_WITH_POSITION)
    if account.open_orders(symbol):
        raise BinanceError(Code.MARGIN_TYPE_WITH_OPEN_ORDERS)
    return isolated


def check_margin_change(account: Account, quotes: Quotes, symbol: str, amount: Decimal,
                        kind: int) -> None:
    """POST /fapi/v1/positionMargin: add (1) from what is available, reduce (2) no further than
    the position's initial margin at the mark."""
    position = account.position(symbol)
    if not account.is_isolated(symbol) or not position.amount:
        raise BinanceError(Code.ADD_MARGIN_ISOLATED_ONLY)
    if kind not in (1, 2) or amount <= 0:
        raise illegal("type" if kind not in (1, 2) else "amount")
    if kind == 1 and amount > margin.available_balance(account, quotes):
        raise BinanceError(Code.CROSS_BALANCE_INSUFFICIENT)
    required = abs(position.amount) * quotes.mark(symbol) / account.leverage_for(symbol)
    if kind == 2 and amount > position.isolated_margin - required:
        raise BinanceError(Code.ISOLATED_BALANCE_INSUFFICIENT)
