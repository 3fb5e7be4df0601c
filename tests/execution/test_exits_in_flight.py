"""freqtrade's own exits: excluded from the venue-exit import while freqtrade records them."""

from __future__ import annotations

from ft_bracket.execution.exits_in_flight import ExitsInFlight

PAIR = "XRP/USDT:USDT"


def test_an_exit_is_on_its_way_from_sending_until_its_answer_or_failure() -> None:
    exits = ExitsInFlight()
    exits.sending(PAIR)
    exits.sending(PAIR)  # two at once (the REST thread and the loop)
    exits.sent(PAIR, "1")
    assert exits.on_the_way(PAIR)
    exits.sent(PAIR, None)  # the second failed: nothing was placed
    assert not exits.on_the_way(PAIR)
    assert exits.order_ids() == {"1"}


def test_a_sent_exit_is_freqtrades_for_one_whole_look_then_imported_like_any_fill() -> None:
    exits = ExitsInFlight()
    exits.sending(PAIR)
    exits.sent(PAIR, "1")
    exits.next_look()  # the look it was sent during ends
    assert exits.order_ids() == {"1"}
    exits.next_look()  # a whole look later freqtrade has its row, or never will
    assert exits.order_ids() == frozenset()
