"""An entry's way in: the risk gate and the size (freqtrade's ``custom_stake_amount``), the last
check at the final rate and amount (``confirm_trade_entry``), and the confirmed plan that the
entry's answer and its fill take over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from ft_bracket.core.book_walk import size_on_book
from ft_bracket.core.records import PlannedEntry
from ft_bracket.core.risk import Decision, Denial, Signal, can_trade, deny, size_position
from ft_bracket.core.settings import BracketSettings
from ft_bracket.freqtrade_adapter import account_state, ft_exchange, signals, trades
from ft_bracket.freqtrade_adapter.entry_orders import EntryPlan
from ft_bracket.reporting.refusal_log import RefusalLog

# freqtrade turns the stake back into an amount (stake / rate * leverage) and truncates it to
# the step size; float noise could cost a whole step. This lifts the stake by far less than one
# step, so the truncation lands on the sized quantity again.
STAKE_NUDGE = 1e-9


class EntryGate:
    """Gates and sizes each entry signal; keeps the sized entry per pair until its fill."""

    def __init__(self, settings: BracketSettings, markets: ft_exchange.MarketFacts,
                 refusals: RefusalLog, timeframe: str, optimizing: bool) -> None:
        self.settings = settings
        self.markets = markets
        self.refusals = refusals
        self.timeframe = timeframe
        self.optimizing = optimizing
        self.planned: dict[str, PlannedEntry] = {}
        # Backtests: each pair's entry rows, indexed when freqtrade analyses it.
        self.signals: dict[str, signals.EntrySignals | None] = {}

    def stake(self, dp: Any, wallets: Any, clearance: Callable[[str], Decision] | None, *,
              pair: str, current_time: datetime, current_rate: float, min_stake: float | None,
              max_stake: float, leverage: float, side: str, futures: bool) -> float:
        """Margin for a position whose stop-out loses ``risk_per_trade x equity``; 0 = no
        trade. ``clearance`` (dry-run and live) says whether the pair is free of an earlier
        trade's leg and of positions no trade owns; without it (backtests) the entry fills at
        the candle's price, with it the size is walked down the order book."""
        is_short = side == "short"
        self.planned.pop(pair, None)
        indexed = self.signals.get(pair)
        found = indexed.prices(is_short, current_time) if indexed is not None else None
        candle_date, prices = found or signals.read_signal(dp, pair, self.timeframe,
                                                           is_short, current_time)
        if not isinstance(prices, tuple):
            self.refusals.refuse(pair, candle_date, prices, side=side)
            return 0.0
        if clearance is not None:
            block = clearance(pair)
            if not block.allowed:
                self.refusals.refuse(pair, candle_date, block)
                return 0.0
        market = self.markets.rules(dp, pair)
        if market is None:
            self.refusals.refuse(pair, candle_date, deny(Denial.SIGNAL_MISSING, "no market"),
                                 side=side)
            return 0.0
        levels = (signals.read_levels(dp, pair, self.timeframe, candle_date)
                  if indexed is None or indexed.scales_out else ())
        signal = signals.signal_on_tick(is_short, current_rate, prices, levels, market)
        if not isinstance(signal, Signal):
            self.refusals.refuse(pair, candle_date, signal, side=side)
            return 0.0
        fee = self.markets.taker_fee(dp, pair)
        settings = self.settings
        decision = can_trade(
            signal,
            account_state.account_state(wallets, pair, current_time, fee,
                                        settings.stop_out_cooldown_minutes),
            settings, current_time,
        )
        if not decision.allowed:
            self.refusals.refuse(pair, candle_date, decision, side=side, signal=signal)
            return 0.0
        sizing: dict[str, Any] = dict(
            equity=account_state.equity(wallets), risk_per_trade=settings.risk_per_trade,
            taker_fee=fee, leverage=leverage, market=market, max_stake=max_stake,
            min_stake=min_stake or 0.0,
            maintenance_margin_rate=(
                ft_exchange.maintenance_margin_rate(dp, pair, max_stake * leverage)
                if futures else 0.0),
        )
        if clearance is None:  # backtesting: the candle's price is the fill
            size = size_position(signal=signal, **sizing)
        else:  # the market order walks the book: size on the price it will really get
            size = size_on_book(signal, signals.book_side(dp, pair, is_short), **sizing)
        if not size.approved:
            self.refusals.refuse(pair, candle_date, deny(size.denial, size.detail), side=side,
                                 signal=signal)
            return 0.0
        walked = replace(signal, entry_price=size.entry_price)
        self.planned[pair] = PlannedEntry(walked, size.risk_budget)
        # freqtrade turns the stake into an amount at its own rate (the touch): the margin is
        # the walked size at that rate, so the amount is the walked size.
        return size.quantity * current_rate / leverage * (1 + STAKE_NUDGE)

    def confirm(self, dp: Any, *, pair: str, amount: float, rate: float,
                current_time: datetime, side: str) -> bool:
        """Last check before the order: the signal still holds at ``rate`` and ``amount`` (what
        freqtrade made of the stake) loses no more than the budget at the stop."""
        is_short = side == "short"
        planned = self.planned.get(pair)
        candle = signals.signal_candle_date(self.timeframe, current_time)
        if planned is None or planned.signal.is_short != is_short:
            self.refusals.refuse(
                pair, candle, deny(Denial.SIGNAL_MISSING, "entry was not risk-sized"), side=side)
            return False
        signal, decision = planned.confirm(rate, amount, self.markets.taker_fee(dp, pair),
                                           self.settings.min_reward_risk)
        if not decision.allowed:
            self.planned.pop(pair, None)
            self.refusals.refuse(pair, candle, decision, side=side, signal=signal)
            return False
        if not self.optimizing:
            # A bot killed before it sees the fill learns of it at its restart, before any
            # candle is analysed: the bracket must outlive the process.
            trades.store_planned_entry(pair, planned.to_dict())
        return True

    def plan(self, dp: Any, pair: str) -> EntryPlan | None:
        """The confirmed plan of the entry being sent for ``pair`` (legs go out from its
        answer: freqtrade_adapter.entry_orders)."""
        planned = self.planned.get(pair)
        if planned is None:
            return None
        signal = planned.signal
        return EntryPlan(signal.is_short, signal.stop_price, signal.take_profit_price,
                         signal.levels, self.markets.rules(dp, pair))

    def filled(self, pair: str, is_short: bool) -> Signal | None:
        """The sized entry of ``pair``, taken at its fill: in memory, else kept in the database
        (a restart between order and fill); None if neither is this trade's side."""
        planned = self.planned.pop(pair, None)
        if not self.optimizing:
            stored = trades.pop_planned_entry(pair)
            planned = planned or (PlannedEntry.from_dict(stored) if stored else None)
        if planned is not None and planned.signal.is_short == is_short:
            return planned.signal
        return None
