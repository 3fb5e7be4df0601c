"""What the executor needs from the outside, and the types it exchanges with it: a venue
(``Gateway``: Binance's, or dry-run's simulated one) and freqtrade's side (``FreqtradeSide``).
Implemented by ``ft_bracket.venues`` and ``ft_bracket.freqtrade_adapter``; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from ft_bracket.core.actions import TradeView
from ft_bracket.core.legs import LegKind
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot


class Refusal(StrEnum):
    """Why a placement did not rest."""

    WOULD_TRIGGER = "would_trigger"  # the price is already beyond the trigger
    INSUFFICIENT_FUNDS = "insufficient_funds"
    REFUSED = "refused"  # any other rule of the venue
    UNKNOWN = "unknown"  # no answer, even after asking: nothing is known to rest


@dataclass(frozen=True)
class Placement:
    """The outcome of placing a leg: on the venue (``leg``), or not (``error``, ``refusal``)."""

    leg: VenueLeg | None
    error: str | None = None
    refusal: Refusal | None = None

    @property
    def would_trigger(self) -> bool:
        return self.refusal is Refusal.WOULD_TRIGGER

    @property
    def accepted(self) -> bool:
        return self.leg is not None


class Gateway(Protocol):
    def place(self, pair: str, kind: LegKind, side: str, quantity: float, trigger_price: float,
              client_id: str, close_position: bool = False,
              trailing_rate: float | None = None) -> Placement: ...

    def find(self, pair: str, *, client_id: str | None = None, order_id: str | None = None
             ) -> VenueLeg | None: ...

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None: ...

    def fill(self, pair: str, order_id: str) -> VenueFill: ...

    def snapshot(self, pairs: Iterable[str] | None = None, positions: bool = True
                 ) -> VenueSnapshot: ...

    def positions(self) -> dict[str, float]: ...

    def close_at_market(self, pair: str, side: str, amount: float, client_id: str
                        ) -> VenueFill | None: ...

    def endpoint_missing(self, error: Exception) -> bool:
        """The error says the venue has no such endpoint (a retry can never succeed)."""
        ...


class FreqtradeSide(Protocol):
    """Where the manager reaches into freqtrade: its records and its own trade (adapter)."""

    def load_record(self, trade_id: int, key: str) -> Any: ...

    def save_record(self, trade_id: int, key: str, value: Any) -> None: ...

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool: ...

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str,
                           partial: bool = False) -> bool: ...

    def import_exchange_exits(self, trade_id: int, reason: str,
                              freqtrade_orders: frozenset[str] = frozenset()) -> ImportedExits: ...

    def set_stop_price(self, trade_id: int, stop_price: float) -> None: ...

    def settle_order_row(self, trade_id: int, order: dict[str, Any]) -> None: ...

    def trade_view(self, trade_id: int) -> TradeView | None: ...

    def save_pending(self, entry_order_id: str, value: dict[str, Any]) -> None: ...

    def load_pending(self, entry_order_id: str) -> dict[str, Any] | None: ...

    def delete_pending(self, entry_order_id: str) -> None: ...


class GuardStore(Protocol):
    """Where guards over positions no trade owns outlive the process (freqtrade's key-value
    store)."""

    def load_guards(self) -> dict[str, dict[str, Any]]: ...

    def save_guards(self, guards: dict[str, dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class ImportedExits:
    """Fills freqtrade was shown for a position closed on the venue, and the exit reason."""

    count: int
    reason: str
    forced: dict[str, Any] | None = None  # the venue's own (liquidation) order, if it closed it


@dataclass(frozen=True)
class StopReport:
    """A stop as the venue last reported it (ccxt-parsed), and its fill once it fired."""

    order: dict[str, Any]
    fill: dict[str, Any] | None = None
