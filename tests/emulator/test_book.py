"""The finite order book: takers walk it, leftovers expire or rest, resting limits fill in parts,
triggered stops slip, and the book shown is the book filled against."""

from __future__ import annotations

from binance_emulator.venue.account import Account
from binance_emulator.venue.book import BookShape
from binance_emulator.venue.exchange import Exchange
from tests.emulator.helpers import (
    XRP,
    D,
    conditional,
    limit,
    market,
    rejected,
)


def thin(exchange: Exchange, levels: int = 3, qty: str = "100", gap: int = 1) -> None:
    exchange.shape_book(XRP, BookShape(levels, D(qty), None, gap))


def test_default_book_is_deep_enough_to_fill_thousands_of_usdt_at_the_touch(
    exchange: Exchange,
    account: Account,
) -> None:
    order = exchange.new_order(account, market("BUY", "5000"))
    assert [(f.price, f.qty) for f in account.fills] == [(D("1.0001"), D("5000"))]
    assert order.status == "FILLED"


def test_market_order_walks_a_thin_book_level_by_level(
    exchange: Exchange, account: Account
) -> None:
    thin(exchange)
    order = exchange.new_order(account, market("BUY", "250"))
    assert [(f.price, f.qty) for f in account.fills] == [
        (D("1.0001"), D("100")), (D("1.0002"), D("100")), (D("1.0003"), D("50"))]
    assert order.status == "FILLED"
    assert order.avg_price == D("1.00018")  # (100 × 1.0001 + 100 × 1.0002 + 50 × 1.0003) / 250


def test_market_order_beyond_the_book_fills_what_is_there_and_expires(
    exchange: Exchange, account: Account
) -> None:
    thin(exchange)
    order = exchange.new_order(account, market("SELL", "400"))
    assert (order.status, order.executed_qty) == ("EXPIRED", D("300"))
    assert account.position(XRP).amount == D("-300")


def test_taken_liquidity_stays_taken_until_the_last_price_moves(
    exchange: Exchange, account: Account
) -> None:
    thin(exchange)
    exchange.new_order(account, market("BUY", "250"))
    book = exchange.books[XRP]
    assert book.levels("asks", exchange.quotes.last(XRP), 5) == [
        (D("1.0001"), 0), (D("1.0002"), 0), (D("1.0003"), D("50"))]
    second = exchange.new_order(account, market("BUY", "100"))
    assert (second.status, second.executed_qty) == ("EXPIRED", D("50"))
    exchange.set_price(XRP, D("1.0001"))
    assert book.levels("asks", exchange.quotes.last(XRP), 1) == [(D("1.0002"), D("100"))]


def test_ioc_limit_fills_up_to_its_price_and_expires_the_rest(
    exchange: Exchange, account: Account
) -> None:
    thin(exchange)
    order = exchange.new_order(account, limit("BUY", "250", "1.0002", time_in_force="IOC"))
    assert (order.status, order.executed_qty, order.avg_price) == (
        "EXPIRED", D("200"), D("1.00015"))


def test_fok_that_the_book_cannot_fill_is_rejected(exchange: Exchange, account: Account) -> None:
    thin(exchange)
    error = rejected(-5021, exchange.new_order, account,
                     limit("BUY", "250", "1.0002", time_in_force="FOK"))
    assert "FOK order has been rejected" in error.msg
    assert account.orders == {}
    assert exchange.new_order(account, limit("BUY", "200", "1.0002",
                                   time_in_force="FOK")).status == "FILLED"


def test_marketable_gtc_limit_takes_what_it_can_and_rests_the_rest(
    exchange: Exchange, account: Account
) -> None:
    thin(exchange)
    order = exchange.new_order(account, limit("BUY", "250", "1.0001"))
    assert (order.status, order.executed_qty) == ("PARTIALLY_FILLED", D("100"))
    assert order in account.open_orders(XRP)


def test_resting_limit_fills_in_parts_as_the_price_trades_through_it(
    exchange: Exchange, account: Account
) -> None:
    thin(exchange)
    order = exchange.new_order(account, limit("BUY", "250", "0.9990"))
    exchange.set_price(XRP, D("0.9989"))  # asks from 0.9990: one level at the limit
    assert (order.status, order.executed_qty) == ("PARTIALLY_FILLED", D("100"))
    exchange.set_price(XRP, D("0.9988"))  # fresh book, two levels at or below the limit
    assert (order.status, order.executed_qty) == ("FILLED", D("250"))
    assert {(f.price, f.maker) for f in account.fills} == {(D("0.9990"), True)}


def test_triggered_stop_market_slips_in_a_thin_book(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "300"))
    stop = exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9500", qty="300",
                                              reduce_only=True))
    thin(exchange, qty="100", gap=2)
    exchange.set_price(XRP, D("0.9500"))
    actual = account.orders[stop.actual_order_id]
    assert [(f.price, f.qty) for f in account.fills[1:]] == [
        (D("0.9500"), D("100")), (D("0.9498"), D("100")), (D("0.9496"), D("100"))]
    assert actual.avg_price == D("0.9498")
    assert stop.status == "FINISHED"
    assert stop.actual_price == D("0.9498")


def test_triggered_stop_limit_that_rests_is_triggered_until_its_order_finishes(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account, conditional("STOP", "SELL", "0.9500", qty="100",
                                              reduce_only=True, price="0.9600",
                                              time_in_force="GTC"))
    exchange.set_price(XRP, D("0.9500"))
    actual = account.orders[stop.actual_order_id]
    assert (stop.status, actual.status, actual.type) == ("TRIGGERED", "NEW", "LIMIT")
    exchange.set_price(XRP, D("0.9600"))
    assert (stop.status, actual.status) == ("FINISHED", "FILLED")
