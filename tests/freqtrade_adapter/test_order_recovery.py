"""freqtrade's recovery of an open trade's unknown orders, on freqtrade's own code and an
in-memory database, through the plugin's routed ``fetch_orders`` (freqtrade_adapter/stop_orders).

Seen in the chaos soak after a SIGKILL restart: the stop filled while the bot was down, the
take-profit then fired into no position and its order expired unfilled. Restarted, freqtrade
found no balance for the open trade and recovered its unknown orders: it recorded the stop's
fill, then tried to write the expired take-profit order, whose row has no price (market order,
nothing filled; orders.ft_price is NOT NULL): ``IntegrityError``, its recovery rolled back, the
traceback in the log ("Error finding onexchange order"). Plain freqtrade never meets such an
order: it is the plugin's leg, so the plugin leaves it out of that answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import ccxt
import pytest
from freqtrade.freqtradebot import FreqtradeBot
from freqtrade.persistence import Order, Trade, init_db
from freqtrade.persistence.base import ModelBase

from ft_bracket.core.actions import TradeView
from ft_bracket.execution.context import ManagerSettings
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.freqtrade_adapter.stop_orders import route_stop_orders
from ft_bracket.reporting.events import EventSink
from ft_bracket.venues.simulated import SimulatedGateway
from harness.freqtrade_bot import database_errors
from tests.support.freqtrade_standin import StandInFreqtrade

PAIR = "DOGE/USDT:USDT"
ROOT = "mxdp38228pl"
AMOUNT = 34371.0
OPENED = datetime(2026, 12, 7, 20, 0, 28, tzinfo=UTC)
OPENED_MS = int(OPENED.timestamp() * 1000)


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


def binance_order(order_id: int, client_id: str, side: str, status: str, filled: str,
                  average: str, orig_type: str, at_ms: int) -> dict[str, Any]:
    """A USDⓈ-M order as Binance sends it (market orders carry price "0"), parsed by ccxt."""
    raw = {"orderId": order_id, "symbol": "DOGEUSDT", "status": status,
           "clientOrderId": client_id, "price": "0", "avgPrice": average, "origQty": "34371",
           "executedQty": filled, "cumQuote": "0", "timeInForce": "GTC", "type": "MARKET",
           "reduceOnly": orig_type != "MARKET", "closePosition": False, "side": side,
           "positionSide": "BOTH", "stopPrice": "0", "workingType": "CONTRACT_PRICE",
           "priceProtect": False, "origType": orig_type, "time": at_ms, "updateTime": at_ms}
    return ccxt.binance({"options": {"defaultType": "swap"}}).parse_order(raw, None)


ENTRY = binance_order(8000000086, f"ftb-{ROOT}-en1", "SELL", "FILLED", "34371", "0.15446",
                      "MARKET", OPENED_MS)
STOP_FILL = binance_order(8000000100, f"ftb-{ROOT}-sl1", "BUY", "FILLED", "34371", "0.15757",
                          "STOP_MARKET", OPENED_MS + 4_747)
TAKE_PROFIT_EXPIRED = binance_order(8000000104, f"ftb-{ROOT}-tp1", "BUY", "EXPIRED", "0", "0",
                                    "TAKE_PROFIT_MARKET", OPENED_MS + 15_074)


class Venue:
    """freqtrade's exchange as far as the recovery asks it: the pair's orders."""

    def fetch_orders(self, pair: str, since: datetime, params: dict | None = None
                     ) -> list[dict[str, Any]]:
        return [dict(o) for o in (ENTRY, STOP_FILL, TAKE_PROFIT_EXPIRED)]


def open_short() -> Trade:
    """The restarted bot's open trade: its entry recorded, its stop not (the bot was killed
    before freqtrade adopted it)."""
    trade = Trade(pair=PAIR, base_currency="DOGE", stake_currency="USDT", open_rate=0.15446,
                  open_date=OPENED, stake_amount=530.9, amount=AMOUNT, fee_open=0.0005,
                  fee_close=0.0005, is_open=True, is_short=True, exchange="binance",
                  trading_mode="futures", leverage=10.0)
    trade.orders.append(Order.parse_from_ccxt_object(ENTRY, PAIR, "sell", AMOUNT, 0.15446))
    Trade.session.add(trade)
    Trade.commit()
    return trade


def test_recovery_after_a_restart_never_writes_the_take_profit_that_expired_unfilled(
    database: None, caplog: pytest.LogCaptureFixture,
) -> None:
    trade = open_short()
    manager = OrderManager(ManagerSettings(), SimulatedGateway(), StandInFreqtrade(),
                           EventSink(lambda event: None))
    manager.open_bracket(TradeView(trade.id, PAIR, is_short=True, amount=AMOUNT, is_open=True),
                         ROOT, 0.15694, 0.14908)
    venue = Venue()
    route_stop_orders(venue, manager, "ftb")
    bot = SimpleNamespace(  # what handle_onexchange_order reaches of the bot, no more
        exchange=venue,
        update_trade_state=lambda *args, **kwargs: False,
        wallets=SimpleNamespace(get_owned=lambda pair, currency: 0.0),
        order_close_notify=lambda *args, **kwargs: None,
        cancel_stoploss_on_exchange=lambda trade: trade,
    )
    with caplog.at_level(logging.INFO):
        FreqtradeBot.handle_onexchange_order(bot, trade)  # type: ignore[arg-type]

    assert "Error finding onexchange order" not in caplog.text
    assert database_errors(caplog.text) == []
    rows = {o.order_id for o in Trade.session.get(Trade, trade.id).orders}
    # The stop's fill is recorded (freqtrade closes the trade from it); the order that filled
    # nothing is not.
    assert rows == {"8000000086", "8000000100"}
