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
from freqtrade.persistence import LocalTrade, Order, Trade

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


# Bracket legs: the two places where the plugin writes to freqtrade's own trade ------------------


def ccxt_client(dp: Any) -> Any:
    """freqtrade's synchronous ccxt client (the one its own orders go through)."""
    return _exchange(dp)._api


def _live_trade(trade_id: int) -> Trade | None:
    # Callbacks get a deep copy of the trade; the bot's own object is the one in the session.
    return Trade.session.get(Trade, trade_id)


def _has_order(trade: Trade, order_id: str) -> bool:
    return any(o.order_id == order_id for o in trade.orders)


class TradeHooks:
    """What freqtrade's ``create_stoploss_order`` and ``handle_onexchange_order`` would do, for
    orders the plugin placed: rows in ``trade.orders`` that freqtrade then manages itself."""

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool:
        """Make a stop the plugin placed right after the fill freqtrade's stop-on-exchange
        order: freqtrade then polls, trails and cancels it as if it had placed it."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return False
        if _has_order(trade, str(order["id"])):
            return True
        if trade.open_sl_orders:
            return False  # freqtrade already has a stop of its own: ours is the orphan
        trade.orders.append(
            Order.parse_from_ccxt_object(order, trade.pair, "stoploss", trade.amount, stop_price)
        )
        return True

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str) -> bool:
        """Show freqtrade an exit that filled on the exchange (the take-profit): added as an
        open exit order, freqtrade's next order check fetches it, sees it filled and closes the
        trade through its normal path (profit, database, exit_fill message, protections)."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return False
        if not _has_order(trade, str(order["id"])):
            pending = {**order, "status": "open", "filled": 0.0, "remaining": order["amount"]}
            row = Order.parse_from_ccxt_object(
                pending, trade.pair, trade.exit_side, order["amount"], order["average"]
            )
            row.ft_order_tag = reason
            trade.orders.append(row)
        trade.exit_reason = reason
        Trade.commit()
        return True
