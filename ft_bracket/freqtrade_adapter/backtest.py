"""Backtest fast path: the per-candle exit checks without freqtrade's deep copy.

freqtrade deep-copies the trade before each call of a strategy-defined callback that takes
`trade` (strategy_wrapper.strategy_safe_wrapper exempts only functions whose __qualname__
starts with "IStrategy."). A backtest asks custom_stoploss, custom_roi and custom_exit about
every open trade on every candle, so the copies cost most of a plugin backtest. None of the
plugin's answers there needs them: its custom_stoploss only acts on the after-fill call, its
custom_roi reads the trade and writes nothing, and its custom_exit answers None without an
OrderManager. (The stop check takes the same shortcut in dry-run and live, with the same
result; the other two do not.)
"""

from __future__ import annotations

import math
from datetime import datetime
from types import MethodType
from typing import Any, ClassVar

from freqtrade.persistence import Trade
from freqtrade.strategy import IStrategy


class BacktestFastPath:
    """Mixed into BracketStrategy ahead of IStrategy: skips freqtrade's copying wrapper for the
    per-candle exit checks where the plugin's own callbacks decide them; everything else (the
    after-fill stop, trailing, trades without a bracket, a subclass overriding a callback,
    dry-run and live take-profits and exits) goes to IStrategy unchanged.

    Relies on the host class: ``_brackets`` (trade id -> bracket, set at the entry fill),
    ``order_manager`` (None in backtests, set by ``bot_start`` otherwise), a
    ``custom_stoploss`` that answers None whenever ``after_fill`` is False and a
    ``custom_exit`` that answers None without a ``order_manager``
    (tests/unit/test_backtest_fast_path.py checks the answers against IStrategy's).
    """

    # The host's own callbacks (of the class that lists this mixin as a base), to tell them
    # apart from a subclass's overrides.
    _plugin_callbacks: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if BacktestFastPath in cls.__bases__:
            cls._plugin_callbacks = {
                name: getattr(cls, name)
                for name in ("custom_stoploss", "custom_roi", "custom_exit")
            }

    def ft_bot_start(self: Any, **kwargs: Any) -> None:
        """IStrategy's; then, without an OrderManager (backtesting, hyperopt), shows freqtrade
        IStrategy's custom_exit, which answers None like the plugin's there and which freqtrade
        calls without copying the trade."""
        super().ft_bot_start(**kwargs)  # type: ignore[misc]
        if (
            self.order_manager is None
            and _is_own(self, "custom_exit")
            # IStrategy's custom_exit answers what the deprecated custom_sell answers.
            and type(self).custom_sell is IStrategy.custom_sell
        ):
            self.custom_exit = MethodType(IStrategy.custom_exit, self)

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
        """IStrategy's version, minus the custom_stoploss call that would answer None."""
        if (
            after_fill
            or self.trailing_stop
            or trade.id not in self._brackets
            or not _is_own(self, "custom_stoploss")
        ):
            return super().ft_stoploss_adjust(  # type: ignore[misc]
                current_rate, trade, current_time, current_profit, force_stoploss,
                low, high, bound_profit=bound_profit, after_fill=after_fill,
            )
        # All that IStrategy's version does when custom_stoploss answers None and nothing
        # trails: set the initial stop if the trade has none yet.
        trade.adjust_stop_loss(trade.open_rate, force_stoploss or self.stoploss, initial=True)
        return None

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
        custom_roi = self.custom_roi(
            pair=trade.pair,
            trade=trade,
            current_time=current_time,
            trade_duration=trade_dur,
            entry_tag=trade.enter_tag,
            side=trade.trade_direction,
        )
        if custom_roi is not None and not math.isfinite(custom_roi):
            custom_roi = None
        # As IStrategy: the ROI table's entry in force, and the lower of the two wins.
        roi_entry = max((key for key in self.minimal_roi if key <= trade_dur), default=None)
        min_roi = None if roi_entry is None else self.minimal_roi[roi_entry]
        if custom_roi is not None and (min_roi is None or custom_roi < min_roi):
            return trade_dur, custom_roi
        return roi_entry, min_roi


def _is_own(strategy: BacktestFastPath, callback: str) -> bool:
    # The plugin's function, bound; a subclass's override or a patched attribute is not.
    bound = getattr(strategy, callback)
    return getattr(bound, "__func__", None) is strategy._plugin_callbacks[callback]
