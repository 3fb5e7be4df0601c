"""BacktestFastPath: the per-candle stop and ROI checks give IStrategy's answers without copying
the trade, and hand everything they do not decide to IStrategy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freqtrade.enums import RunMode
from freqtrade.strategy import IStrategy, strategy_wrapper

from ft_bracket.core.risk import ALLOWED
from tests.support.bracket_fakes import (
    PAIR,
    TIMEFRAME,
    Bracketed,
    make_strategy,
    open_trade,
    signal_frame,
)

SIGNAL_CANDLE = datetime(2021, 11, 18, 14, 55, tzinfo=UTC)
NOW = SIGNAL_CANDLE + TIMEFRAME
LATER = NOW + timedelta(minutes=30)


pytestmark = pytest.mark.usefixtures("trades_in_memory")


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The trades freqtrade's callback wrapper deep-copies."""
    copied: list[Any] = []

    def counting_deepcopy(value: Any) -> Any:
        copied.append(value)
        return copy.deepcopy(value)

    monkeypatch.setattr(strategy_wrapper, "deepcopy", counting_deepcopy)
    return copied


def fast_strategy():
    """make_strategy's strategy with the ROI table as freqtrade's resolver leaves it."""
    strategy = make_strategy()
    strategy.minimal_roi = {0: 100.0}
    return strategy


def bracketed_trade(strategy, *, side: str = "long"):
    """A trade filled at 1.0 through the strategy, its stop moved onto the bracket's stop."""
    is_short = side == "short"
    stop, target = (1.01, 0.98) if is_short else (0.99, 1.02)
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, side=side, stop_price=stop, take_profit_price=target
    )
    margin = strategy.custom_stake_amount(
        pair=PAIR, current_time=NOW, current_rate=1.0, proposed_stake=500.0, min_stake=2.0,
        max_stake=900.0, leverage=3.0, entry_tag=None, side=side,
    )
    trade, order = open_trade(1, open_date=NOW, is_short=is_short, amount=int(margin * 30) / 10)
    strategy.order_filled(pair=PAIR, trade=trade, order=order, current_time=NOW)
    strategy.ft_stoploss_adjust(1.0, trade, NOW, 0.0, 0, after_fill=True)
    return trade


def stop_state(trade) -> tuple:
    return (
        trade.stop_loss,
        trade.stop_loss_pct,
        trade.initial_stop_loss,
        trade.initial_stop_loss_pct,
        trade.is_stop_loss_trailing,
    )


def per_candle_stop(strategy, trade, low: float, high: float, adjust=None) -> None:
    """What should_exit does for each candle in a backtest."""
    rate = (low + high) / 2
    (adjust or strategy.ft_stoploss_adjust)(
        rate, trade, LATER, trade.calc_profit_ratio(rate), 0, low, high,
        bound_profit=trade.calc_profit_ratio(low if trade.is_short else high),
    )


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize(("low", "high"), [(0.995, 1.005), (0.97, 1.03), (1.015, 1.05)])
def test_per_candle_stop_check_matches_istrategy_without_a_copy(
    side: str, low: float, high: float, copies: list[Any]
) -> None:
    strategy = fast_strategy()
    fast = bracketed_trade(strategy, side=side)
    reference = copy.deepcopy(fast)
    copies.clear()
    per_candle_stop(strategy, fast, low, high)
    assert copies == []
    per_candle_stop(
        strategy, reference, low, high,
        adjust=lambda *args, **kwargs: IStrategy.ft_stoploss_adjust(strategy, *args, **kwargs),
    )
    assert stop_state(fast) == stop_state(reference)


def test_a_trade_without_a_stop_gets_istrategys_initial_stop(copies: list[Any]) -> None:
    strategy = fast_strategy()
    fast = bracketed_trade(strategy)
    fast.stop_loss = fast.stop_loss_pct = fast.initial_stop_loss = None
    fast.initial_stop_loss_pct = None
    reference = copy.deepcopy(fast)
    per_candle_stop(strategy, fast, 0.99, 1.01)
    IStrategy.ft_stoploss_adjust(strategy, 1.0, reference, LATER, 0.0, 0, 0.99, 1.01)
    assert stop_state(fast) == stop_state(reference)
    assert fast.stop_loss is not None


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize(
    "minimal_roi", [{0: 100.0}, {0: 100.0, 20: 0.001}, {0: 0.0001}, {10: 100.0}]
)
def test_roi_check_matches_istrategy_without_a_copy(
    side: str, minimal_roi: dict[int, float], copies: list[Any]
) -> None:
    strategy = fast_strategy()
    strategy.minimal_roi = minimal_roi
    trade = bracketed_trade(strategy, side=side)
    for trade_dur in (0, 5, 20, 30):
        copies.clear()
        fast = strategy.min_roi_reached_entry(trade, trade_dur, LATER)
        assert copies == []
        assert fast == IStrategy.min_roi_reached_entry(strategy, trade, trade_dur, LATER)
    assert strategy.min_roi_reached(trade, 0.5, LATER) == IStrategy.min_roi_reached(
        strategy, trade, 0.5, LATER
    )


def filled_trade(strategy, *, side: str = "long"):
    """bracketed_trade's trade before its after-fill stop call."""
    is_short = side == "short"
    stop, target = (1.01, 0.98) if is_short else (0.99, 1.02)
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, side=side, stop_price=stop, take_profit_price=target
    )
    margin = strategy.custom_stake_amount(
        pair=PAIR, current_time=NOW, current_rate=1.0, proposed_stake=500.0, min_stake=2.0,
        max_stake=900.0, leverage=3.0, entry_tag=None, side=side,
    )
    trade, order = open_trade(1, open_date=NOW, is_short=is_short, amount=int(margin * 30) / 10)
    strategy.order_filled(pair=PAIR, trade=trade, order=order, current_time=NOW)
    return trade


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("rate", [1.0, 0.985, 1.015])
def test_the_after_fill_stop_matches_istrategy_without_a_copy(
    side: str, rate: float, copies: list[Any]
) -> None:
    strategy = fast_strategy()
    fast = filled_trade(strategy, side=side)
    reference = copy.deepcopy(fast)
    copies.clear()
    strategy.ft_stoploss_adjust(rate, fast, NOW, fast.calc_profit_ratio(rate), 0,
                                after_fill=True)
    assert copies == []
    IStrategy.ft_stoploss_adjust(strategy, rate, reference, NOW,
                                 reference.calc_profit_ratio(rate), 0, after_fill=True)
    assert stop_state(fast) == stop_state(reference)


class Manager:
    """Enough of an OrderManager for the strategy's fill and stop callbacks."""

    live = True

    def open_bracket(self, *args: Any, **kwargs: Any) -> None:
        pass

    def adopt_stop(self, trade: Any) -> bool:
        return True

    def entry_clearance(self, pair: str) -> Any:
        return ALLOWED

    def exit_wanted(self, trade_id: int) -> str | None:
        return None


def test_with_an_order_manager_the_after_fill_stop_goes_through_freqtrade(
    copies: list[Any],
) -> None:
    strategy = fast_strategy()
    strategy.order_manager = Manager()  # type: ignore[assignment]
    trade = filled_trade(strategy)
    copies.clear()
    strategy.ft_stoploss_adjust(1.0, trade, NOW, 0.0, 0, after_fill=True)
    assert len(copies) == 1


def test_trailing_or_no_bracket_goes_through_freqtrade(copies: list[Any]) -> None:
    strategy = fast_strategy()
    trade = bracketed_trade(strategy)
    strategy.trailing_stop = True
    copies.clear()
    per_candle_stop(strategy, trade, 0.995, 1.005)
    assert len(copies) == 1
    strategy.trailing_stop = False
    strategy._brackets.clear()
    copies.clear()
    per_candle_stop(strategy, trade, 0.995, 1.005)
    strategy.min_roi_reached_entry(trade, 5, LATER)
    assert len(copies) == 2


def test_dry_run_and_live_take_profits_go_through_freqtrade(copies: list[Any]) -> None:
    strategy = fast_strategy()
    trade = bracketed_trade(strategy)
    strategy.order_manager = object()  # type: ignore[assignment]
    copies.clear()
    assert strategy.min_roi_reached_entry(trade, 5, LATER) == (0, 100.0)
    assert len(copies) == 1


class OwnExits(Bracketed):
    """A user strategy with its own per-candle stop and take-profit."""

    def custom_stoploss(self, pair: str, trade, current_time: datetime, current_rate: float,
                        current_profit: float, after_fill: bool, **kwargs: Any) -> float | None:
        if after_fill:
            return super().custom_stoploss(
                pair, trade, current_time, current_rate, current_profit, after_fill, **kwargs
            )
        return 0.003  # breakeven-ish trail: tighter than the bracket's stop once in profit

    def custom_roi(self, pair: str, trade, current_time: datetime, trade_duration: int,
                   entry_tag: str | None, side: str, **kwargs: Any) -> float | None:
        return 0.5


def own_exits_strategy() -> OwnExits:
    strategy = fast_strategy()
    own = OwnExits(strategy.config)
    own.minimal_roi = strategy.minimal_roi
    own._ft_stop_uses_after_fill = True
    own.dp, own.wallets = strategy.dp, strategy.wallets
    return own


def test_a_subclass_overriding_the_callbacks_is_asked_every_candle() -> None:
    strategy = own_exits_strategy()
    trade = bracketed_trade(strategy)
    assert strategy.min_roi_reached_entry(trade, 5, LATER) == (5, 0.5)
    bracket_stop = trade.stop_loss
    per_candle_stop(strategy, trade, 1.0, 1.02)
    assert trade.stop_loss > bracket_stop


def test_a_patched_callback_is_asked_too() -> None:
    strategy = fast_strategy()
    trade = bracketed_trade(strategy)
    strategy.custom_roi = lambda **kwargs: 0.25  # type: ignore[method-assign]
    assert strategy.min_roi_reached_entry(trade, 5, LATER) == (5, 0.25)


def custom_exit_answer(strategy, trade) -> Any:
    """What should_exit asks every candle, through freqtrade's wrapper."""
    return strategy_wrapper.strategy_safe_wrapper(strategy.custom_exit, default_retval=False)(
        pair=PAIR, trade=trade, current_time=LATER, current_rate=1.0, current_profit=0.0
    )


def test_without_an_order_manager_custom_exit_is_asked_without_a_copy(
    copies: list[Any],
) -> None:
    strategy = fast_strategy()
    trade = bracketed_trade(strategy)
    strategy.ft_bot_start()
    copies.clear()
    assert custom_exit_answer(strategy, trade) is None
    assert copies == []


def test_with_an_order_manager_custom_exit_stays_the_plugins(copies: list[Any]) -> None:
    strategy = fast_strategy()
    trade = bracketed_trade(strategy)
    manager = strategy.order_manager = type(
        "Manager", (), {"exit_wanted": lambda self, trade_id: {trade.id: "take_profit"}.get(
            trade_id), "live": True}
    )()
    strategy.ft_bot_start()
    assert strategy.order_manager is manager
    copies.clear()
    assert custom_exit_answer(strategy, trade) == "take_profit"
    assert len(copies) == 1


class OwnExit(Bracketed):
    def custom_exit(self, pair: str, trade, current_time: datetime, current_rate: float,
                    current_profit: float, **kwargs: Any) -> str | None:
        return "my_exit"


def test_a_subclass_custom_exit_is_kept() -> None:
    strategy = make_strategy()
    own = OwnExit(strategy.config)
    own.dp, own.wallets = strategy.dp, strategy.wallets
    own.ft_bot_start()
    trade, _ = open_trade(1, open_date=NOW, amount=100.0)
    assert custom_exit_answer(own, trade) == "my_exit"


def backtest_strategy(**settings: Any):
    strategy = make_strategy(runmode=RunMode.BACKTEST, **settings)
    strategy.minimal_roi = {0: 100.0}
    strategy.ft_bot_start()
    return strategy


def backtest_fill(strategy, *, side: str = "long", trade_id: int = 1):
    """What freqtrade's backtest does at an entry fill: order_filled through its wrapper, then
    the after-fill stop call."""
    is_short = side == "short"
    stop, target = (1.01, 0.98) if is_short else (0.99, 1.02)
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, side=side, stop_price=stop, take_profit_price=target
    )
    margin = strategy.custom_stake_amount(
        pair=PAIR, current_time=NOW, current_rate=1.0, proposed_stake=500.0, min_stake=2.0,
        max_stake=900.0, leverage=3.0, entry_tag=None, side=side,
    )
    trade, order = open_trade(trade_id, open_date=NOW, is_short=is_short,
                              amount=int(margin * 30) / 10)
    strategy_wrapper.strategy_safe_wrapper(strategy.order_filled, supress_error=True)(
        pair=PAIR, trade=trade, order=order, current_time=NOW)
    strategy.ft_stoploss_adjust(1.0, trade, NOW, 0.0, 0, after_fill=True)
    return trade


@pytest.mark.parametrize("side", ["long", "short"])
def test_in_a_backtest_the_entry_fill_is_recorded_at_the_after_fill_stop_without_a_copy(
    side: str, copies: list[Any]
) -> None:
    strategy = backtest_strategy()
    fast = backtest_fill(strategy, side=side)
    assert copies == []
    reference_strategy = fast_strategy()
    reference = bracketed_trade(reference_strategy, side=side)
    assert strategy._brackets[fast.id] == reference_strategy._brackets[reference.id]
    assert stop_state(fast) == stop_state(reference)


def test_every_backtest_of_a_strategy_list_records_its_fills() -> None:
    strategy = backtest_strategy()
    strategy.ft_bot_start()
    trade = backtest_fill(strategy)
    assert trade.id in strategy._brackets


def test_an_earlier_runs_bracket_does_not_survive_a_fill_without_a_signal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    strategy = backtest_strategy()
    strategy._brackets[1] = object()  # type: ignore[assignment]
    trade, _ = open_trade(1, open_date=LATER, amount=100.0)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)  # not this trade's candle
    strategy.ft_stoploss_adjust(1.0, trade, LATER, 0.0, 0, after_fill=True)
    assert 1 not in strategy._brackets
    assert "filled without a bracket signal" in caplog.text
