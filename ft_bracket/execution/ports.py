"""What the OrderManager needs from the outside: a venue gateway and freqtrade's side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ft_bracket.core.legs import LegKind
from ft_bracket.core.plan import TradeView
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot
from ft_bracket.venues.binance.gateway import Placement


class Gateway(Protocol):
    def place(self, pair: str, kind: LegKind, side: str, quantity: float, trigger_price: float,
              client_id: str, close_position: bool = False) -> Placement: ...

    def find(self, pair: str, *, client_id: str | None = None, order_id: str | None = None
             ) -> VenueLeg | None: ...

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None: ...

    def fill(self, pair: str, order_id: str) -> VenueFill: ...

    def snapshot(self, pairs: Any = None, positions: bool = True) -> VenueSnapshot: ...

    def positions(self) -> dict[str, float]: ...


class FreqtradeSide(Protocol):
    """Where the manager reaches into freqtrade: its records and its own trade (adapter)."""

    def load_record(self, trade_id: int, key: str) -> Any: ...

    def save_record(self, trade_id: int, key: str, value: Any) -> None: ...

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool: ...

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str) -> bool: ...

    def import_exchange_exits(self, trade_id: int, reason: str,
                              freqtrade_orders: frozenset[str] = frozenset()) -> ImportedExits: ...

    def set_stop_price(self, trade_id: int, stop_price: float) -> None: ...

    def settle_order_row(self, trade_id: int, order: dict[str, Any]) -> None: ...

    def trade_view(self, trade_id: int) -> TradeView | None: ...

    def save_pending(self, entry_order_id: str, value: dict[str, Any]) -> None: ...

    def load_pending(self, entry_order_id: str) -> dict[str, Any] | None: ...

    def delete_pending(self, entry_order_id: str) -> None: ...


@dataclass(frozen=True)
class ImportedExits:
    """Fills freqtrade was shown for a position closed on the venue, and the exit reason."""

    count: int
    reason: str
    forced: dict[str, Any] | None = None  # the venue's own (liquidation) order, if it closed it


@dataclass(frozen=True)
class ManagerSettings:
    client_id_prefix: str = "ftb"
    take_profit_max_attempts: int = 3
    # How long a send whose answer was lost may still land on the venue (``core.doubt``).
    landing_grace_s: float = 30.0


@dataclass(frozen=True)
class StopReport:
    """A stop as the venue last reported it (ccxt-parsed), and its fill once it fired."""

    order: dict[str, Any]
    fill: dict[str, Any] | None = None
