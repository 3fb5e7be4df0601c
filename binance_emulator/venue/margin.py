"""Margin maths of one account: initial and maintenance margin, available balance, liquidation
price. Pure functions of the account's ledger and the venue's mark prices; nothing here changes
anything.
"""

from __future__ import annotations

from decimal import Decimal

from binance_emulator.venue.account import Account
from binance_emulator.venue.models import ZERO, Position
from binance_emulator.venue.quotes import Quotes


def unrealized_pnl(quotes: Quotes, position: Position) -> Decimal:
    return (quotes.mark(position.symbol) - position.entry_price) * position.amount


def position_initial_margin(account: Account, quotes: Quotes, position: Position) -> Decimal:
    if not position.amount:
        return ZERO
    if account.is_isolated(position.symbol):
        return position.isolated_margin
    notional = abs(position.amount) * quotes.mark(position.symbol)
    return notional / account.leverage_for(position.symbol)


def maintenance_margin(quotes: Quotes, position: Position) -> Decimal:
    market = quotes.markets[position.symbol]
    notional = abs(position.amount) * quotes.mark(position.symbol)
    tier = market.tier_for(notional)
    return max(ZERO, notional * tier.maintenance_margin_rate - tier.maintenance_amount)


def open_order_margin(account: Account, symbol: str | None = None) -> Decimal:
    total = ZERO
    for order in account.orders.values():
        if order.is_open and not order.reduce_only and symbol in (None, order.symbol):
            total += order.remaining * order.price / account.leverage_for(order.symbol)
    return total


def cross_unrealized_pnl(account: Account, quotes: Quotes) -> Decimal:
    return sum(
        (unrealized_pnl(quotes, p) for p in account.positions.values()
         if p.amount and not account.is_isolated(p.symbol)),
        ZERO,
    )


def total_unrealized_pnl(account: Account, quotes: Quotes) -> Decimal:
    return sum((unrealized_pnl(quotes, p) for p in account.positions.values() if p.amount), ZERO)


def isolated_margin_total(account: Account) -> Decimal:
    return sum(
        (p.isolated_margin for p in account.positions.values() if account.is_isolated(p.symbol)),
        ZERO,
    )


def position_margin_total(account: Account, quotes: Quotes) -> Decimal:
    return sum((position_initial_margin(account, quotes, p) for p in account.positions.values()),
               ZERO)


def total_maintenance_margin(account: Account, quotes: Quotes) -> Decimal:
    return sum(
        (maintenance_margin(quotes, p) for p in account.positions.values() if p.amount), ZERO
    )


def available_balance(account: Account, quotes: Quotes) -> Decimal:
    return (
        account.wallet
        + cross_unrealized_pnl(account, quotes)
        - position_margin_total(account, quotes)
        - open_order_margin(account)
    )


def liquidation_price(account: Account, quotes: Quotes, position: Position) -> Decimal:
    """Binance's one-way formula for a single position (isolated, or cross on its own)."""
    if not position.amount:
        return ZERO
    market = quotes.markets[position.symbol]
    qty = abs(position.amount)
    side = 1 if position.amount > 0 else -1
    tier = market.tier_for(qty * position.entry_price)
    if account.is_isolated(position.symbol):
        balance = position.isolated_margin
    else:
        others = [p for p in account.positions.values() if p is not position and p.amount]
        balance = (
            account.wallet
            - isolated_margin_total(account)
            + sum((unrealized_pnl(quotes, p) for p in others
                   if not account.is_isolated(p.symbol)), ZERO)
        )
    denominator = qty * tier.maintenance_margin_rate - side * qty
    numerator = balance + tier.maintenance_amount - side * qty * position.entry_price
    return max(numerator / denominator, ZERO)
