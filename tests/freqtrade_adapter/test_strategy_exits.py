"""BracketStrategy after the entry: order_filled records, custom_stoploss and custom_roi exit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ft_bracket.core.records import PRICES_RECORD
from ft_bracket.freqtrade_adapter import trades as trades_module
from tests.support.bracket_fakes import (
    FEE,
    PAIR,
    TIMEFRAME,
    make_strategy,
    open_trade,
    signal_frame,
)

SIGNAL_CANDLE = datetime(2021, 11, 18, 14, 55, tzinfo=UTC)
NOW = SIGNAL_CANDLE + TIMEFRAME


pytestmark = pytest.mark.usefixtures("trades_in_memory")


def enter(strategy, *, side: str = "long", stop: float = 0.99, target: float = 1.02):
    """Size an entry through the strategy's callbacks and fill it at 1.0 with the sized amount."""
    strategy.dp.frames[PAIR] = signal_frame(
        SIGNAL_CANDLE, side=side, stop_price=stop, take_profit_price=target
    )
    margin = strategy.custom_stake_amount(
        pair=PAIR,
        current_time=NOW,
        current_rate=1.0,
        proposed_stake=500.0,
        min_stake=2.0,
        max_stake=900.0,
        leverage=3.0,
        entry_tag=None,
        side=side,
    )
    amount = int(margin * 3.0 * 10) / 10
    trade, order = open_trade(1, open_date=NOW, is_short=side == "short", amount=amount)
    strategy.order_filled(pair=PAIR, trade=trade, order=order, current_time=NOW)
    return trade, order


def apply_after_fill_stop(strategy, trade, current_rate: float = 1.0) -> None:
    """What freqtrade does right after an entry fill (freqtradebot / backtesting)."""
    strategy.ft_stoploss_adjust(
        current_rate, trade, NOW, trade.calc_profit_ratio(current_rate), 0, after_fill=True
    )


@pytest.mark.parametrize(("side", "stop", "target"), [("long", 0.99, 1.02), ("short", 1.01, 0.98)])
def test_entry_fill_records_stop_target_and_risk(side: str, stop: float, target: float) -> None:
    strategy = make_strategy()
    trade, order = enter(strategy, side=side, stop=stop, target=target)
    record = trade.get_custom_data(PRICES_RECORD)
    assert record["stop_price"] == stop
    assert record["take_profit_price"] == target
    risk = record["risk_amount"]
    assert risk == pytest.approx(order.safe_filled * (0.01 + FEE * (1.0 + stop)))
    assert 9.9 < risk <= 10.0


def test_a_repeated_fill_report_changes_nothing() -> None:
    strategy = make_strategy()
    trade, order = enter(strategy)
    # A later signal with other prices must not overwrite the trade's bracket.
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE, stop_price=0.95, take_profit_price=1.2)
    strategy._brackets.clear()
    strategy.order_filled(pair=PAIR, trade=trade, order=order, current_time=NOW)
    record = trade.get_custom_data(PRICES_RECORD)
    assert (record["stop_price"], record["take_profit_price"]) == (0.99, 1.02)
    assert len(trade.get_all_custom_data()) == 1


def test_an_unplanned_fill_takes_its_bracket_from_the_signal_candle() -> None:
    # E.g. after a restart: custom_stake_amount's plan is gone, the candle is still loaded.
    strategy = make_strategy()
    strategy.dp.frames[PAIR] = signal_frame(SIGNAL_CANDLE, stop_price=0.98994)
    trade, order = open_trade(1, open_date=NOW + TIMEFRAME / 2, amount=500.0)
    strategy.order_filled(pair=PAIR, trade=trade, order=order, current_time=NOW)
    assert trade.get_custom_data(PRICES_RECORD)["stop_price"] == 0.9900


def test_a_fill_without_any_bracket_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    strategy = make_strategy()
    trade, order = open_trade(1, open_date=NOW, amount=500.0)
    with caplog.at_level(logging.WARNING):
        strategy.order_filled(pair=PAIR, trade=trade, order=order, current_time=NOW)
    assert "without a bracket signal" in caplog.text
    assert trade.get_custom_data(PRICES_RECORD) is None


@pytest.mark.parametrize(
    ("is_short", "open_rate", "stop"),
    [
        (False, 1.0, 0.9877),
        (True, 1.0, 1.0123),
        # Pairs where the float maths lands a hair inside the stop and freqtrade's rounding
        # towards the price would otherwise move the stop one tick closer.
        (False, 1.0917, 0.9997),
        (True, 1.1038, 1.1044),
    ],
)
def test_after_fill_moves_freqtrades_stop_exactly_onto_the_stop_price(
    is_short: bool, open_rate: float, stop: float
) -> None:
    strategy = make_strategy()
    trade, _ = open_trade(1, open_date=NOW, is_short=is_short, open_rate=open_rate, amount=100.0)
    target = 0.5 if is_short else 2.0
    trade.set_custom_data(
        PRICES_RECORD, {"stop_price": stop, "take_profit_price": target, "risk_amount": 1.0}
    )
    apply_after_fill_stop(strategy, trade, current_rate=open_rate)
    assert trade.stop_loss == stop


def test_later_calls_keep_the_stop_where_it_is() -> None:
    strategy = make_strategy()
    trade, _ = enter(strategy)
    assert (
        strategy.custom_stoploss(
            pair=PAIR,
            trade=trade,
            current_time=NOW,
            current_rate=1.01,
            current_profit=0.02,
            after_fill=False,
        )
        is None
    )


def test_a_stop_already_crossed_at_the_fill_exits_at_once() -> None:
    strategy = make_strategy()
    trade, _ = enter(strategy)
    apply_after_fill_stop(strategy, trade, current_rate=0.985)
    # The stop is set at (rounded onto) the current price: the next check exits.
    assert trade.stop_loss >= 0.985


def test_custom_stoploss_must_take_the_after_fill_parameter() -> None:
    # freqtrade only calls the after-fill stop if the override names `after_fill` literally.
    strategy = make_strategy()
    assert "after_fill" in strategy.custom_stoploss.__code__.co_varnames


@pytest.mark.parametrize(("side", "target"), [("long", 1.0213), ("short", 0.9787)])
def test_custom_roi_is_the_profit_at_the_take_profit_price(side: str, target: float) -> None:
    strategy = make_strategy()
    stop = 0.99 if side == "long" else 1.01
    trade, _ = enter(strategy, side=side, stop=stop, target=target)
    roi = strategy.custom_roi(
        pair=PAIR, trade=trade, current_time=NOW, trade_duration=10, entry_tag=None, side=side
    )
    # freqtrade's backtest turns the ROI back into a price with calc_close_rate_for_roi.
    assert trade.calc_close_rate_for_roi(roi) == pytest.approx(target, abs=1e-7)
    assert roi > 0


def test_custom_roi_survives_a_restart_from_custom_data() -> None:
    strategy = make_strategy()
    trade, _ = enter(strategy)
    restarted = make_strategy()
    roi = restarted.custom_roi(
        pair=PAIR, trade=trade, current_time=NOW, trade_duration=10, entry_tag=None, side="long"
    )
    assert trade.calc_close_rate_for_roi(roi) == pytest.approx(1.02, abs=1e-7)


def test_no_bracket_means_no_custom_roi_or_stop() -> None:
    strategy = make_strategy()
    trade, _ = open_trade(1, open_date=NOW, amount=500.0)
    assert (
        strategy.custom_roi(
            pair=PAIR,
            trade=trade,
            current_time=NOW,
            trade_duration=0,
            entry_tag=None,
            side="long",
        )
        is None
    )
    assert (
        strategy.custom_stoploss(
            pair=PAIR,
            trade=trade,
            current_time=NOW,
            current_rate=1.0,
            current_profit=0.0,
            after_fill=True,
        )
        is None
    )


def test_a_closing_exit_is_committed_before_the_bracket_ends_on_the_venue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # freqtrade commits an exit fill only after order_filled; the bracket's end talks to the
    # venue. A bot killed in between found the trade open again at its restart, and freqtrade's
    # recovery then booked a scaled-out trade's exits wrong (seen in the CI soak).
    steps: list[str] = []
    monkeypatch.setattr(trades_module, "persist", lambda: steps.append("commit"))
    monkeypatch.setattr(trades_module, "trade_view", lambda trade: trade.id)
    strategy = make_strategy()
    strategy.supervisor = SimpleNamespace(  # type: ignore[assignment]
        trade_closed=lambda view: steps.append(f"bracket {view} ends"))
    trade = SimpleNamespace(id=7, entry_side="buy", is_open=False)
    strategy.order_filled(pair=PAIR, trade=trade, order=SimpleNamespace(ft_order_side="sell"),
                          current_time=NOW)
    assert steps == ["commit", "bracket 7 ends"]
    steps.clear()  # a level's fill (a partial exit) leaves trade and bracket open
    strategy.order_filled(pair=PAIR, trade=SimpleNamespace(id=7, entry_side="buy", is_open=True),
                          order=SimpleNamespace(ft_order_side="sell"), current_time=NOW)
    assert steps == []
