"""The bracket policy for a bracket that scales out: every level in place, a level's fill a
partial exit with the stop and the open levels following the position, the last level's fill
the end. Pure, milliseconds."""

from __future__ import annotations

from ft_bracket.core.actions import (
    Cancel,
    CancelReplaced,
    CloseRest,
    MoveStop,
    Place,
    ReadFill,
    RequestExit,
    ShowExitFill,
)
from ft_bracket.core.bracket import Bracket, new_bracket
from ft_bracket.core.legs import (
    Accepted,
    Filled,
    LegKind,
    LegStatus,
    ReplacedGone,
    Sent,
    Triggered,
)
from ft_bracket.core.plan import plan_bracket, plan_orphans
from tests.support.brackets import PAIR, on_venue, snapshot, view

S, STOP, TP = LegStatus, LegKind.STOP, LegKind.TAKE_PROFIT
MAX_ATTEMPTS = 3


def scaled(rest: bool = True) -> Bracket:
    """A long of 100 with levels of 50 at 1.26 and 50 at 1.30, every leg resting."""
    record = new_bracket(7, PAIR, False, "7-s0me", 1.17, [(1.26, 50.0), (1.30, 50.0)], 0)
    if rest:
        for number, leg in enumerate(record.legs):
            leg.apply(Sent(record.next_client_id("ftb", leg)))
            leg.apply(Accepted(f"800000000{number + 4}"))
    return record


def trade(record: Bracket, **changes: object):
    return view(freqtrade_stop_ids=frozenset({record.stop.order_id or ""}),
                stop_price=record.stop.trigger_price, **changes)


def plan(record: Bracket, venue, **changes: object) -> list:
    return plan_bracket(record, trade(record, **changes), venue, MAX_ATTEMPTS)


def resting(record: Bracket, position: float | None = 100.0):
    return snapshot(*(on_venue(leg) for leg in record.legs if leg.status is S.RESTING),
                    position=position)


def fill_level(record: Bracket, level: int, quantity: float, price: float) -> None:
    leg = record.leg(TP, level)
    leg.apply(Triggered(f"90000000{level}"))
    leg.apply(Filled(quantity, price, f"90000000{level}"))


def test_each_level_has_its_own_id_and_the_record_round_trips() -> None:
    record = scaled()
    assert [leg.client_id for leg in record.legs] == [
        "ftb-7-s0me-sl1", "ftb-7-s0me-tp1_1", "ftb-7-s0me-tp2_1"]
    assert [leg.quantity for leg in record.legs] == [100.0, 50.0, 50.0]
    assert Bracket.from_dict(record.to_dict()) == record
    assert plan(record, resting(record)) == []


def test_every_level_goes_out_and_one_that_keeps_failing_closes_the_trade() -> None:
    record = scaled(rest=False)
    record.stop.apply(Sent("ftb-7-s0me-sl1"))
    record.stop.apply(Accepted("8000000004"))
    assert plan(record, resting(record)) == [Place(TP, level=1), Place(TP, level=2)]
    record.scale_out[0].attempt = MAX_ATTEMPTS
    assert plan(record, resting(record)) == [RequestExit("take_profit_unplaceable")]


def test_a_level_gone_from_the_venue_is_read_then_shown_as_a_partial_exit() -> None:
    record = scaled()
    record.take_profit.apply(Triggered("900000001"))
    assert plan(record, resting(record)) == [ReadFill(TP, 1)]
    record.take_profit.apply(Filled(50.0, 1.26, "900000001"))
    # The position the fill left: the stop follows it (a new attempt, resting first); the
    # level still open already covers it.
    assert plan(record, resting(record, position=50.0)) == [
        ShowExitFill(TP, 1), Place(STOP, quantity=50.0)]


def test_the_last_level_ends_the_bracket() -> None:
    record = scaled()
    fill_level(record, 1, 50.0, 1.26)
    fill_level(record, 2, 50.0, 1.30)
    assert plan(record, resting(record, position=0.0)) == [
        ShowExitFill(TP, 1), ShowExitFill(TP, 2), Cancel(STOP)]


def test_the_last_level_filled_in_part_closes_what_it_left() -> None:
    record = scaled()
    fill_level(record, 1, 50.0, 1.26)
    fill_level(record, 2, 30.0, 1.30)  # a thin book: 20 left, past the last level
    assert plan(record, resting(record, position=20.0)) == [
        ShowExitFill(TP, 1), ShowExitFill(TP, 2), CloseRest(TP, 20.0)]


def test_a_stop_out_cancels_every_open_level() -> None:
    record = scaled()
    fill_level(record, 1, 50.0, 1.26)
    record.stop.apply(Sent("ftb-7-s0me-sl2", quantity=50.0))  # resized to what level 1 left
    record.stop.apply(Accepted("8000000009"))
    record.stop.apply(ReplacedGone())
    record.stop.apply(Triggered("900000009"))
    record.stop.apply(Filled(50.0, 1.17, "900000009"))
    actions = plan(record, resting(record, position=0.0),
                   order_ids=frozenset({record.stop.order_id or ""}))
    assert actions == [Cancel(TP, 2), ShowExitFill(TP, 1)]


def test_a_position_smaller_than_the_open_levels_shrinks_the_farthest() -> None:
    record = scaled()
    assert plan(record, resting(record, position=80.0)) == [
        Place(TP, quantity=30.0, level=2), Place(STOP, quantity=80.0)]
    assert plan(record, resting(record, position=40.0)) == [
        Cancel(TP, 2), Place(STOP, quantity=40.0)]


def test_no_level_is_an_orphan() -> None:
    record = scaled()
    assert plan_orphans([record], resting(record), "ftb") == []


def test_sizes_add_up_as_written_so_the_venue_never_cuts_a_step_off() -> None:
    # In binary floats 5.1 + 5.3 is 10.399999999999999: cut to the step, a stop of 10.3 would
    # leave 0.1 of a 10.4 position bare.
    record = new_bracket(7, PAIR, False, "7-s0me", 1.17, [(1.26, 5.1), (1.30, 5.3)], 0)
    assert record.stop.quantity == 10.4
    for number, leg in enumerate(record.legs):
        leg.apply(Sent(record.next_client_id("ftb", leg)))
        leg.apply(Accepted(f"800000000{number + 4}"))
    # A position of 11.4 (5.1 + 6.3, also short of it in floats): level 2 grows to 6.3 exactly.
    assert plan(record, resting(record, position=11.4)) == [
        Place(TP, quantity=6.3, level=2), Place(STOP, quantity=11.4)]


def test_a_stop_that_moves_as_a_level_fills_is_resized_once_the_move_is_done() -> None:
    # Found by the steered soak: a move and a resize in one look each replaced the stop, and
    # the second took the first's place on the record while the original stop still rested.
    record = scaled()
    fill_level(record, 1, 50.0, 1.26)
    moved = view(freqtrade_stop_ids=frozenset({record.stop.order_id or ""}), stop_price=1.20)
    venue = resting(record, position=50.0)
    assert plan_bracket(record, moved, venue, MAX_ATTEMPTS)[1:] == [MoveStop(1.20)]
    old = record.stop.order_id
    record.stop.apply(Sent(record.next_client_id("ftb", record.stop)))
    record.stop.trigger_price = 1.20
    record.stop.apply(Accepted("8000000099"))
    assert record.stop.replacing is not None and record.stop.replacing.order_id == old
    adopted = view(freqtrade_stop_ids=frozenset({"8000000099"}), stop_price=1.20)
    venue = resting(record, position=50.0)
    assert plan_bracket(record, adopted, venue, MAX_ATTEMPTS)[1:] == [CancelReplaced(STOP, 1)]
    record.stop.apply(ReplacedGone())
    assert plan_bracket(record, adopted, resting(record, position=50.0), MAX_ATTEMPTS)[1:] == [
        Place(STOP, quantity=50.0)]
