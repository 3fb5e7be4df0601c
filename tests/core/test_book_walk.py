"""Sizing against a finite book and the fill checks built on it."""

from __future__ import annotations

import pytest

from ft_bracket.core.book_walk import beyond_stop, size_on_book, slippage, walk_book
from ft_bracket.core.risk import Denial, MarketRules, Signal, loss_at_stop, size_position

SIZING = {
    "equity": 10_000.0,
    "risk_per_trade": 0.01,
    "taker_fee": 0.0005,
    "leverage": 5.0,
    "market": MarketRules(step_size=0.1, min_notional=5.0, tick_size=0.0001),
    "max_stake": 100_000.0,
}
LONG = Signal(is_short=False, entry_price=2.0, stop_price=1.9, take_profit_price=2.3)


def test_walk_book_averages_the_levels_it_takes() -> None:
    levels = [(2.0, 100.0), (2.1, 100.0)]
    assert walk_book(levels, 50.0) == pytest.approx(2.0)
    assert walk_book(levels, 200.0) == pytest.approx(2.05)
    assert walk_book(levels, 200.1) is None


def test_a_deep_book_sizes_as_at_the_touch() -> None:
    touch = size_position(signal=LONG, **SIZING)
    deep = size_on_book(LONG, [(2.0, 1e9)], **SIZING)
    assert deep.quantity == touch.quantity


def test_a_thin_book_sizes_smaller_and_the_walk_stays_within_budget() -> None:
    touch = size_position(signal=LONG, **SIZING)
    levels = [(2.0, 300.0), (2.02, 300.0), (2.05, 10_000.0)]
    sized = size_on_book(LONG, levels, **SIZING)
    assert sized.approved
    assert sized.quantity < touch.quantity
    paid = walk_book(levels, sized.quantity)
    assert paid is not None
    lost = loss_at_stop(sized.quantity, paid, LONG.stop_price, 0.0005, is_short=False)
    assert lost <= sized.risk_budget * (1 + 1e-9)


def test_a_book_that_cannot_fill_the_entry_is_refused_by_name() -> None:
    sized = size_on_book(LONG, [(2.0, 1.0)], **SIZING)
    assert sized.denial is Denial.BOOK_TOO_THIN
    assert "needs" in sized.detail


def test_slippage_counts_only_the_worse_side() -> None:
    assert slippage(False, 1.9, 1.88) == pytest.approx(0.02)
    assert slippage(False, 1.9, 1.91) == 0.0
    assert slippage(True, 2.1, 2.13) == pytest.approx(0.03)


def test_beyond_stop_for_both_sides() -> None:
    assert beyond_stop(False, 1.9, 1.9) and beyond_stop(False, 1.9, 1.8)
    assert not beyond_stop(False, 1.9, 1.95)
    assert beyond_stop(True, 2.1, 2.2) and not beyond_stop(True, 2.1, 2.0)
