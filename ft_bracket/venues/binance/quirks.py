"""Binance USDⓈ-M facts the plugin relies on, as data: the one place that knows them.

Generic code (the gateway, the policy) reads these tables; a fact about Binance written anywhere
else is a bug. Read off Binance's USDⓈ-M docs and ccxt 4.5.90's ``binance.py``.
"""

from __future__ import annotations

import re

import ccxt

from ft_bracket.core.legs import LegKind
from ft_bracket.core.venue import VenueStatus

# ccxt sends an order with one of these parameters to /fapi/v1/algoOrder as STOP_MARKET /
# TAKE_PROFIT_MARKET (with a market order type). Fetch and cancel need the `trigger` flag.
TRIGGER_PARAM = {LegKind.STOP: "stopLossPrice", LegKind.TAKE_PROFIT: "takeProfitPrice"}
# ccxt's name for a TRAILING_STOP_MARKET's callbackRate (%), sent to the algo endpoint
# (core.stop_policies.CALLBACK_RATE_RANGE holds Binance's bounds).
TRAILING_RATE_PARAM = "trailingPercent"
TRIGGER_FLAG = {"trigger": True}
CLIENT_ID_PARAM = "clientAlgoId"
# Plain orders (/fapi/v1/order) carry theirs as newClientOrderId and are found by it.
ORDER_CLIENT_ID_PARAM = "newClientOrderId"
ORDER_QUERY_CLIENT_ID = "origClientOrderId"
# clientAlgoId / newClientOrderId must match this.
CLIENT_ID_PATTERN = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
# Which price a trigger watches, by freqtrade's ``order_types.stoploss_price_type``.
WORKING_TYPE = {"last": "CONTRACT_PRICE", "mark": "MARK_PRICE"}
WORKING_TYPES = tuple(WORKING_TYPE.values())

# algoStatus → what it means. A TRIGGERED (or TRIGGERING) order has not filled yet, and a
# FINISHED one has a final real order that may have filled — or expired / been rejected.
ALGO_STATUS = {
    "NEW": VenueStatus.RESTING,
    "TRIGGERING": VenueStatus.TRIGGERED,
    "TRIGGERED": VenueStatus.TRIGGERED,
    "FINISHED": VenueStatus.FINISHED,
    "CANCELED": VenueStatus.CANCELLED,
    "EXPIRED": VenueStatus.EXPIRED,
    "REJECTED": VenueStatus.REJECTED,
}
# A real (plain) order in one of these will not fill any more.
FINAL_ORDER_STATUSES = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED",
                                  "EXPIRED_IN_MATCH"})
# The real order a triggered algo order became.
ACTUAL_ORDER_ID = "actualOrderId"

# The venue's own orders when it closes a position: liquidation and auto-deleveraging.
FORCED_ORDER_CLIENT_ID_PREFIXES = ("autoclose-", "adl_autoclose")

# Errors after which the venue may or may not have acted: ask before sending again.
OUTCOME_UNKNOWN_ERRORS: tuple[type[Exception], ...] = (ccxt.NetworkError,)
# -2021: the price is already beyond the trigger.
WOULD_TRIGGER_ERRORS: tuple[type[Exception], ...] = (ccxt.OrderImmediatelyFillable,)
# -4116: an open order already carries this client id (an earlier send of ours arrived).
DUPLICATE_CLIENT_ID_CODE = "-4116"

# Request weight of the queries a snapshot may use (Binance's, as ccxt charges them: its client
# sleeps rateLimit x cost since the previous request before sending).
OPEN_ALGO_ORDERS_WEIGHT = {"per_symbol": 1, "all_symbols": 40}
POSITIONS_WEIGHT = 1


def endpoint_missing(error: Exception) -> bool:
    """The venue answered 404: the endpoint is not there (ccxt calls it ExchangeNotAvailable,
    like a 5xx, which would otherwise be retried as a lost answer forever)."""
    return isinstance(error, ccxt.ExchangeNotAvailable) and " 404 " in f" {error} "
