"""The OrderManager: runs bracket policy against the venue.

The policy (``core.plan``) says what to do; this executor does it, one action at a time: store
the intent → call the venue → observe the answer (``core.venue.observe``) → store → emit. Then it
asks the policy again with what it learnt, until nothing is left; each action runs at most once
per pass, so a venue that keeps failing costs one call per loop, not a spin.

Records live in freqtrade's custom data (``FreqtradeSide``), so a crash at any point leaves a
record that says what might be on the venue. Dry-run uses a simulated gateway: same code.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from ft_bracket.core.legs import (
    Bracket,
    BracketLeg,
    Cancelled,
    CancelRequested,
    LegEvent,
    LegKind,
    LegStatus,
    Rejected,
    Sent,
)
from ft_bracket.core.plan import (
    Action,
    Adopt,
    AlignStopPrice,
    Cancel,
    CancelOrphan,
    ClosePastStop,
    CloseRest,
    ImportExits,
    Observe,
    Place,
    Query,
    ReadFill,
    RequestExit,
    ShowExitFill,
    TradeView,
    plan_bracket,
)
from ft_bracket.core.stray_legs import Doubts
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot, observe, observe_fill
from ft_bracket.execution.entry_answers import EntryProtection
from ft_bracket.execution.exits_in_flight import ExitsInFlight
from ft_bracket.execution.market_closes import MarketCloses
from ft_bracket.execution.pair_clearance import CleanPairs
from ft_bracket.execution.ports import FreqtradeSide, Gateway, ManagerSettings
from ft_bracket.execution.stop_handover import FreqtradeStopCalls
from ft_bracket.reporting.bracket_reports import BracketNews
from ft_bracket.reporting.events import EventSink
from ft_bracket.reporting.venue_failures import VenueFailures
from ft_bracket.venues.binance.gateway import Placement, Refusal

logger = logging.getLogger(__name__)

CUSTOM_DATA_KEY = "bracket_legs"
# Enough passes for the longest chain (query → read fill → show fill → cancel sibling).
_MAX_PASSES = 6


class OrderManager(CleanPairs, EntryProtection, FreqtradeStopCalls, MarketCloses):
    """Owns the brackets of one bot."""

    def __init__(self, settings: ManagerSettings, gateway: Gateway, freqtrade: FreqtradeSide,
                 events: EventSink, *, simulated: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.gateway = gateway
        self.freqtrade = freqtrade
        self.events = events
        self.failures = VenueFailures(events)
        self.news = BracketNews(events, simulated)
        self.simulated = simulated
        self.clock = clock
        self.snapshot = VenueSnapshot()
        self.exit_requests: dict[int, str] = {}
        # False until a watch has seen the whole account (the start-up reconciliation).
        self.reconciled = False
        self._fills: dict[str, VenueFill] = {}  # real orders read, by order id
        # The venue's last word on each leg order (ccxt-parsed), for freqtrade's stop calls.
        self._reports: dict[str, dict[str, Any]] = {}
        self._stop_owners: dict[str, int] = {}  # stop order id -> trade id
        # As of the last watch: open trades, their brackets and those of closed trades whose
        # legs the venue has not confirmed gone (trade id -> pair).
        self.open_trades: list[TradeView] = []
        self.brackets: dict[int, Bracket] = {}
        self._unsettled: dict[int, str] = {}
        self._held_exits: dict[str, str] = {}  # entry order id -> exit wanted before its trade
        self._held_closes: dict[str, tuple[dict[str, Any], str]] = {}  # the same, closes done
        self.freqtrade_exits = ExitsInFlight()
        self.doubts = Doubts()  # legs of ours no record follows (``clean_pairs``)
        # The REST API thread (force exit) and the bot loop both reach the manager.
        self._lock = threading.RLock()

    # Records ---------------------------------------------------------------------------------

    def load(self, trade_id: int, pair: str = "") -> Bracket | None:
        data = self.freqtrade.load_record(trade_id, CUSTOM_DATA_KEY)
        return Bracket.from_dict(data, pair) if data else None

    def store(self, bracket: Bracket) -> None:
        if bracket.trade_id == 0:  # protected from the entry's answer: no trade row yet
            self.freqtrade.save_pending(bracket.entry_order_id or "", bracket.to_dict())
        else:
            self.freqtrade.save_record(bracket.trade_id, CUSTOM_DATA_KEY, bracket.to_dict())

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # Entry fill ------------------------------------------------------------------------------

    def open_bracket(self, trade: TradeView, root: str, stop_price: float,
                     take_profit_price: float, entry_order_id: str | None = None) -> Bracket:
        """Protect a filled entry: stop first (it limits the loss), then the take-profit; or
        take over the legs placed from the entry's answer. Idempotent: freqtrade may report the
        same fill twice; a recorded bracket is kept."""
        with self._lock:
            existing = self.load(trade.trade_id, trade.pair)
            if existing is not None:
                return existing
            pending = self._take_pending(trade, entry_order_id)
            if pending is not None:
                return pending
            bracket = Bracket(
                trade_id=trade.trade_id, pair=trade.pair, is_short=trade.is_short, root=root,
                stop=BracketLeg(LegKind.STOP, stop_price, trade.amount),
                take_profit=BracketLeg(LegKind.TAKE_PROFIT, take_profit_price, trade.amount),
                entry_filled_ms=self._now_ms(),
            )
            self.store(bracket)
            self._protect(bracket)
            if all(leg.status is LegStatus.RESTING for leg in bracket.legs):
                self.news.placed(bracket)
            return bracket

    # Every loop, and at start-up ---------------------------------------------------------------

    def watch(self, trades: list[TradeView]) -> None:
        """``look``, then ``sweep_orphans``."""
        self.look(trades)
        self.sweep_orphans()

    def look(self, trades: list[TradeView], pairs: set[str] | None = None) -> None:
        """One look at the account, then each bracket brought in line with it.

        Until the first full look (start-up, or after a venue error cut it short) every pair
        is read; afterwards the pairs with a bracket, with an earlier trade's leg not yet
        confirmed gone, and ``pairs`` (positions the caller watches).
        """
        with self._lock:
            records = [(t, b) for t in trades
                       if (b := self.load(t.trade_id, t.pair) or self._take_pending(t, None))]
            for trade_id in list(self._unsettled):  # closed trades whose legs may still rest
                view = self.freqtrade.trade_view(trade_id)
                bracket = self.load(trade_id)
                if view is None or bracket is None or view.is_open:
                    del self._unsettled[trade_id]
                else:
                    records.append((view, bracket))
            watched = {b.pair for _, b in records} | (pairs or set()) | self.doubts.pairs()
            self.snapshot = self.gateway.snapshot(watched if self.reconciled else None,
                                                  positions=not self.simulated)
            self.doubts.after_look(self.snapshot, self.clock())
            for venue in self.snapshot.legs.values():
                self._seen(venue)
            for trade, bracket in records:
                self._run(bracket, self._view(trade))
            self.open_trades = [t for t, _ in records if t.is_open]
            self.brackets = {b.trade_id: b for _, b in records}
            self._note_unsettled(self.brackets.values())
            self.freqtrade_exits.next_look()
            self.reconciled = True

    def close_bracket(self, trade: TradeView) -> None:
        """The trade is closed: end what still rests (cancelled, or found filled). A leg whose
        end the venue has not confirmed is followed by every watch until it has."""
        with self._lock:
            self.exit_requests.pop(trade.trade_id, None)
            bracket = self.load(trade.trade_id, trade.pair)
            if bracket is None:
                return
            self._run(bracket, self._view(trade))
            self.brackets[bracket.trade_id] = bracket
            self.open_trades = [t for t in self.open_trades if t.trade_id != trade.trade_id]
            self._note_unsettled([bracket])

    def _note_unsettled(self, brackets: Iterable[Bracket]) -> None:
        open_ids = {t.trade_id for t in self.open_trades}
        for bracket in brackets:
            if bracket.trade_id in open_ids:
                continue
            if any(leg.is_live for leg in bracket.legs):
                self._unsettled[bracket.trade_id] = bracket.pair
            else:
                self._unsettled.pop(bracket.trade_id, None)

    def request_exit(self, trade_id: int, pair: str, reason: str,
                     entry_order_id: str | None = None) -> None:
        """Ask freqtrade to close the trade at market (``custom_exit`` reads this); for a
        bracket placed from its entry's answer, once freqtrade has the trade."""
        if trade_id == 0:
            self._held_exits[entry_order_id or ""] = reason
        elif self.exit_requests.get(trade_id) != reason:
            self.exit_requests[trade_id] = reason
            self.news.exit_requested(trade_id, pair, reason)

    # The executor ----------------------------------------------------------------------------

    def _view(self, trade: TradeView) -> TradeView:
        sending = self.freqtrade_exits.on_the_way(trade.pair)
        return replace(trade, exit_requested=self.exit_requests.get(trade.trade_id),
                       simulated=self.simulated, exit_order_open=trade.exit_order_open or sending)

    def _run(self, bracket: Bracket, trade: TradeView) -> None:
        done: list[Action] = []
        for _ in range(_MAX_PASSES):
            actions = [a for a in plan_bracket(bracket, trade, self.snapshot,
                                               self.settings.take_profit_max_attempts)
                       if a not in done]
            after = self._execute_all(actions, bracket, trade, done) if actions else None
            if after is None:
                break
            trade = after
        # Ended by us: a cancel sent, or (dry-run) a simulated leg ended with its trade.
        ours = {a.kind for a in done if isinstance(a, Cancel)
                or (isinstance(a, Observe) and isinstance(a.event, Cancelled))}
        cancelled = [kind.value for kind in LegKind
                     if kind in ours and bracket.leg(kind).status is LegStatus.CANCELLED]
        if cancelled:
            self.news.cancelled(bracket, cancelled)
        self._settle_freqtrade_stop(bracket, trade)

    def _execute_all(self, actions: list[Action], bracket: Bracket, trade: TradeView,
                     done: list[Action]) -> TradeView | None:
        """Run one pass; None when the venue failed (the record says what to retry)."""
        for action in actions:
            done.append(action)
            try:
                trade = self._execute(action, bracket, trade)
            except Exception as error:  # retried on the next loop, from the record
                self.failures.report(error, type(action).__name__, trade=bracket.trade_id,
                                     pair=bracket.pair)
                return None
        return trade

    def _execute(self, action: Action, bracket: Bracket, trade: TradeView) -> TradeView:
        """Carry out one action; returns the trade view as it is afterwards."""
        match action:
            case Observe(kind=kind, event=event):
                self._apply(bracket, kind, event)
            case Query(kind=kind):
                leg = bracket.leg(kind)
                resting = leg.status is LegStatus.RESTING
                venue = self.gateway.find(bracket.pair, client_id=leg.client_id)
                if venue is not None:
                    self._seen(venue)
                elif leg.status is LegStatus.PLACING:  # never arrived, or not yet
                    self.may_land(bracket.pair, leg.client_id)
                event = observe(leg, venue)
                self._apply(bracket, kind, event)
                seen = self.snapshot
                if (resting and isinstance(event, Cancelled) and seen.positions is not None
                        and not seen.positions_reread):
                    # The positions were read before the legs: what ended this leg behind our
                    # back (a liquidation, a close by hand) may have moved the position since.
                    seen.positions, seen.positions_reread = self.gateway.positions(), True
            case ReadFill(kind=kind):
                self._read_fill(bracket, kind)
            case Place(kind=kind, quantity=quantity):
                self._replace(bracket, kind, quantity)
            case Cancel(kind=kind):
                self._cancel(bracket, kind)
            case Adopt():
                if self._adopt(bracket, trade):
                    trade = replace(trade, freqtrade_stop_ids=trade.freqtrade_stop_ids
                                    | {bracket.stop.order_id or ""})
            case AlignStopPrice(price=price):
                self.freqtrade.set_stop_price(bracket.trade_id, price)
                trade = replace(trade, stop_price=price)
            case ShowExitFill(kind=kind):
                self._show_exit_fill(bracket, kind)
            case ImportExits(reason=reason):
                imported = self.freqtrade.import_exchange_exits(
                    bracket.trade_id, reason, self.freqtrade_exits.order_ids()
                    | bracket.fill_order_ids)
                if imported.count:  # none: freqtrade's own exit, its row not read yet
                    self.news.position_gone(bracket, imported.count, imported.forced)
            case RequestExit(reason=reason):
                self.request_exit(bracket.trade_id, bracket.pair, reason)
                trade = replace(trade, exit_requested=reason)
            case CloseRest(kind=kind, quantity=quantity):
                self._close_rest(bracket, kind, quantity)
            case ClosePastStop(quantity=quantity):
                self._close_past_stop(bracket, quantity)
            case CancelOrphan():
                self._cancel_orphan(action)
        return trade

    def _apply(self, bracket: Bracket, kind: LegKind, event: LegEvent | None) -> None:
        """Record ``event`` for the leg (store first, then tell), if it changes anything."""
        if event is None:
            return
        leg = bracket.leg(kind)
        before = leg.status
        leg.apply(event)
        if kind is LegKind.STOP and leg.order_id:
            self._stop_owners[leg.order_id] = bracket.trade_id
        if leg.status is LegStatus.RESTING and before is not LegStatus.RESTING:
            bracket.protected_ms.setdefault(kind.value, self._now_ms())
        self.store(bracket)
        if leg.status is LegStatus.FILLED and before is not LegStatus.FILLED:
            self.news.filled(bracket, leg)

    def _place(self, bracket: Bracket, kind: LegKind, by_freqtrade: bool = False,
               after_close: bool = False) -> Placement:
        leg = bracket.leg(kind)
        client_id = leg.next_client_id(self.settings.client_id_prefix, bracket.root)
        leg.apply(Sent(client_id))
        self.store(bracket)  # the attempt is on record before it is sent
        placement = self.gateway.place(bracket.pair, kind, bracket.exit_side, leg.quantity,
                                       leg.trigger_price, client_id)
        if placement.leg is not None:
            self._seen(placement.leg)
            self._apply(bracket, kind, observe(leg, placement.leg))
        else:
            if placement.refusal is Refusal.UNKNOWN:
                self.may_land(bracket.pair, client_id)
            leg.apply(Rejected(placement.error or "refused"))
            self.store(bracket)
            self._placement_failed(bracket, leg, placement, by_freqtrade, after_close)
        return placement

    def _replace(self, bracket: Bracket, kind: LegKind, quantity: float | None,
                 after_close: bool = False) -> None:
        """A new attempt of a leg: after it was cancelled, refused, or to resize it; the stop
        also after a close past it did not close the position (``after_close``)."""
        leg = bracket.leg(kind)
        self.news.replacing(bracket, leg, quantity)
        if quantity is not None:  # resize: the new size first, the old one is then an orphan
            leg.quantity = quantity
        placement = self._place(bracket, kind, after_close=after_close)
        if placement.accepted:
            self.news.leg_placed(bracket, leg)

    def _cancel(self, bracket: Bracket, kind: LegKind) -> None:
        leg = bracket.leg(kind)
        if leg.status not in (LegStatus.RESTING, LegStatus.CANCELLING) or leg.order_id is None:
            return
        leg.apply(CancelRequested())
        self.store(bracket)
        venue = self.gateway.cancel(bracket.pair, leg.order_id)
        if venue is not None:
            self._seen(venue)
        self._apply(bracket, kind, observe(leg, venue))

    def _read_fill(self, bracket: Bracket, kind: LegKind) -> None:
        leg = bracket.leg(kind)
        if leg.fill_order_id is None:  # fired, but the venue has not named its order yet
            venue = self.gateway.find(bracket.pair, client_id=leg.client_id)
            if venue is None or venue.fill_order_id is None:
                return
            leg.fill_order_id = venue.fill_order_id
        fill = self.gateway.fill(bracket.pair, leg.fill_order_id)
        self._fills[fill.order_id] = fill
        self._apply(bracket, kind, observe_fill(leg, fill))

    def _seen(self, venue: VenueLeg) -> None:
        """Keep the snapshot current with what a call just learnt, and the venue's words."""
        self.snapshot.remember(venue)
        if venue.raw:
            self._reports[venue.order_id] = venue.raw
