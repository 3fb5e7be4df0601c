"""One decoded request: its parameters, the caller's account (signed calls) and the venue."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from binance_emulator.api.service import Service
from binance_emulator.venue.account import Account
from binance_emulator.venue.errors import illegal, mandatory
from binance_emulator.venue.exchange import Exchange

Params = dict[str, str]
Handler = Callable[["Call"], Awaitable[object] | object]


@dataclass
class Call:
    """One request, decoded: parameters, the caller's account (signed calls) and the venue."""

    params: Params
    account: Account | None
    service: Service
    server_time: int

    @property
    def exchange(self) -> Exchange:
        return self.service.exchange

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise mandatory(name)
        return value

    def decimal(self, name: str) -> Decimal | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise illegal(name) from None

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise illegal(name) from None

    def json_list(self, name: str, limit: int) -> list[object] | None:
        """A JSON list parameter (batchOrders, orderIdList) of at most ``limit`` items."""
        value = self.get(name)
        if value is None:
            return None
        try:
            items = json.loads(value)
        except ValueError:
            raise illegal(name) from None
        if not isinstance(items, list) or not items or len(items) > limit:
            raise illegal(name)
        return items

    def flag(self, name: str) -> bool:
        return (self.get(name) or "false").lower() == "true"

    @property
    def me(self) -> Account:
        assert self.account is not None
        return self.account


def symbols_of(call: Call) -> list[str]:
    """The symbol asked for, or every listed symbol when none is."""
    symbol = call.get("symbol")
    if symbol is not None:
        return [call.exchange.market(symbol).symbol]
    return list(call.exchange.markets)
