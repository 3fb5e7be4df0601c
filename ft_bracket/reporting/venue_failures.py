"""What a failed venue call becomes: a warning retried next loop, or — for an endpoint the
venue does not have (HTTP 404) — one ERROR a human sees, not a retry that never ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ft_bracket.reporting.events import EventName, EventSink, Severity


def _never(error: Exception) -> bool:
    return False


class VenueFailures:
    """Reports venue failures through ``events``; a missing endpoint once, not every loop.
    ``endpoint_missing``: the venue's own word on which of its errors mean a missing endpoint
    (``Gateway.endpoint_missing``)."""

    def __init__(self, events: EventSink,
                 endpoint_missing: Callable[[Exception], bool] = _never) -> None:
        self.events = events
        self.endpoint_missing = endpoint_missing
        self._missing: set[str] = set()

    def report(self, error: Exception, step: str, *, action: str = "retrying on the next loop",
               **fields: Any) -> None:
        text = f"{type(error).__name__}: {error}"
        if self.endpoint_missing(error):
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
