"""Which freqtrade the adapter was read off, and one loud warning when it runs on another."""

from __future__ import annotations

import functools
import logging
import re

import freqtrade

logger = logging.getLogger(__name__)

# The freqtrade release series every private access in this package was read off and tested
# against (tests/freqtrade_adapter/test_freqtrade_contract.py pins each one).
VERIFIED_FREQTRADE = (2026, 9)


def freqtrade_release(version: str) -> tuple[int, int] | None:
    """(year, month) of a freqtrade version string ("2026.9", "2026.9.1", "2026.10-dev-ab12")."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


@functools.cache
def warn_if_unverified_freqtrade() -> bool:
    """Log one loud warning per process if freqtrade is not the verified release; True if it is.

    Never refuses to run: a newer freqtrade often still fits, and the contract tests say where
    it does not.
    """
    version = freqtrade.__version__
    if freqtrade_release(version) == VERIFIED_FREQTRADE:
        return True
    logger.warning(
        "ft_bracket was verified against freqtrade %d.%d.x, this is freqtrade %s. It uses "
        "freqtrade internals that may have changed: the exchange behind the DataProvider "
        "(fees, precision, leverage tiers, the ccxt client and stop-order calls for bracket "
        "legs), the trade's database session and order rows (live stop adoption and "
        "take-profit closing), the backtest's closed-trade list (daily loss limit, stop-out "
        "cooldown), freqtrade's log line for a failed entry, and IStrategy's "
        "ft_stoploss_adjust / min_roi_reached_entry (backtest exits). Run "
        "tests/freqtrade_adapter/test_freqtrade_contract.py before trading with this version.",
        *VERIFIED_FREQTRADE,
        version,
    )
    return False
