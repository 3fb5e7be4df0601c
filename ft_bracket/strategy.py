"""``BracketStrategy``: the freqtrade side of the plugin, as freqtrade callbacks.

A strategy subclasses ``BracketStrategy`` and, on entry rows, fills ``stop_price`` and
``take_profit_price`` (absolute prices) next to freqtrade's ``enter_long`` / ``enter_short``.
The callbacks below turn that into a risk-sized, bracket-managed trade:

- ``custom_stake_amount`` gates the signal (``risk.can_trade``) and sizes it; a refusal returns
  0; ``confirm_trade_entry`` re-checks it at the final rate and amount against the budget.
- ``order_filled`` records stop, take-profit and risk at the entry fill and has the OrderManager
  protect the position (dry-run and live); at the exit fill it ends the bracket.
- ``custom_stoploss(after_fill=True)`` moves freqtrade's stop to ``stop_price``; later calls
  keep it there, or tighten it as the ready-made stop moves ask (the venue's stop follows).
- ``custom_roi`` exits at ``take_profit_price`` in backtests; ``custom_exit`` carries the time
  limit and the OrderManager's exit requests (and the dry-run take-profit).

Subclasses override ``populate_*`` freely. A subclass that also overrides one of the callbacks
above must call ``super()`` and honour its answer (0, False or None mean the plugin said no).
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from freqtrade.enums import RunMode
from freqtrade.exceptions import OperationalException
from freqtrade.persistence import Order, Trade
from freqtrade.strategy import IStrategy

from ft_bracket.core.actions import EXIT_TAKE_PROFIT, EXIT_TIME_LIMIT
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.core.destination import Destination, DestinationRefusedError, check_destination
from ft_bracket.core.records import PRICES_RECORD, BracketPrices
from ft_bracket.core.risk import (
    Signal,
    loss_at_stop,
)
from ft_bracket.core.scale_out import split_levels
from ft_bracket.core.settings import (
    BracketConfigError,
    BracketSettings,
    refuse_position_adjustment,
)
from ft_bracket.core.stop_policies import StopPolicy, StopPolicyError
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.freqtrade_adapter import ft_exchange, signals, stop_moves, trades
from ft_bracket.freqtrade_adapter.backtest import BacktestFastPath
from ft_bracket.freqtrade_adapter.backtest_levels import BacktestLevels
from ft_bracket.freqtrade_adapter.chart_columns import ChartLevels
from ft_bracket.freqtrade_adapter.entry_gate import STAKE_NUDGE, EntryGate
from ft_bracket.freqtrade_adapter.entry_orders import EntryPlan
from ft_bracket.freqtrade_adapter.version import warn_if_unverified_freqtrade
from ft_bracket.reporting.refusal_log import RefusalLog
from ft_bracket.supervisor import Supervisor

logger = logging.getLogger(__name__)

# Stop distance used when the price already crossed the stop at the fill: exit at once.
_CROSSED_STOP_DISTANCE = 1e-6


class BracketStrategy(BacktestFastPath, ChartLevels, IStrategy):
    """Base class of bracket-managed strategies; see the module docstring for the contract."""

    INTERFACE_VERSION = 3

    stoploss = -0.99  # a wide hard cap, only until the entry fill moves the stop to stop_price
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
    # Ready-made stop moves (core.stop_policies), off by default; a stop only ever tightens.
    break_even_after_level: int | None = None
    trail_distance: float | None = None
    trail_atr_multiple: float | None = None
    trail_after_level: int = 0
    trail_on_exchange: bool = False

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        warn_if_unverified_freqtrade()
        try:
            self.bracket_settings = BracketSettings.from_config(config)
            self.stop_policy = StopPolicy(self.break_even_after_level, self.trail_distance,
                                          self.trail_atr_multiple, self.trail_after_level,
                                          self.trail_on_exchange)
        except BracketConfigError as error:
            raise OperationalException(f"Invalid bracket settings: {error}") from error
        except StopPolicyError as error:
            raise OperationalException(f"{type(self).__name__}: {error}") from error
        self.destination = Destination.SIMULATED
        if config.get("runmode") == RunMode.LIVE:
            try:
                self.destination = check_destination(config, os.environ)
            except DestinationRefusedError as error:
                raise OperationalException(str(error)) from error
            logger.warning("ft_bracket trades LIVE on: %s", self.destination)
        self._optimizing = config.get("runmode") in (RunMode.BACKTEST, RunMode.HYPEROPT)
        # A backtest meets thousands of refusals: debug level.
        self.refusals = RefusalLog(logging.DEBUG if self._optimizing else logging.INFO)
        self._brackets: dict[int, BracketPrices] = {}
        self.markets = ft_exchange.MarketFacts(config, fixed=self._optimizing)
        self.entries = EntryGate(self.bracket_settings, self.markets, self.refusals,
                                 self.timeframe, self._optimizing)
        self._take_profit_ratios = trades.ProfitRatios()
        self.level_exits = BacktestLevels()  # backtests: take-profit levels as partial exits
        # The OrderManager: live places real legs, dry-run simulates them, backtests need none.
        self.order_manager: OrderManager | None = None
        self.supervisor: Supervisor | None = None
        self.merge_bracket_plot_config()  # FreqUI's chart and plot-dataframe show the bracket

    # Start-up and every loop ------------------------------------------------------------------

    def bot_start(self, **kwargs: Any) -> None:
        """Say which risk limits are in force and start the OrderManager (dry-run and live)."""
        logger.info("Bracket settings: %s", self.bracket_settings)
        self.entries.timeframe = self.timeframe  # the config's, if it overrides the class's
        try:
            # (A backtest that scales out has switched it on for its own partial exits.)
            refuse_position_adjustment(bool(self.position_adjustment_enable)
                                       and not self.level_exits.active)
            if self.config.get("runmode") not in (RunMode.LIVE, RunMode.DRY_RUN):
                return
            self.supervisor = Supervisor(self, self.bracket_settings, self.destination)
        except (BracketConfigError, DestinationRefusedError) as error:
            raise OperationalException(str(error)) from error
        self.order_manager = self.supervisor.manager
        self.refusals.events = self.supervisor.events
        self.supervisor.every_loop()  # live: the start-up reconciliation

    def bot_loop_start(self, current_time: datetime, **kwargs: Any) -> None:
        """Live: one look at the venue for every bracket (before freqtrade looks at its orders,
        so a take-profit fill closes the trade in this same loop)."""
        if self.supervisor is not None:
            self.supervisor.every_loop()

    # Entry: gate and size ---------------------------------------------------------------------

    def custom_stake_amount(
        self, pair: str, current_time: datetime, current_rate: float, proposed_stake: float,
        min_stake: float | None, max_stake: float, leverage: float, entry_tag: str | None,
        side: str, **kwargs: Any,
    ) -> float:
        """Margin for a position whose stop-out loses ``risk_per_trade x equity``; 0 = no trade."""
        manager = self.order_manager
        return self.entries.stake(
            self.dp, self.wallets, manager.entry_clearance if manager is not None else None,
            pair=pair, current_time=current_time, current_rate=current_rate,
            min_stake=min_stake, max_stake=max_stake, leverage=leverage, side=side,
            futures=self.config.get("trading_mode") == "futures")

    def confirm_trade_entry(
        self, pair: str, order_type: str, amount: float, rate: float, time_in_force: str,
        current_time: datetime, entry_tag: str | None, side: str, **kwargs: Any,
    ) -> bool:
        """Last check before the order: the signal still holds at ``rate`` and ``amount`` (what
        freqtrade made of the stake) loses no more than the budget at the stop."""
        return self.entries.confirm(self.dp, pair=pair, amount=amount, rate=rate,
                                    current_time=current_time, side=side)

    def entry_plan(self, pair: str) -> EntryPlan | None:
        """The confirmed plan of the entry being sent for ``pair``."""
        return self.entries.plan(self.dp, pair)

    # Fill: record and protect -----------------------------------------------------------------

    def order_filled(
        self, pair: str, trade: Trade, order: Order, current_time: datetime, **kwargs: Any
    ) -> None:
        """Record stop, take-profit and risk at the entry fill and protect the position
        (idempotent: freqtrade may report the same fill twice); end the bracket at the exit."""
        if order.ft_order_side != trade.entry_side:
            if not trade.is_open:  # a level's fill leaves the trade, and its bracket, open
                self._brackets.pop(trade.id, None)
                if self.supervisor is not None:
                    # The close first: a bot killed during the venue calls below must find it
                    # at its restart (freqtrade's recovery mis-books a scaled-out trade's).
                    trades.persist()
                    self.supervisor.trade_closed(trades.trade_view(trade))
            return
        self._entry_filled(pair, trade, order)

    def _entry_filled(self, pair: str, trade: Trade, order: Order) -> None:
        """Record stop, take-profit and risk of a filled entry; protect it (not in backtests)."""
        manager = self.order_manager
        # Backtesting reports each fill exactly once, and looking custom data up there scans
        # every record of the run; live, a repeated report must not overwrite the record.
        if not self._optimizing:
            recorded = self._recorded_bracket(trade)
            if recorded is not None:
                self._brackets[trade.id] = recorded
                return
        else:  # a trade of an earlier run (a hyperopt epoch) may have had the same id
            self._brackets.pop(trade.id, None)
        signal = self._planned_signal(pair, trade)
        if signal is None:
            logger.warning("%s: trade %s filled without a bracket signal; only the hard "
                           "stoploss %s protects it", pair, trade.id, self.stoploss)
            return
        risk_amount = loss_at_stop(order.safe_filled, order.safe_price, signal.stop_price,
                                   self._taker_fee(pair), is_short=trade.is_short)
        bracket = BracketPrices(signal.stop_price, signal.take_profit_price, risk_amount,
                                [list(level) for level in signal.levels])
        # A backtest keeps the cache and nothing else: its custom-data store scans every record
        # of the run on each write (quadratic in the number of trades); a live bot persists.
        if not self._optimizing:
            trade.set_custom_data(PRICES_RECORD, asdict(bracket))
        self._brackets[trade.id] = bracket
        take_profits, merged = split_levels(order.safe_filled, signal.levels,
                                            self.markets.rules(self.dp, pair))
        if self._optimizing:
            self._backtest_levels(trade.id, order.safe_filled, take_profits)
        if manager is not None:
            root = bracket_root(trade.id, int(trade.open_date_utc.timestamp()))
            manager.open_bracket(trades.trade_view(trade), root, signal.stop_price,
                                 signal.take_profit_price, entry_order_id=order.order_id,
                                 take_profits=take_profits, merged=merged)

    def _backtest_levels(self, trade_id: int, amount: float,
                         take_profits: list[tuple[float, float]] | None) -> None:
        """A backtest scales out by partial exits: freqtrade asks for them (and prices them
        through custom_exit_price, which it asks for limit exits only) once a trade has levels."""
        self.level_exits.opened(trade_id, amount, take_profits)
        if self.level_exits.active and not self.position_adjustment_enable:
            self.position_adjustment_enable = True
            self.order_types = {**self.order_types, "exit": "limit"}

    def _planned_signal(self, pair: str, trade: Trade) -> Signal | None:
        """The planned bracket of this entry, else read again off the signal candle."""
        return self.entries.filled(pair, trade.is_short) or signals.signal_for_trade(
            self.dp, self.timeframe, trade, self.markets.rules(self.dp, trade.pair))

    # Exits: stop and take-profit -------------------------------------------------------------

    def custom_stoploss(
        self, pair: str, trade: Trade, current_time: datetime, current_rate: float,
        current_profit: float, after_fill: bool, **kwargs: Any,
    ) -> float | None:
        """Place the stop at ``stop_price`` right after the entry fill; later, where the
        strategy's ready-made moves ask (freqtrade keeps it only if tighter)."""
        if not after_fill:
            active = self.stop_policy.active and self._bracket(trade) is not None
            return self._policy_stop(trade, current_rate) if active else None
        bracket = self._bracket(trade)
        if bracket is None:
            return None
        if self.order_manager is not None:
            # Live: the stop is already on the exchange (placed at the fill); freqtrade has just
            # cleared its stop orders, so now it can take ours over.
            self.order_manager.adopt_stop(trades.trade_view(trade))
        # After a level's fill (a partial exit) freqtrade takes this answer even if looser: the
        # stop stays where it is (a break-even move stays made).
        moved = trade.nr_of_successful_exits and trade.stop_loss
        distance = trades.stop_distance(trade.stop_loss if moved else bracket.stop_price,
                                        current_rate,
                                        is_short=trade.is_short, leverage=trade.leverage or 1.0)
        if distance <= 0:
            # The price is already through the stop: a stop right at the price exits now.
            return _CROSSED_STOP_DISTANCE * (trade.leverage or 1.0)
        return distance

    def _policy_stop(self, trade: Trade, current_rate: float) -> float | None:
        manager, policy = self.order_manager, self.stop_policy
        note = manager.note_stop_reason if manager else None
        trail = manager.trail_on_exchange if manager and policy.trail_on_exchange else None
        return stop_moves.policy_distance(policy, self.dp, self.timeframe, trade, current_rate,
                                          note, trail)

    def custom_roi(
        self, pair: str, trade: Trade, current_time: datetime, trade_duration: int,
        entry_tag: str | None, side: str, **kwargs: Any,
    ) -> float | None:
        """Backtesting: the profit ratio at ``take_profit_price``, so the ROI exit fills exactly
        there. Dry-run and live leave the take-profit to the OrderManager (``custom_exit``)."""
        if self.order_manager is not None:
            return None
        bracket = self._bracket(trade)
        if bracket is None:
            return None
        # Asked every candle: freqtrade's profit formula runs again only when its inputs moved.
        return self._take_profit_ratios.ratio(trade, self.roi_target(trade.id, bracket))

    def roi_target(self, trade_id: int, bracket: BracketPrices) -> float:
        """A backtest's take-profit: the farthest level (the nearer ones are partial exits),
        else the take-profit price."""
        return self.level_exits.last_price(trade_id) or bracket.target_price

    def adjust_trade_position(self, trade: Trade, current_time: datetime, **kwargs: Any
                              ) -> tuple[float, str] | None:
        """Backtests: the levels this candle reaches, as a partial exit (a negative stake)."""
        due = self.level_exits.due(trade, current_time) if self._optimizing else None
        if due is None:
            return None
        return -due.quantity * trade.stake_amount / trade.amount * (1 + STAKE_NUDGE), due.tag

    def custom_exit_price(self, pair: str, trade: Trade, current_time: datetime,
                          proposed_rate: float, current_profit: float, exit_tag: str | None,
                          **kwargs: Any) -> float:
        """Backtests: a level's partial exit at the level's price."""
        return self.level_exits.price(trade.id, exit_tag, proposed_rate, bool(trade.is_short))

    def custom_exit(
        self, pair: str, trade: Trade, current_time: datetime, current_rate: float,
        current_profit: float, **kwargs: Any,
    ) -> str | None:
        """The time limit (every mode); exits the OrderManager asks for (a take-profit it cannot
        place, or one already crossed); in dry-run also the simulated take-profit, when the
        order book crosses it (dry-run's venue triggers nothing)."""
        limit = self.bracket_settings.time_limit_minutes
        if limit and current_time - trade.open_date_utc >= timedelta(minutes=limit):
            return EXIT_TIME_LIMIT
        manager = self.order_manager
        if manager is None:
            return None
        requested = manager.exit_wanted(trade.id)
        if requested is not None:
            return requested
        bracket = self._bracket(trade)
        if not self.config.get("dry_run", True) or bracket is None:
            return None
        target = bracket.target_price
        crossed = current_rate <= target if trade.is_short else current_rate >= target
        return EXIT_TAKE_PROFIT if crossed else None

    # Helpers ---------------------------------------------------------------------------------

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
        record = trade.get_custom_data(PRICES_RECORD)
        return None if record is None else BracketPrices(**record)

    def _taker_fee(self, pair: str) -> float:
        return self.markets.taker_fee(self.dp, pair)
