"""Facts freqtrade keeps on its exchange object, and the ccxt client behind it.

A strategy reaches the exchange only through the DataProvider, whose ``_exchange`` is private:
DataProvider has no public accessor for fees, precision mode, leverage tiers or the client.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from ccxt import DECIMAL_PLACES, TICK_SIZE

from ft_bracket.core.risk import MarketRules

logger = logging.getLogger(__name__)


def freqtrade_exchange(dp: Any) -> Any:
    """freqtrade's Exchange object behind the DataProvider."""
    return dp._exchange


def ccxt_client(dp: Any) -> Any:
    """freqtrade's synchronous ccxt client (the one its own orders go through)."""
    return freqtrade_exchange(dp)._api


def plugin_client(dp: Any, timeout_ms: int) -> Any:
    """A client of the plugin's own: freqtrade's, configured the same (keys, venue, proxies,
    loaded markets, clock offset), with its own short timeout and its own rate-limit clock, so
    the plugin's calls neither wait for freqtrade's nor hold them."""
    client = copy.copy(ccxt_client(dp))
    client.timeout = timeout_ms
    client.lastRestRequestTimestamp = 0
    return client


def taker_fee(config: dict, dp: Any, pair: str) -> float:
    """The taker fee rate for ``pair``; the ``fee`` config key overrides it, as in freqtrade.

    Backtesting charges max(taker, maker) on both legs, which is the taker fee on Binance.
    """
    configured = config.get("fee")
    if configured is not None:
        return float(configured)
    return float(freqtrade_exchange(dp).get_fee(symbol=pair, taker_or_maker="taker"))


def market_rules(dp: Any, pair: str, precision_mode: int | None = None) -> MarketRules | None:
    """Step size, minimum quantity / notional and tick size of ``pair``, or None if unknown.
    ``precision_mode``: the exchange's, if already read (it is read through the ccxt client)."""
    market = dp.market(pair)
    if not market:
        return None
    if precision_mode is None:
        precision_mode = freqtrade_exchange(dp).precisionMode
    precision = market.get("precision", {})
    limits = market.get("limits", {})
    contract_size = float(market.get("contractSize") or 1.0)
    step = _precision_to_step(precision.get("amount"), precision_mode)
    return MarketRules(
        step_size=step * contract_size,
        min_quantity=float(limits.get("amount", {}).get("min") or 0.0) * contract_size,
        min_notional=float(limits.get("cost", {}).get("min") or 0.0),
        tick_size=_precision_to_step(precision.get("price"), precision_mode) or None,
        max_algo_orders=_algo_order_limit(market),
    )


def _algo_order_limit(market: dict[str, Any]) -> int | None:
    """The symbol's cap on open algo orders (exchangeInfo's MAX_NUM_ALGO_ORDERS), if published."""
    for entry in (market.get("info") or {}).get("filters") or []:
        if entry.get("filterType") == "MAX_NUM_ALGO_ORDERS" and entry.get("limit"):
            return int(entry["limit"])
    return None


class MarketFacts:
    """Market rules and taker fee per pair, as the strategy reads them from freqtrade.

    Fees are read once per pair. In backtests and hyperopt (``fixed``: markets never change
    there) the rules are too, and ``preload`` reads both while freqtrade's exchange still has its
    ccxt client: hyperopt closes it before the first epoch, and the precision mode and the fee
    are read through it.
    """

    def __init__(self, config: dict, fixed: bool) -> None:
        self.config = config
        self.fixed = fixed
        self._precision_mode: int | None = None
        self._rules: dict[str, MarketRules | None] = {}
        self._fees: dict[str, float] = {}

    def preload(self, dp: Any, pairs: list[str]) -> None:
        """Read the precision mode, and the rules and fee of ``pairs``, now."""
        self._precision_mode = freqtrade_exchange(dp).precisionMode
        for pair in pairs:
            self.rules(dp, pair)
            self.taker_fee(dp, pair)

    def rules(self, dp: Any, pair: str) -> MarketRules | None:
        if pair in self._rules:
            return self._rules[pair]
        rules = market_rules(dp, pair, self._precision_mode)
        if self.fixed:
            self._rules[pair] = rules
        return rules

    def taker_fee(self, dp: Any, pair: str) -> float:
        fee = self._fees.get(pair)
        if fee is None:
            fee = self._fees[pair] = taker_fee(self.config, dp, pair)
        return fee


def maintenance_margin_rate(dp: Any, pair: str, notional: float) -> float:
    """Maintenance margin rate of the leverage bracket that ``notional`` falls into (0 if the
    exchange has no tiers for the pair: the liquidation check then uses 1 / leverage)."""
    try:
        rate, _ = freqtrade_exchange(dp).get_maintenance_ratio_and_amt(pair, notional)
    except Exception as error:  # freqtrade raises several types for "no tiers"
        logger.debug("No maintenance margin rate for %s: %s", pair, error)
        return 0.0
    return float(rate or 0.0)


def _precision_to_step(precision: float | None, precision_mode: int) -> float:
    if precision is None:
        return 0.0
    if precision_mode == DECIMAL_PLACES:
        return 10.0 ** -int(precision)
    if precision_mode == TICK_SIZE:
        return float(precision)
    # SIGNIFICANT_DIGITS has no fixed step; no exchange this plugin targets uses it.
    return 0.0


def is_local_emulator(api: Any) -> bool:
    """True when the venue behind ``api`` answers the ft_bracket emulator's control path, which
    Binance does not have: proof that a loopback route does not lead to real money."""
    base = str(api.urls["api"]["fapiPublic"]).rsplit("/fapi/", 1)[0]
    try:
        answer = api.fetch(f"{base}/_emulator/requests", "GET")
    except Exception:  # any failure means: not provably the emulator
        return False
    return isinstance(answer, dict)
