"""The OrderManager inside a running bot (dry-run and live): wiring at start-up, what runs
every loop, entries whose outcome is unknown, and positions no trade owns.

It locks and unlocks pairs through the strategy (freqtrade's public pair locks), so that a new
entry can never add to a position the bot cannot explain.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ft_bracket.core.actions import TradeView
from ft_bracket.core.destination import Destination, DestinationRefusedError
from ft_bracket.core.settings import BracketConfigError, BracketSettings
from ft_bracket.core.untracked import UnknownEntries, excess_positions
from ft_bracket.execution.context import ManagerSettings
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.execution.untracked_positions import PositionGuard
from ft_bracket.freqtrade_adapter import bracket_view, ft_exchange, signals, trades
from ft_bracket.freqtrade_adapter.entry_failures import outcome_unknown, watch_entry_failures
from ft_bracket.freqtrade_adapter.entry_orders import route_entries
from ft_bracket.freqtrade_adapter.stop_orders import route_stop_orders
from ft_bracket.reporting.events import EventName, EventSink, Severity
from ft_bracket.reporting.notifier import BracketNotifier
from ft_bracket.reporting.webhook_poster import WebhookTarget, shared_poster
from ft_bracket.venues.binance import quirks
from ft_bracket.venues.binance.gateway import LegGateway
from ft_bracket.venues.simulated import SimulatedGateway, TradeExit

UNKNOWN_ENTRY_LOCK = "ft_bracket: entry outcome unknown"
UNTRACKED_LOCK = "ft_bracket: position on the exchange that no trade owns"
_LOCK_FOR = timedelta(days=1)


def in_flight_s(timeout_ms: float, throttle_s: float) -> float:
    """Longer than any request can stay in flight: the client's timeout, twice, plus a loop."""
    return 2 * timeout_ms / 1000 + throttle_s


class Supervisor:
    """Starts the OrderManager and runs it each loop for one strategy."""

    def __init__(self, strategy: Any, settings: BracketSettings, destination: Destination
                 ) -> None:
        self.strategy = strategy
        config = strategy.config
        self.live = not config.get("dry_run", True)
        # Dry-run never signs a request: it needs no client.
        client = ft_exchange.ccxt_client(strategy.dp) if self.live else None
        if (self.live and destination is Destination.LOCAL_EMULATOR
                and not ft_exchange.is_local_emulator(client)):
            raise DestinationRefusedError(
                "the exchange is reached through a loopback proxy or URL that is not the "
                "ft_bracket emulator; that may be a route to Binance's real-money venue. "
                "ft_bracket refuses to start."
            )
        self.freqtrade = freqtrade = trades.FreqtradeTrades(
            client, ft_exchange.freqtrade_exchange(strategy.dp))
        target = WebhookTarget.from_config(config) if settings.webhook_events else None
        self.notifier = BracketNotifier(
            config, lambda text: strategy.dp.send_msg(text, always_send=True),
            bracket_view.bracket_facts, shared_poster(target) if target else None)
        self.events = EventSink(self.notifier)
        price_type = str(strategy.order_types.get("stoploss_price_type", "last"))
        if price_type not in quirks.WORKING_TYPE:
            raise BracketConfigError(
                f"order_types.stoploss_price_type {price_type!r}: ft_bracket's legs trigger on "
                f"{' or '.join(quirks.WORKING_TYPE)} price on Binance")
        # Dry-run's venue hears of each exit from ``trade_closed``.
        self.dry_run_venue = None if self.live else SimulatedGateway()
        gateway = self.dry_run_venue or LegGateway(
            ft_exchange.plugin_client(strategy.dp, settings.request_timeout_ms),
            working_type=quirks.WORKING_TYPE[price_type])
        self.throttle_s = float(config.get("internals", {}).get("process_throttle_secs", 5))
        self.manager = OrderManager(
            ManagerSettings(client_id_prefix=settings.client_id_prefix,
                            take_profit_max_attempts=settings.take_profit_max_attempts,
                            # A lost leg send may land late, as a lost entry may (below).
                            landing_grace_s=in_flight_s(settings.request_timeout_ms,
                                                        self.throttle_s)),
            gateway, freqtrade, self.events, dry_run=not self.live,
        )
        self.client = client
        self.guard: PositionGuard | None = None
        if self.live:
            exchange = ft_exchange.freqtrade_exchange(strategy.dp)
            route_stop_orders(exchange, self.manager, settings.client_id_prefix)
            route_entries(exchange, settings.client_id_prefix, strategy.entry_plan,
                          self.manager.protect_entry, lambda: int(self.manager.clock() * 1000),
                          self.manager.freqtrade_exits)
            self.guard = self.manager.guard_positions(
                freqtrade, action=settings.untracked_position_action,
                distance=settings.untracked_stop_distance,
                lock=lambda pair: self._lock(pair, UNTRACKED_LOCK),
                unlock=lambda pair: self._unlock(pair, UNTRACKED_LOCK))
        self.pairs = set(config.get("exchange", {}).get("pair_whitelist", []))
        self.unknown_entries = UnknownEntries()
        self._entry_failures: dict[str, tuple[datetime, str]] = {}
        self._untracked_before: set[str] = set()
        self._no_bracket: set[int] = set()  # open trades that have no bracket record
        # freqtrade only logs an entry the exchange refused; make it an event. One log watch per
        # process: a /reload_config's new strategy replaces the old strategy's.
        watch_entry_failures(self.entry_failed)

    def every_loop(self) -> None:
        """Every loop: the trade view's stops (``show_bracket_stops``); then, live, the
        brackets brought in line with the venue; every position on our pairs that no open trade
        owns guarded (its pair locked, so that a new entry cannot add to it); our legs that
        belong to nothing cancelled. A venue error never stops the bot: the next loop tries
        again (reading the whole account if this was the first look)."""
        try:
            self.show_bracket_stops()
        except Exception as error:  # the database is busy: next loop
            self.events.emit(Severity.WARNING, EventName.WATCH_FAILED, step="ShowStop",
                             error=f"{type(error).__name__}: {error}")
        if not self.live or self.guard is None:
            return
        manager, guard = self.manager, self.guard
        try:
            first = not manager.reconciled
            views = trades.open_trade_views()
            manager.look(views, pairs=set(guard.guards))
            held = {v.pair for v in views}
            excess = excess_positions(manager.seen_positions(), views, self.pairs | held)
            untracked = {p: a for p, a in excess.items() if p not in held}
            # Seen on two looks in a row (or at start-up): an entry made from the REST API's
            # thread may have filled a moment before its trade row exists.
            confirmed = {p: a for p, a in untracked.items()
                         if first or p in self._untracked_before or p in guard.guards}
            self._untracked_before = set(untracked)
            guard.guard(manager.snapshot, confirmed)
            manager.sweep_orphans(keep=guard.client_ids)
            if first:  # a restart forgot whose entry outcome was unknown (freqtrade kept the
                for pair in self.pairs:  # locks): each pair is judged again after the grace
                    self.unknown_entries.note(pair, manager.clock() + self._entry_grace_s())
            clean, _filled = self.unknown_entries.settle(manager.clock(), excess)
            for pair in clean:  # a filled one is guarded, its pair locked by the guard
                self._unlock(pair, UNKNOWN_ENTRY_LOCK)
        except Exception as error:  # the venue is down or slow: try again next loop
            manager.report_failure(error, "watch")

    def show_bracket_stops(self) -> None:
        """Trades whose stop freqtrade (re)initialised from the hard cap — at the fill, or at a
        start-up — show the bracket's stop again, as the stop and as the initial stop
        (``bracket_view``). Runs before the venue is asked: a venue error must not leave a
        freqtrade stop at the hard cap for this loop's exits."""
        hard_stoploss = float(self.strategy.stoploss)
        for trade in trades.open_trades():
            if trade.id in self._no_bracket or not bracket_view.initialised_from(
                    trade, hard_stoploss):
                continue
            if not bracket_view.show_bracket_stop(trade, self.freqtrade.set_stop_price):
                self._no_bracket.add(trade.id)  # filled without a signal: the hard cap it is

    def trade_closed(self, trade: TradeView) -> None:
        """freqtrade closed the trade (its exit filled): its bracket ends. Dry-run's venue
        learns how first, so that it can answer for the legs as a real venue would."""
        if self.dry_run_venue is not None:
            self.dry_run_venue.trade_closed(trade.pair, TradeExit(
                trade.exit_reason, trade.close_rate, trade.amount))
        self.manager.close_bracket(trade)

    def _lock(self, pair: str, reason: str) -> None:
        """One lock of ours per pair: a guard takes over an unknown entry's lock."""
        for other in (UNKNOWN_ENTRY_LOCK, UNTRACKED_LOCK):
            if other != reason:
                self._unlock(pair, other)
        self.strategy.lock_pair(pair, datetime.now(UTC) + _LOCK_FOR, reason=f"{reason} ({pair})")

    def _unlock(self, pair: str, reason: str) -> None:
        # By reason: freqtrade's own protections may lock the same pair for reasons of theirs.
        self.strategy.unlock_reason(f"{reason} ({pair})")

    def entry_failed(self, pair: str, reason: str) -> None:
        """freqtrade could not create an entry. A refusal is final; a lost answer is not: the
        order may still fill, so the pair is locked until the venue's position says."""
        now = datetime.now(UTC)
        if outcome_unknown(reason) and self.live:
            grace_s = self._entry_grace_s()
            self._lock(pair, UNKNOWN_ENTRY_LOCK)
            self.unknown_entries.note(pair, self.manager.clock() + grace_s)
            self.events.emit(Severity.ERROR, EventName.ENTRY_FAILED, pair=pair, reason=reason,
                             action=f"pair locked; the position is checked in {grace_s:g} s")
            return
        key = (signals.signal_candle_date(self.strategy.timeframe, now), reason.split(".")[0])
        if self._entry_failures.get(pair) == key:
            return  # the venue keeps refusing the same entry: once per candle is enough
        self._entry_failures[pair] = key
        self.events.emit(Severity.ERROR, EventName.ENTRY_FAILED, pair=pair, reason=reason)

    def _entry_grace_s(self) -> float:
        """How long a lost entry may still fill (freqtrade's client sends entries)."""
        return in_flight_s(float(getattr(self.client, "timeout", None) or 10_000),
                           self.throttle_s)


