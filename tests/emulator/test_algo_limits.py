"""How many conditional orders the venue keeps open: MAX_NUM_ALGO_ORDERS per symbol and account,
and the account's limit across all symbols. In the engine: fixed clock, flat paths, no HTTP."""

from __future__ import annotations

from binance_emulator.api import wire
from binance_emulator.venue import rules
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.models import AlgoOrder
from tests.emulator.helpers import (
    BTC,
    XRP,
    D,
    conditional,
    market,
    rejected,
)


def stops(exchange: Exchange, account: Account, count: int, symbol: str = XRP,
          first: int = 0) -> list[AlgoOrder]:
    """``count`` reduce-only stops of one contract each, under the price, each a tick lower."""
    top, tick, qty = (D("0.9"), D("0.0001"), "1") if symbol == XRP else (D("30000"), D("0.1"),
                                                                         "0.001")
    return [exchange.new_algo_order(account, conditional(
        "STOP_MARKET", "SELL", f"{top - (first + n) * tick:f}", qty, symbol=symbol,
        reduce_only=True)) for n in range(count)]


def algo_filter(exchange: Exchange, symbol: str) -> list[dict[str, object]]:
    filters = wire.symbol_info(exchange.markets[symbol])["filters"]
    return [f for f in filters if f["filterType"] == "MAX_NUM_ALGO_ORDERS"]  # type: ignore


def test_a_symbol_holds_max_num_algo_orders_open_conditionals_then_minus_4045(
    exchange: Exchange, account: Account
) -> None:
    assert algo_filter(exchange, XRP) == [{"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10}]
    exchange.new_order(account, market("BUY", "100"))
    exchange.new_order(account, market("BUY", "0.01", symbol=BTC))
    placed = stops(exchange, account, 10)
    error = rejected(-4045, exchange.new_algo_order, account,
                     conditional("TAKE_PROFIT_MARKET", "SELL", "1.5", "1", reduce_only=True))
    assert error.msg == "Reach max stop order limit."
    assert [r["event"] for r in exchange.journal.of("key")][-1] == "algo_rejected"
    # The limit is per symbol and per account.
    stops(exchange, account, 1, symbol=BTC)
    other = exchange.add_account("other", "secret", D(10_000))
    exchange.new_order(other, market("BUY", "10"))
    stops(exchange, other, 1)
    # A cancelled or triggered conditional is no longer open: it frees its place.
    exchange.cancel_algo_order(account, placed[0].algo_id, None)
    exchange.set_price(XRP, D("0.8998"))  # fires the stops at 0.8999 and 0.8998
    assert [a.status for a in placed[:4]] == ["CANCELED", "FINISHED", "FINISHED", "NEW"]
    assert len(account.open_algo_orders(XRP)) == 7
    stops(exchange, account, 3, first=20)
    rejected(-4045, exchange.new_algo_order, account,
             conditional("STOP_MARKET", "SELL", "0.4", "1", reduce_only=True))


def test_the_limit_is_set_per_market_and_none_serves_no_filter(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    exchange.set_algo_order_limit(2, XRP)
    assert algo_filter(exchange, XRP) == [{"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 2}]
    assert algo_filter(exchange, BTC)[0]["limit"] == 10
    stops(exchange, account, 2)
    rejected(-4045, exchange.new_algo_order, account,
             conditional("STOP_MARKET", "SELL", "0.4", "1", reduce_only=True))
    exchange.set_algo_order_limit(None)
    assert algo_filter(exchange, XRP) == algo_filter(exchange, BTC) == []
    stops(exchange, account, 12, first=2)
    assert len(account.open_algo_orders(XRP)) == 14


def test_without_a_symbol_limit_the_account_holds_200_across_symbols(
    exchange: Exchange, account: Account
) -> None:
    exchange.set_algo_order_limit(None)
    exchange.new_order(account, market("BUY", "1000"))
    exchange.new_order(account, market("BUY", "0.01", symbol=BTC))
    stops(exchange, account, rules.MAX_OPEN_ALGO_ORDERS - 1)
    stops(exchange, account, 1, symbol=BTC)
    assert rules.MAX_OPEN_ALGO_ORDERS == 200
    rejected(-4045, exchange.new_algo_order, account,
             conditional("STOP_MARKET", "SELL", "30001", "0.001", symbol=BTC, reduce_only=True))
