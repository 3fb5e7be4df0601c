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
from ft_bracket.gateway import LegGateway, Placement, VenueLeg, VenueStatus, venue_leg
from ft_bracket.legs import Bracket, BracketLeg, LegEvent, LegKind, LegStatus, parse_client_id

logger = logging.getLogger(__name__)

CUSTOM_DATA_KEY = "bracket_legs"
OPEN_LEG_STATUSES = (LegStatus.PLACING, LegStatus.RESTING)
EXIT_TAKE_PROFIT = "take_profit"
EXIT_TAKE_PROFIT_UNPLACEABLE = "take_profit_unplaceable"
# freqtrade's name for a position closed on the exchange by something it did not place.
EXIT_SOLD_ON_EXCHANGE = "sold_on_exchange"


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
    """The places where the manager must reach into freqtrade's own trade (adapter)."""

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool: ...

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str) -> bool: ...

    def import_exchange_exits(self, trade_id: int, reason: str) -> int: ...

    def stop_order_ids(self, trade_id: int) -> set[str]: ...

    def set_stop_price(self, trade_id: int, stop_price: float) -> None: ...


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
        # False until a start-up reconciliation has run to its end (a venue error may cut it
        # short: it is then run again before the next watch).
        self.reconciled = False
        # Pairs whose entry failed with an unknown outcome: pair -> when to look at the venue.
        self.suspect_entries: dict[str, float] = {}

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
        freqtrade_stops = self.hooks.stop_order_ids(trade.id) if self.hooks else set()
        if self.live and freqtrade_stops:
            # Recovering a trade whose stop freqtrade already placed: that one is the stop.
            bracket.stop.begin_attempt(self.settings.client_id_prefix, trade.id, opened_at_s)
            bracket.stop.apply(LegEvent.ACCEPTED)
            bracket.stop.order_id = sorted(freqtrade_stops)[-1]
            self.store(trade, bracket)
            self._place(trade, bracket, LegKind.TAKE_PROFIT, opened_at_s)
            return bracket
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
        exit_reason = None
        if leg.kind is LegKind.STOP:
            consequence = (
                "price is already through the stop: freqtrade's emergency exit closes the trade"
                if placement.would_trigger
                else "freqtrade places its own stop on its next loop"
            )
        elif placement.would_trigger:
            consequence = "price is already beyond the take-profit: closing at market"
            exit_reason = EXIT_TAKE_PROFIT
        elif leg.attempt >= self.settings.take_profit_max_attempts:
            consequence = f"no take-profit after {leg.attempt} attempts: closing at market"
            exit_reason = EXIT_TAKE_PROFIT_UNPLACEABLE
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
        if exit_reason is not None:  # after the failure event: cause first, then effect
            self.request_exit(trade, exit_reason)

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
            leg.status in (LegStatus.PLANNED, LegStatus.FAILED, LegStatus.CANCELLED)
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
            assert self.gateway is not None and venue.fill_order_id is not None
            # Read the fill before recording the leg filled: if the read fails, the leg still
            # looks open and the next loop settles it again (a filled leg is never looked at).
            fill = self.gateway.fetch_fill(trade.pair, venue.fill_order_id)
            leg.apply(LegEvent.TRIGGERED)
            leg.fill_order_id = venue.fill_order_id
            self.store(trade, bracket)
            self._take_profit_filled(trade, leg, fill)
            return
        # Cancelled or expired on the venue (or never arrived): put it back.
        leg.apply(LegEvent.CANCELLED)
        self.store(trade, bracket)
        self._replace(trade, bracket, leg, opened_s)

    def _take_profit_filled(
        self, trade: TradeView, leg: BracketLeg, fill: dict[str, Any] | None = None
    ) -> None:
        assert self.gateway is not None and leg.fill_order_id is not None
        if fill is None:
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

    # Entries with an unknown outcome ----------------------------------------------------------

    def entry_outcome_unknown(self, pair: str, reason: str, check_after_s: float) -> None:
        """An entry's answer was lost: it may still fill. The caller locks the pair; the venue's
        position is checked once the order can no longer be in flight."""
        self.suspect_entries[pair] = self.clock() + check_after_s
        self.events.emit(Severity.ERROR, EventName.ENTRY_FAILED, pair=pair, reason=reason,
                         action=f"pair locked; the position is checked in {check_after_s:g} s")

    def check_suspect_entries(self, trades: list[TradeView]) -> list[str]:
        """One positions call, only while a suspect entry is due. Returns the pairs found clean
        (to unlock); a pair holding more than its trades stays locked, with an ERROR event."""
        due = [p for p, at in self.suspect_entries.items() if at <= self.clock()]
        if not due or self.gateway is None:
            return []
        positions = self.gateway.positions()
        clean = []
        for pair in due:
            del self.suspect_entries[pair]
            tracked = sum((-t.amount if t.is_short else t.amount) for t in trades if t.pair == pair)
            excess = positions.get(pair, 0.0) - tracked
            if abs(excess) < 1e-12:
                clean.append(pair)
                continue
            self.events.emit(Severity.ERROR, EventName.UNTRACKED_POSITION, pair=pair,
                             amount=excess,
                             action="an entry filled after its answer was lost; no trade owns "
                                    "it and no leg protects it: the pair stays locked, close or "
                                    "adopt the excess by hand")
        return clean

    # Start-up ----------------------------------------------------------------------------------

    def reconcile(
        self, trades: list[TradeView], opened_at: Callable[[TradeView], int]
    ) -> list[str]:
        """Before the first trade decision after a (re)start: make every open trade's legs match
        the venue. Missing leg -> placed; a stop placed but never handed to freqtrade -> adopted
        (or cancelled if freqtrade has its own); a leg filled while the bot was down -> the trade
        closed through freqtrade; position gone -> legs cancelled and the exchange's exit
        imported; quantity changed -> take-profit resized; orphan legs -> cancelled.
        Returns the pairs holding a position no open trade owns (the caller locks them)."""
        if self.gateway is None or self.hooks is None:
            return []
        open_legs = self.gateway.open_legs()
        positions = self.gateway.positions()
        current: set[str] = set()
        for trade in trades:
            bracket = self.load(trade)
            if bracket is None:
                continue
            current.update(leg.client_id for leg in bracket.legs if leg.client_id)
            position = abs(positions.get(trade.pair, 0.0))
            if position == 0.0:
                self._position_gone(trade, bracket, open_legs)
                continue
            self._reconcile_stop(trade, bracket, open_legs, opened_at(trade))
            self._watch_take_profit(trade, bracket, open_legs, opened_at(trade))
            self._resize_take_profit(trade, bracket, position, opened_at(trade))
        self._cancel_orphans(open_legs, current)
        tracked = {t.pair for t in trades}
        untracked = [pair for pair in positions if pair not in tracked]
        for pair in untracked:
            self.events.emit(Severity.ERROR, EventName.UNTRACKED_POSITION, pair=pair,
                             amount=positions[pair],
                             action="no open trade owns it: the pair is locked; close or adopt "
                                    "it by hand")
        self.reconciled = True
        return untracked

    def _reconcile_stop(
        self, trade: TradeView, bracket: Bracket, open_legs: dict[str, VenueLeg], opened_s: int
    ) -> None:
        """Exactly one stop, at the bracket's price, owned by freqtrade."""
        assert self.gateway is not None and self.hooks is not None
        leg = bracket.stop
        # freqtrade's stop price must be the bracket's (a crash before custom_stoploss(after_fill)
        # leaves the hard cap in the database).
        self.hooks.set_stop_price(trade.id, leg.trigger_price)
        for order_id in self.hooks.stop_order_ids(trade.id):
            venue = self.gateway.find(trade.pair, order_id=order_id)
            if venue is not None and venue.status is VenueStatus.RESTING:
                if abs(venue.trigger_price - leg.trigger_price) < 1e-12:
                    return  # freqtrade's stop is the right one
                self.gateway.cancel(trade.pair, order_id)  # wrong price: replaced below
        found = (
            self.gateway.fetch_order(trade.pair, client_id=leg.client_id)
            if leg.client_id and leg.status in OPEN_LEG_STATUSES else None
        )
        if found is None or venue_leg(found, trade.pair).status is not VenueStatus.RESTING:
            if leg.status in OPEN_LEG_STATUSES:
                leg.apply(LegEvent.CANCELLED)
            placement = self._place(trade, bracket, LegKind.STOP, opened_s)
            found = placement.order if placement.accepted else None
        elif leg.status is LegStatus.PLACING:
            leg.order_id = venue_leg(found, trade.pair).order_id
            leg.apply(LegEvent.ACCEPTED)
            self.store(trade, bracket)
        if found is not None and self.hooks.adopt_stop(trade.id, found, leg.trigger_price):
            self.events.emit(Severity.WARNING, EventName.LEG_RECOVERED, trade=trade.id,
                             pair=trade.pair, leg="stop", order_id=leg.order_id,
                             price=leg.trigger_price, action="handed to freqtrade")

    def _position_gone(
        self, trade: TradeView, bracket: Bracket, open_legs: dict[str, VenueLeg]
    ) -> None:
        """No position on the venue for an open trade: a leg filled, or someone closed it."""
        assert self.gateway is not None and self.hooks is not None
        take_profit = bracket.take_profit
        venue_tp = (
            self.gateway.find(trade.pair, client_id=take_profit.client_id)
            if take_profit.client_id else None
        )
        if venue_tp is not None and venue_tp.status is VenueStatus.FILLED:
            if take_profit.status is not LegStatus.FILLED:
                take_profit.apply(LegEvent.TRIGGERED)
                take_profit.fill_order_id = venue_tp.fill_order_id
                self.store(trade, bracket)
            self._take_profit_filled(trade, take_profit)
            return
        for leg in bracket.legs:  # nothing to protect any more: no leg may outlive it
            venue = open_legs.get(leg.client_id or "")
            if venue is not None:
                self.gateway.cancel(trade.pair, venue.order_id)
            if leg.is_open and leg.kind is LegKind.TAKE_PROFIT:
                leg.apply(LegEvent.CANCELLED)
        self.store(trade, bracket)
        stop_filled = any(
            (v := self.gateway.find(trade.pair, order_id=i)) is not None
            and v.status is VenueStatus.FILLED
            for i in self.hooks.stop_order_ids(trade.id)
        )
        if stop_filled:
            return  # freqtrade sees its own stop filled on its first loop and closes the trade
        imported = self.hooks.import_exchange_exits(trade.id, EXIT_SOLD_ON_EXCHANGE)
        self.events.emit(Severity.WARNING, EventName.POSITION_GONE, trade=trade.id,
                         pair=trade.pair, exits_imported=imported,
                         action="legs cancelled; trade closed from the exchange's fills")

    def _resize_take_profit(
        self, trade: TradeView, bracket: Bracket, position: float, opened_s: int
    ) -> None:
        leg = bracket.take_profit
        if leg.status is not LegStatus.RESTING or abs(leg.quantity - position) < 1e-12:
            return
        assert self.gateway is not None
        venue = self.gateway.cancel(trade.pair, leg.order_id) if leg.order_id else None
        if venue is not None and venue.status is VenueStatus.FILLED:
            return
        leg.apply(LegEvent.CANCELLED)
        old = leg.quantity
        leg.quantity = position
        self.store(trade, bracket)
        self.events.emit(Severity.WARNING, EventName.LEG_RESIZED, trade=trade.id,
                         pair=trade.pair, leg="take_profit", old=old, new=position)
        self._place(trade, bracket, LegKind.TAKE_PROFIT, opened_s)

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
            if self.gateway is None or leg.order_id in adopted_stop_ids:
                # Nothing to send: a dry-run leg is simulated, and freqtrade's own stop either
                # closed the trade or is cancelled by freqtrade right after this callback.
                if _closed_by(leg.kind, getattr(trade, "exit_reason", None)):
                    leg.apply(LegEvent.TRIGGERED)
                else:
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
