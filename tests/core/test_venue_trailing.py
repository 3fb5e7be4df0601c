"""A stop that trails on the venue (Binance's TRAILING_STOP_MARKET): it replaces the fixed stop
only when it would trail from no looser a price, follows the venue's trigger, is never moved or
resized down by the bot, and a refused switch leaves the fixed stop. Pure, milliseconds."""

from __future__ import annotations

from dataclasses import replace

from ft_bracket.core.actions import AlignStopPrice, MoveStop, Observe, Place, TrailStop
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import Accepted, LegKind, LegStatus, Rejected, ReplacedGone, Sent, Trailed
from ft_bracket.core.plan import plan_bracket
from ft_bracket.core.stop_policies import StopPolicy, StopPolicyError
from tests.support.brackets import PAIR, bracket, on_venue, snapshot, view

STOP = LegKind.STOP
MAX_ATTEMPTS = 3


def trade(record: Bracket, **changes: object):
    changes.setdefault("stop_price", record.stop.trigger_price)
    return view(freqtrade_stop_ids=frozenset({record.stop.order_id or ""}), **changes)


def venue(record: Bracket, mark: float | None = 1.25, position: float = 100.0):
    found = snapshot(*(on_venue(leg) for leg in record.legs if leg.status is LegStatus.RESTING),
                     position=position)
    if mark is not None:
        found.marks[PAIR] = mark
    return found


def trailing(record: Bracket, rate: float = 3.0) -> Bracket:
    record.stop.apply(Sent("ftb-7-s0me-sl2", trailing_rate=rate))
    record.stop.apply(Accepted("8000000041"))
    record.stop.apply(ReplacedGone())
    return record


def test_the_switch_waits_until_trailing_from_now_is_no_looser_than_the_stop() -> None:
    record = bracket()  # long, stop 1.17
    asks = trade(record, trail_rate=3.0)
    assert plan_bracket(record, asks, venue(record, mark=1.20), MAX_ATTEMPTS) == []  # 1.164
    assert plan_bracket(record, asks, venue(record, mark=1.21), MAX_ATTEMPTS) == [
        TrailStop(3.0)]  # 1.21 x 0.97 = 1.1737 > 1.17
    assert plan_bracket(record, asks, venue(record, mark=None), MAX_ATTEMPTS) == []


def test_a_trailing_stop_follows_the_venue_and_freqtrade_follows_it() -> None:
    record = trailing(bracket())
    moved = replace(on_venue(record.stop), trigger_price=1.2125)
    found = snapshot(moved, on_venue(record.take_profit))
    assert plan_bracket(record, trade(record), found, MAX_ATTEMPTS) == [
        Observe(STOP, Trailed(1.2125))]
    record.stop.apply(Trailed(1.2125))
    # freqtrade's own trail is tighter: the bot never moves the venue's trailing stop ...
    assert plan_bracket(record, trade(record, stop_price=1.22), found, MAX_ATTEMPTS) == []
    # ... and freqtrade's looser stop is put where the venue's is.
    assert plan_bracket(record, trade(record, stop_price=1.19), found, MAX_ATTEMPTS) == [
        AlignStopPrice(1.2125)]


def test_a_trailing_stop_is_never_resized_down() -> None:
    record = trailing(bracket())
    assert plan_bracket(record, trade(record), venue(record, position=60.0), MAX_ATTEMPTS) == [
        Place(LegKind.TAKE_PROFIT, quantity=60.0)]
    assert plan_bracket(record, trade(record), venue(record, position=120.0),
                        MAX_ATTEMPTS)[-1] == Place(STOP, quantity=120.0)


def test_a_refused_switch_leaves_the_fixed_stop_in_force() -> None:
    record = bracket()
    record.stop.apply(Sent("ftb-7-s0me-sl2", trailing_rate=3.0))
    record.stop.apply(Rejected("-2007 Invalid callBack rate."))
    assert (record.stop.status, record.stop.trailing_rate, record.stop.trigger_price) == (
        LegStatus.RESTING, None, 1.17)
    asks = trade(record, stop_price=1.18)
    assert plan_bracket(record, asks, venue(record), MAX_ATTEMPTS) == [MoveStop(1.18)]


def test_the_record_of_a_trailing_stop_round_trips() -> None:
    record = trailing(bracket())
    assert Bracket.from_dict(record.to_dict()) == record


def test_trailing_on_the_exchange_needs_a_distance_binance_takes() -> None:
    assert StopPolicy(trail_distance=0.03, trail_on_exchange=True).exchange_rate == 3.0
    for bad in ({"trail_on_exchange": True},
                {"trail_on_exchange": True, "trail_atr_multiple": 2.0},
                {"trail_on_exchange": True, "trail_distance": 0.0005},
                {"trail_on_exchange": True, "trail_distance": 0.25}):
        try:
            StopPolicy(**bad)
        except StopPolicyError as error:
            assert "trail_on_exchange" in str(error)
        else:
            raise AssertionError(f"accepted {bad}")
