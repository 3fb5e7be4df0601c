"""The venue's own time-ordered record, for a damage audit: one row per event, ids increasing.

Rows of one account (orders, algo orders, fills, liquidations, funding) carry its API key; price
changes of a symbol under manual control carry none and belong to every account's view. A
recording is one list append, so the journal costs nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

Row = dict[str, object]


def _plain(value: object) -> object:
    return f"{value:f}" if isinstance(value, Decimal) else value


class Journal:
    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        self.rows: list[Row] = []
        self.listeners: list[Callable[[Row], None]] = []  # told of each row (the user stream)
        # Rows dropped by a reset: ids keep increasing across it, so pollers never go back.
        self._dropped = 0

    def record(self, api_key: str | None, event: str, **fields: object) -> None:
        row: Row = {
            "id": self._dropped + len(self.rows) + 1,
            "time": self.clock(),
            "event": event,
            "api_key": api_key,
            **{k: _plain(v) for k, v in fields.items() if v is not None},
        }
        self.rows.append(row)
        for listener in self.listeners:
            listener(row)

    def of(self, api_key: str, since_id: int = 0) -> Iterator[Row]:
        """One account's rows (and the venue-wide price rows) after ``since_id``."""
        for row in self.rows[max(0, since_id - self._dropped):]:
            if row["api_key"] in (api_key, None):
                yield row

    def clear(self) -> None:
        self._dropped += len(self.rows)
        self.rows.clear()
