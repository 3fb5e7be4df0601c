"""Bracket events: what the plugin tells the people and programs watching a bot.

An ``Event`` carries its fields as values (numbers stay numbers). ``EventSink`` logs each one as
a single ``[bracket] <severity> <event> key=value ...`` line (for the log file and grep) and hands
the event itself to a transport: in a running bot ``ft_bracket.reporting.notifier`` turns it into a
readable Telegram message and a structured JSON webhook post. Fills themselves travel as
freqtrade's own ``entry_fill`` / ``exit_fill`` messages; these are the plugin's additions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# The logger keeps the name it had before the package moved: log filters and greps match it.
EVENT_LOGGER = "ft_bracket.core.events"
logger = logging.getLogger(EVENT_LOGGER)
PREFIX = "[bracket]"


class Severity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class EventName(StrEnum):
    ENTRY_REFUSED = "entry_refused"
    ENTRY_FAILED = "entry_failed"
    BRACKET_PLACED = "bracket_placed"
    LEG_PLACED = "leg_placed"
    LEG_FAILED = "leg_failed"
    LEG_REPLACED = "leg_replaced"
    TAKE_PROFIT_FILLED = "take_profit_filled"
    LEGS_CANCELLED = "legs_cancelled"
    EXIT_REQUESTED = "exit_requested"
    ORPHAN_CANCELLED = "orphan_cancelled"
    WATCH_FAILED = "watch_failed"
    VENUE_ENDPOINT_MISSING = "venue_endpoint_missing"
    RECONCILE_FAILED = "reconcile_failed"
    LEG_RECOVERED = "leg_recovered"
    LEG_RESIZED = "leg_resized"
    POSITION_GONE = "position_gone"
    LIQUIDATED = "liquidated"
    STOP_SLIPPED = "stop_slipped"
    ENTRY_BEYOND_STOP = "entry_beyond_stop"
    LEG_FILLED_IN_PART = "leg_filled_in_part"
    CLOSED_PAST_STOP = "closed_past_stop"
    UNTRACKED_POSITION = "untracked_position"
    GUARD_STOP_FILLED = "guard_stop_filled"
    GUARD_RELEASED = "guard_released"
    STOP_MOVED = "stop_moved"
    TAKE_PROFIT_MERGED = "take_profit_merged"


_LOG_LEVEL = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.ERROR: logging.ERROR,
}


@dataclass(frozen=True)
class Event:
    """One thing the plugin did or saw. ``fields`` never holds None (an absent field is absent)."""

    severity: Severity
    name: EventName
    fields: dict[str, Any]
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def trade_id(self) -> int | None:
        trade = self.fields.get("trade")
        return int(trade) if trade is not None else None

    @property
    def pair(self) -> str | None:
        pair = self.fields.get("pair")
        return str(pair) if pair is not None else None


def format_event(severity: Severity, name: EventName, fields: dict[str, Any]) -> str:
    """The log line: ``[bracket] ERROR leg_failed trade=3 pair=XRP/USDT:USDT leg=stop ...``."""
    parts = [PREFIX, severity.value, name.value]
    for key, value in fields.items():
        if value is None:
            continue
        text = f"{value:g}" if isinstance(value, float) else str(value)
        if not text or any(c.isspace() or c in '"=' for c in text):
            text = '"' + text.replace('"', "'") + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


class EventSink:
    """Logs every event and hands it to ``send`` (None: log only, as in backtests)."""

    def __init__(self, send: Callable[[Event], None] | None) -> None:
        self._send = send

    def emit(self, severity: Severity, name: EventName, **fields: Any) -> Event:
        event = Event(severity, name, {k: v for k, v in fields.items() if v is not None})
        logger.log(_LOG_LEVEL[severity], format_event(severity, name, event.fields))
        if self._send is not None:
            try:
                self._send(event)
            except Exception:  # a broken message path must never break trading
                logger.exception("could not send bracket event %s", name.value)
        return event
