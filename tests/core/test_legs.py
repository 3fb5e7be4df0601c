"""The bracket leg state machine (typed events, one transition table) and its records."""

from __future__ import annotations

import pytest

from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import (
    TRANSITIONS,
    Accepted,
    BracketLeg,
    Cancelled,
    CancelRequested,
    Closing,
    Filled,
    IllegalTransitionError,
    LegKind,
    LegStatus,
    Rejected,
    Sent,
    Triggered,
)

S = LegStatus


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


def test_a_stop_closed_at_market_instead_is_a_field_and_a_new_attempt_clears_it() -> None:
    bracket = Bracket(5, "XRP/USDT:USDT", False, "5-a", BracketLeg(LegKind.STOP, 1.1, 9.0),
                      BracketLeg(LegKind.TAKE_PROFIT, 1.3, 9.0))
    bracket.stop.apply(Sent("ftb-5-a-sl1"))
    bracket.stop.apply(Rejected("-2021", Closing.PRICE_PAST_STOP))
    assert bracket.closing_at_market
    assert Bracket.from_dict(bracket.to_dict()).stop.closing is Closing.PRICE_PAST_STOP
    bracket.stop.apply(Sent("ftb-5-a-sl2"))
    assert (bracket.stop.closing, bracket.closing_at_market) == (None, False)
    bracket.stop.apply(Rejected("-1111 precision"))  # refused for another reason
    assert not bracket.closing_at_market
    bracket.stop.close_instead(Closing.ENTRY_BEYOND_STOP)
    assert bracket.closing_at_market and bracket.stop.error == Closing.ENTRY_BEYOND_STOP.message


@pytest.mark.parametrize("closing", list(Closing))
def test_a_record_from_before_the_closing_field_reads_it_from_the_error(closing: Closing) -> None:
    bracket = Bracket(5, "XRP/USDT:USDT", False, "5-a", BracketLeg(LegKind.STOP, 1.1, 9.0),
                      BracketLeg(LegKind.TAKE_PROFIT, 1.3, 9.0))
    bracket.stop.apply(Sent("ftb-5-a-sl1"))
    bracket.stop.apply(Rejected(closing.message, closing))
    old = bracket.to_dict()
    del old["stop"]["closing"], old["take_profit"]["closing"]
    assert Bracket.from_dict(old).stop.closing is closing
    assert Bracket.from_dict(old).closing_at_market


def test_a_bracket_without_a_trade_yet_has_no_trade_id_and_reads_old_pending_records() -> None:
    pending = Bracket(None, "XRP/USDT:USDT", False, "k3x", BracketLeg(LegKind.STOP, 1.1, 9.0),
                      BracketLeg(LegKind.TAKE_PROFIT, 1.3, 9.0), entry_order_id="77")
    assert Bracket.from_dict(pending.to_dict()) == pending
    written_before = {**pending.to_dict(), "trade_id": 0}  # the old "no trade yet" mark
    assert Bracket.from_dict(written_before).trade_id is None
