"""The matching engine's public names in one import: the venue, its accounts and their records.

The engine is split by job (``exchange``, ``account``, ``matching``, ``algo``, ``margin``,
``rules``, ``models``); code outside it imports from here so that split can move freely.
"""

from binance_emulator.venue.account import DEFAULT_LEVERAGE, Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.models import (
    AlgoOrder,
    FeeSchedule,
    Fill,
    Income,
    Order,
    OrderRequest,
    Position,
)

__all__ = [
    "DEFAULT_LEVERAGE",
    "Account",
    "AlgoOrder",
    "Exchange",
    "FeeSchedule",
    "Fill",
    "Income",
    "Order",
    "OrderRequest",
    "Position",
]
