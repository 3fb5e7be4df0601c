"""A gateway for dry-run: legs rest in memory and never reach a venue.

The OrderManager runs the same code in dry-run as live; only this gateway differs. Triggers are
not simulated here: freqtrade simulates its own stop, and the plugin's ``custom_exit`` takes
profit when the order book crosses the take-profit (the closed trade's exit reason then says which
leg ended it).
"""

from __future__ import annotations

from collections.abc import Iterable

from ft_bracket.core.legs import LegKind
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot, VenueStatus
from ft_bracket.venues.binance.gateway import Placement

SIMULATED_ID_PREFIX = "dry-run-"


class SimulatedGateway:
    """Same calls as ``LegGateway``; every placement rests, every cancel succeeds."""

    def __init__(self) -> None:
        self._legs: dict[str, VenueLeg] = {}  # by order id

    def place(self, pair: str, kind: LegKind, side: str, quantity: float, trigger_price: float,
              client_id: str, close_position: bool = False) -> Placement:
        leg = VenueLeg(pair, SIMULATED_ID_PREFIX + client_id, client_id, VenueStatus.RESTING,
                       trigger_price, quantity, close_position=close_position)
        self._legs[leg.order_id] = leg
        return Placement(leg)

    def find(self, pair: str, *, client_id: str | None = None, order_id: str | None = None
             ) -> VenueLeg | None:
        if order_id is not None:
            return self._legs.get(order_id)
        return next((leg for leg in self._legs.values() if leg.client_id == client_id), None)

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None:
        leg = self._legs.get(order_id)
        if leg is not None and leg.status is VenueStatus.RESTING:
            leg = self._legs[order_id] = VenueLeg(
                leg.pair, leg.order_id, leg.client_id, VenueStatus.CANCELLED, leg.trigger_price,
                leg.quantity, close_position=leg.close_position)
        return leg

    def fill(self, pair: str, order_id: str) -> VenueFill:
        raise LookupError(f"dry-run legs never fill on a venue ({order_id})")

    def snapshot(self, pairs: Iterable[str] | None = None, positions: bool = True
                 ) -> VenueSnapshot:
        legs = {leg.client_id: leg for leg in self._legs.values()
                if leg.status is VenueStatus.RESTING}
        return VenueSnapshot(legs=legs, positions=None, pairs=None)

    def positions(self) -> dict[str, float]:
        return {}  # dry-run holds nothing on a venue
