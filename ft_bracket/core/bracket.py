"""A trade's bracket: its stop and its take-profit levels, as one record. Pure.

The whole bracket serialises to a JSON-able dict the plugin stores in freqtrade's custom data
before each exchange call. A bracket that scales out holds its further take-profit levels in
``scale_out`` (levels 2..n); a record without them is a bracket of one take-profit, as before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ft_bracket.core import client_ids
from ft_bracket.core.legs import IDLE_STATUSES, BracketLeg, LegKind


@dataclass
class Bracket:
    """Everything the plugin knows about one trade's protection."""

    # None while freqtrade has no trade row yet (legs sent from the entry's answer): the record
    # then waits under ``entry_order_id``.
    trade_id: int | None
    pair: str
    is_short: bool
    root: str
    stop: BracketLeg
    take_profit: BracketLeg
    entry_filled_ms: int | None = None
    protected_ms: dict[str, int] = field(default_factory=dict)
    # The entry order whose answer the legs were placed from (before freqtrade's trade row).
    entry_order_id: str | None = None
    # The plugin's own market closes (attempts, for their client ids) and what they filled of
    # the rest a fired leg left.
    market_closes: int = 0
    rest_closed: float = 0.0

    def leg(self, kind: LegKind) -> BracketLeg:
        return self.stop if kind is LegKind.STOP else self.take_profit

    def sibling(self, kind: LegKind) -> BracketLeg:
        return self.take_profit if kind is LegKind.STOP else self.stop

    @property
    def legs(self) -> tuple[BracketLeg, BracketLeg]:
        return (self.stop, self.take_profit)

    @property
    def fill_order_ids(self) -> frozenset[str]:
        """The real orders the legs became (freqtrade knows a fired stop by the stop's id)."""
        return frozenset(leg.fill_order_id for leg in self.legs if leg.fill_order_id)

    @property
    def exit_side(self) -> str:
        return "buy" if self.is_short else "sell"

    @property
    def closing_at_market(self) -> bool:
        """The position is past its stop and the plugin closes it itself: no stop rests and
        none is on its way, and no take-profit goes out."""
        return self.stop.status in IDLE_STATUSES and self.stop.closing is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], pair: str = "") -> Bracket:
        stop = BracketLeg.from_dict(data["stop"])
        take_profit = BracketLeg.from_dict(data["take_profit"])
        # Records written before roots were stored: the root is inside the legs' client ids.
        root = data.get("root") or client_ids.root_of(
            stop.client_id or take_profit.client_id or "")
        return cls(
            trade_id=int(data["trade_id"] or 0) or None,  # pending records were written with 0
            pair=str(data.get("pair") or pair),
            is_short=bool(data["is_short"]),
            root=root,
            stop=stop,
            take_profit=take_profit,
            entry_filled_ms=data.get("entry_filled_ms"),
            protected_ms=dict(data.get("protected_ms") or {}),
            entry_order_id=data.get("entry_order_id"),
            market_closes=int(data.get("market_closes") or 0),
            rest_closed=float(data.get("rest_closed") or 0.0),
        )
