"""Scale-out levels: checked on the signal, split on the fill so they add up to the position
exactly, a level too small for the venue merged into the next. Pure, milliseconds."""

from __future__ import annotations

import math

import pytest

from ft_bracket.core.risk import MarketRules, Signal, check_signal
from ft_bracket.core.scale_out import (
    Level,
    Merge,
    check_levels,
    levels_of,
    max_levels,
    split,
)

RULES = MarketRules(step_size=0.1, min_quantity=0.1, min_notional=5.0, tick_size=0.0001)


def test_shares_default_to_equal_ones() -> None:
    assert levels_of([1.26, 1.30], [None, None]) == (Level(1.26, 0.5), Level(1.30, 0.5))
    assert levels_of([1.26, 1.30], [0.3, 0.7]) == (Level(1.26, 0.3), Level(1.30, 0.7))


@pytest.mark.parametrize(("levels", "denial"), [
    ((Level(1.26, 0.5), Level(1.24, 0.5)), "TakeProfitLevelsOutOfOrder"),
    ((Level(1.26, 0.5), Level(1.30, 0.4)), "TakeProfitSharesDoNotAddUp"),
    ((Level(1.26, 0.5), Level(1.30, math.nan)), "TakeProfitSharesDoNotAddUp"),
    ((Level(1.26, 1.0), Level(1.30, 0.0)), "TakeProfitSharesDoNotAddUp"),
    ((Level(math.nan, 0.5), Level(1.30, 0.5)), "InvalidPrice"),
    (tuple(Level(1.21 + i / 100, 1 / 8) for i in range(8)), "TooManyTakeProfitLevels"),
])
def test_bad_levels_are_refused_naming_what(levels: tuple[Level, ...], denial: str) -> None:
    decision = check_levels(False, 1.20, levels, max_levels(10))
    assert not decision.allowed and str(decision.denial) == denial
    assert decision.detail


def test_a_short_scales_out_downwards_and_the_limit_follows_the_venue() -> None:
    assert check_levels(True, 1.20, (Level(1.15, 0.5), Level(1.10, 0.5)), 7).allowed
    assert max_levels(10) == 7 and max_levels(None) == 7 and max_levels(5) == 2


def test_reward_risk_counts_each_level_for_its_share() -> None:
    signal = Signal(False, 1.20, 1.17, 1.23, levels=((1.23, 0.5), (1.29, 0.5)))
    assert signal.target_price == pytest.approx(1.26)
    assert check_signal(signal, 1.5).allowed  # (1.26 - 1.20) / 0.03 = 2
    assert not check_signal(Signal(False, 1.20, 1.17, 1.23), 1.5).allowed  # 1.0 alone


def test_the_split_adds_up_to_the_position_exactly() -> None:
    levels = (Level(1.26, 1 / 3), Level(1.30, 1 / 3), Level(1.34, 1 / 3))
    quantities, merges = split(100.0, levels, RULES)
    assert [q for _, q in quantities] == [33.3, 33.3, 33.4] and merges == []
    assert sum(q for _, q in quantities) == pytest.approx(100.0, abs=1e-12)
    assert [p for p, _ in quantities] == [1.26, 1.30, 1.34]


def test_a_level_below_the_venues_minimum_merges_into_the_next_one_out() -> None:
    levels = (Level(1.26, 0.02), Level(1.30, 0.48), Level(1.34, 0.5))
    quantities, merges = split(100.0, levels, RULES)  # level 1: 2 x 1.26 = 2.52 < 5 notional
    assert quantities == [(1.30, 50.0), (1.34, 50.0)]
    assert merges == [Merge(1, 2, 2.0, "2.52 is below the minimum notional 5")]
    farthest_small = (Level(1.26, 0.98), Level(1.30, 0.02))
    quantities, merges = split(100.0, farthest_small, RULES)
    assert quantities == [(1.26, 100.0)] and [(m.level, m.into) for m in merges] == [(2, 1)]
