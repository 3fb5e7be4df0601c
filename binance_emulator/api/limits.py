"""Binance's request limits: the per-minute request weight and the order-count limits, both kept
per API key (public calls share one weight bucket), in fixed windows as the venue counts them.
"""

from __future__ import annotations

from collections import Counter

from binance_emulator.venue.errors import BinanceError, Code

DEFAULT_WEIGHT_LIMIT = 2400
# exchangeInfo's ORDERS limits: 300 per 10 seconds and 1200 per minute, per account.
DEFAULT_ORDERS_10S = 300
DEFAULT_ORDERS_1M = 1200


class Window:
    """A counter that restarts at every multiple of ``length_ms``."""

    def __init__(self, length_ms: int) -> None:
        self.length_ms = length_ms
        self._window = 0
        self._used: Counter[str] = Counter()

    def add(self, bucket: str, amount: int, at_ms: int) -> int:
        window = at_ms // self.length_ms
        if window != self._window:
            self._window = window
            self._used.clear()
        self._used[bucket] += amount
        return self._used[bucket]


class WeightBudget:
    """REQUEST_WEIGHT per minute (X-MBX-USED-WEIGHT-1M)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._minute = Window(60_000)

    def spend(self, bucket: str, weight: int, at_ms: int) -> int:
        used = self._minute.add(bucket, weight, at_ms)
        if used > self.limit:
            raise BinanceError.of(Code.TOO_MANY_REQUESTS, http_status=429, limit=self.limit)
        return used


class OrderCounts:
    """ORDERS per 10 s and per minute (X-MBX-ORDER-COUNT-10S / -1M); over either is -1015."""

    def __init__(self, per_10s: int = DEFAULT_ORDERS_10S, per_minute: int = DEFAULT_ORDERS_1M):
        self.per_10s = per_10s
        self.per_minute = per_minute
        self._ten = Window(10_000)
        self._minute = Window(60_000)

    def count(self, api_key: str, ten_s: int, minute: int, at_ms: int) -> dict[str, str]:
        """Count an order call; the headers to answer with, or -1015 when over a limit."""
        used_10s = self._ten.add(api_key, ten_s, at_ms)
        used_1m = self._minute.add(api_key, minute, at_ms)
        if used_10s > self.per_10s:
            raise BinanceError.of(Code.TOO_MANY_ORDERS, http_status=429, limit=self.per_10s,
                                  interval="10 SECOND")
        if used_1m > self.per_minute:
            raise BinanceError.of(Code.TOO_MANY_ORDERS, http_status=429,
                                  limit=self.per_minute, interval="MINUTE")
        return {"X-MBX-ORDER-COUNT-10S": str(used_10s), "X-MBX-ORDER-COUNT-1M": str(used_1m)}

    def rate_limits(self) -> list[dict[str, object]]:
        return [
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
             "limit": self.per_minute},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
             "limit": self.per_10s},
        ]
