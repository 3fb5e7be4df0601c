"""What a venue report means for a leg: Binance's words (quirks) -> VenueStatus -> leg event.

The one mapping, table by table (the core's purity: tests/project/test_import_rules.py).
"""

from __future__ import annotations

import pytest

from ft_bracket.core.legs import Accepted, Cancelled, Filled, LegKind, LegStatus, Triggered
from ft_bracket.core.venue import VenueFill, VenueStatus, observe, observe_fill
from ft_bracket.venues.binance.gateway import venue_fill, venue_leg
from tests.support.brackets import PAIR, leg, on_venue

S, V = LegStatus, VenueStatus


@pytest.mark.parametrize(("algo_status", "meaning"), [
    ("NEW", V.RESTING),
    ("TRIGGERING", V.TRIGGERED),
    ("TRIGGERED", V.TRIGGERED),  # fired: its real order exists, it has not filled yet
    ("FINISHED", V.FINISHED),  # its real order is final: filled, or expired / rejected
    ("CANCELED", V.CANCELLED),
    ("EXPIRED", V.EXPIRED),
    ("REJECTED", V.REJECTED),
])
def test_binance_algo_statuses_keep_their_meaning(algo_status: str, meaning: VenueStatus) -> None:
    order = {"id": "1", "clientOrderId": "ftb-7-a-tp1", "triggerPrice": 1.26, "amount": 100.0,
             "info": {"algoStatus": algo_status, "actualOrderId": "9"}}
    assert venue_leg(order, PAIR).status is meaning


@pytest.mark.parametrize(("status", "filled", "final"), [
    ("FILLED", 100.0, True), ("EXPIRED", 0.0, True), ("REJECTED", 0.0, True),
    ("PARTIALLY_FILLED", 40.0, False), ("NEW", 0.0, False),
])
def test_real_orders_are_final_only_in_binances_final_statuses(
    status: str, filled: float, final: bool
) -> None:
    fill = venue_fill({"id": "9", "filled": filled, "average": 1.26 if filled else None,
                       "info": {"status": status}})
    assert (fill.final, fill.filled) == (final, filled)


@pytest.mark.parametrize(("status", "venue", "event"), [
    (S.PLACING, None, Cancelled("not on the venue")),  # the send never arrived
    (S.RESTING, None, Cancelled("not on the venue")),
    (S.PLACING, V.RESTING, Accepted("8000000005")),
    (S.RESTING, V.RESTING, None),
    (S.CANCELLING, V.RESTING, None),  # the cancel has not landed: still live
    (S.RESTING, V.TRIGGERED, Triggered(None)),
    (S.RESTING, V.FINISHED, Triggered(None)),  # final, but filled? only its order says
    (S.TRIGGERED, V.FINISHED, None),
    (S.RESTING, V.CANCELLED, Cancelled("cancelled")),
    (S.CANCELLING, V.EXPIRED, Cancelled("expired")),
    (S.PLACING, V.REJECTED, Cancelled("rejected")),
    (S.FILLED, V.CANCELLED, None),  # a finished leg never moves again
    (S.FAILED, None, None),
])
def test_observe_a_leg(status: LegStatus, venue: VenueStatus | None, event: object) -> None:
    record = leg(LegKind.TAKE_PROFIT, status)
    report = None if venue is None else on_venue(record, venue, order_id="8000000005")
    assert observe(record, report) == event


@pytest.mark.parametrize(("fill", "event"), [
    (VenueFill("9", True, 100.0, 1.27, "filled"), Filled(100.0, 1.27, "9")),
    (VenueFill("9", True, 40.0, 1.27, "expired"), Filled(40.0, 1.27, "9")),  # thin book
    # A finished conditional whose reduce-only order expired (no position left): no fill.
    (VenueFill("9", True, 0.0, None, "expired"), Cancelled("its expired order filled nothing")),
    (VenueFill("9", False, 40.0, 1.27, "partially_filled"), None),
])
def test_observe_the_real_order_of_a_fired_leg(fill: VenueFill, event: object) -> None:
    assert observe_fill(leg(LegKind.TAKE_PROFIT, S.TRIGGERED), fill) == event


def test_an_unconfirmed_fill_keeps_a_resting_leg_triggered() -> None:
    fill = VenueFill("9", False, 0.0, None, "new")
    assert observe_fill(leg(LegKind.STOP, S.RESTING), fill) == Triggered("9")
