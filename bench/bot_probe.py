"""Run ``freqtrade`` with every exchange call and bot loop recorded, for the call benchmarks.

    python bench/bot_probe.py RECORD [--no-stop-routing] -- trade -c config.json ...

Appends one JSON line per event to RECORD: ``{"loop": t}`` at the start of each bot loop, and
per HTTP request of any ccxt client in the process (freqtrade's synchronous and asynchronous
ones, the plugin's own): time, which client (``plugin`` when the call comes from the plugin's
gateway, else ``freqtrade``), method, path, whether a ``symbol`` was sent, ccxt's rate-limit
cost, the seconds ccxt's synchronous client slept in ``throttle`` before sending it, and the
venue's ``X-MBX-USED-WEIGHT-1M`` answer header.

``--no-stop-routing`` leaves freqtrade's stop-order calls to freqtrade (the plugin still places
and watches the legs): freqtrade's own behaviour, one stop poll per trade per loop.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

_GATEWAY = "ft_bracket/binance/gateway.py"
_lock = threading.Lock()
_pending = threading.local()


def _client_of_call() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.endswith(_GATEWAY):
            return "plugin"
        frame = frame.f_back
    return "freqtrade"


def _write(record_file: Any, event: dict[str, Any]) -> None:
    with _lock:
        record_file.write(json.dumps(event) + "\n")
        record_file.flush()


def _call_event(client: str, url: str, method: str, headers: Any, throttled: float,
                cost: float | None) -> dict[str, Any]:
    parts = urlsplit(url)
    weight = (headers or {}).get("X-MBX-USED-WEIGHT-1M") or (headers or {}).get(
        "x-mbx-used-weight-1m")
    query = parse_qs(parts.query)
    return {"t": time.time(), "client": client, "method": method, "path": parts.path,
            "symbol": "symbol" in query, "limit": (query.get("limit") or [None])[0], "cost": cost,
            "throttled": throttled, "used_weight": int(weight) if weight else None}


def install(record_file: Any, route_stops: bool) -> None:
    """Wrap ccxt's fetch and throttle, freqtrade's loop, and (optionally) the stop routing."""
    from ccxt.async_support.base.exchange import Exchange as AsyncExchange
    from ccxt.base.exchange import Exchange
    from freqtrade.freqtradebot import FreqtradeBot

    sync_throttle = Exchange.throttle

    def throttle(self: Any, cost: Any = None) -> None:
        started = time.perf_counter()
        sync_throttle(self, cost)
        _pending.throttle = (time.perf_counter() - started, cost)

    sync_fetch = Exchange.fetch

    def fetch(self: Any, url: str, method: str = "GET", headers: Any = None,
              body: Any = None) -> Any:
        throttled, cost = getattr(_pending, "throttle", (0.0, None))
        _pending.throttle = (0.0, None)
        try:
            return sync_fetch(self, url, method, headers, body)
        finally:
            _write(record_file, _call_event(_client_of_call(), url, method,
                                            self.last_response_headers, throttled, cost))

    async_fetch = AsyncExchange.fetch

    async def fetch_async(self: Any, url: str, method: str = "GET", headers: Any = None,
                          body: Any = None) -> Any:
        try:
            return await async_fetch(self, url, method, headers, body)
        finally:
            _write(record_file, _call_event("freqtrade", url, method,
                                            self.last_response_headers, 0.0, None))

    process = FreqtradeBot.process

    def process_recorded(self: Any) -> None:
        _write(record_file, {"loop": time.time()})
        return process(self)

    Exchange.throttle = throttle
    Exchange.fetch = fetch
    AsyncExchange.fetch = fetch_async
    FreqtradeBot.process = process_recorded
    if not route_stops:
        import ft_bracket.supervisor

        ft_bracket.supervisor.route_stop_orders = lambda exchange, manager, prefix: None


def main() -> None:
    record = Path(sys.argv[1])
    options = sys.argv[2:sys.argv.index("--")]
    freqtrade_args = sys.argv[sys.argv.index("--") + 1:]
    install(record.open("a"), route_stops="--no-stop-routing" not in options)
    from freqtrade.main import main as freqtrade_main

    freqtrade_main(freqtrade_args)


if __name__ == "__main__":
    main()
