"""A real HTTP listener that collects freqtrade's webhook posts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ft_bracket.core.events import parse_event


class WebhookListener:
    """Listens on 127.0.0.1; ``messages`` holds every JSON body posted, in arrival order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with listener._lock:
                    listener.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> WebhookListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m.get("type") == kind]

    def bracket_events(self) -> list[tuple[str, str, dict[str, str]]]:
        """The plugin's events (severity, name, fields) in arrival order."""
        events = []
        for message in self.of_type("strategy_msg"):
            parsed = parse_event(message.get("msg", ""))
            if parsed is not None:
                events.append(parsed)
        return events

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"webhook: condition not met in {timeout:.0f} s; got {self.messages}")


def webhook_config(url: str) -> dict[str, Any]:
    """freqtrade's webhook section posting fills and the plugin's messages as JSON."""
    return {
        "enabled": True,
        "url": url,
        "format": "json",
        "retries": 0,
        "timeout": 5,
        "allow_custom_messages": True,
        "entry_fill": {"type": "entry_fill", "trade_id": "{trade_id}", "pair": "{pair}",
                       "direction": "{direction}", "open_rate": "{open_rate}",
                       "amount": "{amount}"},
        "exit_fill": {"type": "exit_fill", "trade_id": "{trade_id}", "pair": "{pair}",
                      "exit_reason": "{exit_reason}", "close_rate": "{close_rate}",
                      "profit_amount": "{profit_amount}"},
        "strategy_msg": {"type": "strategy_msg", "msg": "{msg}"},
    }
