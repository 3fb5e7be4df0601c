"""The test-control API under /_emulator/: prices, funding, books, faults, accounts, config,
state, journal, reset.

Never under a Binance path, so nothing a real client sends can reach it by accident.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal, InvalidOperation

from aiohttp import web

from binance_emulator.api import wire, wire_account
from binance_emulator.api.faults import parse_rule
from binance_emulator.api.service import Service
from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.book import BookShape
from binance_emulator.venue.errors import BinanceError
from binance_emulator.venue.liquidation import LIQUIDATION_CANCELS


def _bad_request(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=reason, content_type="text/plain")


def _decimal(value: object, name: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise _bad_request(f"'{name}' must be a number, got {value!r}") from None
    if not result.is_finite():
        raise _bad_request(f"'{name}' must be finite, got {value!r}")
    return result


def _positive_int(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _bad_request(f"'{name}' must be a positive integer, got {value!r}")
    return value


def _algo_limit(value: object) -> int | None:
    """A MAX_NUM_ALGO_ORDERS limit; 0 or null: no such filter (as on Binance since 2025-12-29)."""
    if value is None or value == 0:
        return None
    return _positive_int(value, "max_num_algo_orders")


async def _body(request: web.Request) -> dict[str, object]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise _bad_request("body must be JSON") from None
    if not isinstance(body, dict):
        raise _bad_request("body must be a JSON object")
    return body


def account_state(service: Service, account: Account) -> dict[str, object]:
    exchange = service.exchange
    return {
        "api_key": account.api_key,
        "balance": {
            "wallet": wire.money(account.wallet),
            "available": wire.money(margin.available_balance(account, exchange.quotes)),
        },
        # positionRisk rows: markPrice and liquidationPrice included.
        "positions": [wire_account.position_risk_json(exchange, account, p, v2=True)
                      for p in account.positions.values() if p.amount],
        "leverage": dict(account.leverage),
        "margin_type": {s: "isolated" if v else "cross" for s, v in account.isolated.items()},
        "orders": [wire.order_json(exchange, o) for o in account.orders.values()],
        "algo_orders": [wire.algo_json(exchange, a, detail=True)
                        for a in account.algo_orders.values()],
        "fills": [wire.fill_json(exchange, f) for f in account.fills],
        "income": [wire.income_json(r) for r in account.income],
        "force_orders": [wire.order_json(exchange, o) for o in account.force_orders],
        "accepted_client_ids": list(account.accepted_client_ids),
    }


class Control:
    """Handlers of the control API, bound to one service."""

    def __init__(self, service: Service, default_key: str, default_secret: str,
                 default_balance: Decimal) -> None:
        self.service = service
        self.default_key = default_key
        self.default_secret = default_secret
        self.default_balance = default_balance

    def _account(self, api_key: str | None) -> Account:
        account = self.service.exchange.accounts.get(api_key or self.default_key)
        if account is None:
            raise web.HTTPNotFound(text=f"no account with api_key {api_key!r}")
        return account

    def _prices(self) -> dict[str, dict[str, object]]:
        exchange = self.service.exchange
        return {
            symbol: {
                "last": f"{exchange.quotes.last(symbol):f}",
                "mark": f"{exchange.quotes.mark(symbol):f}",
                "manual": exchange.paths[symbol].manual,
            }
            for symbol in exchange.markets
        }

    def _set_price(self, symbol: object, price: object, mark: object = None) -> None:
        try:
            self.service.exchange.set_price(
                str(symbol), _decimal(price, "price"),
                None if mark is None else _decimal(mark, "mark"),
            )
        except BinanceError as error:
            raise _bad_request(f"{symbol}: {error.msg}") from None

    async def price(self, request: web.Request) -> web.Response:
        """Manual control: last = price, mark = ``mark`` or the same; triggers and
        liquidations happen before the answer."""
        body = await _body(request)
        self.service.exchange.refresh()
        self._set_price(body.get("symbol"), body.get("price"), body.get("mark"))
        return web.json_response({"prices": self._prices()})

    async def path(self, request: web.Request) -> web.Response:
        """Walk a symbol through prices, ``interval_ms`` apart, firing triggers at each step."""
        body = await _body(request)
        prices = body.get("prices")
        if not isinstance(prices, list) or not prices:
            raise _bad_request("'prices' must be a non-empty list")
        steps = [_decimal(p, "prices") for p in prices]
        interval = float(body.get("interval_ms", 0)) / 1000  # type: ignore[arg-type]
        for i, step in enumerate(steps):
            if i and interval:
                await asyncio.sleep(interval)
            self._set_price(body.get("symbol"), step)
        return web.json_response({"prices": self._prices()})

    async def funding(self, request: web.Request) -> web.Response:
        """Settle funding now: every symbol or one, at ``rate`` or the current rate."""
        body = await _body(request)
        symbol = body.get("symbol")
        rate = None if body.get("rate") is None else _decimal(body["rate"], "rate")
        exchange = self.service.exchange
        exchange.refresh()
        try:
            charged = exchange.settle_funding(None if symbol is None else str(symbol), rate)
        except BinanceError as error:
            raise _bad_request(f"{symbol}: {error.msg}") from None
        return web.json_response({"charged": {
            key: {symbol: wire.money(amount) for symbol, amount in per_symbol.items()}
            for key, per_symbol in charged.items()
        }})

    async def book(self, request: web.Request) -> web.Response:
        """Shape one symbol's book; only ``symbol`` given: back to the deep default."""
        body = await _body(request)
        symbol = str(body.get("symbol"))
        if symbol not in self.service.exchange.books:
            raise _bad_request(f"unknown symbol {symbol!r}")
        if "level_qty" in body and "level_notional" in body:
            raise _bad_request("give 'level_qty' or 'level_notional', not both")
        shape = BookShape()
        if "level_qty" in body:
            shape = BookShape(level_qty=_decimal(body["level_qty"], "level_qty"),
                              level_notional=None)
        elif "level_notional" in body:
            shape = BookShape(level_notional=_decimal(body["level_notional"], "level_notional"))
        levels = _positive_int(body.get("levels", shape.levels), "levels")
        gap = _positive_int(body.get("gap_ticks", shape.gap_ticks), "gap_ticks")
        shape = BookShape(levels, shape.level_qty, shape.level_notional, gap)
        self.service.exchange.shape_book(symbol, shape)
        return web.json_response({"symbol": symbol, "book": shape.describe()})

    async def fault(self, request: web.Request) -> web.Response:
        try:
            rule = parse_rule(await _body(request))
        except ValueError as error:
            raise _bad_request(str(error)) from None
        self.service.faults.arm(rule)
        return web.json_response({"armed": [r.describe() for r in self.service.faults.rules]})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.service.faults.clear()
        return web.json_response({"armed": []})

    async def add_account(self, request: web.Request) -> web.Response:
        body = await _body(request)
        key, secret = body.get("api_key"), body.get("api_secret")
        if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
            raise _bad_request("'api_key' and 'api_secret' are required strings")
        balance = _decimal(body.get("balance", self.default_balance), "balance")
        self.service.exchange.add_account(key, secret, balance)
        return web.json_response({"api_key": key, "balance": f"{balance:f}"})

    def _config(self) -> dict[str, object]:
        service = self.service
        return {
            "weight_limit": service.weights.limit,
            "order_limit_10s": service.order_counts.per_10s,
            "order_limit_1m": service.order_counts.per_minute,
            "liquidation_cancels": service.exchange.liquidation_cancels,
            "journal_requests": service.journal_requests,
            "max_num_algo_orders": {symbol: market.max_num_algo_orders
                                    for symbol, market in service.exchange.markets.items()},
        }

    async def config(self, request: web.Request) -> web.Response:
        """Change the venue's switches; answers all of them."""
        body = await _body(request)
        service = self.service
        if "weight_limit" in body:
            service.weights.limit = _positive_int(body["weight_limit"], "weight_limit")
        if "order_limit_10s" in body:
            service.order_counts.per_10s = _positive_int(body["order_limit_10s"],
                                                         "order_limit_10s")
        if "order_limit_1m" in body:
            service.order_counts.per_minute = _positive_int(body["order_limit_1m"],
                                                            "order_limit_1m")
        if "liquidation_cancels" in body:
            if body["liquidation_cancels"] not in LIQUIDATION_CANCELS:
                raise _bad_request(f"'liquidation_cancels' must be one of {LIQUIDATION_CANCELS}")
            service.exchange.liquidation_cancels = str(body["liquidation_cancels"])
        if "journal_requests" in body:
            if not isinstance(body["journal_requests"], bool):
                raise _bad_request("'journal_requests' must be true or false")
            service.journal_requests = body["journal_requests"]
        if "max_num_algo_orders" in body:
            self._set_algo_limits(body["max_num_algo_orders"])
        return web.json_response(self._config())

    def _set_algo_limits(self, value: object) -> None:
        """One limit for every symbol, or ``{symbol: limit}`` for some."""
        exchange = self.service.exchange
        limits = value if isinstance(value, dict) else {None: value}
        for symbol in limits:
            if symbol is not None and symbol not in exchange.markets:
                raise _bad_request(f"unknown symbol {symbol!r}")
        for symbol, limit in limits.items():
            exchange.set_algo_order_limit(_algo_limit(limit), symbol)

    async def state(self, request: web.Request) -> web.Response:
        self.service.exchange.refresh()
        account = self._account(request.query.get("api_key"))
        return web.json_response({
            "server_time": self.service.exchange.clock(),
            "prices": self._prices(),
            "config": self._config(),
            "faults": {"armed": [r.describe() for r in self.service.faults.rules],
                       "injected": self.service.faults.injected},
            "requests": dict(self.service.account_requests.get(account.api_key, {})),
            **account_state(self.service, account),
        })

    async def journal(self, request: web.Request) -> web.Response:
        """One account's venue record after ``since_id``, oldest first."""
        self.service.exchange.refresh()
        account = self._account(request.query.get("api_key"))
        try:
            since = int(request.query.get("since_id", "0"))
        except ValueError:
            raise _bad_request("'since_id' must be an integer") from None
        rows = list(self.service.exchange.journal.of(account.api_key, since))
        return web.json_response({"rows": rows})

    async def requests(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.service.request_counts))

    async def hosts(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.service.hosts))

    async def reset(self, request: web.Request) -> web.Response:
        """Back to a fresh default account; other accounts, faults, counts, books and the
        journal are dropped (journal ids keep increasing)."""
        body = await _body(request)
        balance = _decimal(body.get("balance", self.default_balance), "balance")
        self.service.exchange.reset(self.default_key, self.default_secret, balance)
        self.service.faults.clear()
        self.service.request_counts.clear()
        self.service.account_requests.clear()
        self.service.hosts.clear()
        self.service.streams.keys.clear()  # their accounts are gone
        return web.json_response({"balance": f"{balance:f}"})


def add_control_routes(app: web.Application, control: Control) -> None:
    app.router.add_post("/_emulator/price", control.price)
    app.router.add_post("/_emulator/path", control.path)
    app.router.add_post("/_emulator/funding", control.funding)
    app.router.add_post("/_emulator/book", control.book)
    app.router.add_post("/_emulator/fault", control.fault)
    app.router.add_delete("/_emulator/faults", control.clear_faults)
    app.router.add_post("/_emulator/accounts", control.add_account)
    app.router.add_post("/_emulator/config", control.config)
    app.router.add_get("/_emulator/state", control.state)
    app.router.add_get("/_emulator/journal", control.journal)
    app.router.add_get("/_emulator/requests", control.requests)
    app.router.add_get("/_emulator/hosts", control.hosts)
    app.router.add_post("/_emulator/reset", control.reset)
