"""Bracket policy, row by row: (record, venue, trade) -> actions. Pure, milliseconds.

Each row is one moment of a bracket's life as the watch, the start-up reconciliation (a watch
that sees the whole account) or the close meets it.
"""

from __future__ import annotations

import pytest

from ft_bracket.core.actions import (
    Adopt,
    AlignStopPrice,
    Cancel,
    CancelOrphan,
    ClosePastStop,
    CloseRest,
    ImportExits,
    Observe,
    Place,
    Query,
    ReadFill,
    RequestExit,
    ShowExitFill,
)
from ft_bracket.core.legs import Accepted, Cancelled, Closing, LegKind, LegStatus
from ft_bracket.core.plan import plan_bracket, plan_orphans
from ft_bracket.core.venue import VenueLeg, VenueStatus
from tests.support.brackets import (
    PAIR,
    QUANTITY,
    bracket,
    on_venue,
    resting_snapshot,
    snapshot,
    view,
)

S, STOP, TP = LegStatus, LegKind.STOP, LegKind.TAKE_PROFIT
MAX_ATTEMPTS = 3


def plan(record, venue, trade=None) -> list:
    return plan_bracket(record, trade or view(), venue, MAX_ATTEMPTS)


# Open trade, the watch ---------------------------------------------------------------------


def test_both_legs_resting_adopted_and_aligned_needs_nothing() -> None:
    record = bracket()
    assert plan(record, resting_snapshot(record)) == []


@pytest.mark.parametrize("kind", [STOP, TP])
def test_a_leg_gone_from_the_open_orders_is_asked_for(kind: LegKind) -> None:
    record = bracket()
    venue = snapshot(on_venue(record.sibling(kind)))
    assert plan(record, venue) == [Query(kind)]


def test_a_leg_on_a_pair_the_snapshot_did_not_cover_is_not_asked_for() -> None:
    record = bracket()
    assert plan(record, snapshot(pairs=frozenset({"BTC/USDT:USDT"}))) == []


def test_lost_placement_answer_found_resting_is_accepted_without_a_call() -> None:
    record = bracket(take_profit=S.PLACING)
    venue = snapshot(on_venue(record.stop), on_venue(record.take_profit, order_id="8123"))
    assert plan(record, venue) == [Observe(TP, Accepted("8123"))]


def test_lost_placement_answer_not_in_the_snapshot_is_asked_for() -> None:
    record = bracket(take_profit=S.PLACING)
    assert plan(record, snapshot(on_venue(record.stop))) == [Query(TP)]


def test_a_fired_leg_has_its_fill_read() -> None:
    record = bracket(take_profit=S.TRIGGERED)
    assert plan(record, snapshot(on_venue(record.stop))) == [ReadFill(TP)]


def test_take_profit_filled_is_shown_to_freqtrade_and_the_stop_cancelled_at_once() -> None:
    record = bracket(take_profit=S.FILLED)
    assert plan(record, snapshot(on_venue(record.stop), position=0.0)) == [
        ShowExitFill(), Cancel(STOP)]


def test_take_profit_filled_with_the_stop_gone_only_shows_the_fill() -> None:
    record = bracket(stop=S.CANCELLED, take_profit=S.FILLED)
    assert plan(record, snapshot(position=0.0)) == [ShowExitFill()]


def test_stop_filled_cancels_the_take_profit_before_freqtrade_closes_the_trade() -> None:
    record = bracket(stop=S.FILLED)
    assert plan(record, snapshot(on_venue(record.take_profit), position=0.0)) == [Cancel(TP)]
    assert plan(bracket(stop=S.FILLED, take_profit=S.CANCELLED), snapshot(position=0.0)) == []


def filled_in_part(kind: LegKind, filled: float, rest_closed: float = 0.0):
    record = bracket(**{"stop" if kind is STOP else "take_profit": S.FILLED})
    record.leg(kind).filled_quantity, record.rest_closed = filled, rest_closed
    return record


def test_a_stop_that_filled_in_part_has_the_rest_closed_at_market() -> None:
    """A thin book: the stop's order filled 40 of 100 and the rest expired; the 60 left are
    past the stop."""
    record = filled_in_part(STOP, 40.0)
    venue = snapshot(on_venue(record.take_profit), position=60.0)
    assert plan(record, venue) == [Cancel(TP), CloseRest(STOP, 60.0)]
    # A position read before the stop fired counts only up to what the stop left.
    assert plan(record, snapshot(on_venue(record.take_profit))) == [
        Cancel(TP), CloseRest(STOP, 60.0)]
    # Once closed (or the close filled 50), only what is still left.
    resting_tp = on_venue(record.take_profit)
    assert plan(filled_in_part(STOP, 40.0, 60.0), snapshot(resting_tp, position=60.0)) == [
        Cancel(TP)]
    assert plan(filled_in_part(STOP, 40.0, 50.0), snapshot(resting_tp, position=10.0)) == [
        Cancel(TP), CloseRest(STOP, 10.0)]
    # Flat and nothing closed by the plugin: the rest went by orders freqtrade must import.
    assert plan(record, snapshot(resting_tp, position=0.0)) == [
        Cancel(TP), ImportExits("stoploss_on_exchange")]


def test_a_rest_gone_by_orders_freqtrade_has_not_seen_is_imported() -> None:
    """A restart lost the close's answer, or a liquidation took the rest: the venue is flat."""
    record = filled_in_part(STOP, 40.0)
    record.take_profit.status = S.CANCELLED
    assert plan(record, snapshot(position=0.0)) == [ImportExits("stoploss_on_exchange")]
    assert plan(record, snapshot(position=0.0), view(exit_order_open=True)) == []
    assert plan(filled_in_part(STOP, 40.0, 60.0), snapshot(
        on_venue(record.take_profit), position=0.0)) == [Cancel(TP)]
    # Filled whole: freqtrade closes the trade from its own stop poll, nothing to import.
    whole = filled_in_part(STOP, 100.0)
    assert plan(whole, snapshot(on_venue(whole.take_profit), position=0.0)) == [Cancel(TP)]


def test_a_position_past_its_stop_is_closed_at_market_until_flat_then_imported() -> None:
    """The plugin's stop was refused with -2021: no legs, a market close, then the import."""
    record = bracket(stop=S.FAILED, take_profit=S.PLANNED)
    record.stop.close_instead(Closing.PRICE_PAST_STOP)
    assert record.closing_at_market
    assert plan(record, snapshot(position=QUANTITY)) == [ClosePastStop(QUANTITY)]
    assert plan(record, snapshot(position=None)) == []  # never a take-profit meanwhile
    assert plan(record, snapshot(position=0.0)) == [ImportExits("stop_loss")]
    placed_before = bracket(stop=S.FAILED)
    placed_before.stop.close_instead(Closing.PRICE_PAST_STOP)
    assert plan(placed_before, snapshot(on_venue(placed_before.take_profit), position=0.0)) == [
        Cancel(TP)]


def test_a_take_profit_that_filled_in_part_keeps_the_stop_until_the_rest_is_closed() -> None:
    record = filled_in_part(TP, 40.0)
    venue = snapshot(on_venue(record.stop), position=60.0)
    assert plan(record, venue) == [ShowExitFill(), CloseRest(TP, 60.0)]
    closed = filled_in_part(TP, 40.0, 60.0)
    assert plan(closed, snapshot(on_venue(closed.stop), position=60.0)) == [
        ShowExitFill(), Cancel(STOP)]


def test_a_stop_that_fired_before_freqtrade_held_it_is_shown_to_freqtrade() -> None:
    """Placed from the entry's answer, it fired before freqtrade adopted it: freqtrade has no
    stop row to poll, so the plugin shows it the fill (the trade would stay open forever)."""
    record = bracket(stop=S.FILLED, take_profit=S.CANCELLED)
    record.stop.filled_quantity = QUANTITY
    never_held = view(freqtrade_stop_ids=frozenset(), order_ids=frozenset())
    assert plan(record, snapshot(position=0.0), never_held) == [ShowExitFill(STOP)]
    assert plan(record, snapshot(position=0.0)) == []  # freqtrade polls its own row


def test_a_cancel_that_failed_is_sent_again() -> None:
    record = bracket(stop=S.FILLED, take_profit=S.CANCELLING)
    assert plan(record, snapshot(on_venue(record.take_profit), position=0.0)) == [Cancel(TP)]
    record = bracket(take_profit=S.CANCELLING)
    assert plan(record, resting_snapshot(bracket())) == [Cancel(TP)]


@pytest.mark.parametrize("status", [S.CANCELLED, S.FAILED, S.PLANNED])
def test_take_profit_missing_is_placed_again(status: LegStatus) -> None:
    record = bracket(take_profit=status)
    assert plan(record, snapshot(on_venue(record.stop))) == [Place(TP)]


def test_take_profit_refused_every_attempt_asks_freqtrade_to_close() -> None:
    record = bracket(take_profit=S.FAILED, take_profit_attempt=MAX_ATTEMPTS)
    assert plan(record, snapshot(on_venue(record.stop))) == [
        RequestExit("take_profit_unplaceable")]


def test_no_new_take_profit_once_an_exit_is_requested() -> None:
    record = bracket(take_profit=S.FAILED)
    trade = view(exit_requested="take_profit")
    assert plan(record, snapshot(on_venue(record.stop)), trade) == []


def test_stop_cancelled_behind_our_back_is_left_to_freqtrade_to_replace() -> None:
    record = bracket(stop=S.CANCELLED)
    assert plan(record, snapshot(on_venue(record.take_profit))) == []


def test_position_closed_by_hand_cancels_both_legs_then_imports_the_exit() -> None:
    record = bracket()
    assert plan(record, resting_snapshot(record, position=0.0)) == [Cancel(STOP), Cancel(TP)]
    done = bracket(stop=S.CANCELLED, take_profit=S.CANCELLED)
    assert plan(done, snapshot(position=0.0)) == [ImportExits("sold_on_exchange")]


def test_a_position_freqtrade_is_closing_itself_is_not_imported() -> None:
    done = bracket(stop=S.CANCELLED, take_profit=S.CANCELLED)
    assert plan(done, snapshot(position=0.0), view(exit_order_open=True)) == []


def test_position_gone_while_a_leg_is_still_settling_waits() -> None:
    record = bracket(take_profit=S.TRIGGERED)
    assert plan(record, snapshot(on_venue(record.stop), position=0.0)) == [ReadFill(TP)]


def test_resting_stop_not_yet_freqtrades_is_adopted() -> None:
    record = bracket()
    assert plan(record, resting_snapshot(record), view(freqtrade_stop_ids=frozenset())) == [
        Adopt()]


def test_freqtrades_stop_price_is_put_back_on_the_bracket() -> None:
    record = bracket()
    assert plan(record, resting_snapshot(record), view(stop_price=0.0119)) == [
        AlignStopPrice(record.stop.trigger_price)]


def test_a_position_size_off_the_legs_resizes_both() -> None:
    record = bracket()
    assert plan(record, resting_snapshot(record, position=60.0)) == [
        Place(TP, quantity=60.0), Place(STOP, quantity=60.0)]
    assert plan(record, resting_snapshot(record, position=-QUANTITY)) == []  # sign is side


def test_without_positions_in_the_snapshot_nothing_is_concluded_about_them() -> None:
    record = bracket()
    assert plan(record, resting_snapshot(record, position=None)) == []


# Restart: the same rules, on a full snapshot ------------------------------------------------------


def test_restart_after_a_crash_before_any_leg_was_answered() -> None:
    record = bracket(stop=S.PLACING, take_profit=S.PLANNED)
    # The stop's send never arrived: the venue is asked, says nothing; then it is freqtrade's.
    assert plan(record, snapshot()) == [Query(STOP)]
    record.stop.apply(Cancelled("not on the venue"))
    # freqtrade places its own stop at its database price: that must be the bracket's first.
    assert plan(record, snapshot(), view(stop_price=0.6061, freqtrade_stop_ids=frozenset())) == [
        AlignStopPrice(1.17), Place(TP)]


def test_restart_after_the_stop_rested_but_before_freqtrade_adopted_it() -> None:
    record = bracket(stop=S.PLACING)
    venue = snapshot(on_venue(record.stop, order_id="8000000004"), on_venue(record.take_profit))
    trade = view(freqtrade_stop_ids=frozenset(), stop_price=0.0119)
    assert plan(record, venue, trade) == [Observe(STOP, Accepted("8000000004"))]
    record.stop.apply(Accepted("8000000004"))
    assert plan(record, venue, trade) == [Adopt(), AlignStopPrice(1.17)]


def test_restart_after_the_take_profit_filled_while_down() -> None:
    record = bracket()
    assert plan(record, snapshot(on_venue(record.stop), position=0.0)) == [Query(TP)]


# Closed trade -------------------------------------------------------------------------------


def test_closed_by_freqtrade_cancels_what_rests_the_venue_says_if_it_filled_first() -> None:
    record = bracket()
    trade = view(is_open=False, exit_reason="force_exit")
    assert plan(record, resting_snapshot(record), trade) == [Cancel(STOP), Cancel(TP)]


def test_closed_with_a_leg_still_placing_asks_and_a_fired_one_reads_its_fill() -> None:
    record = bracket(stop=S.PLACING, take_profit=S.TRIGGERED)
    trade = view(is_open=False, exit_reason="emergency_exit")
    assert plan(record, snapshot(), trade) == [Query(STOP), ReadFill(TP)]


def test_closed_after_the_take_profit_only_the_stop_is_left() -> None:
    record = bracket(take_profit=S.FILLED)
    trade = view(is_open=False, exit_reason="take_profit")
    assert plan(record, snapshot(on_venue(record.stop)), trade) == [Cancel(STOP)]


# Orphans ------------------------------------------------------------------------------------


def test_orphans_are_our_legs_no_current_attempt_owns() -> None:
    record = bracket(take_profit_attempt=2)
    current = [on_venue(leg) for leg in record.legs]
    abandoned = VenueLeg(PAIR, "81", "ftb-7-s0me-tp1", VenueStatus.RESTING, 1.26, 100.0)
    old_trade = VenueLeg(PAIR, "82", "ftb-3-zz-sl2", VenueStatus.RESTING, 1.1, 5.0)
    foreign = VenueLeg(PAIR, "83", "manual-by-user", VenueStatus.RESTING, 1.3, 5.0)
    other_bot = VenueLeg(PAIR, "84", "bot2-3-zz-sl1", VenueStatus.RESTING, 1.1, 5.0)
    venue = snapshot(*current, abandoned, old_trade, foreign, other_bot)
    assert plan_orphans([record], venue, "ftb") == [CancelOrphan(old_trade),
                                                   CancelOrphan(abandoned)]
