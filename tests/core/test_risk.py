"""Sizing and the entry gate: the pure risk core."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from ft_bracket.core.risk import (
    AccountState,
    Denial,
    MarketRules,
    Signal,
    align_to_tick,
    can_trade,
    check_signal,
    loss_at_stop,
    round_down_to_step,
    size_position,
)
from ft_bracket.core.settings import BracketSettings

FEE = 0.0005
# Binance XRPUSDT filters (as the emulator serves them).
XRP = MarketRules(step_size=0.1, min_quantity=0.1, min_notional=5.0, tick_size=0.0001)
NOW = datetime(2021, 11, 18, 15, 0, tzinfo=UTC)
SETTINGS = BracketSettings(
    risk_per_trade=0.01,
    max_open_positions=3,
    daily_loss_limit=0.03,
    max_total_open_risk=0.05,
    min_reward_risk=1.5,
    stop_out_cooldown_minutes=30,
)
LONG = Signal(is_short=False, entry_price=1.0, stop_price=0.99, take_profit_price=1.02)
SHORT = Signal(is_short=True, entry_price=1.0, stop_price=1.01, take_profit_price=0.98)


def size(signal: Signal = LONG, **overrides: object) -> object:
    arguments: dict[str, object] = {
        "signal": signal,
        "equity": 1000.0,
        "risk_per_trade": 0.01,
        "taker_fee": FEE,
        "leverage": 3.0,
        "market": XRP,
        "max_stake": 1000.0,
    }
    arguments.update(overrides)
    return size_position(**arguments)  # type: ignore[arg-type]


# Sizing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("signal", [LONG, SHORT], ids=["long", "short"])
def test_stop_out_loses_the_risk_budget_including_both_taker_fees(signal: Signal) -> None:
    result = size(signal)
    assert result.approved
    # 10 USDT of risk over 0.01 of price move plus 0.0005 x (1.00 + 0.99 or 1.01) of fees.
    per_unit = 0.01 + FEE * (signal.entry_price + signal.stop_price)
    assert result.quantity == pytest.approx(math.floor(10.0 / per_unit * 10) / 10)
    assert result.risk_amount == pytest.approx(result.quantity * per_unit)
    assert 10.0 - 0.1 * per_unit <= result.risk_amount <= 10.0
    assert result.risk_budget == pytest.approx(10.0)


def test_fees_make_the_position_smaller_than_the_bare_price_distance_would() -> None:
    with_fees = size(taker_fee=FEE)
    without_fees = size(taker_fee=0.0)
    assert without_fees.quantity == pytest.approx(1000.0)
    # 0.01 of move + 0.0005 x 1.99 of fees = 0.010995 lost per XRP.
    assert with_fees.quantity == pytest.approx(math.floor(10 / 0.010995 * 10) / 10)
    assert loss_at_stop(with_fees.quantity, 1.0, 0.99, FEE, is_short=False) <= 10.0


def test_stake_is_margin_notional_divided_by_leverage() -> None:
    result = size(leverage=4.0)
    assert result.margin == pytest.approx(result.quantity * 1.0 / 4.0)
    assert result.notional == pytest.approx(result.quantity * 1.0)


def test_quantity_is_rounded_down_to_the_step_never_up() -> None:
    market = MarketRules(step_size=1.0, min_quantity=1.0, min_notional=0.0)
    result = size(market=market, taker_fee=0.0, equity=1009.9)  # raw quantity 1009.9
    assert result.quantity == 1009.0
    assert result.risk_amount <= 10.099


def test_round_down_to_step_ignores_float_noise_but_not_real_fractions() -> None:
    assert round_down_to_step(123.39999999999999, 0.1) == pytest.approx(123.4)
    assert round_down_to_step(123.3999, 0.1) == pytest.approx(123.3)
    assert round_down_to_step(0.99, 1.0) == 0.0
    assert round_down_to_step(5.5, 0.0) == 5.5


def test_zero_stop_distance_is_refused() -> None:
    result = size(Signal(False, 1.0, 1.0, 1.02))
    assert result.denial is Denial.ZERO_STOP_DISTANCE
    assert result.quantity == 0.0 and result.margin == 0.0


@pytest.mark.parametrize(
    "signal",
    [Signal(False, 1.0, 1.01, 1.02), Signal(True, 1.0, 0.99, 0.98)],
    ids=["long-stop-above", "short-stop-below"],
)
def test_stop_on_the_wrong_side_is_refused(signal: Signal) -> None:
    assert size(signal).denial is Denial.STOP_ON_WRONG_SIDE


@pytest.mark.parametrize("bad", [math.nan, math.inf, 0.0, -1.0])
def test_nan_infinite_or_non_positive_prices_are_refused(bad: float) -> None:
    assert size(Signal(False, 1.0, bad, 1.02)).denial is Denial.INVALID_PRICE
    assert size(Signal(False, bad, 0.99, 1.02)).denial is Denial.INVALID_PRICE


@pytest.mark.parametrize("equity", [0.0, -5.0, math.nan])
def test_no_equity_means_no_trade(equity: float) -> None:
    assert size(equity=equity).denial is Denial.NO_EQUITY


def test_below_minimum_notional_is_refused_not_rounded_up() -> None:
    # 0.04 USDT of risk sizes 3.6 XRP at 1.0 = 3.6 USDT notional, under Binance's 5 USDT.
    result = size(equity=4.0)
    assert result.denial is Denial.NOTIONAL_BELOW_MINIMUM
    assert result.quantity == 0.0


def test_below_minimum_quantity_is_refused() -> None:
    market = MarketRules(step_size=0.001, min_quantity=0.01, min_notional=0.0)
    signal = Signal(False, 30_000.0, 29_700.0, 30_600.0)  # 300 USDT stop distance
    result = size(signal, market=market, equity=200.0)  # 2 USDT of risk -> 0.006 BTC
    assert result.denial is Denial.QUANTITY_BELOW_MINIMUM


def test_quantity_that_rounds_to_zero_is_refused() -> None:
    market = MarketRules(step_size=1.0)
    assert size(market=market, equity=0.05).denial is Denial.QUANTITY_BELOW_MINIMUM


def test_stake_freqtrade_would_raise_is_refused() -> None:
    # The exchange would accept it, but freqtrade's min_stake (with its reserve) is higher and
    # freqtrade would raise the stake, breaking the risk budget.
    result = size(equity=10.0, min_stake=3.5)  # 0.1 USDT risk -> 9 XRP -> 3 USDT margin at 3x
    assert result.denial is Denial.STAKE_BELOW_MINIMUM


def test_max_stake_caps_the_position_and_lowers_the_risk() -> None:
    result = size(max_stake=100.0, leverage=3.0)  # at most 300 XRP of notional
    assert result.approved and result.capped_by_max_stake
    assert result.quantity == pytest.approx(300.0)
    assert result.margin <= 100.0
    assert result.risk_amount < result.risk_budget


def test_higher_leverage_lifts_the_margin_cap_but_not_the_risk() -> None:
    capped = size(max_stake=100.0, leverage=2.0)
    roomier = size(max_stake=100.0, leverage=10.0)
    assert capped.quantity == pytest.approx(200.0)
    assert roomier.quantity == size().quantity  # risk-sized, no longer capped
    assert roomier.risk_amount <= roomier.risk_budget


def test_no_free_margin_is_refused() -> None:
    assert size(max_stake=0.0).denial is Denial.NO_FREE_MARGIN


def test_stop_beyond_liquidation_is_refused() -> None:
    far_stop = Signal(False, 1.0, 0.85, 1.30)  # 15 % away
    assert size(far_stop, leverage=5.0).approved  # liquidation about 20 % away
    refused = size(far_stop, leverage=10.0, maintenance_margin_rate=0.005)  # about 9.5 % away
    assert refused.denial is Denial.STOP_BEYOND_LIQUIDATION


def test_loss_at_stop_is_smaller_once_the_stop_sits_in_profit() -> None:
    assert loss_at_stop(100, 1.0, 0.99, 0.0, is_short=False) == pytest.approx(1.0)
    assert loss_at_stop(100, 1.0, 1.01, 0.0, is_short=False) == pytest.approx(-1.0)
    assert loss_at_stop(100, 1.0, 0.99, 0.0, is_short=True) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("price", "entry", "expected"),
    [
        (0.98764, 1.0, 0.9877),  # long stop: up, towards the entry
        (1.01236, 1.0, 1.0123),  # short stop / long take-profit: down, towards the entry
        (1.0123, 1.0, 1.0123),  # already on the grid: unchanged
    ],
)
def test_align_to_tick_rounds_towards_the_entry(
    price: float, entry: float, expected: float
) -> None:
    assert align_to_tick(price, 0.0001, towards=entry) == expected


# Gate -------------------------------------------------------------------------------------------


def gate(signal: Signal = LONG, **account: object) -> object:
    state = AccountState(**{"equity": 1000.0, **account})  # type: ignore[arg-type]
    return can_trade(signal, state, SETTINGS, NOW)


def test_a_clean_signal_on_a_clean_account_is_allowed() -> None:
    decision = gate()
    assert decision.allowed and decision.denial is None


@pytest.mark.parametrize(
    ("signal", "denial"),
    [
        (Signal(False, 1.0, math.nan, 1.02), Denial.INVALID_PRICE),
        (Signal(False, 1.0, 0.99, math.inf), Denial.INVALID_PRICE),
        (Signal(False, 1.0, 1.0, 1.02), Denial.ZERO_STOP_DISTANCE),
        (Signal(False, 1.0, 1.01, 1.02), Denial.STOP_ON_WRONG_SIDE),
        (Signal(True, 1.0, 0.99, 0.98), Denial.STOP_ON_WRONG_SIDE),
        (Signal(False, 1.0, 0.99, 0.995), Denial.TAKE_PROFIT_ON_WRONG_SIDE),
        (Signal(True, 1.0, 1.01, 1.005), Denial.TAKE_PROFIT_ON_WRONG_SIDE),
        (Signal(False, 1.0, 0.99, 1.01), Denial.REWARD_RISK_BELOW_MINIMUM),
    ],
)
def test_invalid_signals_are_denied_with_their_reason(signal: Signal, denial: Denial) -> None:
    decision = gate(signal)
    assert decision.denial is denial
    assert str(denial) in str(decision)


def test_reward_risk_exactly_at_the_minimum_is_allowed() -> None:
    assert check_signal(Signal(False, 1.0, 0.99, 1.015), 1.5).allowed


def test_max_open_positions() -> None:
    assert gate(open_positions=2).allowed
    assert gate(open_positions=3).denial is Denial.MAX_OPEN_POSITIONS


def test_daily_loss_limit_reached() -> None:
    # 3 % of the 1000 USDT the day started with: 970 left after a 30 USDT loss.
    assert gate(equity=971.0, realised_pnl_today=-29.0).allowed
    assert gate(equity=970.0, realised_pnl_today=-30.0).denial is Denial.DAILY_LOSS_LIMIT_REACHED


def test_todays_profit_does_not_count_as_loss() -> None:
    assert gate(equity=1050.0, realised_pnl_today=50.0).allowed


def test_total_open_risk_cap() -> None:
    # Cap 5 % = 50 USDT; a new trade adds 10.
    assert gate(open_risk=40.0).allowed
    assert gate(open_risk=40.01).denial is Denial.OPEN_RISK_CAP_REACHED


def test_cooldown_after_a_stop_out() -> None:
    assert gate(last_stop_out=NOW - timedelta(minutes=29)).denial is Denial.COOLDOWN_AFTER_STOP_OUT
    assert gate(last_stop_out=NOW - timedelta(minutes=30)).allowed


def test_no_equity_is_denied() -> None:
    assert gate(equity=0.0).denial is Denial.NO_EQUITY
