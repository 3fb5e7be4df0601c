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
