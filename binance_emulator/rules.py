"""The checks a new order must pass before the venue accepts it: symbol filters, client ids,
reduce-only and margin. Each failure raises the ``BinanceError`` the venue would answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator import margin
from binance_emulator.errors import BinanceError, Code, filter_failure, illegal, mandatory
from binance_emulator.markets import Market
from binance_emulator.models import ZERO, decimals

if TYPE_CHECKING:
    from binance_emulator.account import Account

CLIENT_ID_PATTERN = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


def check_price(market: Market, value: Decimal, name: str) -> None:
    if decimals(value) > market.price_precision:
        raise BinanceError(Code.BAD_PRECISION)
    if value <= 0:
        raise illegal(name)
    if value % market.tick_size:
        raise filter_failure("PRICE_FILTER")


def check_quantity(market: Market, quantity: Decimal | None, is_market: bool) -> Decimal:
    if quantity is None:
        raise mandatory("quantity")
    if decimals(quantity) > market.quantity_precision:
        raise BinanceError(Code.BAD_PRECISION)
    if quantity <= 0:
        raise BinanceError(Code.QTY_NOT_POSITIVE)
    if quantity < market.min_qty or quantity % market.step_size:
        raise filter_failure("LOT_SIZE")
    if is_market and quantity > market.market_max_qty:
        raise filter_failure("MARKET_LOT_SIZE")
    if quantity > market.max_qty:
        raise filter_failure("LOT_SIZE")
    return quantity


def check_client_id(account: Account, client_id: str | None, open_ids: Iterable[str]) -> str:
    if client_id is None:
        client_id = f"emu{account.exchange.next_id()}"
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


def check_margin(
    account: Account, market: Market, side: str, quantity: Decimal, price: Decimal
) -> None:
    """The part of an order that opens or increases a position needs initial margin."""
    amount = account.position(market.symbol).amount
    closing = min(quantity, abs(amount)) if amount and (amount > 0) != (side == "BUY") else ZERO
    opening = quantity - closing
    if not opening:
        return
    required = opening * price / account.leverage_for(market.symbol)
    required += quantity * price * account.exchange.fees.taker
    if required > margin.available_balance(account):
        raise BinanceError(Code.MARGIN_INSUFFICIENT)
