"""BracketStrategy's steering: the ready-made stop moves through freqtrade's custom_stoploss
(only ever tighter), and the time limit through custom_exit, in every mode."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freqtrade.enums import RunMode
from freqtrade.exceptions import OperationalException

from tests.freqtrade_adapter.test_strategy_exits import NOW, apply_after_fill_stop, enter
from tests.support.bracket_fakes import Bracketed, make_strategy

pytestmark = pytest.mark.usefixtures("trades_in_memory")


def per_candle(strategy: Bracketed, trade: Any, rate: float) -> None:
    """freqtrade's stop check on a later candle (or loop): custom_stoploss without after_fill."""
    trade.adjust_min_max_rates(rate, rate)
    strategy.ft_stoploss_adjust(rate, trade, NOW, trade.calc_profit_ratio(rate), 0,
                                low=rate, high=rate)


def steered(**policy: Any) -> Bracketed:
    strategy = make_strategy(runmode=RunMode.BACKTEST)
    for name, value in policy.items():
        setattr(strategy, name, value)
    strategy.__init__(strategy.config)  # type: ignore[misc]  # the policy is read at start
    return strategy


def test_without_a_policy_the_stop_stays_at_the_brackets() -> None:
    strategy = make_strategy()
    trade, _ = enter(strategy)
    apply_after_fill_stop(strategy, trade)
    per_candle(strategy, trade, 1.05)
    assert trade.stop_loss == pytest.approx(0.99)


def test_a_trailing_policy_tightens_freqtrades_stop_and_never_loosens_it() -> None:
    strategy = steered(trail_distance=0.02)
    trade, _ = enter(strategy)
    apply_after_fill_stop(strategy, trade)
    per_candle(strategy, trade, 1.05)
    assert trade.stop_loss == pytest.approx(1.05 * 0.98)
    per_candle(strategy, trade, 1.01)  # the price comes back: the stop stays
    assert trade.stop_loss == pytest.approx(1.05 * 0.98)


def test_break_even_after_a_level_puts_the_stop_at_the_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    strategy = steered(break_even_after_level=1)
    trade, _ = enter(strategy)
    apply_after_fill_stop(strategy, trade)
    per_candle(strategy, trade, 1.01)
    assert trade.stop_loss == pytest.approx(0.99)  # no level filled yet
    # freqtrade counts the first take-profit level's partial exit.
    monkeypatch.setattr(type(trade), "nr_of_successful_exits", property(lambda self: 1))
    per_candle(strategy, trade, 1.01)
    assert trade.stop_loss == pytest.approx(1.0)


def test_a_later_levels_fill_keeps_the_stop_at_break_even(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    # freqtrade takes the after-fill answer even when it is looser (the entry's fill must be
    # able to set any stop): after a second level's fill, the original stop would come back.
    strategy = steered(break_even_after_level=1)
    trade, _ = enter(strategy)
    apply_after_fill_stop(strategy, trade)
    monkeypatch.setattr(type(trade), "nr_of_successful_exits", property(lambda self: 1))
    per_candle(strategy, trade, 1.01)
    assert trade.stop_loss == pytest.approx(1.0)
    monkeypatch.setattr(type(trade), "nr_of_successful_exits", property(lambda self: 2))
    apply_after_fill_stop(strategy, trade, current_rate=1.02)
    assert trade.stop_loss == pytest.approx(1.0)


class Listener:
    """Enough of an OrderManager to hear why a stop tightens."""

    def __init__(self) -> None:
        self.heard: list[tuple[int, str]] = []

    def note_stop_reason(self, trade_id: int, why: str) -> None:
        self.heard.append((trade_id, why))


def test_the_executor_hears_why_freqtrades_stop_tightens() -> None:
    strategy = steered(trail_distance=0.02)
    trade, _ = enter(strategy)
    apply_after_fill_stop(strategy, trade)
    strategy.order_manager = listener = Listener()  # type: ignore[assignment]
    strategy.custom_stoploss(trade.pair, trade, NOW, 1.0, 0.0, after_fill=False)
    assert listener.heard == []  # the trail (0.98) is looser than the stop (0.99): no move
    trade.adjust_min_max_rates(1.05, 1.05)
    strategy.custom_stoploss(trade.pair, trade, NOW, 1.05, 0.05, after_fill=False)
    assert listener.heard and listener.heard[-1][0] == trade.id
    assert "trailing" in listener.heard[-1][1]


def test_a_bad_policy_stops_the_bot_naming_the_attribute() -> None:
    with pytest.raises(OperationalException, match="trail_distance"):
        steered(trail_distance=2.0)


@pytest.mark.parametrize("runmode", [RunMode.BACKTEST, RunMode.DRY_RUN])
def test_the_time_limit_exits_at_market_once_it_ran_out(runmode: RunMode) -> None:
    strategy = make_strategy(runmode=runmode, time_limit_minutes=60)
    trade, _ = enter(strategy)
    later = trade.open_date_utc + timedelta(minutes=59)
    assert strategy.custom_exit(trade.pair, trade, later, 1.0, 0.0) is None
    assert strategy.custom_exit(trade.pair, trade, later + timedelta(minutes=1), 1.0,
                                0.0) == "time_limit"


def test_a_backtest_with_a_time_limit_asks_the_plugins_custom_exit() -> None:
    """The backtest fast path answers custom_exit with IStrategy's None without an
    OrderManager; with a time limit it must not."""
    strategy = make_strategy(runmode=RunMode.BACKTEST, time_limit_minutes=60)
    strategy.ft_bot_start()
    assert type(strategy).custom_exit is Bracketed.custom_exit
    assert strategy.custom_exit.__func__ is Bracketed.custom_exit  # type: ignore[attr-defined]


@pytest.mark.parametrize("runmode", [RunMode.BACKTEST, RunMode.DRY_RUN, RunMode.LIVE])
def test_position_adjustment_stops_the_bot_naming_the_setting(runmode: RunMode) -> None:
    """An add would not be risk-sized: never silently mis-sized, the bot does not start."""
    strategy = make_strategy(runmode=runmode if runmode is not RunMode.LIVE else None)
    strategy.position_adjustment_enable = True
    with pytest.raises(OperationalException, match="position_adjustment_enable"):
        strategy.bot_start()
