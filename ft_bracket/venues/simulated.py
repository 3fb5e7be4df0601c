"""Dry-run's venue: legs rest in memory and never reach an exchange.

The executor runs the same policy in dry-run as live; only the venue differs. Nothing triggers
here while a trade is open: freqtrade simulates its own stop, and the strategy's ``custom_exit``
takes profit when the order book crosses the take-profit. When freqtrade closes the trade, the
bot's wiring tells this venue how (``trade_closed``); the executor then cancels what rests, as
it does live, and this venue answers as Binance would have: the leg whose level ended the trade
(by freqtrade's exit reason) fired and filled at the close rate, the other one is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ft_bracket.core.actions import EXIT_TAKE_PROFIT, STOP_OUT_REASONS
from ft_bracket.core.legs import LegKind
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot, VenueStatus
from ft_bracket.execution.ports import Placement

SIMULATED_ID_PREFIX = "dry-run-"


@dataclass(frozen=True)
class TradeExit:
    """How freqtrade closed a trade."""

    reason: str | None
    rate: float | None
    amount: float


class SimulatedGateway:
    """Same calls as ``LegGateway``; every placement rests, a cancel of a closed trade's leg
    tells whether that leg ended it."""

    def __init__(self) -> None:
        self._exits: dict[str, TradeExit] = {}  # pair -> how its trade closed
        self._legs: dict[str, VenueLeg] = {}  # by order id
        self._kinds: dict[str, LegKind] = {}  # by order id
        self._fills: dict[str, VenueFill] = {}  # by fill order id

    def place(self, pair: str, kind: LegKind, side: str, quantity: float, trigger_price: float,
              client_id: str, close_position: bool = False,
              trailing_rate: float | None = None) -> Placement:
        leg = VenueLeg(pair, SIMULATED_ID_PREFIX + client_id, client_id, VenueStatus.RESTING,
                       trigger_price, quantity, close_position=close_position)
        self._legs[leg.order_id] = leg
        self._kinds[leg.order_id] = kind
        self._exits.pop(pair, None)  # a new trade's leg: the last trade's exit is history
        return Placement(leg)

    def trade_closed(self, pair: str, how: TradeExit) -> None:
        """freqtrade closed the pair's trade: its legs answer their cancel by it. (One trade per
        pair: a one-way account nets a symbol into one position.)"""
        self._exits[pair] = how

    def find(self, pair: str, *, client_id: str | None = None, order_id: str | None = None
             ) -> VenueLeg | None:
        if order_id is not None:
            return self._legs.get(order_id)
        return next((leg for leg in self._legs.values() if leg.client_id == client_id), None)

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None:
        leg = self._legs.get(order_id)
        if leg is None or leg.status is not VenueStatus.RESTING:
            return leg
        ended = self._exits.get(pair)
        if ended is not None and self._ended_it(self._kinds[order_id], ended):
            fill_id = f"{SIMULATED_ID_PREFIX}fill-{leg.client_id}"
            # Each leg fills its own size (a take-profit level its share of the position).
            self._fills[fill_id] = VenueFill(fill_id, True, leg.quantity or ended.amount,
                                             ended.rate or leg.trigger_price, "filled")
            leg = replace(leg, status=VenueStatus.FINISHED, fill_order_id=fill_id)
        else:
            leg = replace(leg, status=VenueStatus.CANCELLED)
        self._legs[order_id] = leg
        return leg

    @staticmethod
    def _ended_it(kind: LegKind, ended: TradeExit) -> bool:
        if kind is LegKind.TAKE_PROFIT:
            return ended.reason == EXIT_TAKE_PROFIT
        return ended.reason in STOP_OUT_REASONS

    def fill(self, pair: str, order_id: str) -> VenueFill:
        fill = self._fills.get(order_id)
        if fill is None:
            raise LookupError(f"dry-run: no simulated fill {order_id}")
        return fill

    def snapshot(self, pairs: Iterable[str] | None = None, positions: bool = True
                 ) -> VenueSnapshot:
        legs = {leg.client_id: leg for leg in self._legs.values()
                if leg.status is VenueStatus.RESTING}
        return VenueSnapshot(legs=legs, positions=None, pairs=None)

    def positions(self) -> dict[str, float]:
        return {}  # dry-run holds nothing on a venue

    @staticmethod
    def endpoint_missing(error: Exception) -> bool:
        return False

    def close_at_market(self, pair: str, side: str, amount: float, client_id: str
                        ) -> VenueFill | None:
        raise LookupError(f"dry-run closes nothing on a venue ({client_id})")
