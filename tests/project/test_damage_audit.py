"""The soak's damage audit (harness/damage.py) judged on hand-made venue records."""

from __future__ import annotations

from typing import Any

from harness.damage import Trade, audit

SYMBOL = "XRPUSDT"
TRADE = Trade(1, SYMBOL, is_short=False, root="r1", stop_price=1.17, entry_order_ids={"11"})
STOP_ID = "ftb-r1-sl1"


def row(time: int, event: str, **fields: Any) -> dict[str, Any]:
    return {"time": time, "event": event, "symbol": SYMBOL, **fields}


def entry(time: int = 1000) -> list[dict[str, Any]]:
    return [row(time, "price", last="1.2000"),
            row(time, "order_filled", order_id=11, client_id="ftb-r1-en1", qty="100",
                price="1.2000", position_after="100")]


def crossing(time: int) -> dict[str, Any]:
    return row(time, "price", last="1.1600")


def test_a_crossing_with_the_stop_resting_is_no_damage() -> None:
    rows = [*entry(), row(1010, "algo_created", algo_id=5, client_id=STOP_ID), crossing(2000)]
    assert audit(rows, [TRADE], "ftb").harmless


def test_a_refused_resend_of_a_resting_stop_does_not_unrest_it() -> None:
    """A lost answer's resend is refused as a duplicate (-4116): the first one still rests."""
    rows = [*entry(), row(1010, "algo_created", algo_id=5, client_id=STOP_ID),
            row(1500, "algo_rejected", client_id=STOP_ID, code=-4116), crossing(2000)]
    assert audit(rows, [TRADE], "ftb").harmless


def test_a_crossing_with_no_stop_resting_is_damage() -> None:
    damage = audit([*entry(), crossing(2000)], [TRADE], "ftb")
    assert len(damage.unprotected_crossings) == 1 and not damage.venue_held_crossings


def test_a_crossing_while_the_venue_held_the_stop_request_is_told_apart() -> None:
    held = row(1005, "request_held", client_id=STOP_ID, kind="delay", seconds=4.0)
    damage = audit([*entry(), held, crossing(2000)], [TRADE], "ftb")
    assert damage.harmless and len(damage.venue_held_crossings) == 1
    # Past the hold the bot could have sent it again: damage.
    late = audit([*entry(), held, crossing(6000)], [TRADE], "ftb")
    assert len(late.unprotected_crossings) == 1


def test_a_stop_that_fired_and_left_a_rest_unprotected_is_damage() -> None:
    rows = [*entry(), row(1010, "algo_created", algo_id=5, client_id=STOP_ID), crossing(2000),
            row(2000, "algo_triggered", algo_id=5, client_id=STOP_ID),
            row(2000, "order_filled", order_id=12, client_id=STOP_ID, qty="40", price="1.16",
                position_after="60"),
            row(2500, "price", last="1.1800"), crossing(3000)]
    assert len(audit(rows, [TRADE], "ftb").unprotected_crossings) == 1


def test_an_orphan_leg_is_timed_from_the_moment_the_position_went_flat() -> None:
    rows = [*entry(), row(1010, "algo_created", algo_id=5, client_id=STOP_ID),
            row(9000, "order_filled", order_id=13, client_id="x-by-hand", qty="100",
                price="1.19", position_after="0"),
            row(9250, "algo_canceled", algo_id=5, client_id=STOP_ID)]
    assert audit(rows, [TRADE], "ftb").longest_orphan_ms == 250


def test_a_crossing_while_the_bot_was_dead_is_told_apart() -> None:
    damage = audit([*entry(), crossing(2000)], [TRADE], "ftb", [(1500, 2500)])
    assert damage.harmless and len(damage.bot_down_crossings) == 1
    assert len(audit([*entry(), crossing(3000)], [TRADE], "ftb",
                     [(1500, 2500)]).unprotected_crossings) == 1


def test_a_crossing_before_the_first_stop_reached_the_venue_is_told_apart() -> None:
    """The stop went out from the entry's answer; the price crossed before it arrived."""
    rows = [*entry(), crossing(1005),
            row(1012, "algo_rejected", client_id=STOP_ID, code=-2021)]
    damage = audit(rows, [TRADE], "ftb")
    assert damage.harmless and len(damage.in_flight_crossings) == 1
    # Once the venue has answered the first attempt (here a fault's refusal), what follows is
    # the plugin's, however fast its next attempt, unless the venue's record of calls shows it
    # answered from the refusal (the next test).
    refused = audit([*entry(), row(1003, "request_faulted", client_id=STOP_ID, kind="error"),
                     crossing(1005), row(1012, "algo_rejected", client_id="ftb-r1-sl2",
                                         code=-2021)], [TRADE], "ftb")
    assert len(refused.unprotected_crossings) == 1
    # A later attempt (freqtrade's, a loop later) is no excuse.
    later = audit([*entry(), crossing(1005), row(4000, "algo_created", algo_id=6,
                                                    client_id="ftb-r1-sl2")], [TRADE], "ftb")
    assert len(later.unprotected_crossings) == 1


def call(time: int, endpoint: str, client_id: str | None = None) -> dict[str, Any]:
    """A signed call as the venue's record of calls has it (on arrival)."""
    return row(time, "request", endpoint=endpoint, client_id=client_id)


def test_a_crossing_between_a_refused_stop_and_the_resend_sent_from_its_answer_is_told_apart(
) -> None:
    """A fault refused the stop (-2022); 4 ms later the price crossed, before the resend sent
    from that answer arrived: no client could have had a stop resting then. The venue's record
    of calls shows the resend was the account's next call (after a lookup of the same stop)."""
    place, lookup = "POST /fapi/v1/algoOrder", "GET /fapi/v1/algoOrder"
    refused = [call(1002, place, STOP_ID),
               row(1003, "request_faulted", client_id=STOP_ID, kind="error", code=-2022)]
    resend = [call(1020, place, "ftb-r1-sl2"),
              row(1020, "algo_created", algo_id=6, client_id="ftb-r1-sl2")]
    damage = audit([*entry(), *refused, crossing(1007), *resend], [TRADE], "ftb")
    assert damage.harmless and len(damage.resend_in_flight_crossings) == 1
    looked_up = audit([*entry(), *refused, crossing(1007), call(1010, lookup, STOP_ID),
                       *resend], [TRADE], "ftb")
    assert looked_up.harmless and len(looked_up.resend_in_flight_crossings) == 1
    # Another call before the resend (the next loop's look): not answered from the refusal.
    dawdled = audit([*entry(), *refused, crossing(1007), call(1010, "GET /fapi/v2/positionRisk"),
                     *resend], [TRADE], "ftb")
    assert len(dawdled.unprotected_crossings) == 1 and not dawdled.resend_in_flight_crossings
    # After the resend arrived the window is over (refused again here: the plugin's to answer).
    again = [call(1020, place, "ftb-r1-sl2"),
             row(1020, "algo_rejected", client_id="ftb-r1-sl2", code=-2022)]
    after = audit([*entry(), *refused, *again, crossing(1030)], [TRADE], "ftb")
    assert len(after.unprotected_crossings) == 1
    # Without the record of calls nothing shows the resend was at once: judged.
    bare = [r for r in [*entry(), *refused, crossing(1007), *resend] if r["event"] != "request"]
    assert len(audit(bare, [TRADE], "ftb").unprotected_crossings) == 1


def test_a_crossing_after_the_venue_said_the_stop_would_trigger_is_told_apart() -> None:
    """-2021 is the venue's word that the price is past the stop (a fault's here, which says it
    untrue): the plugin closes at market on it, and a crossing before that close arrives is the
    venue's answer, not a stop the plugin failed to send."""
    said = row(1003, "request_faulted", client_id=STOP_ID, kind="error", code=-2021)
    close = row(1200, "order_created", order_id=12, client_id="ftb-r1-x1", type="MARKET",
                orig_type="MARKET")
    damage = audit([*entry(), said, crossing(1100), close], [TRADE], "ftb")
    assert damage.harmless and len(damage.venue_said_crossings) == 1
    # A word the plugin never acted on excuses nothing.
    ignored = audit([*entry(), said, crossing(1100)], [TRADE], "ftb")
    assert len(ignored.unprotected_crossings) == 1
    # Once its next attempt reached the venue (here refused otherwise), the window is over.
    resent = row(1200, "algo_rejected", client_id="ftb-r1-sl2", code=-2022)
    after = audit([*entry(), said, resent, crossing(1300)], [TRADE], "ftb")
    assert len(after.unprotected_crossings) == 1
    # Any other refusal is no such word: the resend is the plugin's.
    other = row(1003, "request_faulted", client_id=STOP_ID, kind="error", code=-2022)
    assert len(audit([*entry(), other, crossing(1100), close], [TRADE],
                     "ftb").unprotected_crossings) == 1


def test_an_entry_filled_while_the_last_price_was_at_its_stop_is_born_beyond_it() -> None:
    """The book filled the entry a tick above a last price already at the stop: the venue
    refuses that stop (-2021), so the next tick down is no missing stop."""
    rows = [row(900, "price", last="1.1700"),
            row(1000, "order_filled", order_id=11, client_id="ftb-r1-en1", qty="100",
                price="1.1710", position_after="100"),
            row(1010, "algo_rejected", client_id=STOP_ID, code=-2021), crossing(1100)]
    damage = audit(rows, [TRADE], "ftb")
    assert damage.harmless and len(damage.born_beyond_stop) == 1
    # The same entry with the last price above the stop: the crossing is the plugin's.
    above = audit([row(900, "price", last="1.1720"), *rows[1:]], [TRADE], "ftb")
    assert len(above.unprotected_crossings) == 1 and not above.born_beyond_stop


def test_a_leg_or_a_close_of_another_trade_filling_this_position_is_damage() -> None:
    """A reduce-only order acts on whatever the symbol holds: an earlier trade's leg, or its
    market close whose request landed late, closing this trade's position."""
    for client_id in ("ftb-r0-sl1", "ftb-r0-x2"):
        rows = [*entry(), row(2000, "order_filled", order_id=12, client_id=client_id,
                              qty="100", price="1.19", position_after="0")]
        assert len(audit(rows, [TRADE], "ftb").foreign_leg_fills) == 1, client_id
    own = [*entry(), row(2000, "order_filled", order_id=12, client_id="ftb-r1-x1", qty="100",
                         price="1.19", position_after="0")]
    assert audit(own, [TRADE], "ftb").harmless


# Steered brackets: stop moves, resizes and take-profit levels. --------------------------------


def stop(time: int, attempt: int, trigger: str, algo_id: int, qty: str = "100"
         ) -> dict[str, Any]:
    """A stop of trade 1 resting, as the venue's journal has it (with its trigger)."""
    return row(time, "algo_created", algo_id=algo_id, client_id=f"ftb-r1-sl{attempt}",
               type="STOP_MARKET", trigger_price=trigger, qty=qty)


def gone(time: int, client_id: str, algo_id: int, how: str = "algo_canceled") -> dict[str, Any]:
    return row(time, how, algo_id=algo_id, client_id=client_id)


def level_fill(time: int, client_id: str, algo_id: int, order_id: int, qty: str,
               position_after: str, price: str) -> list[dict[str, Any]]:
    """A take-profit (a level, or a stop) firing and its real order filling."""
    return [row(time, "price", last=price), gone(time, client_id, algo_id, "algo_triggered"),
            row(time, "order_created", order_id=order_id, client_id=client_id, type="MARKET",
                orig_type="STOP_MARKET" if "-sl" in client_id else "TAKE_PROFIT_MARKET"),
            row(time, "order_filled", order_id=order_id, client_id=client_id, qty=qty,
                price=price, position_after=position_after)]


MOVED = Trade(1, SYMBOL, is_short=False, root="r1", stop_price=1.1931, entry_order_ids={"11"})


def test_a_moved_stop_resting_beside_the_one_it_replaces_is_no_damage() -> None:
    """A trailing move: the new stop (sl2) rests before the old one (sl1) is cancelled; for a
    moment both rest. Same root, new client id: no duplicate, no foreign leg; the crossing of
    the moved stop while it rests is protected."""
    rows = [*entry(), stop(1010, 1, "1.1700", 5),
            row(1011, "algo_created", algo_id=6, client_id="ftb-r1-tp1", trigger_price="1.2600"),
            row(1500, "price", last="1.2300"), stop(1600, 2, "1.1931", 7),
            row(1650, "price", last="1.1940"), gone(1700, "ftb-r1-sl1", 5),
            *level_fill(2000, "ftb-r1-sl2", 7, 12, "100", "0", "1.1925"),
            gone(2010, "ftb-r1-tp1", 6)]
    damage = audit(rows, [MOVED], "ftb")
    assert damage.harmless, damage.describe()
    assert damage.lives == 1 and not damage.born_beyond_stop
    assert not (damage.in_flight_crossings or damage.venue_held_crossings)


def test_a_gap_between_the_old_stop_cancelled_and_the_new_one_resting_is_judged() -> None:
    """The plugin must place the moved stop before it cancels the old one. Here the old one
    (1.17) went first; the price crossed the new level (1.1931, not the old one) before the new
    stop rested: freqtrade's stop was already there, nothing protected it."""
    gap = [*entry(), stop(1010, 1, "1.1700", 5), row(1500, "price", last="1.2300"),
           gone(1600, "ftb-r1-sl1", 5), row(1650, "price", last="1.1925"),
           row(1700, "price", last="1.1950"), stop(1750, 2, "1.1931", 7)]
    damage = audit(gap, [MOVED], "ftb")
    assert len(damage.unprotected_crossings) == 1, damage.describe()
    assert "1.1931" in damage.unprotected_crossings[0]
    # In the right order (the new one rests first) the same prices are no damage.
    right = [*gap[:4], stop(1590, 2, "1.1931", 7), gone(1600, "ftb-r1-sl1", 5),
             row(1650, "price", last="1.1925")]
    assert audit(right, [MOVED], "ftb").harmless
    # The venue holding the new stop's request excuses no gap: the old one was still resting.
    held = row(1550, "request_held", client_id="ftb-r1-sl2", kind="delay", seconds=4.0)
    excused = audit([*gap[:3], held, *gap[3:]], [MOVED], "ftb")
    assert len(excused.unprotected_crossings) == 1 and not excused.venue_held_crossings
    # Nor does the venue's -2021 to the new stop (moved past the price): the old one protects
    # until the plugin's close, so cancelling it first leaves the crossing of it unprotected.
    said = row(1550, "algo_rejected", client_id="ftb-r1-sl2", code=-2021,
               trigger_price="1.2400")
    close = row(1700, "order_created", order_id=13, client_id="ftb-r1-x1", type="MARKET",
                orig_type="MARKET")
    early = audit([*gap[:3], said, gone(1600, "ftb-r1-sl1", 5),
                   row(1650, "price", last="1.1690"), close], [MOVED], "ftb")
    assert len(early.unprotected_crossings) == 1 and not early.venue_said_crossings


def test_the_price_past_the_final_stop_while_the_first_rested_hides_no_later_gap() -> None:
    """The record holds the stop where it moved to last (1.1931); while the first stop (1.17)
    rested the price went below 1.1931 without crossing 1.17. Then the first stop vanished with
    nothing in its place and the price crossed 1.17: a crossing, judged by the stop that rested,
    not masked by the price being past the final level all along."""
    rows = [*entry(), stop(1010, 1, "1.1700", 5), row(1200, "price", last="1.1850"),
            gone(1300, "ftb-r1-sl1", 5), row(1400, "price", last="1.1650"),
            row(1500, "order_filled", order_id=13, client_id="ftb-r1-x1", qty="100",
                price="1.165", position_after="0")]
    damage = audit(rows, [MOVED], "ftb")
    assert len(damage.unprotected_crossings) == 1, damage.describe()
    assert "stop 1.17 " in damage.unprotected_crossings[0]


def test_an_entry_is_judged_born_beyond_its_first_stop_not_its_break_even() -> None:
    """The stop moved to break-even (the entry price, 1.20) later: the entry was not born
    beyond it, and a gap in its first stop is judged."""
    even = Trade(1, SYMBOL, is_short=False, root="r1", stop_price=1.2, entry_order_ids={"11"})
    rows = [*entry(), stop(1010, 1, "1.1700", 5), row(1200, "price", last="1.1990"),
            gone(1300, "ftb-r1-sl1", 5), row(1400, "price", last="1.1650")]
    damage = audit(rows, [even], "ftb")
    assert not damage.born_beyond_stop
    assert len(damage.unprotected_crossings) == 1, damage.describe()


def test_a_scale_out_is_partial_exits_and_a_resized_stop_no_damage() -> None:
    """Two levels of 50: the first one's fill is a partial exit of the trade's own position (no
    foreign fill, the life goes on), the stop is resized to 50 (sl2 rests, then sl1 goes), and
    the second level's fill closes the position."""
    scaled = Trade(1, SYMBOL, is_short=False, root="r1", stop_price=1.17,
                   entry_order_ids={"11"})
    levels = [row(1011, "algo_created", algo_id=6, client_id="ftb-r1-tp1_1",
                  type="TAKE_PROFIT_MARKET", trigger_price="1.2300", qty="50"),
              row(1012, "algo_created", algo_id=7, client_id="ftb-r1-tp2_1",
                  type="TAKE_PROFIT_MARKET", trigger_price="1.2700", qty="50")]
    head = [*entry(), stop(1010, 1, "1.1700", 5), *levels,
            *level_fill(2000, "ftb-r1-tp1_1", 6, 12, "50", "50", "1.2310")]
    tail = [*level_fill(3000, "ftb-r1-tp2_1", 7, 14, "50", "0", "1.2710"),
            gone(3010, "ftb-r1-sl2", 8)]
    resized = [stop(2100, 2, "1.1700", 8, qty="50"), gone(2110, "ftb-r1-sl1", 5),
               row(2500, "price", last="1.1800")]
    damage = audit([*head, *resized, *tail], [scaled], "ftb")
    assert damage.harmless, damage.describe()
    assert damage.lives == 1
    # The resize in the wrong order: the old stop cancelled first, the price through it before
    # the resized one rested.
    wrong = [gone(2050, "ftb-r1-sl1", 5), row(2080, "price", last="1.1690"),
             row(2090, "price", last="1.1800"), stop(2100, 2, "1.1700", 8, qty="50")]
    assert len(audit([*head, *wrong, *tail], [scaled], "ftb").unprotected_crossings) == 1
    # A level of another trade filling this position is foreign, level or not.
    foreign = [*head[:4], *level_fill(2000, "ftb-r0-tp2_1", 9, 12, "50", "50", "1.2310")]
    assert len(audit(foreign, [scaled], "ftb").foreign_leg_fills) == 1


def test_a_stop_placed_for_less_than_the_position_is_told_apart() -> None:
    """Levels of 1213.7 and 4781.4 add up, in floats, to 5995.099999999999: a stop sent for that
    is cut to the step (5995.0) and leaves 0.1 without a stop when it fires. Printed apart."""
    rows = [row(900, "price", last="1.2000"),
            row(1000, "order_filled", order_id=11, client_id="ftb-r1-en1", qty="5995.1",
                price="1.2000", position_after="5995.1"),
            stop(1010, 1, "1.1700", 5, qty="5995")]
    damage = audit(rows, [TRADE], "ftb")
    assert damage.harmless and len(damage.short_stops) == 1, damage.short_stops
    whole = audit([*rows[:2], stop(1010, 1, "1.1700", 5, qty="5995.1")], [TRADE], "ftb")
    assert not whole.short_stops
