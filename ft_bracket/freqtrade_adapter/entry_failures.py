"""Failed entries: freqtrade has no callback for them, only a log line.

``FreqtradeBot.enter_positions`` logs ``Unable to create trade for <pair>: <exception>`` when an
entry order fails (insufficient margin, precision, a timeout, ...); tests/freqtrade_adapter
pins the text to freqtrade's source. What the exception's text says decides whether the
outcome is known.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

ENTRY_FAILURE_LOGGER = "freqtrade.freqtradebot"
ENTRY_FAILURE_MESSAGE = "Unable to create trade for %s: %s"
# freqtrade's wording for an entry whose outcome is unknown: a TemporaryError ("Could not place
# ... due to <ccxt class>") from a network error, a timeout or a 5xx. A refusal
# (InsufficientFunds, InvalidOrder) says something else.
_OUTCOME_UNKNOWN = re.compile(
    r"RequestTimeout|NetworkError|ExchangeNotAvailable|OperationFailed|timed out|Could not place"
)


def outcome_unknown(reason: str) -> bool:
    """True when freqtrade's failure text leaves open whether the venue acted."""
    return _OUTCOME_UNKNOWN.search(reason) is not None


class EntryFailureWatch(logging.Handler):
    """Calls ``on_failure(pair, reason)`` for each entry freqtrade reports it could not create."""

    def __init__(self, on_failure: Callable[[str, str], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_failure = on_failure

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if record.msg != ENTRY_FAILURE_MESSAGE or not isinstance(args, tuple) or len(args) != 2:
            return
        try:
            self.on_failure(str(args[0]), str(args[1]))
        except Exception:  # a broken event path must never break freqtrade's logging
            self.handleError(record)


def watch_entry_failures(on_failure: Callable[[str, str], None]) -> EntryFailureWatch:
    """Install the one ``EntryFailureWatch``, replacing an earlier one. bot_start runs again
    after /reload_config (whose logging set-up, in freqtrade 2026.9, also drops it)."""
    freqtrade_logger = logging.getLogger(ENTRY_FAILURE_LOGGER)
    for handler in list(freqtrade_logger.handlers):
        if isinstance(handler, EntryFailureWatch):
            freqtrade_logger.removeHandler(handler)
    watch = EntryFailureWatch(on_failure)
    freqtrade_logger.addHandler(watch)
    return watch
