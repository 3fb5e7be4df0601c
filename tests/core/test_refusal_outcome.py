"""What a refusal leads to (core.refusal_outcome): a refused leg, and a close past the stop that
did not close the position. Pure, milliseconds."""

from __future__ import annotations

import pytest

from ft_bracket.core.actions import Adopt, ClosePastStop, Place
from ft_bracket.core.legs import Closing, LegKind, LegStatus
from ft_bracket.core.plan import plan_bracket
from ft_bracket.core.refusal_outcome import placement_failed, stop_after_close
from tests.support.brackets import QUANTITY, bracket, leg, on_venue, snapshot, view

S, STOP, TP = LegStatus, LegKind.STOP, LegKind.TAKE_PROFIT
MAX_ATTEMPTS = 3


@pytest.mark.parametrize(("kind", "would_trigger", "attempt", "exit_reason", "past_stop"), [
    (STOP, True, 1, None, True),  # the price is past it: the plugin closes at market
    (STOP, False, 1, None, False),
    (TP, True, 1, "take_profit", False),
    (TP, False, 1, None, False),
    (TP, False, MAX_ATTEMPTS, "take_profit_unplaceable", False),
])
def test_placement_refused(kind: LegKind, would_trigger: bool, attempt: int,
                           exit_reason: str | None, past_stop: bool) -> None:
    record = bracket().leg(kind)
    record.attempt = attempt
    then = placement_failed(record, would_trigger, MAX_ATTEMPTS)
    assert then.exit_reason == exit_reason and then.consequence
    assert then.past_stop is past_stop and then.close_now is past_stop


def test_a_stop_freqtrade_asked_for_is_never_closed_by_the_plugin() -> None:
    then = placement_failed(bracket().stop, True, MAX_ATTEMPTS, by_freqtrade=True)
    assert not then.past_stop and not then.close_now and "emergency exit" in then.consequence


@pytest.mark.parametrize("would_trigger", [True, False])
def test_a_stop_sent_again_after_a_failed_close_waits_for_the_next_loops_close(
    would_trigger: bool,
) -> None:
    """Refused again, -2021 or anything else: still past the stop as far as anyone knows, so the
    next loop closes; not at once, which would meet the refusal the close just met."""
    then = placement_failed(bracket().stop, would_trigger, MAX_ATTEMPTS, after_close=True)
    assert then.past_stop and not then.close_now and then.exit_reason is None
    assert "next loop" in then.consequence


def test_what_a_close_past_the_stop_leaves_gets_the_stop_again_at_once() -> None:
    record = bracket(stop=S.FAILED)
    assert stop_after_close(record, 0.0) is None  # closed: nothing to protect
    assert stop_after_close(record, QUANTITY) == Place(STOP)  # refused or lost: all of it
    assert stop_after_close(record, 40.0) == Place(STOP, 40.0)  # a thin book filled part


def past_stop(stop_status: LegStatus = S.FAILED, attempt: int = 1):
    record = bracket(stop=stop_status, take_profit=S.PLANNED)
    record.stop = leg(STOP, stop_status, attempt)
    if stop_status is S.FAILED:
        record.stop.close_instead(Closing.PRICE_PAST_STOP)
    return record


def test_the_stop_sent_again_rests_then_the_trade_goes_on_with_its_take_profit() -> None:
    """The -2021 was wrong, or the price came back: the stop the venue took ends the closing."""
    record = past_stop(S.RESTING, attempt=2)
    assert not record.closing_at_market
    fresh = view(freqtrade_stop_ids=frozenset(), order_ids=frozenset())
    assert plan_bracket(record, fresh, snapshot(on_venue(record.stop)), MAX_ATTEMPTS) == [
        Adopt(), Place(TP)]


def test_the_stop_sent_again_refused_leaves_the_close_to_the_next_loop() -> None:
    record = past_stop(S.FAILED, attempt=2)
    assert record.closing_at_market
    assert plan_bracket(record, view(), snapshot(position=QUANTITY), MAX_ATTEMPTS) == [
        ClosePastStop(QUANTITY)]
