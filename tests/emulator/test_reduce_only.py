"""Reduce-only orders in the engine: refused without a position to reduce, trimmed to it, several
coexisting beyond it, expiring instead of opening one. Fixed clock, flat paths, no HTTP."""

from __future__ import annotations

from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from tests.emulator.helpers import XRP, D, conditional, limit, market, rejected


def test_reduce_only_without_position_is_rejected(exchange: Exchange, account: Account) -> None:
    error = rejected(-2022, exchange.new_order, account, market("SELL", "10", reduce_only=True))
    assert error.msg == "ReduceOnly Order is rejected."
    rejected(-2022, exchange.new_algo_order, account,
             conditional("STOP_MARKET", "SELL", "0.9", reduce_only=True))


def test_reduce_only_on_the_same_side_as_the_position_is_rejected(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    rejected(-2022, exchange.new_order, account, market("BUY", "10", reduce_only=True))
    rejected(-2022, exchange.new_algo_order, account,
             conditional("TAKE_PROFIT_MARKET", "BUY", "0.9", reduce_only=True))
    assert account.position(XRP).amount == D("100")


def test_reduce_only_is_trimmed_to_the_position_and_never_flips(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    order = exchange.new_order(account, market("SELL", "250", reduce_only=True))
    assert order.status == "FILLED"
    assert order.executed_qty == D("100")
    assert order.quantity == D("100")
    assert account.position(XRP).amount == 0


def test_several_reduce_only_orders_coexist_beyond_the_position(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account,
                                   conditional("STOP_MARKET", "SELL", "0.9", reduce_only=True))
    take = exchange.new_algo_order(account,
        conditional("TAKE_PROFIT_MARKET", "SELL", "1.2", reduce_only=True)
    )
    exit_ = exchange.new_order(account, limit("SELL", "100", "1.1000", reduce_only=True))
    assert [stop.status, take.status, exit_.status] == ["NEW", "NEW", "NEW"]
    # Reduce-only limits reserve no margin.
    assert margin.open_order_margin(account) == 0
    exchange.set_price(XRP, D("1.1"))
    assert exit_.status == "FILLED"
    assert account.position(XRP).amount == 0
    # The venue does not cancel the other legs when the position closes.
    assert stop.status == "NEW"
    assert take.status == "NEW"


def test_leftover_reduce_only_leg_expires_when_it_triggers_without_position(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account,
                                   conditional("STOP_MARKET", "SELL", "0.9", reduce_only=True))
    exchange.new_order(account, market("SELL", "100", reduce_only=True))
    fills_before = len(account.fills)
    exchange.set_price(XRP, D("0.85"))
    assert stop.status == "FINISHED"
    actual = account.orders[stop.actual_order_id]
    assert actual.status == "EXPIRED"
    assert actual.executed_qty == 0
    assert account.position(XRP).amount == 0
    assert len(account.fills) == fills_before


def test_reduce_only_limit_resting_past_its_position_expires_instead_of_opening(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    exit_ = exchange.new_order(account, limit("SELL", "100", "1.2000", reduce_only=True))
    exchange.new_order(account, market("SELL", "100", reduce_only=True))
    exchange.set_price(XRP, D("1.3"))
    assert exit_.status == "EXPIRED"
    assert account.position(XRP).amount == 0
