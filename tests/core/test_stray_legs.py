"""Legs no record follows (core.doubt): what keeps their pair read and refused, and what ends it."""

from __future__ import annotations

from ft_bracket.core.stray_legs import StrayLegs
from ft_bracket.core.venue import VenueLeg, VenueSnapshot, VenueStatus

XRP, DOGE = "XRP/USDT:USDT", "DOGE/USDT:USDT"


def snapshot(*client_ids: str, pairs: frozenset[str] | None = frozenset({XRP})) -> VenueSnapshot:
    legs = {cid: VenueLeg(XRP, f"o-{cid}", cid, VenueStatus.RESTING, 1.3, 10.0)
            for cid in client_ids}
    return VenueSnapshot(legs=legs, pairs=pairs)


def test_an_orphan_keeps_its_pair_read_and_refused_until_a_look_of_it_no_longer_lists_it() -> None:
    doubts = StrayLegs()
    doubts.orphan_seen(XRP, "ftb-9-x-tp1")
    assert doubts.pairs() == {XRP}
    doubts.after_look(snapshot(pairs=frozenset({DOGE})), now=0)  # a look of another pair only
    assert "ftb-9-x-tp1" in (doubts.block(XRP, now=0) or "")
    doubts.after_look(snapshot("ftb-9-x-tp1"), now=0)  # still there
    assert doubts.block(XRP, now=0) is not None and doubts.block(DOGE, now=0) is None
    doubts.after_look(snapshot(), now=0)
    assert doubts.pairs() == set() and doubts.block(XRP, now=0) is None


def test_a_confirmed_cancel_ends_the_doubt_at_once() -> None:
    doubts = StrayLegs()
    doubts.orphan_seen(XRP, "ftb-9-x-tp1")
    doubts.gone("ftb-9-x-tp1")
    assert doubts.block(XRP, now=0) is None and doubts.pairs() == set()


def test_a_send_that_may_still_land_is_waited_out_then_forgotten() -> None:
    doubts = StrayLegs()
    doubts.may_land(XRP, "ftb-3-y-tp1", until=100)
    assert doubts.pairs() == {XRP}
    assert "may still land" in (doubts.block(XRP, now=99) or "")
    doubts.after_look(snapshot(), now=99)
    assert doubts.pairs() == {XRP}
    doubts.after_look(snapshot(), now=100)
    assert doubts.pairs() == set() and doubts.block(XRP, now=100) is None


def test_a_send_that_landed_becomes_an_orphan_followed_until_gone() -> None:
    doubts = StrayLegs()
    doubts.may_land(XRP, "ftb-3-y-tp1", until=100)
    doubts.after_look(snapshot("ftb-3-y-tp1"), now=500)  # landed, long after its deadline
    assert "seen resting" in (doubts.block(XRP, now=500) or "")
    doubts.after_look(snapshot(), now=501)
    assert doubts.block(XRP, now=501) is None
