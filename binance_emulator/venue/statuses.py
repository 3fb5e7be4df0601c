"""Order statuses as Binance USDⓈ-M reports them, and what each means: one table per kind.

Plain orders (``/fapi/v1/order``) are open while they can still fill or be cancelled. Conditional
(algo) orders are open while they wait for their trigger; TRIGGERED means the real order was
handed to the matching engine (it may still rest there), FINISHED that this real order filled or
was cancelled there, REJECTED that the matching engine refused it (e.g. a failed margin check).
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    OPEN = "open"  # can still fill (or trigger) and be cancelled
    HANDED_OVER = "handed_over"  # algo only: its real order now lives in the matching engine
    FINAL = "final"  # nothing more will happen to it


ORDER_STATUS: dict[str, Phase] = {
    "NEW": Phase.OPEN,
    "PARTIALLY_FILLED": Phase.OPEN,
    "FILLED": Phase.FINAL,
    "CANCELED": Phase.FINAL,
    "EXPIRED": Phase.FINAL,
    "REJECTED": Phase.FINAL,
}

ALGO_STATUS: dict[str, Phase] = {
    "NEW": Phase.OPEN,
    "TRIGGERING": Phase.OPEN,
    "TRIGGERED": Phase.HANDED_OVER,
    "FINISHED": Phase.FINAL,
    "CANCELED": Phase.FINAL,
    "EXPIRED": Phase.FINAL,
    "REJECTED": Phase.FINAL,
}


def order_is_open(status: str) -> bool:
    return ORDER_STATUS[status] is Phase.OPEN


def algo_is_open(status: str) -> bool:
    return ALGO_STATUS[status] is Phase.OPEN
