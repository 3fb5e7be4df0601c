"""Funding settlement: at each funding time every open position pays or receives
``position notional at mark × funding rate`` (longs pay a positive rate, shorts receive it).

The payment changes the wallet and writes a FUNDING_FEE income row; an isolated position's
margin carries it, so funding alone can push a thin isolated position into liquidation, which is
checked right after.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator.venue import liquidation
from binance_emulator.venue.models import Income

if TYPE_CHECKING:
    from binance_emulator.venue.exchange import Exchange


def settle(exchange: Exchange, symbol: str, rate: Decimal) -> dict[str, Decimal]:
    """Charge one funding of ``symbol`` at ``rate``; what each account paid (negative) or got."""
    mark = exchange.mark_price(symbol)
    now = exchange.clock()
    charged: dict[str, Decimal] = {}
    for account in list(exchange.accounts.values()):
        position = account.positions.get(symbol)
        if position is None or not position.amount:
            continue
        amount = -position.amount * mark * rate
        account.wallet += amount
        if account.is_isolated(symbol):
            position.isolated_margin += amount
        account.update_time = now
        account.income.append(Income(exchange.next_id(), symbol, "FUNDING_FEE", amount, now))
        exchange.journal.record(account.api_key, "funding", symbol=symbol, rate=rate, mark=mark,
                                position_amount=position.amount, amount=amount)
        charged[account.api_key] = amount
        liquidation.check(account)
    return charged
