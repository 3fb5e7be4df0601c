"""BracketStrategy's entry side: custom_stake_amount and confirm_trade_entry."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from freqtrade.exceptions import OperationalException

from ft_bracket.core.risk import loss_at_stop
from tests.support.bracket_fakes import (
    FEE,
    PAIR,
    TIMEFRAME,
    closed_trade,
    make_strategy,
    open_trade,
    signal_frame,
)

# The signal candle opened at 14:55 and closed at 15:00; the entry happens at 15:00.
SIGNAL_CANDLE = datetime(2021, 11, 18, 14, 55, tzinfo=UTC)
NOW = SIGNAL_CANDLE + TIMEFRAME


pytestmark = pytest.mark.usefixtures("trades_in_memory")


def stake(strategy, *, side: str = "long", rate: float = 1.0, now: datetime = NOW, **kwargs):
    arguments = {
        "pair": PAIR,
        "current_time": now,
        "current_rate": rate,
        "proposed_stake": 500.0,
        "min_stake": 2.0,
        "max_stake": 900.0,
        "leverage": 3.0,
        "entry_tag": None,
        "side": side,
    }
    arguments.update(kwargs)
    return strategy.custom_stake_amount(**arguments)


def confirm(strategy, amount: float, *, side: str = "long", rate: float = 1.0) -> bool:
    return strategy.confirm_trade_entry(
        pair=PAIR,
        order_type="market",
        amount=amount,
        rate=rate,
        time_in_force="GTC",
        current_time=NOW,
        entry_tag=None,
        side=side,
    )


def amount_from(stake_amount: float, rate: float = 1.0, leverage: float = 3.0) -> float:
    """What freqtrade makes of a stake: stake / rate x leverage, truncated to the 0.1 step."""
    return int(stake_amount / rate * leverage * 10) / 10


@pytest.mark.parametrize(("side", "stop", "target"), [("long", 0.99, 1.02), ("short", 1.01, 0.98)])
def test_stake_is_the_margin_of_a_position_that_loses_the_budget_at_the_stop(
    side: str, stop: float, target: float
) -> None:
    strategy = make_strategy(equity=1000.0)
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, side=side, stop_price=stop, take_profit_price=target
    )
    margin = stake(strategy, side=side)
    amount = amount_from(margin)
    per_unit = 0.01 + FEE * (1.0 + stop)
    assert amount == pytest.approx(int(10.0 / per_unit * 10) / 10)
    assert loss_at_stop(amount, 1.0, stop, FEE, is_short=side == "short") <= 10.0
    assert confirm(strategy, amount, side=side)


def test_stop_and_target_off_the_tick_grid_are_aligned_towards_the_entry() -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, stop_price=0.98996, take_profit_price=1.020049
    )
    assert stake(strategy) > 0
    planned = strategy.entries.planned[PAIR]
    assert (planned.signal.stop_price, planned.signal.take_profit_price) == (0.99, 1.02)


def test_no_signal_on_the_last_candle_means_no_stake() -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE, side="short")
    assert stake(strategy, side="long") == 0.0


def test_stale_signal_candle_means_no_stake() -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    assert stake(strategy, now=NOW + 2 * TIMEFRAME) == 0.0


def test_missing_stop_columns_mean_no_stake(caplog: pytest.LogCaptureFixture) -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE).drop(columns=["stop_price"])
    with caplog.at_level(logging.INFO):
        assert stake(strategy) == 0.0
    assert "SignalMissing" in caplog.text and "stop_price" in caplog.text


@pytest.mark.parametrize(
    ("stop", "target", "reason"),
    [
        (float("nan"), 1.02, "InvalidPrice"),
        (1.0, 1.02, "ZeroStopDistance"),
        (1.01, 1.02, "StopOnWrongSide"),
        (0.99, 0.98, "TakeProfitOnWrongSide"),
        (0.99, 1.01, "RewardRiskBelowMinimum"),
    ],
)
def test_invalid_signal_prices_return_zero_with_the_reason_logged(
    stop: float, target: float, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, stop_price=stop, take_profit_price=target
    )
    with caplog.at_level(logging.INFO):
        assert stake(strategy) == 0.0
    assert reason in caplog.text


def test_stake_below_the_exchange_minimum_returns_zero_instead_of_being_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 0.004 USDT of risk: about 0.3 XRP, 0.3 USDT notional, below the 5 USDT MIN_NOTIONAL.
    strategy = make_strategy(equity=0.4)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    with caplog.at_level(logging.INFO):
        assert stake(strategy, min_stake=0.0) == 0.0
    assert "NotionalBelowMinimum" in caplog.text


def test_stake_below_freqtrades_min_stake_returns_zero() -> None:
    strategy = make_strategy(equity=100.0)  # 1 USDT risk -> 90.9 XRP -> 30.3 USDT margin at 3x
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    assert stake(strategy, min_stake=30.0) > 0
    assert stake(strategy, min_stake=31.0) == 0.0


def test_stake_is_capped_by_max_stake() -> None:
    strategy = make_strategy(equity=1000.0)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    assert amount_from(stake(strategy, max_stake=100.0)) == pytest.approx(300.0)


def test_refusals_are_logged_once_per_candle(caplog: pytest.LogCaptureFixture) -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE, stop_price=1.01)
    with caplog.at_level(logging.INFO):
        for _ in range(5):  # freqtrade asks again every loop while the signal lasts
            stake(strategy)
        assert caplog.text.count("StopOnWrongSide") == 1
        strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE + TIMEFRAME, stop_price=1.01)
        stake(strategy, now=NOW + TIMEFRAME)
    assert caplog.text.count("StopOnWrongSide") == 2


def test_max_open_positions_blocks_a_new_entry() -> None:
    strategy = make_strategy(max_open_positions=1)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    open_trade(1, open_date=NOW - timedelta(hours=1), stop_loss=0.995, amount=100.0)
    assert stake(strategy) == 0.0


def test_open_risk_of_other_trades_counts_against_the_cap() -> None:
    strategy = make_strategy(max_total_open_risk=0.02)  # room for 20 USDT
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    # 900 XRP with the stop 0.005 below the entry: about 5.4 USDT at risk -> 15.4 with this one.
    open_trade(1, open_date=NOW - timedelta(hours=1), stop_loss=0.995)
    assert stake(strategy) > 0
    # Stop 0.012 below: about 11.7 at risk -> 21.7 > 20.
    open_trade(2, open_date=NOW - timedelta(hours=1), stop_loss=0.988)
    assert stake(strategy) == 0.0


def test_daily_loss_limit_uses_the_simulated_utc_day(caplog: pytest.LogCaptureFixture) -> None:
    strategy = make_strategy(equity=970.0, daily_loss_limit=0.03)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    # Yesterday's loss does not count towards today's limit ...
    closed_trade(
        1,
        close_date=datetime(2021, 11, 17, 23, 50, tzinfo=UTC),
        profit=-30.0,
        exit_reason="roi",
        pair="ETH/USDT:USDT",
    )
    assert stake(strategy) > 0
    # ... today's does: 30 of the 1000 USDT the day started with is the 3 % limit.
    closed_trade(
        2,
        close_date=datetime(2021, 11, 18, 0, 10, tzinfo=UTC),
        profit=-30.0,
        exit_reason="roi",
        pair="ETH/USDT:USDT",
    )
    with caplog.at_level(logging.INFO):
        assert stake(strategy) == 0.0
    assert "DailyLossLimitReached" in caplog.text
    # The next simulated day starts afresh.
    next_day = datetime(2021, 11, 19, 0, 0, tzinfo=UTC)
    strategy.dp.frames[PAIR] = signal_frame(next_day - TIMEFRAME)
    assert stake(strategy, now=next_day) > 0


def test_cooldown_after_a_stop_out_on_the_pair() -> None:
    strategy = make_strategy(stop_out_cooldown_minutes=30)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    closed_trade(1, close_date=NOW - timedelta(minutes=20), profit=-1.0, exit_reason="stop_loss")
    assert stake(strategy) == 0.0
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE + 2 * TIMEFRAME)
    assert stake(strategy, now=NOW + 2 * TIMEFRAME) > 0


def test_a_take_profit_exit_starts_no_cooldown() -> None:
    strategy = make_strategy(stop_out_cooldown_minutes=30)
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    closed_trade(1, close_date=NOW - timedelta(minutes=5), profit=5.0, exit_reason="roi")
    assert stake(strategy) > 0


def test_confirm_refuses_an_amount_freqtrade_raised_above_the_budget(
    caplog: pytest.LogCaptureFixture,
) -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    amount = amount_from(stake(strategy))
    with caplog.at_level(logging.INFO):
        assert not confirm(strategy, amount * 1.3)
    assert "RiskAboveBudget" in caplog.text


def test_confirm_refuses_an_entry_that_was_not_risk_sized() -> None:
    strategy = make_strategy()
    assert not confirm(strategy, 100.0)


def test_confirm_rechecks_the_signal_at_the_final_rate() -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    amount = amount_from(stake(strategy))
    # The price fell through the stop between sizing and the order.
    assert not confirm(strategy, amount, rate=0.985)


def test_confirm_refuses_the_other_side() -> None:
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE)
    amount = amount_from(stake(strategy))
    assert not confirm(strategy, amount, side="short")


def test_bad_settings_stop_the_strategy_at_construction() -> None:
    with pytest.raises(OperationalException, match=r"bracket\.max_open_positions.*got 0"):
        make_strategy(max_open_positions=0)
