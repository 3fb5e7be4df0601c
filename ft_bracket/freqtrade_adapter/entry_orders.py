"""Legs from the entry's answer: the earliest moment a position can be protected.

freqtrade creates the trade row only after its exchange's ``create_order`` returns, then does
its bookkeeping (wallets, fees) before ``order_filled`` runs: hundreds of milliseconds of an
unprotected position. On the bot's live exchange object ``create_order`` is wrapped: an entry the
plugin planned carries a client id of the plugin's (``<prefix>-<root>-en1``, through the params
freqtrade builds in ``_get_params``), and when its answer says filled, both legs are sent at once,
before the answer goes back to freqtrade. Read off freqtrade 2026.9 ``exchange/exchange.py``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ft_bracket.core.client_ids import entry_id, entry_root
from ft_bracket.core.risk import MarketRules
from ft_bracket.core.scale_out import split_levels
from ft_bracket.venues.binance import quirks

logger = logging.getLogger(__name__)


class ExitOrders(Protocol):
    """Who is told of freqtrade's own exit orders as they go (``execution.exits_in_flight``)."""

    def sending(self, pair: str) -> None: ...

    def sent(self, pair: str, order_id: str | None) -> None: ...


@dataclass(frozen=True)
class EntryPlan:
    """What the strategy planned for the pair's entry (risk-sized, confirmed); a plan that
    scales out carries its levels and the market's rules to split the filled quantity by."""

    is_short: bool
    stop_price: float
    take_profit_price: float
    levels: tuple[tuple[float, float], ...] = ()
    rules: MarketRules | None = None


def route_entries(exchange: Any, prefix: str, planned: Callable[[str], EntryPlan | None],
                  protect: Callable[..., None], now_ms: Callable[[], int],
                  exits: ExitOrders) -> None:
    """Wrap ``create_order`` and ``_get_params`` on freqtrade's live ``exchange`` object; its
    exit orders are told to ``exits`` as they go."""
    cls = type(exchange)
    sending = threading.local()  # the client id of the entry being sent on this thread

    def get_params(side: str, ordertype: str, leverage: float, reduceOnly: bool,  # noqa: N803
                   time_in_force: str = "GTC") -> dict:
        params = cls._get_params(exchange, side, ordertype, leverage, reduceOnly, time_in_force)
        client_id = getattr(sending, "client_id", None)
        if client_id is not None and not reduceOnly:
            params[quirks.ORDER_CLIENT_ID_PARAM] = client_id
        return params

    def create_order(**kwargs: Any) -> dict[str, Any]:
        pair = kwargs["pair"]
        if kwargs.get("reduceOnly"):  # freqtrade's own exit
            return send_exit(pair, kwargs)
        plan = planned(pair)
        if plan is None:
            return cls.create_order(exchange, **kwargs)
        root = entry_root(pair, now_ms())
        sending.client_id = entry_id(prefix, root)
        try:
            order = cls.create_order(exchange, **kwargs)
        finally:
            sending.client_id = None
        filled = float(order.get("filled") or 0.0)
        if order.get("status") in ("closed", "expired") and filled > 0:
            take_profits, merged = split_levels(filled, plan.levels, plan.rules)
            try:
                protect(pair=pair, is_short=plan.is_short, root=root,
                        entry_order_id=str(order["id"]), quantity=filled,
                        stop_price=plan.stop_price, take_profit_price=plan.take_profit_price,
                        average=float(order["average"]) if order.get("average") else None,
                        take_profits=take_profits, merged=merged)
            except Exception:  # order_filled places them then: never fail the entry for it
                logger.exception("%s: legs from the entry's answer failed", pair)
        return order

    def send_exit(pair: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        exits.sending(pair)
        order_id = None
        try:
            order = cls.create_order(exchange, **kwargs)
            order_id = str(order.get("id") or "")
            return order
        finally:
            exits.sent(pair, order_id)

    exchange._get_params = get_params
    exchange.create_order = create_order
