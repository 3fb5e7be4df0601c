"""Stand-ins for what freqtrade hands a strategy (DataProvider, exchange, wallets), and builders
for a BracketStrategy under test with trades kept in freqtrade's in-memory (backtest) store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from ccxt import TICK_SIZE
from freqtrade.enums import RunMode
from freqtrade.persistence import LocalTrade, Order
from freqtrade.persistence.custom_data import CustomDataWrapper
from freqtrade.persistence.usedb_context import FtNoDBContext
from pandas import DataFrame

from ft_bracket import BracketStrategy

PAIR = "XRP/USDT:USDT"
FEE = 0.0005
TIMEFRAME = timedelta(minutes=5)
HARD_STOPLOSS = BracketStrategy.stoploss
XRP_MARKET = {
    "symbol": PAIR,
    "contractSize": 1.0,
    "precision": {"amount": 0.1, "price": 0.0001},
    "limits": {"amount": {"min": 0.1, "max": None}, "cost": {"min": 5.0, "max": None}},
}


class FakeExchange:
    """The exchange facts the plugin reads: markets, precision mode, fee, maintenance rate."""

    precisionMode = TICK_SIZE  # noqa: N815 - ccxt's attribute name

    def __init__(self, fee: float = FEE, maintenance_margin_rate: float = 0.01) -> None:
        self.markets = {PAIR: XRP_MARKET}
        self.fee = fee
        self.maintenance_margin_rate = maintenance_margin_rate

    def get_fee(self, symbol: str, taker_or_maker: str = "maker", **kwargs: Any) -> float:
        return self.fee

    def get_maintenance_ratio_and_amt(self, pair: str, notional: float) -> tuple[float, float]:
        return self.maintenance_margin_rate, 0.0


class FakeDataProvider:
    """Serves one analysed dataframe per pair, like ``dp.get_analyzed_dataframe``."""

    def __init__(self, exchange: FakeExchange) -> None:
        self._exchange = exchange
        self.frames: dict[str, DataFrame] = {}

    def get_analyzed_dataframe(self, pair: str, timeframe: str) -> tuple[DataFrame, datetime]:
        frame = self.frames.get(pair, DataFrame())
        return frame, datetime.now()

    def market(self, pair: str) -> dict[str, Any] | None:
        return self._exchange.markets.get(pair)


class FakeWallets:
    def __init__(self, total_stake: float) -> None:
        self.total_stake = total_stake

    def get_total_stake_amount(self) -> float:
        return self.total_stake


class Bracketed(BracketStrategy):
    """Smallest bracket strategy: signals come from the test's dataframe."""

    timeframe = "5m"
    can_short = True

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe


def make_strategy(equity: float = 1000.0, runmode: RunMode | None = None,
                  **bracket: Any) -> Bracketed:
    """A Bracketed strategy wired to fakes; ``bracket`` overrides config settings; ``runmode``
    as freqtrade sets it (backtest, hyperopt, ...)."""
    settings = {
        "risk_per_trade": 0.01,
        "max_open_positions": 3,
        "daily_loss_limit": 0.03,
        "max_total_open_risk": 0.05,
        "min_reward_risk": 1.5,
        "stop_out_cooldown_minutes": 30,
        **bracket,
    }
    config = {"bracket": settings, "trading_mode": "futures", "stake_currency": "USDT",
              "exchange": {"pair_whitelist": [PAIR]}}
    if runmode is not None:
        config["runmode"] = runmode
    strategy = Bracketed(config)
    # freqtrade's StrategyResolver sets this when custom_stoploss names `after_fill`.
    strategy._ft_stop_uses_after_fill = True
    strategy.dp = FakeDataProvider(FakeExchange())  # type: ignore[assignment]
    strategy.wallets = FakeWallets(equity)  # type: ignore[assignment]
    return strategy


def signal_frame(
    candle: datetime,
    *,
    side: str = "long",
    stop_price: float = 0.99,
    take_profit_price: float = 1.02,
) -> DataFrame:
    """Two candles; the last one (``candle``) carries the entry signal."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime([candle - TIMEFRAME, candle], utc=True),
            "close": [1.0, 1.0],
            "enter_long": [0, 1 if side == "long" else 0],
            "enter_short": [0, 1 if side == "short" else 0],
            "stop_price": [float("nan"), stop_price],
            "take_profit_price": [float("nan"), take_profit_price],
        }
    )


def open_trade(
    trade_id: int,
    *,
    open_date: datetime,
    is_short: bool = False,
    open_rate: float = 1.0,
    amount: float = 900.0,
    leverage: float = 3.0,
    stop_loss: float | None = None,
) -> tuple[LocalTrade, Order]:
    """A trade whose entry order has just filled, registered as open in the backtest store."""
    trade = LocalTrade(
        id=trade_id,
        pair=PAIR,
        base_currency="XRP",
        stake_currency="USDT",
        open_rate=open_rate,
        open_date=open_date,
        stake_amount=amount * open_rate / leverage,
        amount=0.0,
        amount_requested=amount,
        fee_open=FEE,
        fee_close=FEE,
        is_open=True,
        exchange="binance",
        is_short=is_short,
        trading_mode="futures",
        leverage=leverage,
        amount_precision=0.1,
        price_precision=0.0001,
        precision_mode=TICK_SIZE,
        precision_mode_price=TICK_SIZE,
        contract_size=1.0,
        orders=[],
    )
    order = Order(
        id=trade_id,
        ft_trade_id=trade_id,
        ft_is_open=True,
        ft_pair=PAIR,
        order_id=str(trade_id),
        symbol=PAIR,
        ft_order_side=trade.entry_side,
        side=trade.entry_side,
        order_type="market",
        status="open",
        order_date=open_date,
        ft_price=open_rate,
        price=open_rate,
        average=open_rate,
        amount=amount,
        filled=0,
        remaining=amount,
        cost=amount * open_rate,
    )
    order._trade_bt = trade
    trade.orders.append(order)
    # As freqtrade's backtest does: the hard stoploss first, then the fill.
    trade.adjust_stop_loss(open_rate, HARD_STOPLOSS, initial=True)
    order.close_bt_order(open_date, trade)
    trade.recalc_trade_from_orders()
    if stop_loss is not None:
        trade.stop_loss = stop_loss
    LocalTrade.add_bt_trade(trade)
    return trade, order


def closed_trade(
    trade_id: int, *, close_date: datetime, profit: float, exit_reason: str, pair: str = PAIR
) -> LocalTrade:
    """A closed trade in the backtest store with the given realised profit."""
    trade = LocalTrade(
        id=trade_id,
        pair=pair,
        stake_currency="USDT",
        open_rate=1.0,
        open_date=close_date - timedelta(hours=1),
        close_date=close_date,
        stake_amount=100.0,
        amount=300.0,
        fee_open=FEE,
        fee_close=FEE,
        is_open=False,
        exchange="binance",
        trading_mode="futures",
        leverage=3.0,
        close_profit_abs=profit,
        exit_reason=exit_reason,
    )
    LocalTrade.add_bt_trade(trade)
    return trade


@contextmanager
def in_memory_trades() -> Iterator[None]:
    """freqtrade's in-memory (backtest) trade and custom-data stores, emptied before and after."""
    with FtNoDBContext("5m"):
        LocalTrade.reset_trades()
        CustomDataWrapper.reset_custom_data()
        try:
            yield
        finally:
            LocalTrade.reset_trades()
            CustomDataWrapper.reset_custom_data()
