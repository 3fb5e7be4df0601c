"""Guarding positions no trade owns: the executor of ``core.guard``'s policy.

Runs inside each watch, on the loop's snapshot: a position on one of the bot's pairs that no
open trade explains gets a closePosition STOP_MARKET (or a close at market, by setting), an
ERROR event, and its pair locked until the position is gone and that stop is confirmed
cancelled. Guards survive restarts in freqtrade's key-value store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ft_bracket.core.legs import BracketLeg, LegKind, LegStatus, Rejected, Sent, parse_client_id
from ft_bracket.core.plan import Cancel, Place, Query, ReadFill
from ft_bracket.core.untracked import (
    CloseAtMarket,
    Guard,
    GuardAction,
    Protect,
    Release,
    guard_root,
    guard_trigger,
    plan_guard,
)
from ft_bracket.core.venue import VenueSnapshot, observe, observe_fill
from ft_bracket.reporting.events import EventName, EventSink, Severity
from ft_bracket.reporting.venue_failures import VenueFailures
from ft_bracket.venues.binance.gateway import Refusal

logger = logging.getLogger(__name__)

_MAX_PASSES = 4


class GuardStore(Protocol):
    def load_guards(self) -> dict[str, dict[str, Any]]: ...

    def save_guards(self, guards: dict[str, dict[str, Any]]) -> None: ...


class PositionGuard:
    """Guards positions no trade owns on this bot's pairs."""

    def __init__(self, gateway: Any, store: GuardStore, events: EventSink, *, prefix: str,
                 action: str, distance: float, lock: Callable[[str], None],
                 unlock: Callable[[str], None], clock: Callable[[], float],
                 may_land: Callable[[str, str], None]) -> None:
        self.gateway = gateway
        self.store = store
        self.events = events
        self.failures = VenueFailures(events)
        self.prefix = prefix
        self.action = action
        self.distance = distance
        self.lock = lock
        self.unlock = unlock
        self.clock = clock
        self.may_land = may_land  # a send with no answer the venue did not know (core.doubt)
        self.guards = {pair: Guard.from_dict(raw) for pair, raw in store.load_guards().items()}

    @property
    def client_ids(self) -> frozenset[str]:
        """The guards' stops: not orphans."""
        return frozenset(g.stop.client_id for g in self.guards.values() if g.stop.client_id)

    def watch(self, snapshot: VenueSnapshot, untracked: dict[str, float]) -> None:
        """Bring every guarded or newly untracked pair one step nearer to safe."""
        for pair in sorted(set(untracked) | set(self.guards)):
            position = untracked.get(pair, 0.0) if snapshot.positions is not None else None
            done: list[GuardAction] = []
            for _ in range(_MAX_PASSES):
                actions = [a for a in plan_guard(self.guards.get(pair), position, snapshot,
                                                 self.action) if a not in done]
                if not actions:
                    break
                try:
                    for action in actions:
                        done.append(action)
                        self._execute(action, pair, position or 0.0, snapshot)
                except Exception as error:  # the venue failed: the record says what to retry
                    self.failures.report(error, f"guard {type(action).__name__}", pair=pair)
                    break

    def _execute(self, action: GuardAction, pair: str, position: float,
                 snapshot: VenueSnapshot) -> None:
        guard = self.guards.get(pair)
        match action:
            case Protect():
                if self._adopt_resting_stop(pair, position, snapshot):
                    return
                mark = snapshot.marks.get(pair)
                if mark is None:
                    raise LookupError(f"no mark price for {pair}")
                guard = Guard(pair, position < 0, guard_root(pair, int(self.clock())),
                              BracketLeg(LegKind.STOP, guard_trigger(mark, position < 0,
                                                                    self.distance), 0.0))
                self._save(guard)
                self.lock(pair)
                self._place(guard, first=True, position=position)
            case Place():
                if guard is not None:
                    self._place(guard, first=False, position=position)
            case Query():
                if guard is not None:
                    venue = self.gateway.find(pair, client_id=guard.stop.client_id)
                    if venue is None and guard.stop.status is LegStatus.PLACING:
                        self.may_land(pair, guard.stop.client_id or "")
                    self._apply(guard, observe(guard.stop, venue))
            case ReadFill():
                if guard is not None and guard.stop.fill_order_id:
                    fill = self.gateway.fill(pair, guard.stop.fill_order_id)
                    self._apply(guard, observe_fill(guard.stop, fill))
            case Cancel():
                if guard is not None and guard.stop.order_id:
                    venue = self.gateway.cancel(pair, guard.stop.order_id)
                    self._apply(guard, observe(guard.stop, venue))
            case CloseAtMarket():
                self._close(pair, position, guard)
            case Release():
                self.guards.pop(pair, None)
                self._persist()
                self.unlock(pair)
                self.events.emit(Severity.WARNING, EventName.GUARD_RELEASED, pair=pair,
                                 action="the position is gone and its guard stop cancelled: "
                                        "the pair is unlocked")

    def _adopt_resting_stop(self, pair: str, position: float, snapshot: VenueSnapshot) -> bool:
        """A stop of ours already protects it (sent from the entry's answer, the bot killed
        before freqtrade recorded the trade): that stop becomes the guard's."""
        exit_side = "buy" if position < 0 else "sell"
        for leg in snapshot.legs_on(pair):
            parsed = parse_client_id(self.prefix, leg.client_id)
            covers = leg.close_position or leg.quantity >= abs(position) - 1e-9
            if (parsed is None or parsed[1] is not LegKind.STOP or not covers
                    or str(leg.raw.get("side", "")).lower() != exit_side):
                continue
            attempt = int(leg.client_id.rpartition("-")[2][2:] or 1)
            stop = BracketLeg(LegKind.STOP, leg.trigger_price, leg.quantity,
                              status=LegStatus.RESTING, attempt=attempt,
                              client_id=leg.client_id, order_id=leg.order_id)
            self._save(Guard(pair, position < 0, parsed[0], stop))
            self.lock(pair)
            self.events.emit(
                Severity.ERROR, EventName.UNTRACKED_POSITION, pair=pair, amount=position,
                stop=leg.trigger_price, stop_id=leg.order_id,
                action="no open trade owns it (the bot stopped before freqtrade recorded its "
                       "entry): the stop sent from the entry's answer protects it, the pair is "
                       "locked until the position is gone; close or keep it by hand")
            return True
        return False

    def _place(self, guard: Guard, *, first: bool, position: float) -> None:
        stop = guard.stop
        client_id = stop.next_client_id(self.prefix, guard.root)
        stop.apply(Sent(client_id))
        self._save(guard)
        placement = self.gateway.place(guard.pair, LegKind.STOP, guard.exit_side, 0.0,
                                       stop.trigger_price, client_id, close_position=True)
        if placement.leg is not None:
            self._apply(guard, observe(stop, placement.leg))
            if first:
                self.events.emit(
                    Severity.ERROR, EventName.UNTRACKED_POSITION, pair=guard.pair,
                    amount=position, stop=stop.trigger_price, stop_id=stop.order_id,
                    action="no open trade owns it: protected by a closePosition stop, the "
                           "pair is locked until the position is gone; close or keep it by hand")
            return
        if placement.refusal is Refusal.UNKNOWN:
            self.may_land(guard.pair, client_id)
        stop.apply(Rejected(placement.error or "refused"))
        self._save(guard)
        if placement.would_trigger:
            self._close(guard.pair, position, guard)
            return
        self.events.emit(Severity.ERROR, EventName.UNTRACKED_POSITION, pair=guard.pair,
                         amount=position, reason=placement.error,
                         action="no open trade owns it and its protective stop was refused: "
                                "retrying on the next loop; the pair is locked")

    def _close(self, pair: str, position: float, guard: Guard | None) -> None:
        if guard is None:
            guard = Guard(pair, position < 0, guard_root(pair, int(self.clock())),
                          BracketLeg(LegKind.STOP, 0.0, 0.0))
            self.lock(pair)
        guard.closes += 1
        self._save(guard)
        client_id = f"{self.prefix}-{guard.root}-x{guard.closes}"
        fill = self.gateway.close_at_market(pair, guard.exit_side, abs(position), client_id)
        if fill is None:  # no answer, and the venue did not know it: it may land late
            self.may_land(pair, client_id)
        self.events.emit(Severity.ERROR, EventName.UNTRACKED_POSITION, pair=pair,
                         amount=position, order_id=fill.order_id if fill else None,
                         closed=fill.filled if fill else None,
                         action="no open trade owns it: closed at market; the pair stays locked "
                                "until the venue shows it gone")

    def _apply(self, guard: Guard, event: Any) -> None:
        if event is not None:
            guard.stop.apply(event)
            self._save(guard)
            if guard.stop.status is LegStatus.FILLED:
                self.events.emit(Severity.WARNING, EventName.GUARD_STOP_FILLED, pair=guard.pair,
                                 price=guard.stop.fill_price, quantity=guard.stop.filled_quantity)

    def _save(self, guard: Guard) -> None:
        self.guards[guard.pair] = guard
        self._persist()

    def _persist(self) -> None:
        self.store.save_guards({pair: g.to_dict() for pair, g in self.guards.items()})
