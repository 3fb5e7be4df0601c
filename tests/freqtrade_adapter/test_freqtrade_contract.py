"""What ft_bracket/freqtrade_adapter/ relies on in freqtrade's private internals, checked on
the installed freqtrade: one test per private thing, failing with what changed and where to fix.

Run these first after upgrading freqtrade; when one fails, re-read the freqtrade code it names,
update the adapter, then the test.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import ccxt
import freqtrade
import pytest
from freqtrade.data.dataprovider import DataProvider
from freqtrade.enums import RunMode
from freqtrade.exchange import Binance, Exchange
from freqtrade.persistence import LocalTrade, Order, Trade, init_db
from freqtrade.persistence.base import ModelBase
from freqtrade.strategy import IStrategy
from freqtrade.strategy.strategy_wrapper import strategy_safe_wrapper

from ft_bracket.freqtrade_adapter import bracket_view
from ft_bracket.freqtrade_adapter import version as adapter_version
from ft_bracket.freqtrade_adapter.backtest import BacktestFastPath
from ft_bracket.freqtrade_adapter.chart_columns import ChartLevels
from ft_bracket.freqtrade_adapter.trades import closed_trades_since
from tests.support.bracket_fakes import (
    PAIR,
    closed_trade,
    in_memory_trades,
    make_strategy,
    open_trade,
)

ADAPTER = "ft_bracket/freqtrade_adapter/"
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def changed(what: str) -> str:
    return f"freqtrade {freqtrade.__version__} changed {what}; update {ADAPTER}"


def parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [
        (p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()
    ]


def accepts(function: Any, *names: str) -> bool:
    return set(names) <= set(inspect.signature(function).parameters)


@pytest.fixture(scope="module")
def exchange() -> Exchange:
    """freqtrade's Binance futures exchange, built offline (no markets loaded)."""
    config = {
        "dry_run": True,
        "runmode": RunMode.BACKTEST,
        "trading_mode": "futures",
        "margin_mode": "isolated",
        "stake_currency": "USDT",
        "exchange": {"name": "binance", "key": "", "secret": "", "pair_whitelist": [PAIR]},
    }
    return Binance(config, validate=False)


# Version -------------------------------------------------------------------------------------


def test_installed_freqtrade_is_the_verified_release() -> None:
    assert adapter_version.freqtrade_release(freqtrade.__version__) == (
        adapter_version.VERIFIED_FREQTRADE
    ), (
        f"freqtrade {freqtrade.__version__} is not the release {ADAPTER} was verified against: "
        "when every other test here passes, update VERIFIED_FREQTRADE"
    )


@pytest.mark.parametrize(
    ("version", "release"),
    [("2026.9", (2026, 9)), ("2026.9.1", (2026, 9)), ("2026.10-dev-1a2b3c", (2026, 10)),
     ("develop", None)],
)
def test_release_is_read_off_the_version_string(
    version: str, release: tuple[int, int] | None
) -> None:
    assert adapter_version.freqtrade_release(version) == release


def test_another_release_gets_one_loud_warning_and_still_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(freqtrade, "__version__", "2027.1")
    adapter_version.warn_if_unverified_freqtrade.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            assert adapter_version.warn_if_unverified_freqtrade() is False
            adapter_version.warn_if_unverified_freqtrade()
    finally:
        adapter_version.warn_if_unverified_freqtrade.cache_clear()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2026.9.x" in warnings[0].getMessage()
    assert "this is freqtrade 2027.1" in warnings[0].getMessage()


# The exchange behind the DataProvider: fees, precision, leverage tiers, the ccxt client --------


def test_dataprovider_keeps_the_exchange_in__exchange(exchange: Exchange) -> None:
    provider = DataProvider({}, exchange)
    assert getattr(provider, "_exchange", None) is exchange, changed("DataProvider._exchange")


def test_exchange__api_is_the_synchronous_ccxt_client(exchange: Exchange) -> None:
    api = getattr(exchange, "_api", None)
    assert isinstance(api, ccxt.Exchange), changed("Exchange._api")
    assert not asyncio.iscoroutinefunction(api.create_order), changed(
        "Exchange._api (no longer the synchronous ccxt client)"
    )


def test_exchange_get_fee_takes_symbol_and_taker_or_maker() -> None:
    assert accepts(Exchange.get_fee, "symbol", "taker_or_maker"), changed(
        "Exchange.get_fee(symbol=, taker_or_maker=)"
    )


def test_exchange_precision_mode_is_ccxts(exchange: Exchange) -> None:
    assert isinstance(inspect.getattr_static(Exchange, "precisionMode", None), property), changed(
        "Exchange.precisionMode"
    )
    assert exchange.precisionMode == exchange._api.precisionMode == ccxt.TICK_SIZE, changed(
        "Exchange.precisionMode (Binance no longer TICK_SIZE)"
    )


def test_exchange_maintenance_ratio_takes_pair_and_notional() -> None:
    assert parameters(Exchange.get_maintenance_ratio_and_amt)[1:] == [
        ("pair", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("notional_value", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
    ], changed("Exchange.get_maintenance_ratio_and_amt(pair, notional_value)")


# The live trade and its order rows: stop adoption, take-profit close (TradeHooks) ------------


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An in-memory database as the bot has; the models' sessions are restored after."""
    models = [ModelBase]
    for model in models:
        models.extend(model.__subclasses__())
    for model in models:
        monkeypatch.setattr(model, "session", None, raising=False)
    init_db("sqlite://")
    yield
    Trade.session.remove()


def test_trade_session_get_returns_the_bots_own_trade(database: None) -> None:
    trade = Trade(
        pair=PAIR, stake_currency="USDT", open_rate=1.0, open_date=NOW, stake_amount=10.0,
        amount=30.0, fee_open=0.0005, fee_close=0.0005, is_open=True, exchange="binance",
        trading_mode="futures", leverage=3.0,
    )
    Trade.session.add(trade)
    Trade.commit()
    assert Trade.session.get(Trade, trade.id) is trade, changed("Trade.session.get")


def test_trade_open_sl_orders_lists_open_stoploss_rows() -> None:
    with in_memory_trades():
        trade, _ = open_trade(1, open_date=NOW)
        stop = ccxt_order("stop-1", status="open", filled=0.0)
        trade.orders.append(Order.parse_from_ccxt_object(stop, PAIR, "stoploss", 900.0, 0.9))
        assert [o.order_id for o in trade.open_sl_orders] == ["stop-1"], changed(
            "Trade.open_sl_orders"
        )


def ccxt_order(order_id: str, **fields: Any) -> dict[str, Any]:
    order = {
        "id": order_id, "symbol": PAIR, "type": "market", "side": "sell", "status": "closed",
        "price": 1.02, "average": 1.02, "amount": 900.0, "filled": 900.0, "remaining": 0.0,
        "cost": 918.0, "timestamp": int(NOW.timestamp() * 1000), "info": {},
    }
    return {**order, **fields}


def test_order_parse_from_ccxt_object_signature_and_fields() -> None:
    assert isinstance(inspect.getattr_static(Order, "parse_from_ccxt_object"), classmethod)
    assert [name for name, *_ in parameters(Order.parse_from_ccxt_object)] == [
        "order", "pair", "side", "amount", "price",
    ], changed("Order.parse_from_ccxt_object(order, pair, side, amount, price)")
    row = Order.parse_from_ccxt_object(ccxt_order("tp-1"), PAIR, "sell", 900.0, 1.02)
    assert (row.order_id, row.ft_order_side, row.ft_pair, row.ft_amount, row.ft_price) == (
        "tp-1", "sell", PAIR, 900.0, 1.02
    ), changed("Order.parse_from_ccxt_object's fields")


def test_order_ft_order_tag_and_trade_exit_reason_are_stored_columns() -> None:
    assert "ft_order_tag" in Order.__table__.columns, changed("Order.ft_order_tag")
    assert "exit_reason" in Trade.__table__.columns, changed("Trade.exit_reason")


# Closed trades in a backtest (closed_trades_since) -------------------------------------------


def test_backtest_closed_trades_are_appended_to_bt_trades_in_close_order() -> None:
    with in_memory_trades():
        assert isinstance(LocalTrade.bt_trades, list), changed("LocalTrade.bt_trades")
        first = closed_trade(1, close_date=NOW, profit=1.0, exit_reason="roi")
        trade, _ = open_trade(2, open_date=NOW)
        trade.close_date = NOW + timedelta(hours=1)
        trade.close_profit_abs = -1.0
        trade.is_open = False
        LocalTrade.close_bt_trade(trade)
        assert LocalTrade.bt_trades == [first, trade], changed(
            "LocalTrade.bt_trades (closed backtest trades, appended as they close)"
        )
        proxied = Trade.get_trades_proxy(is_open=False, close_date=NOW - timedelta(hours=1))
        assert proxied == [first, trade], changed("Trade.get_trades_proxy's backtest source")
        recent = closed_trades_since(NOW)
        assert recent == [(trade, trade.close_date_utc)]


# The backtest fast path: the methods BacktestFastPath overrides and why it exists ------------

# IStrategy's bodies that BacktestFastPath re-implements in part: if one changes, re-check the
# mixin against the new body (does the skipped part still do nothing for a bracket trade?).
OVERRIDDEN_BODIES = {
    "ft_stoploss_adjust": "b982149aea00",
    "min_roi_reached_entry": "d59a8dc143b7",
}


# freqtrade bodies whose order of events the backtest fast path relies on: re-check the reason
# beside each when a digest changes.
RELIED_ON_BODIES = {
    # An entry fill is followed by the after-fill ft_stoploss_adjust call on the trade itself:
    # the fast path records the fill there (order_filled is IStrategy's in backtests).
    "Backtesting._try_close_open_order": "5d04a22aadc2",
    # The frame ft_advise_signals returns is the one callbacks are handed, cut after the row
    # before the current candle: EntrySignals indexes it once.
    "Backtesting._get_ohlcv_as_lists": "b8168aa844d5",
    "DataProvider.get_analyzed_dataframe": "b3f20023eb1a",
}


@pytest.mark.parametrize("qualname", sorted(RELIED_ON_BODIES))
def test_backtest_internals_the_fast_path_relies_on_keep_their_body(qualname: str) -> None:
    from freqtrade.optimize.backtesting import Backtesting

    owner, name = qualname.split(".")
    function = getattr({"Backtesting": Backtesting, "DataProvider": DataProvider}[owner], name)
    digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:12]
    assert digest == RELIED_ON_BODIES[qualname], changed(
        f"{qualname} (BacktestFastPath relies on it; digest now {digest})"
    )


def test_hyperopt_closes_the_exchange_after_the_strategy_started() -> None:
    from freqtrade.optimize.hyperopt.hyperopt_optimizer import HyperOptimizer

    # MarketFacts.preload reads fees and precision in ft_bot_start, before this.
    assert "self.backtesting.exchange._api = None" in inspect.getsource(
        HyperOptimizer.prepare_hyperopt
    ), changed("HyperOptimizer.prepare_hyperopt (no longer drops the ccxt client?)")


@pytest.mark.parametrize("method", [*sorted(OVERRIDDEN_BODIES), "ft_bot_start",
                                    "ft_advise_signals"])
def test_overridden_istrategy_methods_keep_their_signature(method: str) -> None:
    assert parameters(getattr(IStrategy, method)) == parameters(
        getattr(BacktestFastPath, method)
    ), changed(f"the signature of IStrategy.{method}")


@pytest.mark.parametrize("method", sorted(OVERRIDDEN_BODIES))
def test_overridden_istrategy_methods_keep_their_body(method: str) -> None:
    source = inspect.getsource(getattr(IStrategy, method))
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    assert digest == OVERRIDDEN_BODIES[method], changed(
        f"IStrategy.{method} (BacktestFastPath re-implements part of it; digest now {digest})"
    )


def test_callback_wrapper_copies_the_trade_except_for_istrategys_own_methods() -> None:
    seen: list[Any] = []

    def callback(trade: Any) -> None:
        seen.append(trade)

    trade = object.__new__(LocalTrade)
    strategy_safe_wrapper(callback)(trade=trade)
    callback.__qualname__ = "IStrategy.callback"
    strategy_safe_wrapper(callback)(trade=trade)
    assert seen[0] is not trade and seen[1] is trade, changed(
        "strategy_safe_wrapper's rule (deep-copy `trade` unless __qualname__ starts with "
        "'IStrategy.'), the reason BacktestFastPath exists: re-check whether it is still needed"
    )


def test_istrategys_own_custom_exit_answers_none() -> None:
    # BacktestFastPath shows freqtrade this one in backtests instead of the plugin's, which
    # answers None there too.
    strategy = make_strategy()
    answer = IStrategy.custom_exit(
        strategy, pair=PAIR, trade=None, current_time=NOW, current_rate=1.0, current_profit=0.0
    )
    assert answer is None, changed("IStrategy.custom_exit's default answer")
    assert IStrategy.custom_exit.__qualname__ == "IStrategy.custom_exit", changed(
        "IStrategy.custom_exit's qualname (the wrapper would copy the trade for it)"
    )


# The trade view's initial stop (bracket_view) ------------------------------------------------


def test_the_initial_stop_columns_are_what_the_api_shows_and_what_a_restart_resets(
    database: None,
) -> None:
    trade = Trade(
        pair=PAIR, stake_currency="USDT", open_rate=1.2, open_date=NOW, stake_amount=60.0,
        amount=100.0, fee_open=0.0005, fee_close=0.0005, is_open=True, exchange="binance",
        trading_mode="futures", leverage=2.0, price_precision=0.0001, precision_mode_price=4,
    )
    Trade.session.add(trade)
    # As freqtrade does at the fill: the hard cap first, then custom_stoploss(after_fill).
    trade.adjust_stop_loss(1.2, -0.99, initial=True)
    trade.adjust_stop_loss(1.2, -0.05, allow_refresh=True)
    Trade.commit()
    trade.set_custom_data("bracket", {"stop_price": 1.17, "take_profit_price": 1.26,
                                      "risk_amount": 3.1})
    moved: list[tuple[int, float]] = []

    def move_stop(trade_id: int, price: float) -> None:
        moved.append((trade_id, price))
        trade.adjust_stop_loss(1.2, -0.05, allow_refresh=True)

    assert bracket_view.initialised_from(trade, -0.99)
    assert bracket_view.show_bracket_stop(trade, move_stop)
    assert not bracket_view.initialised_from(trade, -0.99)  # nothing more to do each loop
    assert moved == []  # the stop was where the bracket has it
    shown = trade.to_json()
    assert (shown["initial_stop_loss_abs"], shown["initial_stop_loss_ratio"],
            shown["initial_stop_loss_pct"]) == (1.17, pytest.approx(-0.05),
                                                pytest.approx(-5.0)), changed(
        "Trade.to_json's initial_stop_loss_* (FreqUI's Initial Stoploss)")
    # At every start-up freqtrade resets a stop whose initial ratio is not strategy.stoploss.
    Trade.stoploss_reinitialization(-0.99)
    hard_cap = 1.2 * (1 - 0.99 / 2)
    assert (trade.initial_stop_loss_pct, trade.initial_stop_loss, trade.stop_loss) == (
        -0.99, pytest.approx(hard_cap), pytest.approx(hard_cap)), changed(
        "Trade.stoploss_reinitialization (bracket_view restores what it resets)")
    assert bracket_view.initialised_from(trade, -0.99)
    assert bracket_view.show_bracket_stop(trade, move_stop)
    assert moved == [(trade.id, 1.17)]
    assert (trade.stop_loss, trade.initial_stop_loss, trade.initial_stop_loss_pct) == (
        pytest.approx(1.17), 1.17, pytest.approx(-0.05))
    # A trade the plugin has no bracket for keeps freqtrade's hard cap.
    trade.set_custom_data("bracket", {})
    Trade.stoploss_reinitialization(-0.99)
    assert not bracket_view.show_bracket_stop(trade, move_stop)


def test_istrategy_runs_analyze_ticker_in_the_bots_analysis() -> None:
    # ChartLevels adds the bracket columns by extending analyze_ticker: freqtrade's live and
    # dry-run analysis must still go through it, and backtests must not.
    internal = inspect.getsource(IStrategy._analyze_ticker_internal)
    assert "self.analyze_ticker" in internal and "_set_cached_df" in internal, changed(
        "IStrategy._analyze_ticker_internal (no longer calls analyze_ticker, then caches)")
    assert parameters(IStrategy.analyze_ticker) == parameters(ChartLevels.analyze_ticker), changed(
        "the signature of IStrategy.analyze_ticker")
    backtest = inspect.getsource(IStrategy.advise_all_indicators) + inspect.getsource(
        IStrategy.ft_advise_signals)
    assert "analyze_ticker" not in backtest, changed("the backtest analysis path")
