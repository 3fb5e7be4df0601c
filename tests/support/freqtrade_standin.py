"""An honest stand-in for the freqtrade side of the OrderManager (records and trade rows), for
tests that run the manager without freqtrade. It refuses what freqtrade would refuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ft_bracket.execution.ports import ImportedExits


@dataclass
class StandInFreqtrade:
    """Records keep every version written, in order; trade rows are plain lists."""

    writes: dict[int, list[Any]] = field(default_factory=dict)
    stops: dict[int, list[str]] = field(default_factory=dict)  # trade -> adopted stop ids
    exits: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    imported: list[tuple[int, str]] = field(default_factory=list)
    stop_prices: dict[int, float] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)
    settled: list[tuple[int, str, str]] = field(default_factory=list)
    partial_exits: set[str] = field(default_factory=set)  # order ids shown as partial exits

    views: dict[int, Any] = field(default_factory=dict)  # trade id -> TradeView

    pending: dict[str, Any] = field(default_factory=dict)

    def save_pending(self, entry_order_id: str, value: dict[str, Any]) -> None:
        self.pending[entry_order_id] = value

    def load_pending(self, entry_order_id: str) -> dict[str, Any] | None:
        return self.pending.get(entry_order_id)

    def delete_pending(self, entry_order_id: str) -> None:
        self.pending.pop(entry_order_id, None)

    def trade_view(self, trade_id: int) -> Any:
        return self.views.get(trade_id)

    def load_record(self, trade_id: int, key: str) -> Any:
        versions = self.writes.get(trade_id)
        return versions[-1] if versions else None

    def save_record(self, trade_id: int, key: str, value: Any) -> None:
        self.writes.setdefault(trade_id, []).append(value)

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool:
        if trade_id in self.closed:
            return False
        stops = self.stops.setdefault(trade_id, [])
        if str(order["id"]) not in stops:
            stops.append(str(order["id"]))
        return True

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str,
                           partial: bool = False) -> bool:
        if trade_id in self.closed:
            return False
        if partial:
            self.partial_exits.add(str(order["id"]))
        if all(o["id"] != order["id"] for t, o, _ in self.exits if t == trade_id):
            self.exits.append((trade_id, order, reason))
        return True

    def import_exchange_exits(self, trade_id: int, reason: str,
                              freqtrade_orders: frozenset[str] = frozenset()) -> ImportedExits:
        self.imported.append((trade_id, reason))
        return ImportedExits(1, reason)

    def set_stop_price(self, trade_id: int, stop_price: float) -> None:
        self.stop_prices[trade_id] = stop_price

    def settle_order_row(self, trade_id: int, order: dict[str, Any]) -> None:
        self.settled.append((trade_id, str(order["id"]), str(order.get("status"))))
