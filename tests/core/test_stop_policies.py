"""Ready-made stop moves: break-even after k take-profit levels, trailing by a distance or an
ATR multiple; the tightest ask wins, and a bad setting names itself. Pure, milliseconds."""

from __future__ import annotations

import pytest

from ft_bracket.core.stop_policies import StopPolicy, StopPolicyError, policy_stop


def ask(policy: StopPolicy, *, is_short: bool = False, best: float = 1.30, levels: int = 0,
        atr: float | None = None) -> tuple[float, str] | None:
    return policy_stop(policy, is_short=is_short, entry=1.20, best=best, levels_filled=levels,
                       atr=atr)


def test_no_policy_asks_nothing() -> None:
    assert not StopPolicy().active
    assert ask(StopPolicy(), levels=3) is None


def test_break_even_comes_after_its_level() -> None:
    policy = StopPolicy(break_even_after_level=1)
    assert ask(policy, levels=0) is None
    assert ask(policy, levels=1) == (1.20, "break-even after take-profit 1")
    assert ask(policy, levels=2, is_short=True) == (1.20, "break-even after take-profit 1")


def test_trailing_follows_the_best_price_by_a_distance_or_by_atr() -> None:
    price, why = ask(StopPolicy(trail_distance=0.02), best=1.30)
    assert price == pytest.approx(1.274) and "2.00%" in why
    price, _ = ask(StopPolicy(trail_distance=0.02), best=1.10, is_short=True)
    assert price == pytest.approx(1.122)
    price, why = ask(StopPolicy(trail_atr_multiple=2.0), best=1.30, atr=0.01)
    assert price == pytest.approx(1.28) and "2 ATR" in why
    assert ask(StopPolicy(trail_atr_multiple=2.0), atr=None) is None  # no ATR column: no ask
    assert ask(StopPolicy(trail_distance=0.02, trail_after_level=1), levels=0) is None


def test_the_tightest_ask_wins() -> None:
    policy = StopPolicy(break_even_after_level=1, trail_distance=0.02)
    assert ask(policy, best=1.22, levels=1)[0] == 1.20  # the trail (1.1956) is looser
    assert ask(policy, best=1.30, levels=1)[0] == pytest.approx(1.274)
    assert ask(policy, best=1.10, levels=1, is_short=True)[0] == pytest.approx(1.122)


@pytest.mark.parametrize(("settings", "names"), [
    ({"break_even_after_level": 0}, "break_even_after_level"),
    ({"break_even_after_level": True}, "break_even_after_level"),
    ({"trail_distance": 1.5}, "trail_distance"),
    ({"trail_distance": float("nan")}, "trail_distance"),
    ({"trail_atr_multiple": -1}, "trail_atr_multiple"),
    ({"trail_after_level": -1}, "trail_after_level"),
    ({"trail_distance": 0.02, "trail_atr_multiple": 2}, "trail_atr_multiple"),
])
def test_a_bad_setting_names_itself(settings: dict, names: str) -> None:
    with pytest.raises(StopPolicyError, match=names):
        StopPolicy(**settings)
