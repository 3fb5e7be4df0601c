"""The OrderManager: runs bracket policy against the venue.

The policy (``core.plan``) says what to do; the executor does it, one action at a time: store
the intent → call the venue → observe the answer (``core.venue.observe``) → store → emit. Then
it asks the policy again with what it learnt, until nothing is left; each action runs at most
once per pass, so a venue that keeps failing costs one call per loop, not a spin.

Records live in freqtrade's custom data, so a crash at any point leaves a record that says what
might be on the venue. Dry-run runs the same code on a simulated venue.

Built from collaborators that each receive the one ``ExecutionContext``:
``LegOrders`` (our orders on the venue), ``BracketLegs`` (a bracket's legs and what a refusal
leads to), ``MarketCloses``, ``ExitRequests``, ``StopHandover`` (freqtrade's stop calls),
``EntryAnswers`` (legs from the entry's answer), ``PairClearance`` (clean pairs before entries)
and, live, ``PositionGuard`` (positions no trade owns).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from ft_bracket.core.actions import (
    Action,
    Adopt,
    AlignStopPrice,
    Cancel,
    CancelOrphan,
    CancelReplaced,
    ClosePastStop,
    CloseRest,
    ImportExits,
    MoveStop,
    Observe,
    Place,
    Query,
    ReadFill,
    RequestExit,
    ShowExitFill,
    TradeView,
    TrailStop,
)
from ft_bracket.core.bracket import Bracket, new_bracket
from ft_bracket.core.legs import Cancelled, LegStatus
from ft_bracket.core.plan import plan_bracket
from ft_bracket.core.risk import Decision
from ft_bracket.core.scale_out import Merge
from ft_bracket.core.venue import VenueSnapshot
from ft_bracket.execution.bracket_legs import BracketLegs
from ft_bracket.execution.context import ExecutionContext, ManagerSettings
from ft_bracket.execution.entry_answers import EntryAnswers
from ft_bracket.execution.exit_requests import ExitRequests
from ft_bracket.execution.exits_in_flight import ExitsInFlight
from ft_bracket.execution.leg_orders import LegOrders
from ft_bracket.execution.market_closes import MarketCloses
from ft_bracket.execution.pair_clearance import PairClearance
from ft_bracket.execution.ports import FreqtradeSide, Gateway, GuardStore, Placement, StopReport
from ft_bracket.execution.stop_handover import StopHandover
from ft_bracket.execution.untracked_positions import PositionGuard
from ft_bracket.reporting.bracket_reports import BracketReports, leg_name
from ft_bracket.reporting.events import EventSink

# Enough passes for the longest chain (query → read fill → show fill → cancel sibling).
_MAX_PASSES = 6


class OrderManager:
    """Owns the brackets of one bot."""

    def __init__(self, settings: ManagerSettings, gateway: Gateway, freqtrade: FreqtradeSide,
                 events: EventSink, *, dry_run: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.context = context = ExecutionContext(
            settings, gateway, freqtrade, events, BracketReports(events, dry_run), clock)
        self.exits = ExitRequests(context.reports)
        self.freqtrade_exits = ExitsInFlight()
        self.orders = LegOrders(context)
        self.closes = MarketCloses(context, self.orders)
        self.legs = BracketLegs(context, self.orders, self.closes, self.exits)
        self.stops = StopHandover(context, self.legs, self.orders)
        self.entries = EntryAnswers(context, self.legs, self.closes, self.exits)
        self.clearance = PairClearance(context)
        self._unsettled: dict[int, str] = {}  # closed trades whose legs may still rest

    # What freqtrade's side asks -----------------------------------------------------------------

    @property
    def clock(self) -> Callable[[], float]:
        return self.context.clock

    @property
    def snapshot(self) -> VenueSnapshot:
        """The last look at the venue, kept current by the executor's own calls."""
        return self.context.known.snapshot

    @property
    def reconciled(self) -> bool:
        """A look has seen the whole account (the start-up reconciliation is done)."""
        return self.context.known.reconciled

    def seen_positions(self) -> dict[str, float]:
        """Signed positions per pair as of the last look ({} when none were read)."""
        return dict(self.context.known.snapshot.positions or {})

    def report_failure(self, error: Exception, step: str, **fields: Any) -> None:
        """A failure of the caller's step, reported as the executor's own are."""
        self.context.failures.report(error, step, **fields)

    def load(self, trade_id: int, pair: str = "") -> Bracket | None:
        return self.context.store.load(trade_id, pair)

    def exit_wanted(self, trade_id: int) -> str | None:
        """The exit reason the plugin asked freqtrade for (``custom_exit`` returns it)."""
        return self.exits.wanted(trade_id)

    def note_stop_reason(self, trade_id: int, why: str) -> None:
        """Why freqtrade's stop is about to tighten (a ready-made policy): said when the
        venue's stop follows."""
        self.context.known.stop_reasons[trade_id] = why

    def trail_on_exchange(self, trade_id: int, rate: float) -> None:
        """The strategy's trailing policy is on and runs on the venue: the stop becomes a
        TRAILING_STOP_MARKET at ``rate`` %, which trails while the bot is down too."""
        self.context.known.trail_requests[trade_id] = rate

    def entry_clearance(self, pair: str) -> Decision:
        return self.clearance.for_entry(pair)

    def protect_entry(self, **entry: Any) -> None:
        self.entries.protect_entry(**entry)

    def place_stop(self, trade: TradeView, amount: float, stop_price: float
                   ) -> Placement | None:
        return self.stops.place_stop(trade, amount, stop_price)

    def stop_report(self, trade_id: int, order_id: str) -> StopReport | None:
        return self.stops.stop_report(trade_id, order_id)

    def cancel_stop(self, trade_id: int, order_id: str) -> StopReport | None:
        return self.stops.cancel_stop(trade_id, order_id)

    def other_brackets_orders(self, pair: str, trade_id: int, known: set[str],
                              neighbours: list[int], orders: list[dict]) -> set[str]:
        return self.stops.other_brackets_orders(pair, trade_id, known, neighbours, orders)

    def adopt_stop(self, trade: TradeView) -> bool:
        return self.stops.adopt_stop(trade)

    def guard_positions(self, store: GuardStore, *, action: str, distance: float,
                        lock: Callable[[str], None], unlock: Callable[[str], None]
                        ) -> PositionGuard:
        """The guard of positions no trade owns, on this executor's venue and orders."""
        return PositionGuard(self.context, self.orders, store, action=action,
                             distance=distance, lock=lock, unlock=unlock)

    # Entry fill ------------------------------------------------------------------------------

    def open_bracket(self, trade: TradeView, root: str, stop_price: float,
                     take_profit_price: float, entry_order_id: str | None = None, *,
                     take_profits: list[tuple[float, float]] | None = None,
                     merged: Sequence[Merge] = ()) -> Bracket:
        """Protect a filled entry: stop first (it limits the loss), then the take-profit (or
        each of ``take_profits``' (price, quantity) levels); or take over the legs placed from
        the entry's answer. Idempotent: freqtrade may report the same fill twice; a recorded
        bracket is kept."""
        with self.context.lock:
            existing = self.load(trade.trade_id, trade.pair)
            if existing is not None:
                return existing
            pending = self.entries.take_pending(trade, entry_order_id)
            if pending is not None:
                self._note_stop(pending)
                return pending
            bracket = new_bracket(trade.trade_id, trade.pair, trade.is_short, root,
                                  stop_price, take_profits or [(take_profit_price, trade.amount)],
                                  self.context.now_ms())
            self.context.store.store(bracket)
            self.context.reports.levels_merged(bracket, merged)
            self.legs.protect(bracket)
            self._note_stop(bracket)
            if all(leg.status is LegStatus.RESTING for leg in bracket.legs):
                self.context.reports.placed(bracket)
            return bracket

    # Every loop, and at start-up ---------------------------------------------------------------

    def every_loop(self, trades: list[TradeView]) -> None:
        """``look``, then ``sweep_orphans``: a loop of a bot that guards no positions."""
        self.look(trades)
        self.sweep_orphans()

    def look(self, trades: list[TradeView], pairs: set[str] | None = None) -> None:
        """One look at the account, then each bracket brought in line with it.

        Until the first full look (start-up, or after a venue error cut it short) every pair
        is read; afterwards the pairs with a bracket, with an earlier trade's leg not yet
        confirmed gone, and ``pairs`` (positions the caller guards).
        """
        context, known = self.context, self.context.known
        with context.lock:
            records = [(t, b) for t in trades
                       if (b := self.load(t.trade_id, t.pair)
                           or self.entries.take_pending(t, None))]
            for trade_id in list(self._unsettled):  # closed trades whose legs may still rest
                view = context.freqtrade.trade_view(trade_id)
                bracket = self.load(trade_id)
                if view is None or bracket is None or view.is_open:
                    del self._unsettled[trade_id]
                else:
                    records.append((view, bracket))
            wanted = {b.pair for _, b in records} | (pairs or set()) | context.stray.pairs()
            known.snapshot = context.gateway.snapshot(wanted if known.reconciled else None)
            context.stray.after_look(known.snapshot, context.clock())
            for venue in known.snapshot.legs.values():
                known.seen(venue)
            for trade, bracket in records:
                self._run(bracket, self._view(trade))
            known.open_trades = [t for t, _ in records if t.is_open]
            known.brackets = {b.trade_id: b for _, b in records if b.trade_id is not None}
            self._note_unsettled(known.brackets.values())
            self.freqtrade_exits.next_look()
            known.reconciled = True

    def sweep_orphans(self, keep: frozenset[str] = frozenset()) -> None:
        self.clearance.sweep_orphans(keep)

    def close_bracket(self, trade: TradeView) -> None:
        """The trade is closed: end what still rests (cancelled, or found filled). A leg whose
        end the venue has not confirmed is followed by every look until it has."""
        with self.context.lock:
            self.exits.forget(trade.trade_id)
            bracket = self.load(trade.trade_id, trade.pair)
            if bracket is None:
                return
            self._run(bracket, self._view(trade))
            self.context.known.brackets[trade.trade_id] = bracket
            self.context.known.open_trades = [t for t in self.context.known.open_trades
                                              if t.trade_id != trade.trade_id]
            self._note_unsettled([bracket])

    def _note_unsettled(self, brackets: Iterable[Bracket]) -> None:
        open_ids = {t.trade_id for t in self.context.known.open_trades}
        for bracket in brackets:
            if bracket.trade_id is None or bracket.trade_id in open_ids:
                continue
            if any(leg.may_act for leg in bracket.legs):
                self._unsettled[bracket.trade_id] = bracket.pair
            else:
                self._unsettled.pop(bracket.trade_id, None)

    # The plan loop ---------------------------------------------------------------------------

    def _view(self, trade: TradeView) -> TradeView:
        sending = self.freqtrade_exits.on_the_way(trade.pair)
        return replace(trade, exit_requested=self.exits.wanted(trade.trade_id),
                       exit_order_open=trade.exit_order_open or sending,
                       trail_rate=self.context.known.trail_requests.get(trade.trade_id))

    def _run(self, bracket: Bracket, trade: TradeView) -> None:
        done: list[Action] = []
        for _ in range(_MAX_PASSES):
            actions = [a for a in plan_bracket(bracket, trade, self.context.known.snapshot,
                                               self.context.settings.take_profit_max_attempts)
                       if a not in done]
            after = self._execute_all(actions, bracket, trade, done) if actions else None
            if after is None:
                break
            trade = after
        # Ended by us: a cancel sent, or a leg the snapshot showed ended.
        ours = {(a.kind, a.level) for a in done if isinstance(a, Cancel)
                or (isinstance(a, Observe) and isinstance(a.event, Cancelled))}
        cancelled = [leg_name(leg) for leg in bracket.legs
                     if (leg.kind, leg.level) in ours and leg.status is LegStatus.CANCELLED]
        if cancelled:
            self.context.reports.cancelled(bracket, cancelled)
        self._note_stop(bracket)
        self.stops.settle_freqtrade_stop(bracket, trade)

    def _note_stop(self, bracket: Bracket) -> None:
        """The stop's price in its history, if it rests at a new one (the chart draws it)."""
        if bracket.note_stop(self.context.now_ms()):
            self.context.store.store(bracket)

    def _execute_all(self, actions: list[Action], bracket: Bracket, trade: TradeView,
                     done: list[Action]) -> TradeView | None:
        """Run one pass; None when the venue failed (the record says what to retry)."""
        for action in actions:
            done.append(action)
            try:
                trade = self._execute(action, bracket, trade)
            except Exception as error:  # retried on the next loop, from the record
                self.context.failures.report(error, type(action).__name__,
                                             trade=bracket.trade_id, pair=bracket.pair)
                return None
        return trade

    def _execute(self, action: Action, bracket: Bracket, trade: TradeView) -> TradeView:
        """Carry out one action; returns the trade view as it is afterwards."""
        match action:
            case Observe(kind=kind, event=event, level=level):
                self.legs.apply(bracket, bracket.leg(kind, level), event)
            case Query(kind=kind, level=level):
                self.legs.query(bracket, bracket.leg(kind, level))
            case ReadFill(kind=kind, level=level):
                self.legs.read_fill(bracket, bracket.leg(kind, level))
            case Place(kind=kind, quantity=quantity, level=level):
                self.legs.replace(bracket, bracket.leg(kind, level), quantity)
            case Cancel(kind=kind, level=level):
                self.legs.cancel(bracket, bracket.leg(kind, level))
            case MoveStop(price=price):
                self.legs.move_stop(bracket, price, self.context.known.stop_reasons.get(
                    trade.trade_id, "freqtrade's stop moved (custom_stoploss)"))
            case TrailStop(rate=rate):
                self.legs.trail_stop(bracket, rate)
            case CancelReplaced(kind=kind, level=level):
                self.legs.cancel_replaced(bracket, bracket.leg(kind, level))
            case Adopt():
                if self.stops.adopt(bracket, trade):
                    trade = replace(trade, freqtrade_stop_ids=trade.freqtrade_stop_ids
                                    | {bracket.stop.order_id or ""})
            case AlignStopPrice(price=price):
                self.context.freqtrade.set_stop_price(trade.trade_id, price)
                trade = replace(trade, stop_price=price)
            case ShowExitFill(kind=kind, level=level):
                self.stops.show_exit_fill(bracket, trade, bracket.leg(kind, level))
            case ImportExits(reason=reason):
                imported = self.context.freqtrade.import_exchange_exits(
                    trade.trade_id, reason, self.freqtrade_exits.order_ids()
                    | bracket.fill_order_ids)
                if imported.count:  # none: freqtrade's own exit, its row not read yet
                    self.context.reports.position_gone(bracket, imported.count,
                                                       imported.forced)
            case RequestExit(reason=reason):
                self.exits.request(bracket, reason)
                trade = replace(trade, exit_requested=reason)
            case CloseRest(kind=kind, quantity=quantity):
                self.closes.rest(bracket, kind, quantity)
            case ClosePastStop(quantity=quantity):
                again = self.closes.past_stop(bracket, quantity)
                if again is not None:
                    self.legs.replace(bracket, bracket.stop, again.quantity, after_close=True)
            case CancelOrphan():
                self.clearance.cancel_orphan(action)
        return trade
