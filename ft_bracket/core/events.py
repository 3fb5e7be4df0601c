"""Bracket events as freqtrade ``strategy_msg`` messages (webhooks, Telegram, the REST API).

One line per event, readable by a human in Telegram and parseable by a webhook consumer:
``[bracket] <severity> <event> key=value ...``. Fills themselves travel as freqtrade's own
``entry_fill`` / ``exit_fill`` messages; these are the plugin's additions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

logger = logging.getLogger(__name__)
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
    UNTRACKED_POSITION = "untracked_position"
    GUARD_STOP_FILLED = "guard_stop_filled"
    GUARD_RELEASED = "guard_released"


_LOG_LEVEL = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.ERROR: logging.ERROR,
}


def format_event(severity: Severity, name: EventName, fields: dict[str, Any]) -> str:
    """``[bracket] ERROR leg_failed trade=3 pair=XRP/USDT:USDT leg=stop reason="..."``."""
    parts = [PREFIX, severity.value, name.value]
    for key, value in fields.items():
        if value is None:
            continue
        text = f"{value:g}" if isinstance(value, float) else str(value)
        if not text or any(c.isspace() or c in '"=' for c in text):
            text = '"' + text.replace('"', "'") + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


def parse_event(message: str) -> tuple[str, str, dict[str, str]] | None:
    """Inverse of ``format_event`` (for tests and webhook consumers); None if not ours."""
    if not message.startswith(PREFIX + " "):
        return None
    rest = message[len(PREFIX) + 1 :]
    severity, _, rest = rest.partition(" ")
    name, _, rest = rest.partition(" ")
    fields: dict[str, str] = {}
    while rest:
        key, _, rest = rest.partition("=")
        if rest.startswith('"'):
            value, _, rest = rest[1:].partition('"')
            rest = rest.lstrip()
        else:
            value, _, rest = rest.partition(" ")
        fields[key] = value
    return severity, name, fields


class EventSink:
    """Logs every event and hands it to freqtrade's message queue (a no-op in backtesting)."""

    def __init__(self, send: Callable[[str], None] | None) -> None:
        self._send = send

    def emit(self, severity: Severity, name: EventName, **fields: Any) -> str:
        message = format_event(severity, name, fields)
        logger.log(_LOG_LEVEL[severity], message)
        if self._send is not None:
            try:
                self._send(message)
            except Exception:  # a broken message path must never break trading
                logger.exception("could not send bracket event")
        return message
