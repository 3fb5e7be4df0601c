"""The HTTP layer: Binance USDⓈ-M REST paths, request signing, weights, injected faults."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from aiohttp import web

from binance_emulator import wire
from binance_emulator.engine import Account, Exchange, OrderRequest
from binance_emulator.errors import MESSAGES, BinanceError, Code, illegal, mandatory
from binance_emulator.faults import FaultInjector, FaultRule
from binance_emulator.prices import FUNDING_INTERVAL_MS, INTERVAL_MS, align_down

logger = logging.getLogger(__name__)

Params = dict[str, str]
Handler = Callable[["Call"], Awaitable[object] | object]

DEFAULT_WEIGHT_LIMIT = 2400
DEFAULT_RECV_WINDOW_MS = 5000


@dataclass
class Call:
    """One request, decoded: parameters, the caller's account (signed calls) and the venue."""

    params: Params
    account: Account | None
    exchange: Exchange
    server_time: int

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise mandatory(name)
        return value

    def decimal(self, name: str) -> Decimal | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise illegal(name) from None

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise illegal(name) from None

    def flag(self, name: str) -> bool:
        return (self.get(name) or "false").lower() == "true"

    @property
    def me(self) -> Account:
        assert self.account is not None
        return self.account


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    signed: bool
    weight: int | Callable[[Params], int] = 1


def _kline_weight(params: Params) -> int:
    limit = int(params.get("limit") or 500)
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _depth_weight(params: Params) -> int:
    limit = int(params.get("limit") or 500)
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


# Public market data --------------------------------------------------------------------------


def ping(call: Call) -> object:
    return {}


def server_time(call: Call) -> object:
    return {"serverTime": call.server_time}


def exchange_info(call: Call) -> object:
    return wire.exchange_info(call.exchange, call.server_time)


def empty_exchange_info(call: Call) -> object:
    return {"timezone": "UTC", "serverTime": call.server_time, "rateLimits": [], "symbols": []}


def empty_list(call: Call) -> object:
    return []


def klines(call: Call) -> object:
    market = call.exchange.market(call.get("symbol") or call.get("pair"))
    interval = call.require("interval")
    if interval not in INTERVAL_MS:
        raise BinanceError(-1120, "Invalid interval.")
    limit = min(max(call.integer("limit", 500) or 500, 1), 1500)
    candles = call.exchange.paths[market.symbol].candles(
        interval, call.integer("startTime"), call.integer("endTime"), limit, call.server_time
    )
    return [wire.kline_row(market, c) for c in candles]


def depth(call: Call) -> object:
    market = call.exchange.market(call.get("symbol"))
    limit = min(max(call.integer("limit", 500) or 500, 5), 1000)
    bid = call.exchange.best_bid(market.symbol)
    ask = call.exchange.best_ask(market.symbol)
    # Deep enough that freqtrade's dry-run fills never walk past the first level.
    size = wire.qty_str(market, max(market.min_qty, Decimal(1_000_000) / max(bid, Decimal(1))))
    tick = market.tick_size
    return {
        "lastUpdateId": call.server_time,
        "E": call.server_time,
        "T": call.server_time,
        "bids": [[wire.price_str(market, bid - i * tick), size] for i in range(limit)
                 if bid - i * tick > 0],
        "asks": [[wire.price_str(market, ask + i * tick), size] for i in range(limit)],
    }


def _symbols(call: Call) -> list[str]:
    symbol = call.get("symbol")
    if symbol is not None:
        return [call.exchange.market(symbol).symbol]
    return list(call.exchange.markets)


def book_ticker(call: Call) -> object:
    rows = []
    for symbol in _symbols(call):
        market = call.exchange.markets[symbol]
        rows.append({
            "symbol": symbol,
            "bidPrice": wire.price_str(market, call.exchange.best_bid(symbol)),
            "bidQty": "1000",
            "askPrice": wire.price_str(market, call.exchange.best_ask(symbol)),
            "askQty": "1000",
            "time": call.server_time,
        })
    return rows[0] if call.get("symbol") else rows


def price_ticker(call: Call) -> object:
    rows = [
        {"symbol": s, "price": wire.price_str(call.exchange.markets[s],
                                              call.exchange.last_price(s)),
         "time": call.server_time}
        for s in _symbols(call)
    ]
    return rows[0] if call.get("symbol") else rows


def ticker_24hr(call: Call) -> object:
    rows = []
    for symbol in _symbols(call):
        market = call.exchange.markets[symbol]
        day = call.exchange.paths[symbol].candle(
            call.server_time - INTERVAL_MS["1d"], INTERVAL_MS["1d"], call.server_time
        )
        last = call.exchange.last_price(symbol)
        opened = Decimal(repr(day.open))
        change = last - opened
        rows.append({
            "symbol": symbol,
            "priceChange": wire.price_str(market, change),
            "priceChangePercent": f"{(change / opened * 100):.3f}",
            "weightedAvgPrice": wire.price_str(market, (day.high + day.low) / 2),
            "lastPrice": wire.price_str(market, last),
            "lastQty": "1",
            "openPrice": wire.price_str(market, day.open),
            "highPrice": wire.price_str(market, day.high),
            "lowPrice": wire.price_str(market, day.low),
            "volume": f"{day.volume:.{market.quantity_precision}f}",
            "quoteVolume": f"{day.volume * float(last):.2f}",
            "openTime": day.open_time,
            "closeTime": call.server_time,
            "firstId": 1,
            "lastId": 2,
            "count": 2,
        })
    return rows[0] if call.get("symbol") else rows


def _next_funding_time(t: int) -> int:
    return align_down(t, FUNDING_INTERVAL_MS) + FUNDING_INTERVAL_MS


def premium_index(call: Call) -> object:
    rows = []
    for symbol in _symbols(call):
        market = call.exchange.markets[symbol]
        path = call.exchange.paths[symbol]
        mark = wire.price_str(market, call.exchange.mark_price(symbol))
        rows.append({
            "symbol": symbol,
            "markPrice": mark,
            "indexPrice": mark,
            "estimatedSettlePrice": mark,
            "lastFundingRate": f"{path.funding_rate_at(call.server_time):.8f}",
            "interestRate": "0.00010000",
            "nextFundingTime": _next_funding_time(call.server_time),
            "time": call.server_time,
        })
    return rows[0] if call.get("symbol") else rows


def funding_rate_history(call: Call) -> object:
    market = call.exchange.market(call.get("symbol"))
    path = call.exchange.paths[market.symbol]
    limit = min(call.integer("limit", 100) or 100, 1000)
    first = max(call.integer("startTime") or 0, path.listing_ms)
    last = min(call.integer("endTime") or call.server_time, call.server_time)
    times = range(_next_funding_time(first - 1), last + 1, FUNDING_INTERVAL_MS)
    times = times[:limit] if call.get("startTime") else times[-limit:]
    return [
        {
            "symbol": market.symbol,
            "fundingTime": t,
            "fundingRate": f"{path.funding_rate_at(t):.8f}",
            "markPrice": wire.price_str(market, path.price_at(t)),
        }
        for t in times
    ]


def open_interest(call: Call) -> object:
    market = call.exchange.market(call.get("symbol"))
    return {"symbol": market.symbol, "openInterest": "1000000", "time": call.server_time}


# Account settings ----------------------------------------------------------------------------


def leverage_bracket(call: Call) -> object:
    return [wire.leverage_brackets(call.exchange.markets[s]) for s in _symbols(call)]


def get_position_mode(call: Call) -> object:
    return {"dualSidePosition": False}


def set_position_mode(call: Call) -> object:
    if call.flag("dualSidePosition"):
        raise BinanceError(-4068, "Hedge mode is not supported by this emulator.")
    raise BinanceError(Code.POSITION_SIDE_NOT_CHANGED)


def get_multi_assets(call: Call) -> object:
    return {"multiAssetsMargin": call.me.multi_assets_margin}


def set_multi_assets(call: Call) -> object:
    call.me.multi_assets_margin = call.flag("multiAssetsMargin")
    return {"code": 200, "msg": "success"}


def set_margin_type(call: Call) -> object:
    call.me.set_margin_type(call.require("symbol"), call.require("marginType").upper())
    return {"code": 200, "msg": "success"}


def set_leverage(call: Call) -> object:
    symbol = call.require("symbol")
    leverage = call.integer("leverage")
    if leverage is None:
        raise mandatory("leverage")
    call.me.set_leverage(symbol, leverage)
    market = call.exchange.markets[symbol]
    return {
        "leverage": leverage,
        "maxNotionalValue": f"{market.leverage_tiers[0].notional_cap:f}",
        "symbol": symbol,
    }


def commission_rate(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    fees = call.exchange.fees
    return {"symbol": symbol, "makerCommissionRate": f"{fees.maker}",
            "takerCommissionRate": f"{fees.taker}"}


def account_v2(call: Call) -> object:
    return wire.account_json(call.me, v2=True)


def account_v3(call: Call) -> object:
    return wire.account_json(call.me, v2=False)


def balance(call: Call) -> object:
    return wire.balance_json(call.me)


def _position_rows(call: Call, v2: bool) -> list[dict[str, object]]:
    symbol = call.get("symbol")
    account = call.me
    if v2:
        symbols = [call.exchange.market(symbol).symbol] if symbol else list(call.exchange.markets)
        return [wire.position_risk_json(account, account.position(s), v2=True) for s in symbols]
    return [
        wire.position_risk_json(account, p, v2=False)
        for p in account.positions.values()
        if p.amount and (symbol is None or p.symbol == symbol)
    ]


def position_risk_v2(call: Call) -> object:
    return _position_rows(call, v2=True)


def position_risk_v3(call: Call) -> object:
    return _position_rows(call, v2=False)


def listen_key(call: Call) -> object:
    return {"listenKey": hashlib.sha256(call.server_time.to_bytes(8, "big")).hexdigest()}


# Orders --------------------------------------------------------------------------------------


def _order_request(call: Call, client_id_param: str) -> OrderRequest:
    return OrderRequest(
        symbol=call.require("symbol"),
        side=call.require("side").upper(),
        type=call.require("type").upper(),
        quantity=call.decimal("quantity"),
        price=call.decimal("price"),
        trigger_price=call.decimal("triggerPrice") or call.decimal("stopPrice"),
        reduce_only=call.flag("reduceOnly"),
        close_position=call.flag("closePosition"),
        time_in_force=(call.get("timeInForce") or "GTC").upper(),
        working_type=(call.get("workingType") or "CONTRACT_PRICE").upper(),
        client_id=call.get(client_id_param),
    )


def new_order(call: Call) -> object:
    order = call.me.new_order(_order_request(call, "newClientOrderId"))
    return wire.order_json(call.exchange, order)


def get_order(call: Call) -> object:
    order = call.me.find_order(call.integer("orderId"), call.get("origClientOrderId"))
    return wire.order_json(call.exchange, order)


def cancel_order(call: Call) -> object:
    order = call.me.cancel_order(call.integer("orderId"), call.get("origClientOrderId"))
    return wire.order_json(call.exchange, order)


def open_orders(call: Call) -> object:
    return [wire.order_json(call.exchange, o) for o in call.me.open_orders(call.get("symbol"))]


def all_orders(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    orders = [o for o in call.me.orders.values() if o.symbol == symbol]
    limit = min(call.integer("limit", 500) or 500, 1000)
    return [wire.order_json(call.exchange, o) for o in orders[-limit:]]


def cancel_all_orders(call: Call) -> object:
    call.me.cancel_all_orders(call.require("symbol"))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def new_algo_order(call: Call) -> object:
    algo_type = call.require("algoType").upper()
    if algo_type != "CONDITIONAL":
        raise illegal("algoType")
    algo = call.me.new_algo_order(_order_request(call, "clientAlgoId"))
    return wire.algo_json(call.exchange, algo)


def get_algo_order(call: Call) -> object:
    algo = call.me.find_algo_order(call.integer("algoId"), call.get("clientAlgoId"))
    return wire.algo_json(call.exchange, algo, detail=True)


def cancel_algo_order(call: Call) -> object:
    algo = call.me.cancel_algo_order(call.integer("algoId"), call.get("clientAlgoId"))
    return {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200",
            "msg": "success"}


def open_algo_orders(call: Call) -> object:
    return [wire.algo_json(call.exchange, a, detail=True)
            for a in call.me.open_algo_orders(call.get("symbol"))]


def all_algo_orders(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    algos = [a for a in call.me.algo_orders.values() if a.symbol == symbol]
    limit = min(call.integer("limit", 500) or 500, 1000)
    return [wire.algo_json(call.exchange, a, detail=True) for a in algos[-limit:]]


def cancel_all_algo_orders(call: Call) -> object:
    call.me.cancel_all_algo_orders(call.require("symbol"))
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def _time_filtered(rows: list, call: Call, limit_default: int, limit_max: int) -> list:
    start = call.integer("startTime")
    end = call.integer("endTime")
    selected = [r for r in rows
                if (start is None or r.time >= start) and (end is None or r.time <= end)]
    limit = min(call.integer("limit", limit_default) or limit_default, limit_max)
    return selected[:limit] if start is not None else selected[-limit:]


def user_trades(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    order_id = call.integer("orderId")
    fills = [f for f in call.me.fills
             if f.symbol == symbol and (order_id is None or f.order_id == order_id)]
    return [wire.fill_json(call.exchange, f) for f in _time_filtered(fills, call, 500, 1000)]


def income(call: Call) -> object:
    symbol = call.get("symbol")
    income_type = call.get("incomeType")
    rows = [r for r in call.me.income
            if (symbol is None or r.symbol == symbol)
            and (income_type is None or r.income_type == income_type)]
    return [wire.income_json(r) for r in _time_filtered(rows, call, 100, 1000)]


ROUTES: tuple[Route, ...] = (
    Route("GET", "/fapi/v1/ping", ping, False),
    Route("GET", "/fapi/v1/time", server_time, False),
    Route("GET", "/fapi/v1/exchangeInfo", exchange_info, False),
    Route("GET", "/fapi/v1/klines", klines, False, _kline_weight),
    Route("GET", "/fapi/v1/continuousKlines", klines, False, _kline_weight),
    Route("GET", "/fapi/v1/markPriceKlines", klines, False, _kline_weight),
    Route("GET", "/fapi/v1/indexPriceKlines", klines, False, _kline_weight),
    Route("GET", "/fapi/v1/premiumIndexKlines", klines, False, _kline_weight),
    Route("GET", "/fapi/v1/depth", depth, False, _depth_weight),
    Route("GET", "/fapi/v1/ticker/bookTicker", book_ticker, False, 2),
    Route("GET", "/fapi/v1/ticker/price", price_ticker, False),
    Route("GET", "/fapi/v2/ticker/price", price_ticker, False),
    Route("GET", "/fapi/v1/ticker/24hr", ticker_24hr, False, 5),
    Route("GET", "/fapi/v1/premiumIndex", premium_index, False),
    Route("GET", "/fapi/v1/fundingRate", funding_rate_history, False),
    Route("GET", "/fapi/v1/fundingInfo", empty_list, False),
    Route("GET", "/fapi/v1/openInterest", open_interest, False),
    # ccxt's default market loading also asks spot, coin-M and margin: nothing listed there.
    Route("GET", "/api/v3/exchangeInfo", empty_exchange_info, False),
    Route("GET", "/dapi/v1/exchangeInfo", empty_exchange_info, False),
    Route("GET", "/sapi/v1/capital/config/getall", empty_list, True),
    Route("GET", "/sapi/v1/margin/allPairs", empty_list, False),
    Route("GET", "/sapi/v1/margin/isolated/allPairs", empty_list, True),
    Route("GET", "/fapi/v1/leverageBracket", leverage_bracket, True),
    Route("GET", "/fapi/v1/positionSide/dual", get_position_mode, True, 30),
    Route("POST", "/fapi/v1/positionSide/dual", set_position_mode, True),
    Route("GET", "/fapi/v1/multiAssetsMargin", get_multi_assets, True, 30),
    Route("POST", "/fapi/v1/multiAssetsMargin", set_multi_assets, True),
    Route("POST", "/fapi/v1/marginType", set_margin_type, True),
    Route("POST", "/fapi/v1/leverage", set_leverage, True),
    Route("GET", "/fapi/v1/commissionRate", commission_rate, True, 20),
    Route("GET", "/fapi/v2/account", account_v2, True, 5),
    Route("GET", "/fapi/v3/account", account_v3, True, 5),
    Route("GET", "/fapi/v2/balance", balance, True, 5),
    Route("GET", "/fapi/v3/balance", balance, True, 5),
    Route("GET", "/fapi/v2/positionRisk", position_risk_v2, True, 5),
    Route("GET", "/fapi/v3/positionRisk", position_risk_v3, True, 5),
    Route("POST", "/fapi/v1/listenKey", listen_key, True),
    Route("POST", "/fapi/v1/order", new_order, True, 0),
    Route("GET", "/fapi/v1/order", get_order, True),
    Route("DELETE", "/fapi/v1/order", cancel_order, True),
    Route("GET", "/fapi/v1/openOrders", open_orders, True),
    Route("GET", "/fapi/v1/allOrders", all_orders, True, 5),
    Route("DELETE", "/fapi/v1/allOpenOrders", cancel_all_orders, True),
    Route("POST", "/fapi/v1/algoOrder", new_algo_order, True, 0),
    Route("GET", "/fapi/v1/algoOrder", get_algo_order, True),
    Route("DELETE", "/fapi/v1/algoOrder", cancel_algo_order, True),
    Route("GET", "/fapi/v1/openAlgoOrders", open_algo_orders, True),
    Route("GET", "/fapi/v1/allAlgoOrders", all_algo_orders, True, 5),
    Route("DELETE", "/fapi/v1/algoOpenOrders", cancel_all_algo_orders, True),
    Route("GET", "/fapi/v1/userTrades", user_trades, True, 5),
    Route("GET", "/fapi/v1/income", income, True, 30),
)


class WeightBudget:
    """Binance's REQUEST_WEIGHT per minute, kept per API key (public calls share one bucket)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._minute = 0
        self._used: Counter[str] = Counter()

    def spend(self, bucket: str, weight: int, at_ms: int) -> int:
        minute = at_ms // 60_000
        if minute != self._minute:
            self._minute = minute
            self._used.clear()
        self._used[bucket] += weight
        used = self._used[bucket]
        if used > self.limit:
            raise BinanceError(
                Code.TOO_MANY_REQUESTS,
                MESSAGES[Code.TOO_MANY_REQUESTS].format(limit=self.limit),
                http_status=429,
            )
        return used


class Venue:
    """Everything the HTTP layer shares: engine, faults, weights, request counts."""

    def __init__(self, exchange: Exchange, weight_limit: int = DEFAULT_WEIGHT_LIMIT) -> None:
        self.exchange = exchange
        self.faults = FaultInjector()
        self.weights = WeightBudget(weight_limit)
        self.request_counts: Counter[str] = Counter()
        # The same, per API key: what one client (one bot) asked.
        self.account_requests: dict[str, Counter[str]] = {}
        # Which hostname clients asked for (through the tunnel: fapi / demo-fapi / testnet).
        self.hosts: Counter[str] = Counter()


def _verify(request_key: str | None, raw: str, venue: Venue, now: int) -> Account:
    """Check key, timestamp window and HMAC-SHA256 signature the way the venue does."""
    account = venue.exchange.accounts.get(request_key or "")
    if account is None:
        raise BinanceError(Code.BAD_API_KEY, http_status=401)
    payload, _, signature = raw.rpartition("&signature=")
    if not signature:
        raise mandatory("signature")
    params = dict(parse_qsl(payload, keep_blank_values=True))
    try:
        timestamp = int(params["timestamp"])
    except (KeyError, ValueError):
        raise mandatory("timestamp") from None
    recv_window = int(params.get("recvWindow") or DEFAULT_RECV_WINDOW_MS)
    if timestamp > now + 1000:
        raise BinanceError(
            Code.INVALID_TIMESTAMP,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        )
    if now - timestamp > recv_window:
        raise BinanceError(Code.INVALID_TIMESTAMP)
    expected = hmac.new(account.api_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.split("&")[0]):
        raise BinanceError(Code.INVALID_SIGNATURE)
    return account


def _json(body: object, status: int = 200, used_weight: int | None = None) -> web.Response:
    headers = {"X-MBX-USED-WEIGHT-1M": str(used_weight)} if used_weight is not None else None
    return web.Response(
        text=json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def _endpoint(venue: Venue, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        now = venue.exchange.clock()
        venue.exchange.refresh()
        query = request.query_string
        body = (await request.text()) if request.can_read_body else ""
        raw = "&".join(part for part in (query, body) if part)
        params = dict(parse_qsl(raw, keep_blank_values=True))
        api_key = request.headers.get("X-MBX-APIKEY")
        venue.request_counts[f"{route.method} {route.path}"] += 1
        if route.signed and api_key:
            venue.account_requests.setdefault(api_key, Counter())[
                f"{route.method} {route.path}"] += 1
        venue.hosts[request.host.split(":")[0]] += 1
        try:
            account = _verify(api_key, raw, venue, now) if route.signed else None
            weight = route.weight(params) if callable(route.weight) else route.weight
            used = venue.weights.spend(api_key if route.signed else "public", weight, now)
            fault = venue.faults.take(route.method, route.path, params,
                                      api_key if route.signed else None)
            call = Call(params, account, venue.exchange, now)
            if fault is None:
                return _json(route.handler(call), used_weight=used)
            return await _faulty(request, fault, route, call, used)
        except BinanceError as error:
            return _json(error.body(), status=error.http_status)

    return handle


async def _faulty(
    request: web.Request, fault: FaultRule, route: Route, call: Call, used: int
) -> web.StreamResponse:
    logger.info("injecting %s fault into %s %s", fault.kind, route.method, route.path)
    if fault.kind == "error":
        error = BinanceError(fault.code, fault.msg, fault.http_status)
        return _json(error.body(), status=error.http_status)
    if fault.kind == "http":
        if fault.process:
            with contextlib.suppress(BinanceError):
                route.handler(call)
        return web.Response(status=fault.http_status, text="Service Unavailable.")
    if fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
        call.exchange.refresh()
        call.server_time = call.exchange.clock()
        return _json(route.handler(call), used_weight=used)
    if fault.kind == "drop":  # the venue acts, the answer never arrives
        with contextlib.suppress(BinanceError):
            route.handler(call)
    await asyncio.sleep(fault.seconds)
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


def add_binance_routes(app: web.Application, venue: Venue) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _endpoint(venue, route))

