"""freqtrade's stop-order calls, routed through the OrderManager.

freqtrade owns the stop's policy (when to place, poll, move, cancel, and the emergency exit when
one cannot rest); the plugin owns its I/O. On the bot's live exchange object these methods are
replaced for trades that have a bracket (every other call goes to freqtrade's own):

- ``create_stoploss``: the bracket's next stop attempt, under a deterministic client id and with
  lost answers resolved by asking, never by sending twice;
- ``fetch_stoploss_order``: answered from the loop's venue snapshot (no call per trade per loop);
  a fired stop still reads its real order;
- ``cancel_stoploss_order``: one cancel, no retrier holding the bot loop; a failure is retried by
  the look every loop;
- ``fetch_orders`` (only freqtrade's recovery of a trade's unknown orders calls it): without
  the plugin's orders that are not the open trade's — another bracket's legs (freqtrade knows a
  fired stop by its algo id, not by the real order it became), closes, an entry whose answer was
  lost — which freqtrade would otherwise add to the open trade, and without the plugin's orders
  that filled nothing (a leg's real order expired unfilled: freqtrade's row for it has no price
  and its insert fails, an IntegrityError in the log);
- ``stoploss_adjust``: never true for a stop of the plugin's, so freqtrade never moves one by
  cancelling it before the new one exists; the plugin moves it (``core.plan.MoveStop``) when
  freqtrade's stop price tightens, the new stop resting before the old one goes.

Refusals reach freqtrade as the exceptions its own ``create_stoploss`` raises, so it reacts as it
always does. Read off freqtrade 2026.9 ``exchange/exchange.py``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from freqtrade.constants import BuySell
from freqtrade.exceptions import InsufficientFundsError, InvalidOrderException, TemporaryError
from freqtrade.exchange.exchange_utils import ROUND_DOWN, ROUND_UP
from freqtrade.persistence import Order, Trade

from ft_bracket.core import client_ids
from ft_bracket.core.actions import TradeView
from ft_bracket.execution.ports import Placement, Refusal, StopReport
from ft_bracket.freqtrade_adapter.trades import trade_view
from ft_bracket.venues.binance import quirks

logger = logging.getLogger(__name__)

ROUTED = ("create_stoploss", "fetch_stoploss_order", "cancel_stoploss_order", "fetch_orders",
          "stoploss_adjust")


class StopCalls(Protocol):
    """The executor's answers to freqtrade's stop-order calls (``execution.stop_handover``)."""

    def place_stop(self, trade: TradeView, amount: float, stop_price: float
                   ) -> Placement | None: ...

    def stop_report(self, trade_id: int, order_id: str) -> StopReport | None: ...

    def cancel_stop(self, trade_id: int, order_id: str) -> StopReport | None: ...

    def other_brackets_orders(self, pair: str, trade_id: int, known: set[str],
                              neighbours: list[int], orders: list[dict]) -> set[str]: ...


def _trade_of_order(order_id: str, pair: str) -> int | None:
    row = Order.order_by_id(order_id, pair) if order_id else None
    return None if row is None else int(row.ft_trade_id)


def _open_trade(pair: str) -> Trade | None:
    return next((t for t in Trade.get_open_trades() if t.pair == pair), None)


def as_freqtrade_stop(exchange: Any, report: StopReport, order_id: str) -> dict[str, Any]:
    """The shape freqtrade's ``fetch_stoploss_order`` returns: the algo order, or once it fired,
    its real order under the stop's id."""
    if report.fill is None:
        return exchange._order_contracts_to_amount(dict(report.order))
    actual = exchange._order_contracts_to_amount(dict(report.fill))
    actual["id_stop"] = actual["id"]
    actual["id"] = order_id
    actual["type"] = "stoploss"
    actual["stopPrice"] = report.order.get("stopPrice") or report.order.get("triggerPrice")
    actual["status_stop"] = "triggered"
    return actual


def route_stop_orders(exchange: Any, manager: StopCalls, prefix: str) -> None:
    """Replace the stop-order methods on freqtrade's live ``exchange`` object (again after
    /reload_config, which builds a new strategy and manager on the same exchange)."""
    cls = type(exchange)

    def stoploss_adjust(stop_loss: float, order: dict[str, Any], side: str) -> bool:
        # freqtrade would move a stop by cancelling it, then creating the new one: a moment
        # with no stop. A stop of the plugin's is moved by the plugin, the new one resting
        # before the old one goes; freqtrade then takes the new one over.
        client_id = order.get("clientOrderId") or (order.get("info") or {}).get(
            quirks.CLIENT_ID_PARAM)
        if client_ids.parse_leg(prefix, str(client_id or "")) is not None:
            return False
        return cls.stoploss_adjust(exchange, stop_loss, order, side)

    def create_stoploss(pair: str, amount: float, stop_price: float, order_types: dict,
                        side: BuySell, leverage: float) -> dict[str, Any]:
        trade = _open_trade(pair)
        if trade is not None:
            rounding = ROUND_DOWN if side == "buy" else ROUND_UP
            price = exchange.price_to_precision(pair, stop_price, rounding_mode=rounding)
            placement = manager.place_stop(trade_view(trade), amount, price)
            if placement is not None:
                if placement.leg is not None:
                    logger.info("stoploss order %s placed for %s by ft_bracket at %s",
                                placement.leg.client_id, pair, price)
                    return exchange._order_contracts_to_amount(dict(placement.leg.raw))
                raise _freqtrade_error(placement.refusal, placement.error or "", pair)
        return cls.create_stoploss(exchange, pair, amount, stop_price, order_types, side,
                                   leverage)

    def fetch_stoploss_order(order_id: str, pair: str, params: dict | None = None
                             ) -> dict[str, Any]:
        trade_id = _trade_of_order(order_id, pair)
        report = manager.stop_report(trade_id, order_id) if trade_id is not None else None
        if report is None:
            return cls.fetch_stoploss_order(exchange, order_id, pair, params)
        return as_freqtrade_stop(exchange, report, order_id)

    def cancel_stoploss_order(order_id: str, pair: str, params: dict | None = None
                              ) -> dict[str, Any]:
        trade_id = _trade_of_order(order_id, pair)
        report = manager.cancel_stop(trade_id, order_id) if trade_id is not None else None
        if report is None:
            return cls.cancel_stoploss_order(exchange, order_id, pair, params)
        return as_freqtrade_stop(exchange, report, order_id)

    def fetch_orders(pair: str, since: datetime, params: dict | None = None
                     ) -> list[dict[str, Any]]:
        orders = cls.fetch_orders(exchange, pair, since, params)
        trade = _open_trade(pair)
        if trade is None or not orders:
            return orders
        neighbours = [t.id for t in Trade.get_trades_proxy(pair=pair, is_open=False,
                                                           close_date=since)]
        known = {str(o.order_id) for o in trade.orders}
        foreign = manager.other_brackets_orders(pair, trade.id, known, neighbours, orders)
        if foreign:
            logger.info("%s: %s left out of trade %s's recovery (another trade's bracket, or "
                        "ours and unfilled)", pair, ", ".join(sorted(foreign)), trade.id)
        return [o for o in orders if str(o.get("id")) not in foreign]

    exchange.create_stoploss = create_stoploss
    exchange.fetch_stoploss_order = fetch_stoploss_order
    exchange.cancel_stoploss_order = cancel_stoploss_order
    exchange.fetch_orders = fetch_orders
    exchange.stoploss_adjust = stoploss_adjust


def _freqtrade_error(refusal: Refusal | None, error: str, pair: str) -> Exception:
    """The exception freqtrade's own create_stoploss raises for the same venue answer."""
    message = f"Could not create stoploss order on market {pair}. Message: {error}"
    if refusal is Refusal.INSUFFICIENT_FUNDS:
        return InsufficientFundsError(message)
    if refusal is Refusal.UNKNOWN:
        return TemporaryError(message)
    return InvalidOrderException(message)
