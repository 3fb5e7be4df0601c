"""Signed calls: API key, timestamp window and HMAC-SHA256 signature, checked as Binance does."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl

from binance_emulator.api.service import Service
from binance_emulator.venue.account import Account
from binance_emulator.venue.errors import BinanceError, Code, mandatory

DEFAULT_RECV_WINDOW_MS = 5000


def verify(request_key: str | None, raw: str, service: Service, now: int,
           key_only: bool = False) -> Account:
    """Check key, timestamp window and HMAC-SHA256 signature the way the venue does.

    ``key_only``: USER_STREAM calls (listenKey) need a valid API key and no signature.
    """
    account = service.exchange.accounts.get(request_key or "")
    if account is None:
        raise BinanceError(Code.BAD_API_KEY, http_status=401)
    if key_only:
        return account
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
