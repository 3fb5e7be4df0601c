"""BracketExample's indicators and signals without the plugin: the overhead benchmark's baseline.

Exits are freqtrade's own fixed stoploss and ROI, sized by freqtrade's default stake, which is
what a user would run without ft_bracket. Loaded from ``bench/strategies`` by the benchmark,
which puts ``strategies/`` on ``sys.path`` for the import below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from BracketExample import TrendPullbackSignals
from freqtrade.strategy import IStrategy


class BracketExampleBaseline(TrendPullbackSignals, IStrategy):
    """Same signals as BracketExample; stop and target as fixed percentages."""

    INTERFACE_VERSION = 3
    stoploss = -0.03
    minimal_roi = {"0": 0.06}  # noqa: RUF012 - freqtrade's own attribute shape

    def leverage(
        self,
        pair: str,
        current_time: datetime,
        current_rate: float,
        proposed_leverage: float,
        max_leverage: float,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> float:
        """Same leverage as BracketExample."""
        return min(3.0, max_leverage)
