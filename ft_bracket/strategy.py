"""``BracketStrategy``: the freqtrade side of the plugin.

A strategy subclasses ``BracketStrategy`` and, on entry rows, fills ``stop_price`` and
``take_profit_price`` (absolute prices) next to freqtrade's ``enter_long`` / ``enter_short``.
The callbacks below turn that into a risk-sized, bracket-managed trade:

- ``custom_stake_amount`` gates the signal (``risk.can_trade``) and sizes it
  (``risk.size_position``); a refusal returns 0 so freqtrade never raises the stake itself.
- ``confirm_trade_entry`` re-checks the signal at the final rate and the amount freqtrade
  derived from the stake against the risk budget.
- ``order_filled`` records stop, take-profit and risk in the trade's custom data at the entry
  fill, so the later callbacks never depend on the signal candle still being loaded.
- ``custom_stoploss(after_fill=True)`` moves freqtrade's stop to ``stop_price``; later calls
  keep it there.
- ``custom_roi`` exits at ``take_profit_price`` (backtesting fills exactly there; dry-run exits
  once the order book crosses it).

Subclasses override ``populate_*`` freely. A subclass that also overrides one of the callbacks
above must call ``super()`` and honour its answer (0, False or None mean the plugin said no).
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from freqtrade.enums import ExitType, RunMode
from freqtrade.exceptions import OperationalException
from freqtrade.exchange import timeframe_to_prev_date, timeframe_to_seconds
from freqtrade.persistence import Order, Trade
from freqtrade.strategy import IStrategy, stoploss_from_absolute

from ft_bracket import freqtrade_internals
from ft_bracket.events import EventName, EventSink, Severity
from ft_bracket.gateway import LegGateway
from ft_bracket.manager import EXIT_TAKE_PROFIT, BracketManager, ManagerSettings
from ft_bracket.risk import (
    AccountState,
    Decision,
    Denial,
    Signal,
    align_to_tick,
    can_trade,
    check_signal,
    deny,
    loss_at_stop,
    size_position,
)
from ft_bracket.settings import BracketConfigError, BracketSettings
from ft_bracket.venue_guard import Venue, VenueRefusedError, check_venue

logger = logging.getLogger(__name__)

STOP_PRICE = "stop_price"
TAKE_PROFIT_PRICE = "take_profit_price"
# The trade's custom-data key holding {"stop_price", "take_profit_price", "risk_amount"}: one
# record per trade, as freqtrade's backtest store scans all records on every read and write.
BRACKET_RECORD = "bracket"

STOP_OUT_REASONS = frozenset(
    str(reason)
    for reason in (
        ExitType.STOP_LOSS,
        ExitType.STOPLOSS_ON_EXCHANGE,
        ExitType.TRAILING_STOP_LOSS,
        ExitType.LIQUIDATION,
    )
)

# freqtrade turns the stake back into an amount (stake / rate * leverage) and truncates it to
# the step size; float noise could cost a whole step. This lifts the stake by far less than one
# step, so the truncation lands on the sized quantity again.
_STAKE_NUDGE = 1e-9
# freqtrade rounds a long stop up (a short one down) to the tick. Aiming 1e-9 below (above) a
# tick-aligned stop makes that rounding land on the stop exactly instead of one tick closer.
_STOP_NUDGE = 1e-9
# Stop distance used when the price already crossed the stop at the fill: exit at once.
_CROSSED_STOP_DISTANCE = 1e-6
# freqtrade's wording for an entry whose outcome is unknown (TemporaryError from a network error,
# a timeout or a 5xx); a refusal (InsufficientFunds, InvalidOrder) says something else.
_OUTCOME_UNKNOWN = re.compile(
    r"RequestTimeout|NetworkError|ExchangeNotAvailable|OperationFailed|timed out|Could not place"
)
_UNKNOWN_ENTRY_LOCK = "ft_bracket: entry outcome unknown"
_UNTRACKED_LOCK = "ft_bracket: position on the exchange that no trade owns"
# confirm_trade_entry's allowance for the amount's float noise above the budget.
_BUDGET_TOLERANCE = 1e-6


@dataclass(frozen=True)
class BracketPrices:
    """A trade's bracket: where it stops out, where it takes profit, what the stop loses."""

    stop_price: float
    take_profit_price: float
    risk_amount: float


@dataclass(frozen=True)
class _PlannedEntry:
    """Handed from custom_stake_amount to confirm_trade_entry and order_filled."""

    is_short: bool
    stop_price: float
    take_profit_price: float
    risk_budget: float


class RefusalLog:
    """Logs each refusal once per pair and signal candle; freqtrade re-asks every loop."""

    def __init__(self, level: int = logging.INFO) -> None:
        self.level = level
        self._last: dict[str, tuple[datetime | None, str]] = {}
        # Set in dry-run and live: each logged refusal also becomes an event.
        self.events: EventSink | None = None

    def refuse(self, pair: str, candle: datetime | None, decision: Decision) -> None:
        """Log ``decision`` for ``pair`` unless the same reason was logged for this candle (its
        detail moves with the live price: that is still the same refusal)."""
        key = (candle, str(decision.denial))
        if self._last.get(pair) == key:
            return
        self._last[pair] = key
        logger.log(self.level, "%s: no entry (candle %s): %s", pair, candle, decision)
        if self.events is not None:
            self.events.emit(Severity.INFO, EventName.ENTRY_REFUSED, pair=pair,
                             candle=candle.isoformat() if candle else None,
                             reason=str(decision))


class BracketStrategy(freqtrade_internals.BacktestFastPath, IStrategy):
    """Base class of bracket-managed strategies; see the module docstring for the contract."""

    INTERFACE_VERSION = 3

    # A wide hard cap: only in force until the entry fill moves the stop to stop_price.
    stoploss = -0.99
    use_custom_stoploss = True
    use_custom_roi = True
    # Plain ROI out of reach: the take-profit comes from custom_roi.
    minimal_roi = {"0": 100.0}  # noqa: RUF012 - freqtrade's own attribute shape
    trailing_stop = False
    order_types = {  # noqa: RUF012 - freqtrade's own attribute shape
        "entry": "market",
        "exit": "market",
        "emergency_exit": "market",
        "force_entry": "market",
        "force_exit": "market",
        "stoploss": "market",
        "stoploss_on_exchange": True,
    }

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        freqtrade_internals.warn_if_unverified_freqtrade()
        try:
            self.bracket_settings = BracketSettings.from_config(config)
        except BracketConfigError as error:
            raise OperationalException(f"Invalid bracket settings: {error}") from error
        self.venue = Venue.SIMULATED
        if config.get("runmode") == RunMode.LIVE:
            try:
                self.venue = check_venue(config, os.environ)
            except VenueRefusedError as error:
                raise OperationalException(str(error)) from error
            logger.warning("ft_bracket trades LIVE on: %s", self.venue)
        self._optimizing = config.get("runmode") in (RunMode.BACKTEST, RunMode.HYPEROPT)
        # A backtest meets thousands of refusals; it keeps them at debug level.
        self.refusals = RefusalLog(logging.DEBUG if self._optimizing else logging.INFO)
        self._planned: dict[str, _PlannedEntry] = {}
        self._brackets: dict[int, BracketPrices] = {}
        self._fees: dict[str, float] = {}
        # The OrderManager: live places real legs, dry-run simulates them, backtests need none.
        self.bracket_manager: BracketManager | None = None
        self._entry_failures: dict[str, tuple[datetime, str]] = {}

    def bot_start(self, **kwargs: Any) -> None:
        """Say which risk limits are in force and start the OrderManager (dry-run and live)."""
        logger.info("Bracket settings: %s", self.bracket_settings)
        if self.config.get("runmode") not in (RunMode.LIVE, RunMode.DRY_RUN):
            return
        live = not self.config.get("dry_run", True)
        if self.venue is Venue.LOCAL_EMULATOR and not freqtrade_internals.is_local_emulator(
            freqtrade_internals.ccxt_client(self.dp)
        ):
            raise OperationalException(
                "the exchange is reached through a loopback proxy or URL that is not the "
                "ft_bracket emulator; that may be a route to Binance's real-money venue. "
                "ft_bracket refuses to start."
            )
        events = EventSink(lambda message: self.dp.send_msg(message, always_send=True))
        self.refusals.events = events
        self.bracket_manager = BracketManager(
            ManagerSettings(
                client_id_prefix=self.bracket_settings.client_id_prefix,
                take_profit_max_attempts=self.bracket_settings.take_profit_max_attempts,
            ),
            LegGateway(freqtrade_internals.ccxt_client(self.dp)) if live else None,
            freqtrade_internals.TradeHooks(freqtrade_internals.ccxt_client(self.dp))
            if live else None,
            events,
        )
        if live:
            try:
                self._reconcile(self.bracket_manager)
            except Exception as error:  # the venue is down or slow: the bot must still start
                events.emit(Severity.WARNING, EventName.RECONCILE_FAILED,
                            error=f"{type(error).__name__}: {error}",
                            action="reconciling again at the next loop")
        # freqtrade only logs an entry the exchange refused; make it an event. One watch per
        # process: a /reload_config's new strategy replaces the old strategy's.
        freqtrade_internals.watch_entry_failures(self._entry_failed)

    def _entry_failed(self, pair: str, reason: str) -> None:
        """freqtrade could not create an entry. A refusal is final; a lost answer is not: the
        order may still fill, so the pair is locked until the venue's position says."""
        manager = self.bracket_manager
        if manager is None:
            return
        now = datetime.now(UTC)
        if _OUTCOME_UNKNOWN.search(reason) and manager.live:
            grace_s = self._entry_grace_s()
            self.lock_pair(pair, now + timedelta(days=1), reason=_UNKNOWN_ENTRY_LOCK)
            manager.entry_outcome_unknown(pair, reason, grace_s)
            return
        key = (self._signal_candle_date(now), reason.split(".")[0])
        if self._entry_failures.get(pair) == key:
            return  # the venue keeps refusing the same entry: once per candle is enough
        self._entry_failures[pair] = key
        manager.events.emit(Severity.ERROR, EventName.ENTRY_FAILED, pair=pair, reason=reason)

    def _reconcile(self, manager: BracketManager) -> None:
        """Reconcile with the venue; a position no trade owns locks its pair, so a new entry
        cannot add to it (freqtrade would then mistake it for its own)."""
        for pair in manager.reconcile(Trade.get_open_trades(), _opened_at_s):
            self.lock_pair(pair, datetime.now(UTC) + timedelta(days=1), reason=_UNTRACKED_LOCK)

    def _entry_grace_s(self) -> float:
        """Longer than any request can stay in flight: the client's timeout, twice, plus a loop."""
        timeout_ms = float(freqtrade_internals.ccxt_client(self.dp).timeout or 10_000)
        return 2 * timeout_ms / 1000 + self.config.get("internals", {}).get(
            "process_throttle_secs", 5)

    def bot_loop_start(self, current_time: datetime, **kwargs: Any) -> None:
        """Live: check every take-profit leg with one exchange call (before freqtrade looks at
        its orders, so a take-profit fill closes the trade in this same loop)."""
        manager = self.bracket_manager
        if manager is None or not manager.live:
            return
        try:
            if not manager.reconciled:  # the start-up reconciliation was cut short
                self._reconcile(manager)
            trades = Trade.get_open_trades()
            manager.watch(trades, _opened_at_s)
            for pair in manager.check_suspect_entries(trades):
                self.unlock_pair(pair)
        except Exception as error:  # the venue is down or slow: try again next loop
            manager.events.emit(Severity.WARNING, EventName.WATCH_FAILED,
                                error=f"{type(error).__name__}: {error}")

    # Entry: gate and size ---------------------------------------------------------------------

    def custom_stake_amount(
        self,
        pair: str,
        current_time: datetime,
        current_rate: float,
        proposed_stake: float,
        min_stake: float | None,
        max_stake: float,
        leverage: float,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> float:
        """Margin for a position whose stop-out loses ``risk_per_trade x equity``; 0 = no trade."""
        is_short = side == "short"
        self._planned.pop(pair, None)
        candle_date, prices = self._read_signal(pair, is_short, current_time)
        if isinstance(prices, Decision):
            self.refusals.refuse(pair, candle_date, prices)
            return 0.0
        market = freqtrade_internals.market_rules(self.dp, pair)
        if market is None:
            self.refusals.refuse(pair, candle_date, deny(Denial.SIGNAL_MISSING, "no market"))
            return 0.0
        stop_price, take_profit_price = prices
        signal = Signal(
            is_short=is_short,
            entry_price=current_rate,
            stop_price=align_to_tick(stop_price, market.tick_size, towards=current_rate),
            take_profit_price=align_to_tick(
                take_profit_price, market.tick_size, towards=current_rate
            ),
        )
        fee = self._taker_fee(pair)
        decision = can_trade(
            signal,
            self._account_state(pair, current_time, fee),
            self.bracket_settings,
            current_time,
        )
        if not decision.allowed:
            self.refusals.refuse(pair, candle_date, decision)
            return 0.0
        futures = self.config.get("trading_mode") == "futures"
        size = size_position(
            signal=signal,
            equity=self._equity(),
            risk_per_trade=self.bracket_settings.risk_per_trade,
            taker_fee=fee,
            leverage=leverage,
            market=market,
            max_stake=max_stake,
            min_stake=min_stake or 0.0,
            maintenance_margin_rate=(
                freqtrade_internals.maintenance_margin_rate(self.dp, pair, max_stake * leverage)
                if futures
                else 0.0
            ),
        )
        if not size.approved:
            self.refusals.refuse(pair, candle_date, deny(size.denial, size.detail))
            return 0.0
        self._planned[pair] = _PlannedEntry(
            is_short=is_short,
            stop_price=signal.stop_price,
            take_profit_price=signal.take_profit_price,
            risk_budget=size.risk_budget,
        )
        return size.margin * (1 + _STAKE_NUDGE)

    def confirm_trade_entry(
        self,
        pair: str,
        order_type: str,
        amount: float,
        rate: float,
        time_in_force: str,
        current_time: datetime,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> bool:
        """Last check before the order: the signal still holds at ``rate`` and ``amount`` (what
        freqtrade made of the stake) loses no more than the budget at the stop."""
        is_short = side == "short"
        planned = self._planned.get(pair)
        candle = self._signal_candle_date(current_time)
        if planned is None or planned.is_short != is_short:
            self.refusals.refuse(
                pair, candle, deny(Denial.SIGNAL_MISSING, "entry was not risk-sized")
            )
            return False
        signal = Signal(is_short, rate, planned.stop_price, planned.take_profit_price)
        decision = check_signal(signal, self.bracket_settings.min_reward_risk)
        if decision.allowed:
            risk = loss_at_stop(
                amount, rate, planned.stop_price, self._taker_fee(pair), is_short=is_short
            )
            if risk > planned.risk_budget * (1 + _BUDGET_TOLERANCE):
                decision = deny(
                    Denial.RISK_ABOVE_BUDGET,
                    f"amount {amount:g} loses {risk:.4f} at the stop, "
                    f"budget {planned.risk_budget:.4f}",
                )
        if not decision.allowed:
            self._planned.pop(pair, None)
            self.refusals.refuse(pair, candle, decision)
            return False
        if not self._optimizing:
            # A bot killed before it sees the fill learns of it at its restart, before any
            # candle is analysed: the bracket must outlive the process.
            freqtrade_internals.store_planned_entry(pair, asdict(planned))
        return True

    # Fill: record the bracket ----------------------------------------------------------------

    def order_filled(
        self, pair: str, trade: Trade, order: Order, current_time: datetime, **kwargs: Any
    ) -> None:
        """Record stop, take-profit and risk at the entry fill (idempotent: freqtrade may report
        the same fill twice); forget the cached bracket when the trade exits."""
        if order.ft_order_side != trade.entry_side:
            self._brackets.pop(trade.id, None)
            if self.bracket_manager is not None and not trade.is_open:
                self.bracket_manager.close_bracket(
                    trade, {o.order_id for o in trade.orders if o.ft_order_side == "stoploss"}
                )
            return
        # Backtesting reports each fill exactly once, and looking custom data up there scans
        # every record of the run; live, a repeated report must not overwrite the record.
        if not self._optimizing:
            recorded = self._recorded_bracket(trade)
            if recorded is not None:
                self._brackets[trade.id] = recorded
                return
        planned = self._planned.pop(pair, None)
        if not self._optimizing:
            stored = freqtrade_internals.pop_planned_entry(pair)
            planned = planned or (_PlannedEntry(**stored) if stored else None)
        if planned is not None and planned.is_short == trade.is_short:
            stop_price, take_profit_price = planned.stop_price, planned.take_profit_price
        else:
            from_candle = self._signal_for_trade(trade)
            if from_candle is None:
                logger.warning(
                    "%s: trade %s filled without a bracket signal; only the hard stoploss "
                    "%s protects it",
                    pair,
                    trade.id,
                    self.stoploss,
                )
                return
            stop_price, take_profit_price = from_candle
        risk_amount = loss_at_stop(
            order.safe_filled,
            order.safe_price,
            stop_price,
            self._taker_fee(pair),
            is_short=trade.is_short,
        )
        bracket = BracketPrices(stop_price, take_profit_price, risk_amount)
        # A backtest keeps the cache and nothing else: its custom-data store scans every record
        # of the run on each write (quadratic in the number of trades); a live bot persists.
        if not self._optimizing:
            trade.set_custom_data(BRACKET_RECORD, asdict(bracket))
        self._brackets[trade.id] = bracket
        if self.bracket_manager is not None:
            self.bracket_manager.open_bracket(
                trade, _opened_at_s(trade), stop_price, take_profit_price
            )

    # Exits: stop and take-profit -------------------------------------------------------------

    def custom_stoploss(
        self,
        pair: str,
        trade: Trade,
        current_time: datetime,
        current_rate: float,
        current_profit: float,
        after_fill: bool,
        **kwargs: Any,
    ) -> float | None:
        """Place the stop at ``stop_price`` right after the entry fill; keep it there after."""
        if not after_fill:
            return None
        bracket = self._bracket(trade)
        if bracket is None:
            return None
        if self.bracket_manager is not None:
            # Live: the stop is already on the exchange (placed at the fill); freqtrade has just
            # cleared its stop orders, so now it can take ours over.
            self.bracket_manager.adopt_stop(trade)
        nudge = 1 + _STOP_NUDGE if trade.is_short else 1 - _STOP_NUDGE
        distance = stoploss_from_absolute(
            bracket.stop_price * nudge,
            current_rate,
            is_short=trade.is_short,
            leverage=trade.leverage or 1.0,
        )
        if distance <= 0:
            # The price is already through the stop: a stop right at the price exits now.
            return _CROSSED_STOP_DISTANCE * (trade.leverage or 1.0)
        return distance

    def custom_roi(
        self,
        pair: str,
        trade: Trade,
        current_time: datetime,
        trade_duration: int,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> float | None:
        """Backtesting: the profit ratio at ``take_profit_price``, so the ROI exit fills exactly
        there. Dry-run and live leave the take-profit to the OrderManager (``custom_exit``)."""
        if self.bracket_manager is not None:
            return None
        bracket = self._bracket(trade)
        if bracket is None:
            return None
        return trade.calc_profit_ratio(bracket.take_profit_price)

    def custom_exit(
        self,
        pair: str,
        trade: Trade,
        current_time: datetime,
        current_rate: float,
        current_profit: float,
        **kwargs: Any,
    ) -> str | None:
        """Exits the OrderManager asks for (a take-profit it cannot place, or one already
        crossed); in dry-run also the simulated take-profit, when the order book crosses it."""
        manager = self.bracket_manager
        if manager is None:
            return None
        requested = manager.exit_requests.get(trade.id)
        if requested is not None:
            return requested
        bracket = self._bracket(trade)
        if manager.live or bracket is None:
            return None
        target = bracket.take_profit_price
        crossed = current_rate <= target if trade.is_short else current_rate >= target
        return EXIT_TAKE_PROFIT if crossed else None

    # Helpers ---------------------------------------------------------------------------------

    def _read_signal(
        self, pair: str, is_short: bool, current_time: datetime
    ) -> tuple[datetime | None, tuple[float, float] | Decision]:
        """The signal candle's date and its (stop_price, take_profit_price), or a denial."""
        dataframe, _ = self.dp.get_analyzed_dataframe(pair, self.timeframe)
        if dataframe.empty:
            return None, deny(Denial.SIGNAL_MISSING, "no analyzed candles")
        enter_column = "enter_short" if is_short else "enter_long"
        wanted = ["date", enter_column, STOP_PRICE, TAKE_PROFIT_PRICE]
        # Positional reads: column access on freqtrade's per-call slice of the frame is slow.
        columns = dataframe.columns
        positions = [columns.get_loc(name) if name in columns else -1 for name in wanted]
        candle_date = dataframe.iat[-1, positions[0]].to_pydatetime()
        missing = [name for name, at in zip(wanted[1:], positions[1:], strict=True) if at < 0]
        if missing:
            return candle_date, deny(
                Denial.SIGNAL_MISSING, f"populate_entry_trend set no {', '.join(missing)}"
            )
        if dataframe.iat[-1, positions[1]] != 1:
            return candle_date, deny(Denial.SIGNAL_MISSING, f"last candle has no {enter_column}")
        if candle_date < self._signal_candle_date(current_time):
            return candle_date, deny(Denial.SIGNAL_MISSING, "signal candle is stale")
        stop_price = float(dataframe.iat[-1, positions[2]])
        take_profit_price = float(dataframe.iat[-1, positions[3]])
        return candle_date, (stop_price, take_profit_price)

    def _signal_candle_date(self, current_time: datetime) -> datetime:
        """Open time of the last closed candle at ``current_time``: the one that signalled."""
        timeframe = timedelta(seconds=timeframe_to_seconds(self.timeframe))
        return timeframe_to_prev_date(self.timeframe, _as_utc(current_time)) - timeframe

    def _signal_for_trade(self, trade: Trade) -> tuple[float, float] | None:
        """Stop and take-profit of the candle that signalled ``trade``, tick-aligned; for fills
        that custom_stake_amount did not plan (e.g. after a restart)."""
        dataframe, _ = self.dp.get_analyzed_dataframe(trade.pair, self.timeframe)
        if dataframe.empty or STOP_PRICE not in dataframe.columns:
            return None
        signal_date = self._signal_candle_date(trade.open_date_utc)
        rows = dataframe.loc[dataframe["date"] == signal_date]
        if rows.empty:
            return None
        stop_price = float(rows[STOP_PRICE].iat[-1])
        take_profit_price = float(rows[TAKE_PROFIT_PRICE].iat[-1])
        if not (math.isfinite(stop_price) and math.isfinite(take_profit_price)):
            return None
        market = freqtrade_internals.market_rules(self.dp, trade.pair)
        tick_size = market.tick_size if market else None
        return (
            align_to_tick(stop_price, tick_size, towards=trade.open_rate),
            align_to_tick(take_profit_price, tick_size, towards=trade.open_rate),
        )

    def _bracket(self, trade: Trade) -> BracketPrices | None:
        """The trade's recorded bracket; cached because custom_roi runs every candle."""
        bracket = self._brackets.get(trade.id)
        if bracket is None:
            bracket = self._recorded_bracket(trade)
            if bracket is not None:
                self._brackets[trade.id] = bracket
        return bracket

    @staticmethod
    def _recorded_bracket(trade: Trade) -> BracketPrices | None:
        record = trade.get_custom_data(BRACKET_RECORD)
        return None if record is None else BracketPrices(**record)

    def _equity(self) -> float:
        """The bot's capital: closed-trade balance incl. stakes in open trades, within
        ``tradable_balance_ratio`` / ``available_capital`` (unrealised profit not counted)."""
        if self.wallets is None:
            return 0.0
        return float(self.wallets.get_total_stake_amount())

    def _taker_fee(self, pair: str) -> float:
        fee = self._fees.get(pair)
        if fee is None:
            fee = self._fees[pair] = freqtrade_internals.taker_fee(self.config, self.dp, pair)
        return fee

    def _account_state(self, pair: str, now: datetime, fee: float) -> AccountState:
        """Open positions and their risk, today's realised result, the pair's last stop-out."""
        now = _as_utc(now)
        open_trades = Trade.get_trades_proxy(is_open=True)
        open_risk = sum(
            max(
                0.0,
                loss_at_stop(
                    trade.amount,
                    trade.open_rate,
                    trade.stop_loss,
                    trade.fee_close or fee,
                    is_short=trade.is_short,
                ),
            )
            for trade in open_trades
            if trade.stop_loss
        )
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        cooldown = timedelta(minutes=self.bracket_settings.stop_out_cooldown_minutes)
        closed = freqtrade_internals.closed_trades_since(min(day_start, now - cooldown))
        realised_today = sum(
            trade.close_profit_abs or 0.0 for trade in closed if trade.close_date_utc >= day_start
        )
        stop_outs = [
            trade.close_date_utc
            for trade in closed
            if trade.pair == pair and trade.exit_reason in STOP_OUT_REASONS
        ]
        return AccountState(
            equity=self._equity(),
            open_positions=len(open_trades),
            open_risk=open_risk,
            realised_pnl_today=realised_today,
            last_stop_out=max(stop_outs, default=None),
        )


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _opened_at_s(trade: Trade) -> int:
    """The trade's open time in seconds: part of its legs' client ids."""
    return int(trade.open_date_utc.timestamp())
