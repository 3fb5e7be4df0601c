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

from binance_emulator.api.call import Call
from binance_emulator.api.faults import FaultRule
from binance_emulator.api.routes import ROUTES, Route
from binance_emulator.api.service import Service
from binance_emulator.api.signing import verify
from binance_emulator.venue.errors import BinanceError

logger = logging.getLogger(__name__)


def _json(body: object, status: int = 200,
          headers: dict[str, str] | None = None) -> web.Response:
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
        # Signatures cover the query exactly as sent: keep it percent-encoded.
        query = request.rel_url.raw_query_string
        body = (await request.text()) if request.can_read_body else ""
        raw = "&".join(part for part in (query, body) if part)
        params = dict(parse_qsl(raw, keep_blank_values=True))
        api_key = request.headers.get("X-MBX-APIKEY")
        service.request_counts[f"{route.method} {route.path}"] += 1
        if route.signed and api_key:
            service.account_requests.setdefault(api_key, Counter())[
                f"{route.method} {route.path}"] += 1
        service.hosts[request.host.split(":")[0]] += 1
        headers: dict[str, str] = {}
        try:
            # Weight is spent before anything is judged: Binance counts refused calls too, and
            # every answer (errors included) carries the minute's weight so far.
            bucket = api_key if route.signed and api_key else "public"
            used = service.weights.spend(bucket, route.weight_of(params), now)
            headers["X-MBX-USED-WEIGHT-1M"] = str(used)
            account = (verify(api_key, raw, service, now, route.key_only) if route.signed
                       else None)
            if account is not None and route.orders != (0, 0):
                headers |= service.order_counts.count(account.api_key, *route.orders, now)
            if account is not None and service.journal_requests:
                service.exchange.journal.record(
                    account.api_key, "request", endpoint=f"{route.method} {route.path}",
                    symbol=params.get("symbol"), client_id=params.get("clientAlgoId")
                    or params.get("newClientOrderId") or params.get("origClientOrderId"))
            fault = service.faults.take(route.method, route.path, params,
                                        api_key if route.signed else None)
            call = Call(params, account, service, now)
            if fault is None:
                return _json(route.handler(call), headers=headers)
            return await _faulty(request, fault, route, call, headers)
        except BinanceError as error:
            return _json(error.body(), status=error.http_status, headers=headers)

    return handle


async def _faulty(
    request: web.Request, fault: FaultRule, route: Route, call: Call, headers: dict[str, str]
) -> web.StreamResponse:
    logger.info("injecting %s fault into %s %s", fault.kind, route.method, route.path)
    if call.account is not None:
        # On the venue's record: a damage audit can tell a stop the venue sat on (held) or
        # refused by a fault (and with which answer) from one that was never sent.
        held = fault.kind in ("delay", "hang")
        call.exchange.journal.record(
            call.account.api_key, "request_held" if held else "request_faulted",
            symbol=call.get("symbol"),
            endpoint=f"{route.method} {route.path}", kind=fault.kind, seconds=fault.seconds,
            client_id=call.get("clientAlgoId") or call.get("newClientOrderId"),
            type=call.get("type"), code=fault.code if fault.kind == "error" else None)
    if fault.kind == "error":
        error = BinanceError(fault.code, fault.msg, fault.http_status)
        return _json(error.body(), status=error.http_status, headers=headers)
    if fault.kind == "http":
        if fault.process:
            with contextlib.suppress(BinanceError):
                route.handler(call)
        return web.Response(status=fault.http_status, text="Service Unavailable.")
    if fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
        call.exchange.refresh()
        call.server_time = call.exchange.clock()
        return _json(route.handler(call), headers=headers)
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


# Binance answers a path it does not have with its HTML error page, not with JSON.
NOT_FOUND_PAGE = """<!DOCTYPE html>
<!-- saved from url=(0032)https://www.binance.com/en/error -->
<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>Binance</title>
</head>
<body><div class="info"><h3>404 Not Found</h3>
<p>Sorry! The page you're looking for cannot be found.</p></div></body>
</html>
"""


async def _not_found(request: web.Request) -> web.Response:
    return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")


def add_not_found(app: web.Application) -> None:
    """Register last: every path nothing else answered gets Binance's 404 page."""
    app.router.add_route("*", "/{tail:.*}", _not_found)
