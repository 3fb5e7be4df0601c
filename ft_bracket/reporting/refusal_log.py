"""The risk gate's refusals, said once: freqtrade re-asks every loop while a signal lasts."""

from __future__ import annotations

import logging
from datetime import datetime

from ft_bracket.core.risk import Decision, Signal
from ft_bracket.reporting.events import EventName, EventSink, Severity

logger = logging.getLogger(__name__)


class RefusalLog:
    """Logs each refusal once per pair and signal candle."""

    def __init__(self, level: int = logging.INFO) -> None:
        self.level = level
        self._last: dict[str, tuple[datetime | None, str]] = {}
        # Set in dry-run and live: each logged refusal also becomes an event.
        self.events: EventSink | None = None

    def refuse(self, pair: str, candle: datetime | None, decision: Decision, *,
               side: str | None = None, signal: Signal | None = None) -> None:
        """Log ``decision`` for ``pair`` unless the same reason was logged for this candle (its
        detail moves with the live price: that is still the same refusal). ``side`` and the
        ``signal``'s prices, when known, travel with the event."""
        key = (candle, str(decision.denial))
        if self._last.get(pair) == key:
            return
        self._last[pair] = key
        logger.log(self.level, "%s: no entry (candle %s): %s", pair, candle, decision)
        if self.events is not None:
            self.events.emit(
                Severity.INFO, EventName.ENTRY_REFUSED, pair=pair, side=side,
                candle=candle.isoformat() if candle else None,
                entry=signal.entry_price if signal else None,
                stop=signal.stop_price if signal else None,
                take_profit=signal.take_profit_price if signal else None,
                reason=str(decision))
