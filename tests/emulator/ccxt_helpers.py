"""Shared pieces of the tests that drive the emulator process through a real ccxt client:
ccxt's symbols, the flag that sends an order call to the algo endpoints, the venue's last price."""

from __future__ import annotations

from decimal import Decimal

from harness.emulator import Emulator

XRP = "XRP/USDT:USDT"
BTC = "BTC/USDT:USDT"
TRIGGER = {"trigger": True}


def last_price(emulator: Emulator, symbol: str = "XRPUSDT") -> Decimal:
    return Decimal(emulator.control("GET", "state")["prices"][symbol]["last"])
