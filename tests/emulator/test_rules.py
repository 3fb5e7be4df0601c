"""Binance's order rules with their codes and texts, order modification, isolated margin changes
and the journal, in the engine alone."""

from __future__ import annotations

import dataclasses

import pytest

from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.markets import MARKETS
from binance_emulator.venue.models import OrderRequest
from tests.emulator.helpers import (
    BTC,
    XRP,
    D,
    conditional,
    flat_path,
    limit,
    market,
    rejected,
)

# PERCENT_PRICE ---------------------------------------------------------------------------


def test_limit_buy_at_twice_the_mark_is_refused_with_the_cap(
    exchange: Exchange, account: Account
) -> None:
    error = rejected(-4016, exchange.new_order, account, limit("BUY", "10", "2.0000"))
    assert error.msg == "Limit price can't be higher than 1.0500"
    assert account.orders == {}
    assert exchange.new_order(account, limit("BUY", "10", "1.0500")).status == "FILLED"


def test_limit_sell_far_below_the_mark_is_refused_with_the_floor(
    exchange: Exchange, account: Account
) -> None:
    error = rejected(-4024, exchange.new_order, account, limit("SELL", "10", "0.5000"))
    assert error.msg == "Limit price can't be lower than 0.9500"
    # Far from the market on the passive side is fine.
    assert exchange.new_order(account, limit("BUY", "10", "0.5000")).status == "NEW"
    assert exchange.new_order(account, limit("SELL", "10", "1.9000")).status == "NEW"


def test_percent_price_is_judged_on_the_mark(exchange: Exchange, account: Account) -> None:
    exchange.set_price(XRP, D("1.0000"), mark=D("0.9000"))
    rejected(-4016, exchange.new_order, account, limit("BUY", "10", "0.9500"))
    # The best ask (1.0001) is beyond mark × 1.05 too: a market buy is refused.
    error = rejected(-4131, exchange.new_order, account, market("BUY", "10"))
    assert "PERCENT_PRICE" in error.msg


# Parameters and filters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "code", "msg"),
    [
        (OrderRequest(symbol=XRP, side="BUY", type="LIMIT", quantity=D(10), price=D("0.9")),
         -1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."),
        (limit("BUY", "10", "0.9", time_in_force="GTE"), -1115, "Invalid timeInForce."),
        (market("BUY", "10", position_side="LONG"), -4061,
         "Order's position side does not match user's setting."),
        (limit("BUY", "10", "0.00001"), -1111,
         "Precision is over the maximum defined for this asset."),
    ],
)
def test_parameter_rules(
    exchange: Exchange, account: Account, request_: OrderRequest, code: int, msg: str
) -> None:
    assert rejected(code, exchange.new_order, account, request_).msg == msg


def test_position_side_both_is_accepted_in_one_way_mode(
    exchange: Exchange, account: Account
) -> None:
    assert exchange.new_order(account, market("BUY", "10", position_side="BOTH")).status == "FILLED"


def test_quantity_below_the_minimum() -> None:
    coarse = dataclasses.replace(MARKETS[XRP], symbol="MINUSDT", base_asset="MIN",
                                 step_size=D(5), min_qty=D(10))
    exchange = Exchange({coarse.symbol: coarse},
                        {coarse.symbol: flat_path(coarse, 1.0)})
    account = exchange.add_account("k", "s", D(1000))
    error = rejected(-4004, exchange.new_order, account, market("BUY", "5", symbol=coarse.symbol))
    assert error.msg == "Quantity less than min quantity."


def test_position_cap_of_the_leverage_bracket(exchange: Exchange, account: Account) -> None:
    # At 100x XRP's first bracket caps the position at 40,000 USDT, open orders included.
    exchange.set_leverage(account, XRP, 100)
    exchange.new_order(account, market("BUY", "30000"))
    exchange.new_order(account, limit("BUY", "5000", "0.9000"))
    error = rejected(-2027, exchange.new_order, account, market("BUY", "6000"))
    assert error.msg == "Exceeded the maximum allowable position at current leverage."
    # Closing is never capped; a lower leverage has a larger bracket.
    assert exchange.new_order(account, market("SELL", "1000")).status == "FILLED"
    exchange.set_leverage(account, XRP, 75)
    assert exchange.new_order(account, market("BUY", "16000")).status == "FILLED"
    # Back to 100x with 45,000 USDT open is over that bracket's cap.
    rejected(-2027, exchange.set_leverage, account, XRP, 100)
    assert account.leverage_for(XRP) == 75


def test_close_position_rules(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "100"))
    close_all = {"qty": None, "close_position": True}
    error = rejected(-4136, exchange.new_algo_order, account,
                     conditional("STOP", "SELL", "0.9", price=D("0.9"), time_in_force="GTC",
                                 **close_all))
    assert error.msg == "Target strategy invalid for orderType STOP,closePosition true"
    error = rejected(-1106, exchange.new_algo_order, account,
                     conditional("STOP_MARKET", "SELL", "0.9", reduce_only=True, **close_all))
    assert error.msg == "Parameter 'reduceonly' sent when not required."
    assert exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9",
                                              **close_all)).status == "NEW"


def test_queries_with_the_wrong_symbol_find_nothing(exchange: Exchange, account: Account) -> None:
    order = exchange.new_order(account, limit("BUY", "100", "0.5000", client_id="mine"))
    assert account.find_order(order.order_id, None, XRP) is order
    assert rejected(-2013, account.find_order, order.order_id, None, BTC).msg == (
        "Order does not exist.")
    rejected(-2013, account.find_order, None, "mine", BTC)
    rejected(-2011, exchange.cancel_order, account, order.order_id, None, BTC)
    assert order.status == "NEW"


# Modify (PUT /fapi/v1/order) ---------------------------------------------------------------


def test_modify_moves_a_resting_limit_and_fills_it_when_it_now_crosses(
    exchange: Exchange,
    account: Account,
) -> None:
    order = exchange.new_order(account, limit("BUY", "100", "0.9000"))
    exchange.modify_order(account, XRP, order.order_id, None, "BUY", D("150"), D("0.9500"))
    assert (order.quantity, order.price, order.status) == (D("150"), D("0.9500"), "NEW")
    assert rejected(-5027, exchange.modify_order, account, XRP, order.order_id, None, "BUY",
                    D("150"),
                    D("0.9500")).msg == "No need to modify the order."
    rejected(-4016, exchange.modify_order, account, XRP, order.order_id, None, "BUY", D("150"),
             D("2.0000"))
    assert order.price == D("0.9500")  # a refused change leaves the order as it was
    exchange.modify_order(account, XRP, order.order_id, None, "BUY", D("150"), D("1.0001"))
    assert order.status == "FILLED"


def test_modify_to_a_quantity_already_filled_cancels(exchange: Exchange,
                                                      account: Account) -> None:
    exchange.shape_book(XRP, dataclasses.replace(exchange.books[XRP].shape,
                                                 level_qty=D(60), level_notional=None))
    order = exchange.new_order(account, limit("BUY", "100", "1.0001"))
    assert order.executed_qty == 60
    exchange.modify_order(account, XRP, order.order_id, None, "BUY", D("60"), D("1.0001"))
    assert order.status == "CANCELED"
    market_order = exchange.new_order(account, market("BUY", "10"))
    rejected(-2013, exchange.modify_order, account, XRP, market_order.order_id, None, "BUY", D(10),
             D("1"))


# Isolated margin (POST /fapi/v1/positionMargin) ----------------------------------------------


def test_isolated_margin_can_be_added_and_reduced_within_limits(
    exchange: Exchange, account: Account
) -> None:
    rejected(-4049, exchange.change_isolated_margin, account, XRP, D(10), 1)
    exchange.set_margin_type(account, XRP, "ISOLATED")
    exchange.set_leverage(account, XRP, 10)
    exchange.new_order(account, market("BUY", "1000"))
    position = account.position(XRP)
    locked = position.isolated_margin
    exchange.change_isolated_margin(account, XRP, D(50), 1)
    assert position.isolated_margin == locked + 50
    exchange.change_isolated_margin(account, XRP, D(40), 2)
    assert position.isolated_margin == locked + 10
    error = rejected(-4051, exchange.change_isolated_margin, account, XRP, D(20), 2)
    assert error.msg == "Isolated balance insufficient."
    rejected(-4050, exchange.change_isolated_margin, account, XRP, D(1_000_000), 1)
    assert [(c.type, c.amount) for c in account.margin_changes] == [(1, D(50)), (2, D(40))]


# Journal ---------------------------------------------------------------------------------


def test_journal_records_every_order_event_with_increasing_ids(
    exchange: Exchange, account: Account
) -> None:
    other = exchange.add_account("other", "secret", D(10_000))
    exchange.new_order(other, market("BUY", "10"))
    rejected(-4016, exchange.new_order, account, limit("BUY", "10", "2.0000", client_id="too-high"))
    resting = exchange.new_order(account, limit("BUY", "100", "0.9000", client_id="bid"))
    exchange.cancel_order(account, resting.order_id, None)
    exchange.new_order(account, market("BUY", "100", client_id="entry"))
    stop = exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9500",
                                              reduce_only=True, client_id="sl"))
    exchange.set_price(XRP, D("0.9400"))
    rows = list(exchange.journal.of("key"))
    assert [r["event"] for r in rows] == [
        "order_rejected", "order_created", "order_canceled", "order_created", "order_filled",
        "algo_created", "price", "algo_triggered", "order_created", "order_filled",
    ]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert rows[0]["code"] == -4016
    assert rows[0]["client_id"] == "too-high"
    entry_fill, stop_fill = rows[4], rows[9]
    assert (entry_fill["client_id"], entry_fill["qty"], entry_fill["position_after"]) == (
        "entry", "100", "100")
    assert (stop_fill["order_id"], stop_fill["position_after"]) == (stop.actual_order_id, "0")
    assert rows[6]["last"] == rows[6]["mark"] == "0.9400"
    assert list(exchange.journal.of("key", since_id=rows[-2]["id"])) == rows[-1:]
