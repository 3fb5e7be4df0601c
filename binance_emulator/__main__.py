"""``python -m binance_emulator --port P``: a local Binance USDⓈ-M futures venue on 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from decimal import Decimal
from pathlib import Path

from binance_emulator.app import DEFAULT_MARK_BASIS, Options, clock_first_id, serve
from binance_emulator.venue.liquidation import LIQUIDATION_CANCELS
from binance_emulator.venue.markets import DEFAULT_MAX_NUM_ALGO_ORDERS
from binance_emulator.venue.models import FIRST_ID, FeeSchedule
from binance_emulator.venue.prices import now_ms

# Binance's ids are signed 64-bit integers.
MAX_ID = 2**63 - 1


def first_id(text: str) -> int:
    """``--first-id``: a positive integer, or ``clock`` for one above every earlier run's ids."""
    if text == "clock":
        return clock_first_id(now_ms())
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer nor 'clock': {text!r}") from None
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"must be in [1, {MAX_ID}]: {value}")
    return value


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m binance_emulator",
        description="Local Binance USDⓈ-M futures emulator (REST, algo orders, faults).",
    )
    parser.add_argument("--port", type=int, default=8790, help="REST port (default 8790)")
    parser.add_argument(
        "--proxy-port", type=int, default=None,
        help="HTTPS CONNECT tunnel port for Binance's real URLs (default: port + 1; 0: any)",
    )
    parser.add_argument("--no-proxy", action="store_true", help="do not start the tunnel")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder of freqtrade *-futures.feather candles to replay")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic price paths")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="replay speed: data time per wall-clock time (default 1)")
    parser.add_argument("--balance", type=Decimal, default=Decimal(10_000),
                        help="starting USDT wallet balance")
    parser.add_argument("--weight-limit", type=int, default=2400,
                        help="request weight per minute before HTTP 429")
    parser.add_argument("--taker-fee", type=Decimal, default=FeeSchedule.taker)
    parser.add_argument("--maker-fee", type=Decimal, default=FeeSchedule.maker)
    parser.add_argument("--mark-basis", type=float, default=DEFAULT_MARK_BASIS,
                        help="bound of the mark price's basis to last, as a fraction "
                             f"(default {DEFAULT_MARK_BASIS}; 0: mark = last)")
    parser.add_argument("--liquidation-cancels", choices=LIQUIDATION_CANCELS, default="all",
                        help="what a liquidation cancels besides the position: all open orders "
                             "and algo orders (default), or only plain orders")
    parser.add_argument("--max-num-algo-orders", type=int, default=DEFAULT_MAX_NUM_ALGO_ORDERS,
                        help="open conditional orders per symbol and account, served as the "
                             "MAX_NUM_ALGO_ORDERS filter (default "
                             f"{DEFAULT_MAX_NUM_ALGO_ORDERS}; 0: no such filter)")
    parser.add_argument("--first-id", type=first_id, default=FIRST_ID,
                        help="first id of orders and algo orders (and fills, income rows), "
                             f"default {FIRST_ID}; 'clock': derived from the wall clock, above "
                             "every id of an earlier run (for a client that keeps its database)")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.data is not None and not args.data.is_dir():
        parser.error(f"--data {args.data}: not a directory")
    if args.speed <= 0:
        parser.error("--speed must be positive")
    if not 0 <= args.mark_basis < 0.1:
        parser.error("--mark-basis must be in [0, 0.1)")
    if args.max_num_algo_orders < 0:
        parser.error("--max-num-algo-orders must not be negative")
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return Options(
        port=args.port,
        # 0 asks the system for a free port (the ready line then says which).
        proxy_port=None if args.no_proxy else (
            args.proxy_port if args.proxy_port is not None
            else (args.port + 1 if args.port else 0)),
        data_dir=args.data,
        seed=args.seed,
        speed=args.speed,
        balance=args.balance,
        # The emulator's own credentials; any values work as long as the client uses the same.
        api_key=os.environ.get("BINANCE_EMULATOR_API_KEY", "emulator-key"),
        api_secret=os.environ.get("BINANCE_EMULATOR_API_SECRET", "emulator-secret"),
        weight_limit=args.weight_limit,
        fees=FeeSchedule(taker=args.taker_fee, maker=args.maker_fee),
        mark_basis=args.mark_basis,
        liquidation_cancels=args.liquidation_cancels,
        max_num_algo_orders=args.max_num_algo_orders or None,
        first_id=args.first_id,
    )


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    loop = asyncio.new_event_loop()
    task = loop.create_task(serve(options))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        loop.run_until_complete(task)
    loop.close()


if __name__ == "__main__":
    main()
