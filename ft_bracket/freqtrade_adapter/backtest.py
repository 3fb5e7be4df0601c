"""Backtest fast path: the per-candle exit checks without freqtrade's deep copy, and the signal
read without cutting the dataframe.

freqtrade deep-copies the trade before each call of a strategy-defined callback that takes
`trade` (strategy_wrapper.strategy_safe_wrapper exempts only functions whose __qualname__
starts with "IStrategy."). A backtest asks custom_stoploss, custom_roi and custom_exit about
every open trade on every candle, so the copies cost most of a plugin backtest. None of the
plugin's answers there needs them: its custom_stoploss writes nothing to the trade without an
OrderManager (and only acts on the after-fill call), its custom_roi reads the trade and writes
nothing, and its custom_exit answers None without an OrderManager. (The per-candle stop check
takes the same shortcut in dry-run and live, with the same result; the others do not.)

The entry signal: a backtest hands custom_stake_amount the analysed dataframe cut off after the
last closed candle, a new DataFrame per call; ``EntrySignals`` indexes the frame freqtrade
analysed once per pair (``ft_advise_signals``), so the signal row is a dictionary look-up.
"""

from __future__ import annotations

import math
from datetime import datetime
from types import MethodType
from typing import Any, ClassVar

from freqtrade.persistence import Trade
from freqtrade.strategy import IStrategy
from freqtrade.strategy.strategy_wrapper import strategy_safe_wrapper
from pandas import DataFrame

from ft_bracket.freqtrade_adapter.signals import EntrySignals


class BacktestFastPath:
    """Mixed into BracketStrategy ahead of IStrategy: skips freqtrade's copying wrapper for the
    per-candle exit checks where the plugin's own callbacks decide them, and in backtests for
    the after-fill stop and the entry fill's record; everything else (trailing and the
    ready-made stop moves, a time limit, trades without a bracket, a subclass overriding a
    callback, dry-run and live take-profits, exits and fills) goes to IStrategy unchanged.

    Relies on the host class: ``_brackets`` (trade id -> bracket, set at the entry fill by
    ``_entry_filled``), ``order_manager`` (None in backtests, set by ``bot_start`` otherwise),
    ``_optimizing`` (backtest or hyperopt), ``markets`` (``MarketFacts``), ``entries``
    (``EntryGate``, whose ``signals`` index the backtest's entry rows), a ``custom_stoploss``
    that answers None whenever ``after_fill`` is False and writes nothing to the trade without
    an OrderManager, a ``custom_roi`` that answers ``_take_profit_ratios.ratio(trade,
    take_profit_price)`` for a trade with a bracket without an OrderManager, and a
    ``custom_exit`` that answers None without one
    (tests/freqtrade_adapter/test_backtest_fast_path.py checks the answers against IStrategy's).
    """

    # The host's own callbacks (of the class that lists this mixin as a base), to tell them
    # apart from a subclass's overrides.
    _plugin_callbacks: ClassVar[dict[str, Any]]
    # True while freqtrade is shown IStrategy's order_filled and fills are recorded at the stop.
    _fills_at_stop = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if BacktestFastPath in cls.__bases__:
            cls._plugin_callbacks = {
                name: getattr(cls, name)
                for name in ("custom_stoploss", "custom_roi", "custom_exit", "order_filled")
            }

    def ft_bot_start(self: Any, **kwargs: Any) -> None:
        """IStrategy's; then, without an OrderManager (backtesting, hyperopt), shows freqtrade
        IStrategy's custom_exit, which answers None like the plugin's there and which freqtrade
        calls without copying the trade, and IStrategy's order_filled (see below). Backtests
        and hyperopt also read market rules and fees now, before hyperopt closes the exchange."""
        super().ft_bot_start(**kwargs)  # type: ignore[misc]
        if self._fills_at_stop:  # started before (the next backtest of a strategy list)
            del self.order_filled
            self._fills_at_stop = False
        if self._optimizing:
            self.markets.preload(self.dp, list(self.config.get("exchange", {}).get(
                "pair_whitelist", [])))
            if (
                self.order_manager is None
                and _is_own(self, "order_filled")
            ):
                # Every entry fill is followed by the after-fill stop call, which freqtrade makes
                # without a copy: the fill is recorded there (ft_stoploss_adjust), and freqtrade
                # is shown IStrategy's order_filled, which does nothing and is not copied for.
                self.order_filled = MethodType(IStrategy.order_filled, self)
                self._fills_at_stop = True
        if (
            self.order_manager is None
            and _is_own(self, "custom_exit")
            and not self.bracket_settings.time_limit_minutes
            # IStrategy's custom_exit answers what the deprecated custom_sell answers.
            and type(self).custom_sell is IStrategy.custom_sell
        ):
            self.custom_exit = MethodType(IStrategy.custom_exit, self)

    def ft_advise_signals(self: Any, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """IStrategy's; in backtests and hyperopt also indexes the frame's entry rows."""
        dataframe = super().ft_advise_signals(dataframe, metadata)  # type: ignore[misc]
        if self._optimizing:
            indexed = EntrySignals.of(dataframe, self.timeframe)
            self.entries.signals[metadata["pair"]] = indexed
            if indexed is not None and indexed.scales_out:
                self.level_exits.index(metadata["pair"], dataframe)
        return dataframe

    def ft_stoploss_adjust(
        self: Any,
        current_rate: float,
        trade: Trade,
        current_time: datetime,
        current_profit: float,
        force_stoploss: float,
        low: float | None = None,
        high: float | None = None,
        bound_profit: float | None = None,
        after_fill: bool = False,
    ) -> None:
        """IStrategy's version, minus the custom_stoploss call that would answer None; in
        backtests the after-fill call without the copy, and the entry fill recorded first."""
        if after_fill and self._fills_at_stop:
            # The trade's just-filled order is its last (a level's partial exit is no entry).
            # A trade of an earlier run (a hyperopt epoch) may have had the same id: its bracket
            # must not survive the fill.
            filled = trade.orders[-1]
            if filled.ft_order_side == trade.entry_side:
                self._brackets.pop(trade.id, None)
                self._entry_filled(trade.pair, trade, filled)
        if (
            after_fill
            and self.order_manager is None
            and not self.trailing_stop
            and self._ft_stop_uses_after_fill
            and _is_own(self, "custom_stoploss")
        ):
            return self._after_fill_stop(current_rate, trade, current_time, current_profit,
                                         force_stoploss, low, high, bound_profit)
        if (
            after_fill
            or self.trailing_stop
            or self.stop_policy.active
            or trade.id not in self._brackets
            or not _is_own(self, "custom_stoploss")
        ):
            return super().ft_stoploss_adjust(  # type: ignore[misc]
                current_rate, trade, current_time, current_profit, force_stoploss,
                low, high, bound_profit=bound_profit, after_fill=after_fill,
            )
        # All that IStrategy's version does when custom_stoploss answers None and nothing
        # trails: set the initial stop if the trade has none yet.
        if trade.stop_loss is None or trade.stop_loss == 0:
            trade.adjust_stop_loss(trade.open_rate, force_stoploss or self.stoploss, initial=True)
        return None

    def _after_fill_stop(
        self: Any, current_rate: float, trade: Trade, current_time: datetime,
        current_profit: float, force_stoploss: float, low: float | None, high: float | None,
        bound_profit: float | None,
    ) -> None:
        """IStrategy.ft_stoploss_adjust(after_fill=True) without trailing, calling the plugin's
        custom_stoploss with the trade itself (it writes nothing to it here)."""
        trade.adjust_stop_loss(trade.open_rate, force_stoploss or self.stoploss, initial=True)
        dir_correct = (
            trade.stop_loss < (low or current_rate)
            if not trade.is_short
            else trade.stop_loss > (high or current_rate)
        )
        bound = low if trade.is_short else high
        if bound_profit is None:
            bound_profit = current_profit if not bound else trade.calc_profit_ratio(bound)
        if not (self.use_custom_stoploss and dir_correct):
            return
        # freqtrade's wrapper for its error handling (logged, then None); it copies only a
        # `trade` passed by keyword.
        stop_loss = strategy_safe_wrapper(_call_custom_stoploss, supress_error=True)(
            self, trade, current_time, bound or current_rate, bound_profit)
        if stop_loss and not (math.isnan(stop_loss) or math.isinf(stop_loss)):
            trade.adjust_stop_loss(bound or current_rate, stop_loss, allow_refresh=True)

    def min_roi_reached_entry(
        self: Any, trade: Trade, trade_dur: int, current_time: datetime
    ) -> tuple[int | None, float | None]:
        """IStrategy's version with the plugin's custom_roi called directly (no copy)."""
        if (
            not self.use_custom_roi
            or self.order_manager is not None
            or trade.id not in self._brackets
            or not _is_own(self, "custom_roi")
        ):
            return super().min_roi_reached_entry(trade, trade_dur, current_time)  # type: ignore[misc]
        # What the plugin's custom_roi answers without an OrderManager for a trade with a
        # bracket, without the call (asked for every open trade on every candle).
        custom_roi = self._take_profit_ratios.ratio(
            trade, self.roi_target(trade.id, self._brackets[trade.id]))
        if not math.isfinite(custom_roi):
            custom_roi = None
        # As IStrategy: the ROI table's entry in force, and the lower of the two wins.
        roi_entry = max((key for key in self.minimal_roi if key <= trade_dur), default=None)
        min_roi = None if roi_entry is None else self.minimal_roi[roi_entry]
        if custom_roi is not None and (min_roi is None or custom_roi < min_roi):
            return trade_dur, custom_roi
        return roi_entry, min_roi


def _call_custom_stoploss(strategy: Any, trade: Trade, current_time: datetime,
                          current_rate: float, current_profit: float) -> float | None:
    return strategy.custom_stoploss(
        pair=trade.pair, trade=trade, current_time=current_time, current_rate=current_rate,
        current_profit=current_profit, after_fill=True,
    )


def _is_own(strategy: BacktestFastPath, callback: str) -> bool:
    # The plugin's function, bound; a subclass's override or a patched attribute is not.
    bound = getattr(strategy, callback)
    return getattr(bound, "__func__", None) is strategy._plugin_callbacks[callback]
