"""Binance's user-data stream: what happens to an account's orders, pushed as it happens.

A client asks ``POST /fapi/v1/listenKey`` for a key and opens a WebSocket on
``wss://fstream.binance.com/private/ws?listenKey=<key>`` (or the older ``/ws/<key>``); the
venue then pushes ``ORDER_TRADE_UPDATE`` for every change of a real order (new, fill, cancel,
expiry) and ``ALGO_UPDATE`` for every change of a conditional one. The events are made from the
journal's rows, the moment they are recorded, so the stream says exactly what the record says.
An event that cannot be made or sent is logged and dropped: the venue call that wrote the row
goes on as if nobody listened.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets

from aiohttp import WSMsgType, web

from binance_emulator.api.wire import price_str, qty_str, rate_str
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.journal import Row
from binance_emulator.venue.models import AlgoOrder, Order

logger = logging.getLogger(__name__)

_EXECUTION = {"order_created": "NEW", "order_filled": "TRADE", "order_canceled": "CANCELED",
              "order_expired": "EXPIRED"}
_ALGO_EVENTS = ("algo_created", "algo_activated", "algo_triggered", "algo_canceled",
                "algo_expired")
# The status an ALGO_UPDATE of these rows says (others: the algo order's status). A trailing
# stop's activation is a second NEW, as Binance's change log of 2026-08-21 describes it.
_ALGO_STATUS = {"algo_created": "NEW", "algo_activated": "NEW", "algo_triggered": "TRIGGERED"}


class UserStreams:
    """Listen keys, the sockets open on them, and the events each account's rows make."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.keys: dict[str, str] = {}  # listen key -> API key
        self._queues: dict[str, set[asyncio.Queue[str]]] = {}
        exchange.journal.listeners.append(self.on_row)

    def listen_key(self, api_key: str) -> str:
        """One key per account while it lives, as Binance answers a second POST."""
        for key, owner in self.keys.items():
            if owner == api_key:
                return key
        key = secrets.token_hex(32)
        self.keys[key] = api_key
        return key

    def close(self, api_key: str) -> None:
        for key in [k for k, owner in self.keys.items() if owner == api_key]:
            del self.keys[key]

    def subscribe(self, api_key: str) -> asyncio.Queue[str]:
        """A queue that receives the account's events, as JSON text, from now on."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._queues.setdefault(api_key, set()).add(queue)
        return queue

    def unsubscribe(self, api_key: str, queue: asyncio.Queue[str]) -> None:
        self._queues[api_key].discard(queue)

    def on_row(self, row: Row) -> None:
        """Called by the journal inside the venue call that wrote ``row``: never raises."""
        api_key = row.get("api_key")
        queues = self._queues.get(str(api_key)) if api_key else None
        if not queues:
            return
        account = self.exchange.accounts.get(str(api_key))
        try:
            events = _events(row, account, self.exchange) if account is not None else []
            texts = [json.dumps(event, separators=(",", ":")) for event in events]
        except Exception:  # a stream bug must not fail the order call; it is logged loudly
            logger.exception("user stream: no event for journal row %s", row.get("id"))
            return
        for text in texts:
            for queue in queues:
                queue.put_nowait(text)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info.get("listen_key") or request.query.get("listenKey", "")
        api_key = self.keys.get(key)
        if api_key is None:
            return web.json_response({"code": -1125, "msg": "This listenKey does not exist."},
                                     status=400)
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        queue = self.subscribe(api_key)
        sender = asyncio.create_task(_send(socket, queue))
        try:
            async for message in socket:  # the client's pings and closes; nothing else is asked
                if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            sender.cancel()
            self.unsubscribe(api_key, queue)
        return socket


async def _send(socket: web.WebSocketResponse, queue: asyncio.Queue[str]) -> None:
    while True:
        text = await queue.get()
        try:
            await socket.send_str(text)
        except ConnectionError:  # the client went away; ``serve`` cleans up
            return
        except Exception:  # one event that cannot be sent must not silence the rest
            logger.exception("user stream: sending an event failed")


def _events(row: Row, account: Account, exchange: Exchange) -> list[dict[str, object]]:
    event = str(row["event"])
    if event in _EXECUTION:
        order = account.orders.get(int(str(row["order_id"])))
        if order is None:
            return []
        parent = account.algo_by_order.get(order.order_id)
        events = [_order_update(exchange, order, row, _EXECUTION[event], parent)]
        ended = event != "order_created" and row.get("status", "") != "PARTIALLY_FILLED"
        if parent is not None and ended:  # the conditional it came from is finished with it
            events.append(_algo_update(exchange, parent, row, "FINISHED"))
        return events
    if event in _ALGO_EVENTS:
        algo = account.algo_orders.get(int(str(row["algo_id"])))
        return [] if algo is None else [_algo_update(exchange, algo, row)]
    return []


def _order_update(exchange: Exchange, order: Order, row: Row, execution: str,
                  parent: AlgoOrder | None = None) -> dict[str, object]:
    market = exchange.markets[order.symbol]
    traded = execution == "TRADE"
    # Binance pushes activation price and callback rate only for a trailing stop's order.
    trailing = {} if parent is None or not parent.is_trailing else {
        "AP": price_str(market, parent.activate_price), "cr": rate_str(parent.callback_rate)}
    return {"e": "ORDER_TRADE_UPDATE", "E": row["time"], "T": row["time"], "o": {
        "s": order.symbol, "c": order.client_order_id, "S": order.side, "o": order.type,
        "f": order.time_in_force, "q": qty_str(market, order.quantity),
        "p": price_str(market, order.price),
        "ap": price_str(market, order.avg_price) if order.executed_qty else "0",
        "sp": price_str(market, order.stop_price), "x": execution,
        # The status as of this row: a fill that left some open says PARTIALLY_FILLED even if
        # a later row (the rest expired) has already changed the order.
        "X": str(row.get("status") or ("NEW" if execution == "NEW" else order.status)),
        "i": order.order_id, "l": str(row["qty"]) if traded else "0",
        "z": qty_str(market, order.executed_qty), "L": str(row["price"]) if traded else "0",
        "T": row["time"], "t": 0, "b": "0", "a": "0", "m": bool(row.get("maker")),
        "R": order.reduce_only, "wt": order.working_type, "ot": order.orig_type,
        "ps": "BOTH", "cp": order.close_position, "rp": "0", "pP": False, "si": 0, "ss": 0,
        "V": "EXPIRE_MAKER", "pm": "NONE", "gtd": 0, **trailing,
    }}


def _algo_update(exchange: Exchange, algo: AlgoOrder, row: Row, status: str | None = None
                 ) -> dict[str, object]:
    market = exchange.markets[algo.symbol]
    event = str(row["event"])
    status = status or _ALGO_STATUS.get(event, algo.status)
    # ``ia`` (is activated), a trailing stop's only: false as placed, true from its activation.
    activated = {} if not algo.is_trailing else {
        "ia": event != "algo_created" and algo.activated}
    return {"e": "ALGO_UPDATE", "E": row["time"], "T": row["time"], "o": {
        "caid": algo.client_algo_id, "aid": algo.algo_id, "at": "CONDITIONAL",
        "o": algo.order_type, "s": algo.symbol, "S": algo.side, "ps": "BOTH",
        "f": algo.time_in_force, "q": qty_str(market, algo.quantity), "X": status,
        "ai": "" if algo.actual_order_id is None else str(algo.actual_order_id),
        "tp": price_str(market, algo.trigger_price), "p": price_str(market, algo.price),
        "V": "EXPIRE_MAKER", "wt": algo.working_type, "pm": "NONE",
        "cp": algo.close_position, "pP": False, "R": algo.reduce_only, "tt": 0, "gtd": 0,
        **activated,
    }}
