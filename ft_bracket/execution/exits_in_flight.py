"""freqtrade's own exit orders, from the moment they are sent.

freqtrade writes an exit order's row only after the venue has answered, and its force exit runs
on the REST API thread: a look at the venue in between sees the position gone with no order of
freqtrade's to explain it. Without this the plugin would take freqtrade's own fill for someone
else's and import it a second time (one order id, two rows: freqtrade's database refuses it).
"""

from __future__ import annotations

import threading


class ExitsInFlight:
    """Pairs whose exit order freqtrade is sending now, and the ids of those it has sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sending: dict[str, int] = {}
        self._sent: dict[str, int] = {}  # order id -> the look it was sent during
        self._look = 0

    def sending(self, pair: str) -> None:
        with self._lock:
            self._sending[pair] = self._sending.get(pair, 0) + 1

    def sent(self, pair: str, order_id: str | None) -> None:
        """The call returned (``order_id``) or failed (None)."""
        with self._lock:
            left = self._sending.get(pair, 0) - 1
            if left > 0:
                self._sending[pair] = left
            else:
                self._sending.pop(pair, None)
            if order_id:
                self._sent[order_id] = self._look

    def on_the_way(self, pair: str) -> bool:
        with self._lock:
            return pair in self._sending

    def order_ids(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._sent)

    def next_look(self) -> None:
        """freqtrade writes a sent order's row right after the answer; one whole look later it
        has, or never will (it failed): from then on the fill is imported like any other."""
        with self._lock:
            self._look += 1
            self._sent = {i: look for i, look in self._sent.items() if look >= self._look - 1}
