"""A real HTTP listener that collects webhook posts: freqtrade's own (fills) and the plugin's
(``bracket_event`` JSON, posted by the plugin from its background thread)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ft_bracket.reporting.payload import PAYLOAD_TYPE


class WebhookListener:
    """Listens on 127.0.0.1. ``messages`` holds every JSON body it answered 200 to, in arrival
    order; ``attempts`` every body received, refused ones too. ``fail_next`` answers the next
    posts with an error status; ``hold`` keeps answers back until ``release``."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))
                                  or b"{}")
                with listener._lock:
                    listener.attempts.append(body)
                listener._open.wait(timeout=60)
                with listener._lock:
                    status = listener._failures.pop(0) if listener._failures else 200
                    if status == 200:
                        listener.messages.append(body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> WebhookListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._open.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m.get("type") == kind]

    def bracket_events(self, name: str | None = None) -> list[dict[str, Any]]:
        """The plugin's event payloads (``name``: of one event only), in arrival order."""
        return [m for m in self.of_type(PAYLOAD_TYPE) if name is None or m["event"] == name]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"webhook: condition not met in {timeout:.0f} s; got {self.messages}")


def webhook_config(url: str) -> dict[str, Any]:
    """freqtrade's webhook section: its own fill templates; the plugin's events come as the
    plugin's own JSON posts (no ``strategy_msg`` template, as in config.json)."""
    return {
        "enabled": True,
        "url": url,
        "format": "json",
        "retries": 0,
        "timeout": 5,
        "entry_fill": {"type": "entry_fill", "trade_id": "{trade_id}", "pair": "{pair}",
                       "direction": "{direction}", "open_rate": "{open_rate}",
                       "amount": "{amount}"},
        "exit_fill": {"type": "exit_fill", "trade_id": "{trade_id}", "pair": "{pair}",
                      "exit_reason": "{exit_reason}", "close_rate": "{close_rate}",
                      "profit_amount": "{profit_amount}"},
    }
