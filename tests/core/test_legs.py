"""The bracket leg state machine (typed events, one transition table), client ids, records."""

from __future__ import annotations

import pytest

from ft_bracket.core.legs import (
    TRANSITIONS,
    Accepted,
    Bracket,
    BracketLeg,
    Cancelled,
    CancelRequested,
    Filled,
    IllegalTransitionError,
    LegKind,
    LegStatus,
    Rejected,
    Sent,
    Triggered,
    bracket_root,
    client_id,
    entry_client_id,
    entry_root,
    parse_client_id,
)
from ft_bracket.venues.binance.quirks import CLIENT_ID_PATTERN

S = LegStatus
ROOT = bracket_root(123456, 1_795_896_459)


def test_client_id_is_deterministic_short_and_binance_legal() -> None:
    first = client_id("ftb", ROOT, LegKind.TAKE_PROFIT, 1)
    assert first == client_id("ftb", bracket_root(123456, 1_795_896_459), LegKind.TAKE_PROFIT, 1)
    assert len(first) <= 36 and CLIENT_ID_PATTERN.match(first)
    # The longest prefix settings allow, a seven-digit trade id, attempt 99: still legal.
    longest = client_id("p" * 10, bracket_root(9_999_999, 4_000_000_000), LegKind.STOP, 99)
    assert len(longest) <= 36 and CLIENT_ID_PATTERN.match(longest)
    assert first != client_id("ftb", ROOT, LegKind.STOP, 1)
    assert first != client_id("ftb", ROOT, LegKind.TAKE_PROFIT, 2)
    # Same trade id in a fresh database (other open time) must not collide.
    assert first != client_id("ftb", bracket_root(123456, 1_795_896_460), LegKind.TAKE_PROFIT, 1)


def test_client_id_round_trips_and_ignores_foreign_ids() -> None:
    value = client_id("bot-a", ROOT, LegKind.STOP, 3)
    assert parse_client_id("bot-a", value) == (ROOT, LegKind.STOP)
    assert parse_client_id("bot-b", value) is None
    assert parse_client_id("bot-a", "x-TKT5PX2F989bcdc4d06c430e92b8f4") is None


def test_events_carry_their_data_into_the_leg() -> None:
    leg = BracketLeg(LegKind.TAKE_PROFIT, 1.25, 100.0)
    leg.apply(Sent("ftb-7-a-tp1"))
    assert (leg.status, leg.attempt, leg.client_id) == (S.PLACING, 1, "ftb-7-a-tp1")
    leg.apply(Accepted("8001"))
    assert (leg.status, leg.order_id) == (S.RESTING, "8001")
    leg.apply(Triggered("9001"))
    assert (leg.status, leg.fill_order_id, leg.filled_quantity) == (S.TRIGGERED, "9001", 0.0)
    leg.apply(Filled(100.0, 1.2503))
    assert (leg.status, leg.filled_quantity, leg.fill_price, leg.fill_order_id) == (
        S.FILLED, 100.0, 1.2503, "9001")
    assert not leg.is_live
    with pytest.raises(IllegalTransitionError):
        leg.apply(Cancelled())
    with pytest.raises(IllegalTransitionError):
        leg.apply(Sent("ftb-7-a-tp2"))  # a filled leg is never re-placed


def test_a_new_attempt_forgets_the_last_ones_ids() -> None:
    leg = BracketLeg(LegKind.STOP, 1.1, 10.0)
    leg.apply(Sent(leg.next_client_id("ftb", "7-a")))
    leg.apply(Rejected("-2022 ReduceOnly Order is rejected."))
    assert (leg.status, leg.error) == (S.FAILED, "-2022 ReduceOnly Order is rejected.")
    leg.apply(Sent(leg.next_client_id("ftb", "7-a")))
    assert (leg.attempt, leg.client_id, leg.error, leg.order_id) == (2, "ftb-7-a-sl2", None, None)


@pytest.mark.parametrize(("start", "event", "end"), [
    (S.RESTING, CancelRequested(), S.CANCELLING),
    (S.CANCELLING, CancelRequested(), S.CANCELLING),  # the last cancel failed: send again
    (S.CANCELLING, Cancelled(), S.CANCELLED),
    (S.CANCELLING, Triggered("1"), S.TRIGGERED),  # it fired before the cancel landed
    (S.TRIGGERED, Cancelled("expired"), S.CANCELLED),  # its real order filled nothing
    (S.PLACING, Filled(1.0, 1.0), S.FILLED),  # a lost answer: it rested and filled meanwhile
])
def test_table_rows(start: LegStatus, event: object, end: LegStatus) -> None:
    leg = BracketLeg(LegKind.STOP, 1.1, 10.0, status=start)
    assert leg.apply(event) is end  # type: ignore[arg-type]


def test_only_the_table_moves_a_leg() -> None:
    events = (Sent("x"), Accepted("1"), Rejected("e"), Triggered("2"), Filled(1.0, 1.0),
              CancelRequested(), Cancelled())
    for status in LegStatus:
        for event in events:
            leg = BracketLeg(LegKind.STOP, 1.0, 1.0, status=status)
            expected = TRANSITIONS.get((status, type(event)))
            if expected is None:
                with pytest.raises(IllegalTransitionError):
                    leg.apply(event)
            else:
                assert leg.apply(event) is expected


def test_bracket_survives_a_round_trip_through_custom_data() -> None:
    bracket = Bracket(trade_id=3, pair="XRP/USDT:USDT", is_short=True, root="3-abc",
                      stop=BracketLeg(LegKind.STOP, 1.3, 50.0),
                      take_profit=BracketLeg(LegKind.TAKE_PROFIT, 1.1, 50.0),
                      entry_filled_ms=1_700_000_000_000)
    bracket.stop.apply(Sent("ftb-3-abc-sl1"))
    bracket.stop.apply(Accepted("8000000004"))
    bracket.protected_ms["stop"] = 1_700_000_000_120
    assert Bracket.from_dict(bracket.to_dict()) == bracket


def test_a_record_from_before_roots_were_stored_still_loads() -> None:
    old = {"trade_id": 5, "is_short": False, "entry_filled_ms": None, "protected_ms": {},
           "stop": {"kind": "stop", "trigger_price": 1.1, "quantity": 9.0, "status": "resting",
                    "attempt": 1, "client_id": "ftb-5-s0me-sl1", "order_id": "1",
                    "fill_order_id": None, "error": None},
           "take_profit": {"kind": "take_profit", "trigger_price": 1.3, "quantity": 9.0,
                           "status": "resting", "attempt": 2, "client_id": "ftb-5-s0me-tp2",
                           "order_id": "2", "fill_order_id": None, "error": None}}
    bracket = Bracket.from_dict(old, pair="XRP/USDT:USDT")
    assert (bracket.root, bracket.pair) == ("5-s0me", "XRP/USDT:USDT")
    assert bracket.take_profit.next_client_id("ftb", bracket.root) == "ftb-5-s0me-tp3"


def test_an_entry_root_is_deterministic_legal_and_never_a_legs_id() -> None:
    root = entry_root("XRP/USDT:USDT", 1_796_000_000_123)
    assert root == entry_root("XRP/USDT:USDT", 1_796_000_000_123)
    assert root != entry_root("DOGE/USDT:USDT", 1_796_000_000_123)
    entry = entry_client_id("p" * 10, root)
    assert CLIENT_ID_PATTERN.match(entry) and len(entry) <= 36
    assert parse_client_id("p" * 10, entry) is None  # an entry is not a leg
    assert parse_client_id("ftb", client_id("ftb", root, LegKind.STOP, 1)) == (root,
                                                                               LegKind.STOP)
