"""Guarding positions no trade owns: carries out ``core.untracked``'s policy.

Runs inside each loop's look, on the loop's snapshot: a position on one of the bot's pairs that no
open trade explains gets a closePosition STOP_MARKET (or a close at market, by setting), an
ERROR event, and its pair locked until the position is gone and that stop is confirmed
cancelled. Guards survive restarts in freqtrade's key-value store.
"""

from __future__ import annotations

from collections.abc import Callable

from ft_bracket.core import client_ids
from ft_bracket.core.actions import Cancel, Place, Query, ReadFill
from ft_bracket.core.client_ids import OrderRole
from ft_bracket.core.legs import BracketLeg, LegEvent, LegKind, LegStatus
from ft_bracket.core.untracked import (
    CloseAtMarket,
    Guard,
    GuardAction,
    Protect,
    Release,
    guard_trigger,
    plan_guard,
)
from ft_bracket.core.venue import VenueSnapshot
from ft_bracket.execution.context import ExecutionContext
from ft_bracket.execution.leg_orders import LegOrders
from ft_bracket.execution.ports import GuardStore
from ft_bracket.reporting.events import EventName, Severity

_MAX_PASSES = 4


class PositionGuard:
    """Guards positions no trade owns on this bot's pairs. ``lock`` / ``unlock``: keep new
    entries off a pair (freqtrade's pair locks) while it holds such a position."""

    def __init__(self, context: ExecutionContext, orders: LegOrders, store: GuardStore, *,
                 action: str, distance: float, lock: Callable[[str], None],
                 unlock: Callable[[str], None]) -> None:
        self.context = context
        self.orders = orders
        self.store = store
        self.events = context.events
        self.action = action
        self.distance = distance
        self.lock = lock
        self.unlock = unlock
        self.guards = {pair: Guard.from_dict(raw) for pair, raw in store.load_guards().items()}

    @property
    def client_ids(self) -> frozenset[str]:
        """The guards' stops: not orphans."""
        return frozenset(g.stop.client_id for g in self.guards.values() if g.stop.client_id)

    def guard(self, snapshot: VenueSnapshot, untracked: dict[str, float]) -> None:
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
                    self.context.failures.report(error, f"guard {type(action).__name__}",
                                                 pair=pair)
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
                guard = Guard(pair, position < 0, self._root(pair),
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
                    self._apply(guard, self.orders.query(pair, guard.stop))
            case ReadFill():
                if guard is not None:
                    self._apply(guard, self.orders.read_fill(pair, guard.stop))
            case Cancel():
                if guard is not None:
                    self._apply(guard, self.orders.cancel(pair, guard.stop,
                                                          lambda: self._save(guard)))
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
            parsed = client_ids.parse(self.context.prefix, leg.client_id)
            covers = leg.close_position or leg.quantity >= abs(position) - 1e-9
            if (parsed is None or parsed.role is not OrderRole.STOP or not covers
                    or str(leg.raw.get("side", "")).lower() != exit_side):
                continue
            stop = BracketLeg(LegKind.STOP, leg.trigger_price, leg.quantity,
                              status=LegStatus.RESTING, attempt=parsed.attempt,
                              client_id=leg.client_id, order_id=leg.order_id)
            self._save(Guard(pair, position < 0, parsed.root, stop))
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
        placement = self.orders.send(guard, stop, lambda: self._save(guard),
                                     close_position=True)
        self._apply(guard, self.orders.answer(stop, placement))
        if placement.leg is not None:
            if first:
                self.events.emit(
                    Severity.ERROR, EventName.UNTRACKED_POSITION, pair=guard.pair,
                    amount=position, stop=stop.trigger_price, stop_id=stop.order_id,
                    action="no open trade owns it: protected by a closePosition stop, the "
                           "pair is locked until the position is gone; close or keep it by hand")
            return
        if placement.would_trigger:
            self._close(guard.pair, position, guard)
            return
        self.events.emit(Severity.ERROR, EventName.UNTRACKED_POSITION, pair=guard.pair,
                         amount=position, reason=placement.error,
                         action="no open trade owns it and its protective stop was refused: "
                                "retrying on the next loop; the pair is locked")

    def _close(self, pair: str, position: float, guard: Guard | None) -> None:
        if guard is None:
            guard = Guard(pair, position < 0, self._root(pair),
                          BracketLeg(LegKind.STOP, 0.0, 0.0))
            self.lock(pair)
        guard.closes += 1
        self._save(guard)
        client_id = client_ids.close_id(self.context.prefix, guard.root, guard.closes)
        fill = self.orders.close_at_market(pair, guard.exit_side, abs(position), client_id)
        self.events.emit(Severity.ERROR, EventName.UNTRACKED_POSITION, pair=pair,
                         amount=position, order_id=fill.order_id if fill else None,
                         closed=fill.filled if fill else None,
                         action="no open trade owns it: closed at market; the pair stays locked "
                                "until the venue shows it gone")

    def _root(self, pair: str) -> str:
        return client_ids.untracked_root(pair, int(self.context.clock()))

    def _apply(self, guard: Guard, event: LegEvent | None) -> None:
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
