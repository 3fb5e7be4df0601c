"""A local stand-in of the Telegram Bot API, reached by freqtrade's real Telegram module.

freqtrade has no setting for Telegram's URL, but python-telegram-bot's httpx client honours
``HTTPS_PROXY`` and ``SSL_CERT_FILE``. ``TelegramStandIn`` runs a CONNECT proxy that tunnels
only ``api.telegram.org:443`` into its own HTTPS server, whose certificate for that host is
signed by a CA made for this run; ``bot_env()`` points the bot at both (``NO_PROXY`` keeps its
loopback traffic direct; ccxt sets its own proxy to the emulator and ignores the variables).

The server answers the Bot API methods python-telegram-bot calls (getMe, deleteWebhook, the
getUpdates long poll, sendMessage, editMessageText, ...), parses each message's markup as
Telegram does (``telegram_markup``) and refuses what Telegram refuses with Telegram's answer.
``messages`` records every sendMessage with what a user would see; ``user_sends("/status")``
delivers a command as if typed in the chat.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from binance_emulator.api.tunnel import connect_handler
from tests.support.telegram_certs import server_context
from tests.support.telegram_markup import Entity, MarkupError, parse, utf16_len

TELEGRAM_HOST = "api.telegram.org"
MAX_MESSAGE_LENGTH = 4096  # UTF-16 units after parsing, as Telegram counts
_LONG_POLL_CAP_S = 30.0  # never hold a getUpdates longer, whatever timeout it asks for


@dataclass
class SentMessage:
    """One sendMessage / editMessageText call as Telegram saw it."""

    method: str
    chat_id: str
    raw_text: str
    parse_mode: str | None
    reply_markup: Any
    text: str | None = None  # what the user sees: markup parsed, entities stripped
    entities: list[Entity] = field(default_factory=list)
    error: str | None = None  # Telegram's description when it refused the message

    @property
    def delivered(self) -> bool:
        return self.error is None

    def fields(self) -> dict[str, str]:
        """freqtrade's "Label: value" lines of the visible text, e.g. {"Pair": "XRP/USDT:USDT"}."""
        pairs = (line.partition(": ") for line in (self.text or "").splitlines())
        return {label.strip(): value.strip() for label, sep, value in pairs if sep}


class BotApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


class TelegramStandIn:
    """The Bot API for one bot (``token``) and one private chat (``chat_id``)."""

    def __init__(self, workdir: Path, token: str = "424242:stand-in-token",
                 chat_id: int = 777000111) -> None:
        self.token, self.chat_id = token, chat_id
        self.bot_id = int(token.split(":", 1)[0])
        self.ca_file, context = server_context(workdir, TELEGRAM_HOST)
        self.messages: list[SentMessage] = []
        self.calls: list[str] = []  # every method, in order, including refused ones
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed = threading.Condition()
        self._closing = False
        self._https = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._https.daemon_threads = True
        # The handshake runs in the request's thread, not in the accepting loop.
        self._https.socket = context.wrap_socket(self._https.socket, server_side=True,
                                                 do_handshake_on_connect=False)
        self._loop = asyncio.new_event_loop()
        self._proxy: asyncio.Server | None = None
        self._threads: list[threading.Thread] = []

    # Life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> TelegramStandIn:
        tls_port = self._https.server_address[1]
        self._threads = [threading.Thread(target=self._https.serve_forever, daemon=True),
                         threading.Thread(target=self._loop.run_forever, daemon=True)]
        for thread in self._threads:
            thread.start()
        self._proxy = asyncio.run_coroutine_threadsafe(asyncio.start_server(
            connect_handler(tls_port, frozenset({TELEGRAM_HOST})), "127.0.0.1", 0),
            self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._proxy is not None:
            self._proxy.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._https.shutdown()
        self._https.server_close()

    @property
    def proxy_url(self) -> str:
        assert self._proxy is not None, "use TelegramStandIn as a context manager"
        return f"http://127.0.0.1:{self._proxy.sockets[0].getsockname()[1]}"

    def bot_env(self) -> dict[str, str]:
        """Environment for the freqtrade process: Telegram through the stand-in only."""
        return {"HTTPS_PROXY": self.proxy_url, "https_proxy": self.proxy_url,
                "SSL_CERT_FILE": str(self.ca_file),
                "NO_PROXY": "127.0.0.1,localhost,::1", "no_proxy": "127.0.0.1,localhost,::1"}

    def telegram_config(self, **settings: Any) -> dict[str, Any]:
        """freqtrade's ``telegram`` section for this bot and chat."""
        return {"enabled": True, "token": self.token, "chat_id": str(self.chat_id),
                "allow_custom_messages": True, **settings}

    # What the test sees -------------------------------------------------------------------

    def delivered(self) -> list[SentMessage]:
        """Messages Telegram accepted (what the chat shows), in order."""
        with self._changed:
            return [m for m in self.messages if m.delivered]

    def refused(self) -> list[SentMessage]:
        with self._changed:
            return [m for m in self.messages if not m.delivered]

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.delivered()]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0,
                 what: str = "a Telegram message") -> Any:
        """Wait for ``predicate()`` to be truthy; fail with every message seen so far."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                self._changed.release()
                try:
                    result = predicate()
                finally:
                    self._changed.acquire()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; "
                                         f"calls {self.calls[-20:]}, messages {self.messages}")
                self._changed.wait(min(remaining, 0.5))

    def wait_text(self, *fragments: str, timeout: float = 60.0) -> SentMessage:
        """The first delivered message whose visible text contains every fragment."""
        return self.wait_for(
            lambda: next((m for m in self.delivered()
                          if all(f in (m.text or "") for f in fragments)), None),
            timeout, f"a delivered message containing {fragments}")

    def user_sends(self, text: str) -> None:
        """The chat's user types ``text`` (e.g. ``/status``); the bot's next getUpdates gets it."""
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0,
                         "length": utf16_len(text.split(" ", 1)[0])}]
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self._chat(), "from": self._user(), "text": text,
                   "entities": entities}
        with self._changed:
            self._updates.append({"update_id": next(self._update_ids), "message": message})
            self._changed.notify_all()

    # The Bot API --------------------------------------------------------------------------

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private", "first_name": "Trader"}

    def _user(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": "Trader"}

    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "ft-bracket test",
                "username": "ft_bracket_test_bot", "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API call; returns its ``result`` or raises ``BotApiError``."""
        with self._changed:
            self.calls.append(method)
            self._changed.notify_all()
        name = method.lower()
        if name in ("getme",):
            return self._me()
        if name in ("deletewebhook", "setmycommands", "deletemycommands", "setwebhook",
                    "answercallbackquery", "setchatmenubutton", "close", "logout"):
            if name == "deletewebhook" and str(params.get("drop_pending_updates")) == "true":
                with self._changed:
                    self._updates.clear()
            return True
        if name == "getmycommands":
            return []
        if name == "getwebhookinfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if name == "getupdates":
            return self._get_updates(params)
        if name in ("sendmessage", "editmessagetext"):
            return self._send(method, params)
        raise BotApiError(404, "Not Found")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), _LONG_POLL_CAP_S)
        deadline = time.monotonic() + timeout
        with self._changed:
            # An offset confirms every update before it: Telegram forgets them.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return list(self._updates)

    def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params.get("text", ""))
        markup = params.get("reply_markup")
        record = SentMessage(method, str(params.get("chat_id", "")), raw,
                             params.get("parse_mode"),
                             json.loads(markup) if isinstance(markup, str) else markup)
        try:
            if record.chat_id != str(self.chat_id):
                raise BotApiError(400, "Bad Request: chat not found")
            try:
                text, entities = parse(raw, record.parse_mode)
            except MarkupError as error:
                raise BotApiError(400, f"Bad Request: can't parse entities: {error}") from None
            except ValueError:
                raise BotApiError(400, "Bad Request: unsupported parse_mode") from None
            text, entities = _trimmed(text, entities)
            if not text:
                raise BotApiError(400, "Bad Request: message text is empty")
            if utf16_len(text) > MAX_MESSAGE_LENGTH:
                raise BotApiError(400, "Bad Request: message is too long")
            record.text, record.entities = text, entities
        except BotApiError as error:
            record.error = error.description
            raise
        finally:
            with self._changed:
                self.messages.append(record)
                self._changed.notify_all()
        result: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": self._chat(), "from": self._me() | {"is_bot": True}, "text": text}
        if entities:
            result["entities"] = [{"type": e.type, "offset": e.offset, "length": e.length,
                                   **e.extra} for e in entities]
        if method.lower() == "editmessagetext":
            result["edit_date"] = int(datetime.datetime.now(datetime.UTC).timestamp())
        if isinstance(record.reply_markup, dict) and "inline_keyboard" in record.reply_markup:
            result["reply_markup"] = record.reply_markup  # Telegram echoes inline keyboards only
        return result

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects

            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                token, _, method = path.removeprefix("/bot").partition("/")
                try:
                    if not path.startswith("/bot") or token != stand_in.token:
                        raise BotApiError(401, "Unauthorized")
                    params = dict(parse_qsl(query)) | _body_params(
                        body, self.headers.get("Content-Type", ""))
                    answer = {"ok": True, "result": stand_in.call(method, params)}
                    status = 200
                except BotApiError as error:
                    answer = {"ok": False, "error_code": error.code,
                              "description": error.description}
                    status = error.code
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _body_params(body: bytes, content_type: str) -> dict[str, Any]:
    """python-telegram-bot posts form fields (JSON-encoded values); other clients post JSON."""
    if not body:
        return {}
    if "json" in content_type:
        return {k: v if isinstance(v, str) else json.dumps(v)
                for k, v in json.loads(body).items()}
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _trimmed(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram drops leading and trailing whitespace; entities move (or shrink) with it."""
    lead = utf16_len(text) - utf16_len(text.lstrip())
    stripped = text.strip()
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity.offset - lead, 0)
        stop = min(entity.offset + entity.length - lead, end)
        if stop > start:
            kept.append(Entity(entity.type, start, stop - start, entity.extra))
    return stripped, kept
