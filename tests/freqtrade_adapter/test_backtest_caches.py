"""What backtests read from memory instead of asking freqtrade again gives freqtrade's answers:
the entry row (EntrySignals vs read_signal), the take-profit's profit ratio (ProfitRatios vs
calc_profit_ratio), and market rules and fees once hyperopt has closed the exchange."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from freqtrade.enums import RunMode

from ft_bracket.core.risk import MarketRules
from ft_bracket.freqtrade_adapter.ft_exchange import MarketFacts
from ft_bracket.freqtrade_adapter.signals import EntrySignals, read_signal
from ft_bracket.freqtrade_adapter.trades import ProfitRatios
from tests.support.bracket_fakes import (
    FEE,
    PAIR,
    TIMEFRAME,
    Bracketed,
    FakeDataProvider,
    FakeExchange,
    FakeWallets,
    in_memory_trades,
    open_trade,
)

START = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _trades_in_memory() -> Iterator[None]:
    with in_memory_trades():
        yield


def analysed_frame(rows: int = 40, gap_at: int = 25) -> pd.DataFrame:
    """Entries long, short, both, with NaN prices, float and int flags, and a missing candle."""
    rng = np.random.default_rng(3)
    dates = [START + TIMEFRAME * i for i in range(rows + 1) if i != gap_at]
    frame = pd.DataFrame({"date": pd.to_datetime(dates, utc=True)})
    frame["enter_long"] = np.where(rng.random(len(frame)) < 0.3, 1.0, np.nan)
    frame["enter_short"] = (rng.random(len(frame)) < 0.3).astype(int)
    frame["stop_price"] = np.where(rng.random(len(frame)) < 0.8,
                                   rng.uniform(0.9, 1.1, len(frame)), np.nan)
    frame["take_profit_price"] = rng.uniform(0.9, 1.1, len(frame))
    return frame


def test_entry_signals_answer_what_read_signal_reads_off_the_backtest_slice() -> None:
    frame = analysed_frame()
    indexed = EntrySignals.of(frame, "5m")
    assert indexed is not None
    dp = FakeDataProvider(FakeExchange())
    answered = 0
    for rows in range(1, len(frame) + 1):  # the backtest's cut: up to the last closed candle
        dp.frames[PAIR] = frame.iloc[:rows]
        now = frame["date"].iat[rows - 1].to_pydatetime() + TIMEFRAME
        for is_short in (False, True):
            found = indexed.prices(is_short, now)
            if found is None:
                continue
            answered += 1
            date, prices = read_signal(dp, PAIR, "5m", is_short, now)
            assert found[0] == date
            assert np.array_equal(found[1], prices, equal_nan=True)
    entry_rows = ((frame["enter_long"] == 1) | (frame["enter_short"] == 1)).sum()
    assert answered >= entry_rows  # every entry row on its own side, rows with both twice


def test_entry_signals_leave_other_candles_to_read_signal() -> None:
    frame = analysed_frame(gap_at=10)
    indexed = EntrySignals.of(frame, "5m")
    assert indexed is not None
    after_gap = START + TIMEFRAME * 11  # the candle after the missing one: no row before it
    assert indexed.prices(False, after_gap) is None
    assert indexed.prices(False, START + TIMEFRAME * 7 + timedelta(seconds=1)) is None
    no_signal = frame.index[(frame["enter_long"] != 1) & (frame["enter_short"] != 1)][0]
    assert indexed.prices(False, frame["date"].iat[no_signal] + TIMEFRAME) is None


def test_a_frame_without_the_bracket_columns_is_not_indexed() -> None:
    frame = analysed_frame().drop(columns=["take_profit_price"])
    assert EntrySignals.of(frame, "5m") is None
    assert EntrySignals.of(frame.iloc[0:0], "5m") is None


def test_profit_ratios_follow_every_input_of_freqtrades_formula() -> None:
    trade, _ = open_trade(1, open_date=START, amount=900.0)
    ratios = ProfitRatios()
    for change in (
        lambda t: None,
        lambda t: t.set_funding_fees(-0.25),
        lambda t: setattr(t, "fee_close", FEE * 2),
        lambda t: setattr(t, "amount", 450.0),
        lambda t: t.recalc_open_trade_value(),
        lambda t: setattr(t, "leverage", 2.0),
    ):
        change(trade)
        for rate in (1.02, 0.97):
            assert ratios.ratio(trade, rate) == copy.deepcopy(trade).calc_profit_ratio(rate)


def test_market_facts_still_answer_after_hyperopt_closed_the_exchange() -> None:
    dp = FakeDataProvider(FakeExchange())
    facts = MarketFacts({}, fixed=True)
    facts.preload(dp, [PAIR])
    dp._exchange = None  # hyperopt drops the ccxt client before its first epoch
    assert facts.rules(dp, PAIR) == MarketRules(step_size=0.1, min_quantity=0.1,
                                                min_notional=5.0, tick_size=0.0001)
    assert facts.taker_fee(dp, PAIR) == FEE


def test_a_backtest_strategy_indexes_its_entry_rows_and_preloads_its_markets() -> None:
    config = {"bracket": {}, "trading_mode": "futures", "stake_currency": "USDT",
              "runmode": RunMode.HYPEROPT, "exchange": {"pair_whitelist": [PAIR]}}
    strategy = Bracketed(config)
    strategy.dp = FakeDataProvider(FakeExchange())  # type: ignore[assignment]
    strategy.wallets = FakeWallets(1000.0)  # type: ignore[assignment]
    strategy.ft_bot_start()
    strategy.dp._exchange = None  # type: ignore[attr-defined]
    frame = analysed_frame()
    strategy.ft_advise_signals(frame, {"pair": PAIR})
    assert strategy.entries.signals[PAIR] is not None
    assert strategy.markets.rules(strategy.dp, PAIR) is not None
