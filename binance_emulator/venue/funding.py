"""Funding settlement: at each funding time every open position pays or receives
``position notional at mark × funding rate`` (longs pay a positive rate, shorts receive it).

``payments`` says who pays what; the ``Exchange`` applies each payment: it changes the wallet,
writes a FUNDING_FEE income row, and an isolated position's margin carries it, so funding alone
can push a thin isolated position into liquidation, which is checked right after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from binance_emulator.venue.account import Account
from binance_emulator.venue.models import Position


@dataclass(frozen=True)
class Payment:
    """One account's funding of one position: negative when it pays."""

    account: Account
    position: Position
    amount: Decimal


def payments(accounts: Iterable[Account], symbol: str, mark: Decimal,
             rate: Decimal) -> list[Payment]:
    """What each account with an open position in ``symbol`` pays (negative) or receives."""
    due = []
    for account in accounts:
        position = account.positions.get(symbol)
        if position is None or not position.amount:
            continue
        due.append(Payment(account, position, -position.amount * mark * rate))
    return due
