"""The readable summary beside the legs record, as the bot's database keeps it: written once the
venue answered, rewritten when the legs change; and exits imported into the same database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from freqtrade.persistence import Trade, init_db
from freqtrade.persistence.base import ModelBase

from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import BracketLeg, LegKind, LegStatus
from ft_bracket.core.records import PRICES_RECORD
from ft_bracket.execution.context import CUSTOM_DATA_KEY
from ft_bracket.freqtrade_adapter.trades import FreqtradeTrades

PAIR = "XRP/USDT:USDT"


@pytest.fixture
def trade(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trade]:
    """An open trade in an in-memory database as the bot has; sessions restored after."""
    models = [ModelBase]
    for model in models:
        models.extend(model.__subclasses__())
    for model in models:
        monkeypatch.setattr(model, "session", None, raising=False)
    init_db("sqlite://")
    row = Trade(pair=PAIR, stake_currency="USDT", open_rate=1.2, stake_amount=60.0,
                open_date=datetime(2026, 11, 28, 20, 55, tzinfo=UTC), amount=100.0,
                fee_open=0.0005, fee_close=0.0005, is_open=True, exchange="binance",
                trading_mode="futures", leverage=2.0)
    Trade.session.add(row)
    Trade.commit()
    row.set_custom_data(PRICES_RECORD, {"stop_price": 1.17, "take_profit_price": 1.26,
                                         "risk_amount": 3.12})
    yield row
    Trade.session.remove()


def legs(stop: LegStatus, take_profit: LegStatus) -> dict:
    return Bracket(1, PAIR, False, "1-x",
                   BracketLeg(LegKind.STOP, 1.17, 100.0, stop, 1, "c-sl1",
                              "8000000004" if stop is not LegStatus.PLACING else None),
                   BracketLeg(LegKind.TAKE_PROFIT, 1.26, 100.0, take_profit, 1, "c-tp1",
                              "8000000005" if take_profit is not LegStatus.PLACING else None)
                   ).to_dict()


def test_the_summary_waits_for_the_venue_and_follows_the_legs(trade: Trade) -> None:
    records = FreqtradeTrades(api=None)
    records.save_record(trade.id, CUSTOM_DATA_KEY, legs(LegStatus.RESTING, LegStatus.PLACING))
    assert trade.get_custom_data(CUSTOM_DATA_KEY)["take_profit"]["status"] == "placing"
    assert trade.get_custom_data("bracket_summary") is None
    records.save_record(trade.id, CUSTOM_DATA_KEY, legs(LegStatus.RESTING, LegStatus.RESTING))
    assert trade.get_custom_data("bracket_summary") == (
        "take-profit 1.26 (+5.00 %), resting, order 8000000005 | "
        "stop 1.17 (-2.50 %), resting, order 8000000004 | long from 1.2, risk 3.12 USDT")
    records.save_record(trade.id, CUSTOM_DATA_KEY, legs(LegStatus.CANCELLED, LegStatus.FILLED))
    assert trade.get_custom_data("bracket_summary").startswith(
        "take-profit 1.26 (+5.00 %), filled, order 8000000005 | stop 1.17 (-2.50 %), cancelled")


class VenueOrders:
    """fetch_orders as the venue answers it: orders from ``since`` on."""

    def __init__(self, *orders: dict) -> None:
        self.orders = orders

    def fetch_orders(self, pair: str, since: int) -> list[dict]:
        return [o for o in self.orders if o["timestamp"] >= since]


def test_a_close_made_before_freqtrade_dated_the_trade_is_still_imported(trade: Trade) -> None:
    """The entry's answer came back, the plugin closed at market from it (the entry filled
    beyond its stop), and only then freqtrade opened the trade: the close predates open_date."""
    from freqtrade.persistence import Order

    opened = int(trade.open_date_utc.timestamp() * 1000)
    trade.orders.append(Order.parse_from_ccxt_object(
        {"id": "8000000001", "symbol": PAIR, "side": "buy", "type": "market", "status": "closed",
         "amount": 100.0, "filled": 100.0, "remaining": 0.0, "average": 1.2, "price": 1.2,
         "timestamp": opened - 12}, PAIR, "buy"))
    Trade.commit()
    close = {"id": "8000000003", "clientOrderId": "ftb-mx1-x1", "symbol": PAIR, "side": "sell",
             "type": "market", "status": "closed", "amount": 100.0, "filled": 100.0,
             "remaining": 0.0, "average": 1.16, "price": 1.16, "timestamp": opened - 3}
    imported = FreqtradeTrades(api=VenueOrders(close)).import_exchange_exits(trade.id, "stop_loss")
    assert imported.count == 1
    assert [o.order_id for o in trade.orders if o.ft_order_side == "sell"] == ["8000000003"]
