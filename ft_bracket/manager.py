"""The OrderManager: turns a filled entry into a protected position and keeps it protected.

After the entry fill it places a reduce-only STOP_MARKET and TAKE_PROFIT_MARKET at once. The stop
is then handed to freqtrade (adopted as its own stop-on-exchange order, so freqtrade polls,
trails and cancels it as usual); the take-profit stays the plugin's: it is watched once per loop
with a single call for all brackets, and when it fills freqtrade is shown the fill so that it
closes the trade through its normal path (database, profit, webhooks, protections).

Every transition is written to freqtrade's custom data before the next exchange call, so a crash
at any point leaves a record that says what might be on the venue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ft_bracket.events import EventName, EventSink, Severity
from ft_bracket.gateway import LegGateway, Placement, VenueLeg, VenueStatus
from ft_bracket.legs import Bracket, BracketLeg, LegEvent, LegKind, LegStatus, parse_client_id

logger = logging.getLogger(__name__)

CUSTOM_DATA_KEY = "bracket_legs"
EXIT_TAKE_PROFIT = "take_profit"
EXIT_TAKE_PROFIT_UNPLACEABLE = "take_profit_unplaceable"


class TradeView(Protocol):
    """What the manager reads of a freqtrade trade (a copy is fine)."""

    id: int
    pair: str
    is_short: bool
    amount: float
    is_open: bool

    @property
    def exit_side(self) -> str: ...

    def get_custom_data(self, key: str, default: Any = None) -> Any: ...

    def set_custom_data(self, key: str, value: Any) -> None: ...


class FreqtradeHooks(Protocol):
    """The two places where the manager must reach into freqtrade's own trade (adapter)."""

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool: ...

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str) -> bool: ...


@dataclass(frozen=True)
class ManagerSettings:
    client_id_prefix: str = "ftb"
    take_profit_max_attempts: int = 3


class BracketManager:
    """Owns the brackets of one bot. ``gateway`` is None in dry-run: legs are simulated."""

    def __init__(
        self,
        settings: ManagerSettings,
        gateway: LegGateway | None,
        hooks: FreqtradeHooks | None,
        events: EventSink,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.hooks = hooks
        self.events = events
        self.clock = clock
        self._placed_stops: dict[int, Placement] = {}
        self.exit_requests: dict[int, str] = {}

    @property
    def live(self) -> bool:
        return self.gateway is not None

    # Records ---------------------------------------------------------------------------------

    @staticmethod
    def load(trade: TradeView) -> Bracket | None:
        data = trade.get_custom_data(CUSTOM_DATA_KEY)
        return Bracket.from_dict(data) if data else None

    @staticmethod
    def store(trade: TradeView, bracket: Bracket) -> None:
        trade.set_custom_data(CUSTOM_DATA_KEY, bracket.to_dict())

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # Entry fill ------------------------------------------------------------------------------

    def open_bracket(
        self,
        trade: TradeView,
        opened_at_s: int,
        stop_price: float,
        take_profit_price: float,
    ) -> Bracket:
        """Protect a filled entry: stop first (it limits the loss), then the take-profit.

        Idempotent: freqtrade may report the same fill twice; a recorded bracket is kept.
        """
        existing = self.load(trade)
        if existing is not None:
            return existing
        bracket = Bracket(
            trade_id=trade.id,
            is_short=trade.is_short,
            stop=BracketLeg(LegKind.STOP, stop_price, trade.amount),
            take_profit=BracketLeg(LegKind.TAKE_PROFIT, take_profit_price, trade.amount),
            entry_filled_ms=self._now_ms(),
        )
        self.store(trade, bracket)
        if not self.live:
            for leg in bracket.legs:
                leg.begin_attempt(self.settings.client_id_prefix, trade.id, opened_at_s)
                leg.apply(LegEvent.ACCEPTED)
            self.store(trade, bracket)
            self._placed_event(trade, bracket, simulated=True)
            return bracket
        stop = self._place(trade, bracket, LegKind.STOP, opened_at_s)
        if stop.accepted:
            self._placed_stops[trade.id] = stop
        self._place(trade, bracket, LegKind.TAKE_PROFIT, opened_at_s)
        if all(leg.status is LegStatus.RESTING for leg in bracket.legs):
            self._placed_event(trade, bracket, simulated=False)
        return bracket

    def _placed_event(self, trade: TradeView, bracket: Bracket, simulated: bool) -> None:
        protected = [bracket.protected_ms.get(k.value) for k in LegKind]
        window = (
            max(protected) - bracket.entry_filled_ms
            if all(protected) and bracket.entry_filled_ms
            else None
        )
        self.events.emit(
            Severity.INFO,
            EventName.BRACKET_PLACED,
            trade=trade.id,
            pair=trade.pair,
            side="short" if trade.is_short else "long",
            quantity=bracket.stop.quantity,
            stop=bracket.stop.trigger_price,
            stop_id=bracket.stop.order_id or bracket.stop.client_id,
            take_profit=bracket.take_profit.trigger_price,
            take_profit_id=bracket.take_profit.order_id or bracket.take_profit.client_id,
            unprotected_ms=window,
            simulated="yes" if simulated else None,
        )

    def _place(
        self, trade: TradeView, bracket: Bracket, kind: LegKind, opened_at_s: int
    ) -> Placement:
        assert self.gateway is not None
        leg = bracket.leg(kind)
        client_id = leg.begin_attempt(self.settings.client_id_prefix, trade.id, opened_at_s)
        self.store(trade, bracket)  # the attempt is on record before it is sent
        placement = self.gateway.place(
            trade.pair, kind, trade.exit_side, leg.quantity, leg.trigger_price, client_id
        )
        if placement.leg is not None:
            leg.order_id = placement.leg.order_id
            if placement.leg.status is VenueStatus.RESTING:
                leg.apply(LegEvent.ACCEPTED)
                bracket.protected_ms[kind.value] = self._now_ms()
            elif placement.leg.status is VenueStatus.FILLED:
                leg.apply(LegEvent.TRIGGERED)
                leg.fill_order_id = placement.leg.fill_order_id
            else:
                leg.apply(LegEvent.CANCELLED)
        else:
            leg.apply(LegEvent.REJECTED)
            leg.error = placement.error
            self._placement_failed(trade, leg, placement)
        self.store(trade, bracket)
        return placement

    def _placement_failed(self, trade: TradeView, leg: BracketLeg, placement: Placement) -> None:
        if leg.kind is LegKind.STOP:
            consequence = (
                "price is already through the stop: freqtrade's emergency exit closes the trade"
                if placement.would_trigger
                else "freqtrade places its own stop on its next loop"
            )
        elif placement.would_trigger:
            consequence = "price is already beyond the take-profit: closing at market"
            self.request_exit(trade, EXIT_TAKE_PROFIT)
        elif leg.attempt >= self.settings.take_profit_max_attempts:
            consequence = f"no take-profit after {leg.attempt} attempts: closing at market"
            self.request_exit(trade, EXIT_TAKE_PROFIT_UNPLACEABLE)
        else:
            consequence = "retrying on the next loop; the stop still protects the position"
        self.events.emit(
            Severity.ERROR,
            EventName.LEG_FAILED,
            trade=trade.id,
            pair=trade.pair,
            leg=leg.kind.value,
            price=leg.trigger_price,
            client_id=leg.client_id,
            reason=placement.error,
            action=consequence,
        )

    def request_exit(self, trade: TradeView, reason: str) -> None:
        """Ask freqtrade to close the trade at market (``custom_exit`` reads this)."""
        if self.exit_requests.get(trade.id) != reason:
            self.exit_requests[trade.id] = reason
            self.events.emit(Severity.WARNING, EventName.EXIT_REQUESTED, trade=trade.id,
                             pair=trade.pair, reason=reason)

    def adopt_stop(self, trade: TradeView) -> bool:
        """Hand the stop placed at the fill to freqtrade; False if there is none to hand over."""
        placement = self._placed_stops.pop(trade.id, None)
        if placement is None or placement.order is None or self.hooks is None:
            return False
        bracket = self.load(trade)
        if bracket is None or bracket.stop.status is not LegStatus.RESTING:
            return False
        return self.hooks.adopt_stop(trade.id, placement.order, bracket.stop.trigger_price)

    # Every loop ------------------------------------------------------------------------------

    def watch(self, trades: list[TradeView], opened_at: Callable[[TradeView], int]) -> None:
        """One call for every open leg of the account, one more per leg that changed."""
        if self.gateway is None:
            return
        brackets = [(t, b) for t in trades if (b := self.load(t)) is not None]
        open_legs = self.gateway.open_legs()
        current: set[str] = set()
        for trade, bracket in brackets:
            current.update(leg.client_id for leg in bracket.legs if leg.client_id)
            self._watch_take_profit(trade, bracket, open_legs, opened_at(trade))
            self._watch_stop(trade, bracket, open_legs)
        self._cancel_orphans(open_legs, current)

    def _watch_take_profit(
        self, trade: TradeView, bracket: Bracket, open_legs: dict[str, VenueLeg], opened_s: int
    ) -> None:
        assert self.gateway is not None
        leg = bracket.take_profit
        if leg.status is LegStatus.RESTING and leg.client_id in open_legs:
            return
        if leg.status in (LegStatus.RESTING, LegStatus.PLACING):
            venue = (
                open_legs.get(leg.client_id or "")
                or self.gateway.find(trade.pair, client_id=leg.client_id)
            )
            self._settle(trade, bracket, leg, venue, opened_s)
        elif (
            leg.status in (LegStatus.FAILED, LegStatus.CANCELLED)
            and trade.id not in self.exit_requests
        ):
            self._replace(trade, bracket, leg, opened_s)

    def _settle(
        self,
        trade: TradeView,
        bracket: Bracket,
        leg: BracketLeg,
        venue: VenueLeg | None,
        opened_s: int,
    ) -> None:
        """Bring a take-profit record in line with what the venue says about it."""
        if venue is not None and venue.status is VenueStatus.RESTING:
            if leg.status is LegStatus.PLACING:
                leg.order_id = venue.order_id
                leg.apply(LegEvent.ACCEPTED)
                self.store(trade, bracket)
            return
        if venue is not None and venue.status is VenueStatus.FILLED:
            leg.apply(LegEvent.TRIGGERED)
            leg.fill_order_id = venue.fill_order_id
            self.store(trade, bracket)
            self._take_profit_filled(trade, leg)
            return
        # Cancelled or expired on the venue (or never arrived): put it back.
        leg.apply(LegEvent.CANCELLED)
        self.store(trade, bracket)
        self._replace(trade, bracket, leg, opened_s)

    def _take_profit_filled(self, trade: TradeView, leg: BracketLeg) -> None:
        assert self.gateway is not None and leg.fill_order_id is not None
        fill = self.gateway.fetch_fill(trade.pair, leg.fill_order_id)
        self.events.emit(
            Severity.INFO,
            EventName.TAKE_PROFIT_FILLED,
            trade=trade.id,
            pair=trade.pair,
            price=fill.get("average"),
            quantity=fill.get("filled"),
            order_id=leg.fill_order_id,
        )
        if self.hooks is not None:
            self.hooks.register_exit_fill(trade.id, fill, EXIT_TAKE_PROFIT)

    def _replace(
        self, trade: TradeView, bracket: Bracket, leg: BracketLeg, opened_s: int
    ) -> None:
        attempts_left = leg.attempt < self.settings.take_profit_max_attempts
        if leg.kind is LegKind.TAKE_PROFIT and not attempts_left:
            self.request_exit(trade, EXIT_TAKE_PROFIT_UNPLACEABLE)
            return
        self.events.emit(Severity.WARNING, EventName.LEG_REPLACED, trade=trade.id,
                         pair=trade.pair, leg=leg.kind.value, previous=leg.client_id)
        placement = self._place(trade, bracket, leg.kind, opened_s)
        if placement.accepted:
            self.events.emit(Severity.INFO, EventName.LEG_PLACED, trade=trade.id,
                             pair=trade.pair, leg=leg.kind.value, price=leg.trigger_price,
                             order_id=leg.order_id, client_id=leg.client_id)

    def _watch_stop(
        self, trade: TradeView, bracket: Bracket, open_legs: dict[str, VenueLeg]
    ) -> None:
        """freqtrade owns the stop once adopted; keep the record honest for the REST API."""
        assert self.gateway is not None
        leg = bracket.stop
        if leg.status is not LegStatus.RESTING or leg.client_id in open_legs:
            return
        venue = self.gateway.find(trade.pair, client_id=leg.client_id)
        if venue is not None and venue.status is VenueStatus.FILLED:
            leg.apply(LegEvent.TRIGGERED)
            leg.fill_order_id = venue.fill_order_id
        elif venue is None or venue.status is VenueStatus.GONE:
            # freqtrade re-creates a cancelled stop itself (with its own id).
            leg.apply(LegEvent.CANCELLED)
        else:
            return
        self.store(trade, bracket)

    def _cancel_orphans(self, open_legs: dict[str, VenueLeg], current: set[str]) -> None:
        """Cancel our legs that belong to no open trade (or to an abandoned attempt)."""
        assert self.gateway is not None
        for client_id, venue in open_legs.items():
            if parse_client_id(self.settings.client_id_prefix, client_id) is None:
                continue
            if client_id in current:
                continue
            self.gateway.cancel(venue.pair, venue.order_id)
            self.events.emit(Severity.WARNING, EventName.ORPHAN_CANCELLED, pair=venue.pair,
                             client_id=client_id, order_id=venue.order_id)

    # Exit ------------------------------------------------------------------------------------

    def close_bracket(self, trade: TradeView, adopted_stop_ids: set[str]) -> None:
        """The trade is closed: cancel what still rests (freqtrade cancels stops it owns)."""
        self.exit_requests.pop(trade.id, None)
        self._placed_stops.pop(trade.id, None)
        bracket = self.load(trade)
        if bracket is None:
            return
        cancelled = []
        for leg in bracket.legs:
            if not leg.is_open:
                continue
            if self.gateway is None:
                # Dry-run: the simulated leg that closed the trade filled, the other is dropped.
                if _closed_by(leg.kind, getattr(trade, "exit_reason", None)):
                    leg.apply(LegEvent.TRIGGERED)
                else:
                    leg.apply(LegEvent.CANCELLED)
                    cancelled.append(leg.kind.value)
                continue
            if leg.order_id in adopted_stop_ids:
                # freqtrade cancels its own stop right after this callback.
                leg.apply(LegEvent.CANCELLED)
                cancelled.append(leg.kind.value)
                continue
            venue = (
                self.gateway.cancel(trade.pair, leg.order_id)
                if leg.order_id
                else self.gateway.find(trade.pair, client_id=leg.client_id)
            )
            if venue is not None and venue.status is VenueStatus.RESTING:
                venue = self.gateway.cancel(trade.pair, venue.order_id)
            if venue is not None and venue.status is VenueStatus.FILLED:
                leg.apply(LegEvent.TRIGGERED)
                leg.fill_order_id = venue.fill_order_id
            else:
                leg.apply(LegEvent.CANCELLED)
                cancelled.append(leg.kind.value)
            self.store(trade, bracket)
        self.store(trade, bracket)
        if cancelled:
            self.events.emit(Severity.INFO, EventName.LEGS_CANCELLED, trade=trade.id,
                             pair=trade.pair, legs=",".join(cancelled))


def _closed_by(kind: LegKind, exit_reason: str | None) -> bool:
    if kind is LegKind.TAKE_PROFIT:
        return exit_reason == EXIT_TAKE_PROFIT
    return exit_reason in ("stop_loss", "stoploss_on_exchange")
