"""Moves and resizes without a gap: the new attempt rests before the one it replaces goes, and
one that never rests leaves the old one in force. Pure, milliseconds."""

from __future__ import annotations

import pytest

from ft_bracket.core.actions import (
    Adopt,
    AlignStopPrice,
    Cancel,
    CancelReplaced,
    MoveStop,
    Place,
    Query,
)
from ft_bracket.core.bracket import Bracket, new_bracket
from ft_bracket.core.clearance import entry_clearance
from ft_bracket.core.legs import (
    Accepted,
    Cancelled,
    LegKind,
    LegStatus,
    Rejected,
    ReplacedGone,
    RestingAttempt,
    Sent,
    Triggered,
)
from ft_bracket.core.plan import plan_bracket, plan_orphans
from ft_bracket.core.refusal_outcome import placement_failed
from tests.support.brackets import PAIR, QUANTITY, bracket, leg, on_venue, snapshot, view

S, STOP, TP = LegStatus, LegKind.STOP, LegKind.TAKE_PROFIT
MAX_ATTEMPTS = 3
ADOPTED = frozenset({"8000000004"})


def plan(record: Bracket, venue, trade=None) -> list:
    trade = trade or view(freqtrade_stop_ids=ADOPTED, stop_price=record.stop.trigger_price)
    return plan_bracket(record, trade, venue, MAX_ATTEMPTS)


def moved(record: Bracket, price: float = 1.2) -> Bracket:
    """The stop's second attempt sent at ``price``: the first still rests."""
    record.stop.apply(Sent("ftb-7-s0me-sl2", trigger_price=price))
    return record


def test_a_new_attempt_of_a_resting_leg_keeps_the_old_one_until_it_rests() -> None:
    record = moved(bracket())
    stop = record.stop
    assert (stop.status, stop.trigger_price, stop.quantity) == (S.PLACING, 1.2, QUANTITY)
    assert stop.replacing == RestingAttempt("ftb-7-s0me-sl1", "8000000004", 1.17, QUANTITY)
    assert stop.client_ids == {"ftb-7-s0me-sl1", "ftb-7-s0me-sl2"} and stop.may_act
    stop.apply(Accepted("8000000041"))
    assert (stop.status, stop.order_id, stop.replacing is not None) == (S.RESTING, "8000000041",
                                                                        True)
    stop.apply(ReplacedGone())
    assert stop.replacing is None and stop.client_ids == {"ftb-7-s0me-sl2"}


@pytest.mark.parametrize("answer", [Rejected("-4045 Reach max stop order limit."),
                                    Cancelled("not on the venue")])
def test_a_new_attempt_that_never_rests_leaves_the_old_one_in_force(answer) -> None:
    record = moved(bracket())
    record.stop.apply(answer)
    stop = record.stop
    assert (stop.status, stop.client_id, stop.order_id, stop.trigger_price) == (
        S.RESTING, "ftb-7-s0me-sl1", "8000000004", 1.17)
    assert stop.replacing is None and stop.error  # said why; the next attempt is a new id
    assert stop.next_client_id("ftb", "7-s0me") == "ftb-7-s0me-sl3"


def test_a_resize_carries_its_size_and_a_record_round_trips_mid_move() -> None:
    record = bracket()
    record.take_profit.apply(Sent("ftb-7-s0me-tp2", quantity=60.0))
    assert (record.take_profit.quantity, record.take_profit.replacing.quantity) == (60.0,
                                                                                   QUANTITY)
    assert Bracket.from_dict(record.to_dict()) == record


def test_freqtrades_tighter_stop_moves_the_venues_and_a_looser_one_is_put_back() -> None:
    record = bracket()
    venue = snapshot(*(on_venue(x) for x in record.legs))
    tighter = view(freqtrade_stop_ids=ADOPTED, stop_price=1.2)
    assert plan(record, venue, tighter) == [MoveStop(1.2)]
    looser = view(freqtrade_stop_ids=ADOPTED, stop_price=1.1)
    assert plan(record, venue, looser) == [AlignStopPrice(1.17)]
    short = bracket()
    short.is_short = True
    assert plan(short, venue, view(freqtrade_stop_ids=ADOPTED, stop_price=1.1)) == [
        MoveStop(1.1)]


def test_while_the_new_stop_is_on_its_way_nothing_else_moves_or_goes() -> None:
    record = moved(bracket())
    venue = snapshot(on_venue(record.take_profit), on_venue(leg(STOP)))
    # The new attempt's answer was lost: ask for it; the old one is not touched meanwhile.
    assert plan(record, venue, view(freqtrade_stop_ids=ADOPTED, stop_price=1.25)) == [
        Query(STOP)]


def test_once_the_new_stop_rests_freqtrade_takes_it_and_the_old_one_goes() -> None:
    record = moved(bracket())
    record.stop.apply(Accepted("8000000041"))
    venue = snapshot(on_venue(record.take_profit), on_venue(record.stop),
                     on_venue(leg(STOP)))  # the old one still rests too
    assert plan(record, venue, view(freqtrade_stop_ids=ADOPTED, stop_price=1.2)) == [
        Adopt(), CancelReplaced(STOP)]
    # No second move while the old one is not confirmed gone, however far freqtrade moved.
    assert plan(record, venue, view(freqtrade_stop_ids=frozenset({"8000000041"}),
                                    stop_price=1.25)) == [CancelReplaced(STOP)]
    record.stop.apply(ReplacedGone())
    assert plan(record, venue, view(freqtrade_stop_ids=frozenset({"8000000041"}),
                                    stop_price=1.25)) == [MoveStop(1.25)]


def test_a_resize_replaces_the_same_way() -> None:
    record = bracket()
    assert plan(record, snapshot(*(on_venue(x) for x in record.legs), position=60.0)) == [
        Place(TP, quantity=60.0), Place(STOP, quantity=60.0)]
    record.stop.apply(Sent("ftb-7-s0me-sl2", quantity=60.0))
    record.stop.apply(Accepted("8000000041"))
    venue = snapshot(on_venue(record.take_profit), on_venue(record.stop), position=100.0)
    assert CancelReplaced(STOP) in plan(record, venue)


def test_a_closed_trade_ends_the_replaced_attempt_too() -> None:
    record = moved(bracket())
    record.stop.apply(Accepted("8000000041"))
    closed = view(is_open=False, exit_reason="force_exit")
    assert plan_bracket(record, closed, snapshot(), MAX_ATTEMPTS) == [
        CancelReplaced(STOP), Cancel(STOP), Cancel(TP)]


def test_the_replaced_attempt_is_no_orphan_and_keeps_entries_off_its_pair() -> None:
    record = moved(bracket())
    record.stop.apply(Accepted("8000000041"))
    old = on_venue(leg(STOP))
    venue = snapshot(old, on_venue(record.stop), on_venue(record.take_profit))
    assert plan_orphans([record], venue, "ftb") == []
    # A closed trade's stop ended, but the attempt it replaced may still rest: not clear.
    record.stop.apply(Triggered("9000000001"))
    record.stop.apply(Cancelled("its real order expired"))
    assert record.stop.status is S.CANCELLED
    decision = entry_clearance(PAIR, [], [record], snapshot(position=None), "ftb")
    assert not decision.allowed


def test_a_refused_move_says_the_old_stop_still_rests_and_past_the_price_closes() -> None:
    stop = leg(STOP)
    then = placement_failed(stop, False, MAX_ATTEMPTS, replaced_rests=True)
    assert (then.close_now, then.past_stop, then.exit_reason) == (False, False, None)
    assert "still rests" in then.consequence
    past = placement_failed(stop, True, MAX_ATTEMPTS, replaced_rests=True)
    assert (past.close_now, past.past_stop) == (True, False)
    take_profit = placement_failed(leg(TP), True, MAX_ATTEMPTS, replaced_rests=True)
    assert (take_profit.close_now, take_profit.exit_reason) == (False, None)


def test_the_record_keeps_the_stop_where_it_rested_over_time_for_the_chart() -> None:
    record = new_bracket(7, PAIR, False, "7-s0me", 1.17, [(1.26, 100.0)], 0)
    assert not record.note_stop(1_000)  # not resting yet
    record.stop.apply(Sent(record.next_client_id("ftb", record.stop)))
    record.stop.apply(Accepted("8000000004"))
    assert record.note_stop(2_000) and not record.note_stop(3_000)  # once per price
    for ms in range(300):
        record.stop.trigger_price = 1.17 + (ms + 1) / 10_000  # a trailing stop, every look
        record.note_stop(4_000 + ms)
    history = Bracket.from_dict(record.to_dict()).stop_history
    assert history[0] == [2_000, 1.17] and len(history) == 201  # the first, the newest 200
    assert history[-1] == [4_299, 1.17 + 300 / 10_000]
