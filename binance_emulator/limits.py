"""Binance's request limits: the per-minute request weight, kept per API key."""

from __future__ import annotations

from collections import Counter

from binance_emulator.errors import MESSAGES, BinanceError, Code

DEFAULT_WEIGHT_LIMIT = 2400


class WeightBudget:
    """Binance's REQUEST_WEIGHT per minute, kept per API key (public calls share one bucket)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._minute = 0
        self._used: Counter[str] = Counter()

    def spend(self, bucket: str, weight: int, at_ms: int) -> int:
        minute = at_ms // 60_000
        if minute != self._minute:
            self._minute = minute
            self._used.clear()
        self._used[bucket] += weight
        used = self._used[bucket]
        if used > self.limit:
            raise BinanceError(
                Code.TOO_MANY_REQUESTS,
                MESSAGES[Code.TOO_MANY_REQUESTS].format(limit=self.limit),
                http_status=429,
            )
        return used
