"""The HTTP layer: decode a Binance USDⓈ-M request, verify it, spend its weight, dispatch it to
its handler (or to an armed fault) and answer in Binance's wire format."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from aiohttp import web

from binance_emulator.call import Call
from binance_emulator.errors import BinanceError
from binance_emulator.faults import FaultRule
from binance_emulator.routes import ROUTES, Route
from binance_emulator.service import Service
from binance_emulator.signing import verify

logger = logging.getLogger(__name__)


def _json(body: object, status: int = 200, used_weight: int | None = None) -> web.Response:
    headers = {"X-MBX-USED-WEIGHT-1M": str(used_weight)} if used_weight is not None else None
    return web.Response(
        text=json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json",
        headers=headers,
    )


Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _endpoint(service: Service, route: Route) -> Endpoint:
    async def handle(request: web.Request) -> web.StreamResponse:
        now = service.exchange.clock()
        service.exchange.refresh()
        query = request.query_string
        body = (await request.text()) if request.can_read_body else ""
        raw = "&".join(part for part in (query, body) if part)
        params = dict(parse_qsl(raw, keep_blank_values=True))
        api_key = request.headers.get("X-MBX-APIKEY")
        service.request_counts[f"{route.method} {route.path}"] += 1
        if route.signed and api_key:
            service.account_requests.setdefault(api_key, Counter())[
                f"{route.method} {route.path}"] += 1
        service.hosts[request.host.split(":")[0]] += 1
        try:
            account = verify(api_key, raw, service, now) if route.signed else None
            weight = route.weight(params) if callable(route.weight) else route.weight
            used = service.weights.spend(api_key if route.signed else "public", weight, now)
            fault = service.faults.take(route.method, route.path, params,
                                      api_key if route.signed else None)
            call = Call(params, account, service.exchange, now)
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


def add_binance_routes(app: web.Application, service: Service) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _endpoint(service, route))
