"""Facts about a market that freqtrade keeps on its exchange object.

A strategy reaches the exchange only through the DataProvider, whose ``_exchange`` is private.
Every such access lives here, in small functions, so a freqtrade upgrade that moves things
breaks one module. Verified against freqtrade 2026.9.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ccxt import DECIMAL_PLACES, TICK_SIZE
from freqtrade.persistence import LocalTrade, Trade

from ft_bracket.risk import MarketRules

logger = logging.getLogger(__name__)


def _exchange(dp: Any) -> Any:
    # Private: DataProvider has no public accessor for fees, precision mode or leverage tiers.
    return dp._exchange


def taker_fee(config: dict, dp: Any, pair: str) -> float:
    """The taker fee rate for ``pair``; the ``fee`` config key overrides it, as in freqtrade.

    Backtesting charges max(taker, maker) on both legs, which is the taker fee on Binance.
    """
    configured = config.get("fee")
    if configured is not None:
        return float(configured)
    return float(_exchange(dp).get_fee(symbol=pair, taker_or_maker="taker"))


def market_rules(dp: Any, pair: str) -> MarketRules | None:
    """Step size, minimum quantity / notional and tick size of ``pair``, or None if unknown."""
    market = dp.market(pair)
    if not market:
        return None
    precision_mode = _exchange(dp).precisionMode
    precision = market.get("precision", {})
    limits = market.get("limits", {})
    contract_size = float(market.get("contractSize") or 1.0)
    step = _precision_to_step(precision.get("amount"), precision_mode)
    return MarketRules(
        step_size=step * contract_size,
        min_quantity=float(limits.get("amount", {}).get("min") or 0.0) * contract_size,
        min_notional=float(limits.get("cost", {}).get("min") or 0.0),
        tick_size=_precision_to_step(precision.get("price"), precision_mode) or None,
    )


def maintenance_margin_rate(dp: Any, pair: str, notional: float) -> float:
    """Maintenance margin rate of the leverage bracket that ``notional`` falls into (0 if the
    exchange has no tiers for the pair: the liquidation check then uses 1 / leverage)."""
    try:
        rate, _ = _exchange(dp).get_maintenance_ratio_and_amt(pair, notional)
    except Exception as error:  # freqtrade raises several types for "no tiers"
        logger.debug("No maintenance margin rate for %s: %s", pair, error)
        return 0.0
    return float(rate or 0.0)


def closed_trades_since(since: datetime) -> list[LocalTrade]:
    """Trades closed after ``since``, live from the database, in backtests from memory.

    freqtrade's backtest query scans every closed trade of the run on each call, which makes a
    year-long backtest quadratic. Its closed-trade list is appended in close order (private,
    backtest-only), so the recent ones are a tail that can be read backwards.
    """
    if Trade.use_db:
        return Trade.get_trades_proxy(is_open=False, close_date=since)
    recent = []
    for trade in reversed(LocalTrade.bt_trades):
        if trade.close_date_utc <= since:
            break
        recent.append(trade)
    return recent


def _precision_to_step(precision: float | None, precision_mode: int) -> float:
    if precision is None:
        return 0.0
    if precision_mode == DECIMAL_PLACES:
        return 10.0 ** -int(precision)
    if precision_mode == TICK_SIZE:
        return float(precision)
    # SIGNIFICANT_DIGITS has no fixed step; no exchange this plugin targets uses it.
    return 0.0
