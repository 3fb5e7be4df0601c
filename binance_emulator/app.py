"""Assemble and run the emulator: venue, Binance routes, control API, TLS tunnel, price ticker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from aiohttp import web

from binance_emulator.api.limits import DEFAULT_WEIGHT_LIMIT
from binance_emulator.api.server import add_binance_routes, add_not_found
from binance_emulator.api.service import Service
from binance_emulator.api.tunnel import self_signed_context, start_proxy
from binance_emulator.control.handlers import Control, add_control_routes
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.mark import seeded_basis
from binance_emulator.venue.markets import DEFAULT_MAX_NUM_ALGO_ORDERS, MARKETS
from binance_emulator.venue.models import FIRST_ID, FeeSchedule
from binance_emulator.venue.prices import build_paths, now_ms

logger = logging.getLogger(__name__)
HOST = "127.0.0.1"
TICK_SECONDS = 0.1
# Mark = last × (1 + basis), |basis| ≤ this: 5 bps, about Binance's usual gap on liquid
# perpetuals ("generally a few cents from the Last Price"), enough to tell the two apart.
DEFAULT_MARK_BASIS = 0.0005
# ``--first-id clock``: ids from 8_000_000_000 + the milliseconds since this epoch
# (2025-01-01T00:00:00Z), so a later run starts above every id an earlier one drew.
CLOCK_ID_EPOCH_MS = 1_735_689_600_000


def clock_first_id(now: int) -> int:
    """The first id of a venue started at ``now`` (ms): above every id a run started earlier
    drew, as long as it drew fewer ids than milliseconds passed between the two starts (one
    account's order limits, 1200 a minute, keep it far below one a millisecond), and above
    those of a run from ``FIRST_ID``. Still a plain 64-bit id, as Binance's: about 4e10 in 2026,
    1e12 after 30 years, far below 2**53 (JavaScript's exact integers)."""
    return max(FIRST_ID, FIRST_ID - 1 + now - CLOCK_ID_EPOCH_MS)


@dataclass
class Options:
    port: int = 8790
    proxy_port: int | None = 8791
    data_dir: Path | None = None
    seed: int = 7
    speed: float = 1.0
    balance: Decimal = Decimal(10_000)
    api_key: str = "emulator-key"
    api_secret: str = "emulator-secret"
    weight_limit: int = DEFAULT_WEIGHT_LIMIT
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    mark_basis: float = DEFAULT_MARK_BASIS
    liquidation_cancels: str = "all"
    max_num_algo_orders: int | None = DEFAULT_MAX_NUM_ALGO_ORDERS  # None: no such filter
    first_id: int = FIRST_ID  # of orders, algo orders, fills and income rows alike


@dataclass
class Running:
    service: Service
    runner: web.AppRunner
    port: int
    proxy_port: int | None
    tasks: list[asyncio.Task] = field(default_factory=list)
    proxy: asyncio.Server | None = None

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.proxy is not None:
            self.proxy.close()
        await self.runner.cleanup()


def _bound_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    return sock


async def _tick(exchange: Exchange) -> None:
    """Keep path-driven prices moving so triggers fire even when nobody calls."""
    while True:
        await asyncio.sleep(TICK_SECONDS)
        try:
            exchange.refresh()
        except Exception:  # a bug here must not stop the service; it is logged loudly
            logger.exception("price tick failed")


def build_app(options: Options) -> tuple[web.Application, Service]:
    paths = build_paths(MARKETS, options.data_dir, options.seed, now_ms(), speed=options.speed)
    marks = {
        symbol: path.with_basis(seeded_basis(symbol, options.mark_basis, options.seed,
                                             options.speed))
        for symbol, path in paths.items()
    }
    exchange = Exchange(MARKETS, paths, options.fees, mark_paths=marks,
                        liquidation_cancels=options.liquidation_cancels,
                        first_id=options.first_id)
    exchange.set_algo_order_limit(options.max_num_algo_orders)
    exchange.add_account(options.api_key, options.api_secret, options.balance)
    service = Service(exchange, options.weight_limit)
    app = web.Application()
    add_binance_routes(app, service)
    # The user-data stream (``wss://fstream.binance.com``, through the same tunnel).
    app.router.add_get("/private/ws", service.streams.serve)
    app.router.add_get("/ws/{listen_key}", service.streams.serve)
    add_control_routes(
        app, Control(service, options.api_key, options.api_secret, options.balance)
    )
    add_not_found(app)
    return app, service


async def start(options: Options) -> Running:
    app, service = build_app(options)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    plain = _bound_socket(options.port)
    await web.SockSite(runner, plain).start()
    running = Running(service, runner, plain.getsockname()[1], None)
    if options.proxy_port is not None:
        tls = _bound_socket(0)
        await web.SockSite(runner, tls, ssl_context=self_signed_context()).start()
        running.proxy = await start_proxy(options.proxy_port, tls.getsockname()[1])
        running.proxy_port = running.proxy.sockets[0].getsockname()[1]
    running.tasks.append(asyncio.create_task(_tick(service.exchange)))
    return running


async def serve(options: Options, ready: asyncio.Event | None = None) -> None:
    running = await start(options)
    proxy = f", CONNECT proxy {HOST}:{running.proxy_port}" if running.proxy_port else ""
    print(f"binance_emulator ready on http://{HOST}:{running.port}{proxy}", flush=True)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await running.stop()
