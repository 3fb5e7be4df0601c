"""What a failed venue call becomes: a warning retried next loop, or — for an endpoint the
venue does not have (HTTP 404) — one ERROR a human sees, not a retry that never ends."""

from __future__ import annotations

from typing import Any

from ft_bracket.reporting.events import EventName, EventSink, Severity
from ft_bracket.venues.binance import quirks


class VenueFailures:
    """Reports venue failures through ``events``; a missing endpoint once, not every loop."""

    def __init__(self, events: EventSink) -> None:
        self.events = events
        self._missing: set[str] = set()

    def report(self, error: Exception, step: str, *, action: str = "retrying on the next loop",
               **fields: Any) -> None:
        text = f"{type(error).__name__}: {error}"
        if quirks.endpoint_missing(error):
            key = text.split("?")[0]  # the method and path, without the signed query
            if key in self._missing:
                return
            self._missing.add(key)
            self.events.emit(Severity.ERROR, EventName.VENUE_ENDPOINT_MISSING, step=step,
                             error=text[:300], **fields,
                             action="the venue has no such endpoint (404): the plugin keeps "
                                    "trying once per loop and freqtrade keeps trading; check "
                                    "the exchange URL and the venue's API version")
            return
        self.events.emit(Severity.WARNING, EventName.WATCH_FAILED, step=step, error=text,
                         **fields, action=action)
