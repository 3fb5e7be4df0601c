"""A trade's bracket: its stop and its take-profit levels, as one record. Pure.

The whole bracket serialises to a JSON-able dict the plugin stores in freqtrade's custom data
before each exchange call. A bracket that scales out holds its further take-profit levels in
``scale_out`` (levels 2..n); a record without them is a bracket of one take-profit, as before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ft_bracket.core import client_ids
from ft_bracket.core.legs import IDLE_STATUSES, BracketLeg, LegKind, LegStatus
from ft_bracket.core.quantities import exact_sum

# Points of a stop's history kept besides its first (a trailing stop moves every look).
_STOP_HISTORY_KEPT = 200


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
    # A bracket that scales out: its take-profit levels 2..n (``take_profit`` is level 1).
    scale_out: list[BracketLeg] = field(default_factory=list)
    # The stop as it rested over time, [ms, price] from its first resting price on (the chart
    # draws it; a trailing stop's newest moves only).
    stop_history: list[list[float]] = field(default_factory=list)

    def leg(self, kind: LegKind, level: int = 1) -> BracketLeg:
        return self.stop if kind is LegKind.STOP else self.take_profits[level - 1]

    def sibling(self, kind: LegKind) -> BracketLeg:
        return self.take_profit if kind is LegKind.STOP else self.stop

    @property
    def take_profits(self) -> list[BracketLeg]:
        """Every take-profit level, the nearest first."""
        return [self.take_profit, *self.scale_out]

    @property
    def legs(self) -> tuple[BracketLeg, ...]:
        return (self.stop, self.take_profit, *self.scale_out)

    def next_client_id(self, prefix: str, leg: BracketLeg) -> str:
        """The id of ``leg``'s next attempt; a scaled-out bracket's levels name their level."""
        scaled = bool(self.scale_out) and leg.kind is LegKind.TAKE_PROFIT
        return leg.next_client_id(prefix, self.root, leg.level if scaled else None)

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

    def note_stop(self, now_ms: int) -> bool:
        """Add the resting stop's price to ``stop_history`` if it moved; True if it did."""
        if self.stop.status is not LegStatus.RESTING or self.stop.replacing is not None:
            return False
        price = self.stop.trigger_price
        if self.stop_history and self.stop_history[-1][1] == price:
            return False
        self.stop_history.append([now_ms, price])
        del self.stop_history[1:-_STOP_HISTORY_KEPT]  # the first price, and the newest moves
        return True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], pair: str = "") -> Bracket:
        stop = BracketLeg.from_dict(data["stop"])
        take_profit = BracketLeg.from_dict(data["take_profit"])
        scale_out = [BracketLeg.from_dict(raw) for raw in data.get("scale_out") or []]
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
            scale_out=scale_out,
            stop_history=[list(point) for point in data.get("stop_history") or []],
        )


def new_bracket(trade_id: int | None, pair: str, is_short: bool, root: str, stop_price: float,
                take_profits: list[tuple[float, float]], filled_ms: int,
                entry_order_id: str | None = None) -> Bracket:
    """A filled entry's bracket, nothing sent yet: the stop for the whole position, and each
    (price, quantity) take-profit level (one, or the levels of a bracket that scales out)."""
    quantity = exact_sum(*(level_quantity for _, level_quantity in take_profits))
    levels = [BracketLeg(LegKind.TAKE_PROFIT, price, level_quantity, level=number)
              for number, (price, level_quantity) in enumerate(take_profits, start=1)]
    return Bracket(trade_id=trade_id, pair=pair, is_short=is_short, root=root,
                   stop=BracketLeg(LegKind.STOP, stop_price, quantity), take_profit=levels[0],
                   entry_filled_ms=filled_ms, entry_order_id=entry_order_id,
                   scale_out=levels[1:])
