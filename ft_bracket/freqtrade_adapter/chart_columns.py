"""The bracket on FreqUI's chart: ``bracket_stop`` / ``bracket_take_profit`` columns in the
analysed dataframe of a running bot, and the bracket's series in ``plot_config``.

FreqUI's chart draws columns of the analysed dataframe (``/pair_candles``) that the plot
configuration names. No strategy callback runs after the user's ``populate_*`` methods, so the
columns are added by extending ``IStrategy.analyze_ticker``, the step that runs them in dry-run
and live (``_analyze_ticker_internal`` calls it, then caches the result for the API): once per
new candle, or every loop with ``process_only_new_candles = False``. Backtests and hyperopt
never call it. tests/freqtrade_adapter/test_freqtrade_contract.py pins that call.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from freqtrade.enums import RunMode
from freqtrade.exchange import timeframe_to_seconds
from freqtrade.persistence import Trade
from pandas import DataFrame

from ft_bracket.core.chart_levels import (
    STOP_COLUMN,
    TAKE_PROFIT_COLUMN,
    TradeLevels,
    level_columns,
    merged_plot_config,
    take_profit_column,
)
from ft_bracket.core.records import LEGS_RECORD, PRICES_RECORD
from ft_bracket.freqtrade_adapter.bracket_view import facts_of

logger = logging.getLogger(__name__)


def trade_levels(trade: Any) -> TradeLevels:
    """A trade's levels: the legs as they rest (or rested) and the stop's moves, else the
    bracket's plan."""
    legs = trade.get_custom_data(LEGS_RECORD)
    facts = facts_of(trade, trade.get_custom_data(PRICES_RECORD), legs)
    legs = legs if isinstance(legs, dict) else {}
    history = [(datetime.fromtimestamp(ms / 1000, UTC), float(price))
               for ms, price in legs.get("stop_history") or []]
    scale_out = legs.get("scale_out") or []
    levels = tuple(float(leg["trigger_price"]) for leg in [legs["take_profit"], *scale_out]
                   ) if scale_out else ()
    return TradeLevels(int(trade.id), trade.open_date_utc,
                       None if trade.is_open else trade.close_date_utc,
                       history[0][1] if history else facts.current_stop(),
                       facts.current_take_profit(), tuple(history[1:]), levels)


class ChartLevels:
    """Mixed into BracketStrategy ahead of IStrategy. Relies on the host's ``supervisor``
    (None outside dry-run and live), ``timeframe`` and ``bracket_settings``."""

    def merge_bracket_plot_config(self: Any) -> None:
        """Add the bracket's series to this strategy's ``plot_config`` (an instance copy: the
        class's own dict is shared and freqtrade's API adds to it)."""
        if not self.bracket_settings.merge_plot_config:
            return
        running = self.config.get("runmode") in (RunMode.LIVE, RunMode.DRY_RUN)
        try:
            self.plot_config = merged_plot_config(self.plot_config, levels=running)
        except AttributeError:  # a read-only property: the strategy draws what it says
            logger.warning("plot_config is read-only: add %s and %s to it to see the bracket "
                           "on FreqUI's chart", STOP_COLUMN, TAKE_PROFIT_COLUMN)

    def analyze_ticker(self: Any, dataframe: DataFrame, metadata: dict) -> DataFrame:
        """IStrategy's analysis, then (dry-run and live) the bracket columns."""
        dataframe = super().analyze_ticker(dataframe, metadata)  # type: ignore[misc]
        if self.supervisor is None or dataframe.empty:
            return dataframe
        try:
            drawn = self.__dict__.setdefault("_take_profit_columns", 1)
            columns = add_bracket_columns(dataframe, metadata["pair"], self.timeframe,
                                          self.__dict__.setdefault("_closed_levels", {}), drawn)
            if columns > drawn and self.bracket_settings.merge_plot_config:
                # A bracket with more levels than any before: FreqUI draws each.
                self._take_profit_columns = columns
                self.plot_config = merged_plot_config(self.plot_config,
                                                      take_profit_columns=columns)
        except Exception:  # a chart must never cost the pair its analysis
            logger.exception("could not add the bracket columns for %s", metadata.get("pair"))
        return dataframe


def add_bracket_columns(dataframe: DataFrame, pair: str, timeframe: str,
                        closed_cache: dict[int, TradeLevels], take_profit_columns: int = 1
                        ) -> int:
    """Write the stop's and each take-profit level's column (at least
    ``take_profit_columns`` of them) for ``pair``'s trades that overlap the frame, in place;
    return how many take-profit columns it wrote."""
    first: datetime = dataframe["date"].iloc[0].to_pydatetime()
    levels = [trade_levels(t) for t in Trade.get_trades_proxy(pair=pair, is_open=True)]
    for trade in Trade.get_trades_proxy(pair=pair, is_open=False, close_date=first):
        if trade.id not in closed_cache:  # a closed trade's levels never change
            closed_cache[trade.id] = trade_levels(trade)
        levels.append(closed_cache[trade.id])
    candle = timedelta(seconds=timeframe_to_seconds(timeframe))
    stops, take_profits = level_columns(dataframe["date"], levels, candle, take_profit_columns)
    dataframe[STOP_COLUMN] = stops
    for level, column in enumerate(take_profits, start=1):
        dataframe[take_profit_column(level)] = column
    return len(take_profits)
