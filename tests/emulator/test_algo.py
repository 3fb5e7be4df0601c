"""Conditional (algo) orders and client ids in the engine: fixed clock, flat paths, no HTTP."""

from __future__ import annotations

import pytest

from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.models import OrderRequest
from tests.emulator.helpers import (
    T0,
    XRP,
    D,
    conditional,
    limit,
    make_exchange,
    market,
    rejected,
)

# Conditional (algo) orders -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_type", "side", "trigger"),
    [
        ("STOP_MARKET", "SELL", "1.0000"),  # long stop at or above last
        ("STOP_MARKET", "BUY", "0.9999"),  # short stop below last
        ("TAKE_PROFIT_MARKET", "SELL", "0.9999"),  # long take-profit below last
        ("TAKE_PROFIT_MARKET", "BUY", "1.0001"),  # short take-profit above last
    ],
)
def test_conditional_already_crossed_would_immediately_trigger(
    exchange: Exchange,
    account: Account, order_type: str, side: str, trigger: str
) -> None:
    error = rejected(-2021, exchange.new_algo_order, account,
                     conditional(order_type, side, trigger))
    assert error.msg == "Order would immediately trigger."
    assert account.algo_orders == {}


@pytest.mark.parametrize(
    ("working_type", "trigger", "code"),
    [
        # last 1.0000, mark 0.9500: a long stop at 0.9700 is crossed on mark only.
        ("MARK_PRICE", "0.9700", -2021),
        ("CONTRACT_PRICE", "0.9700", None),
        # A long stop at 1.0000 is crossed on last only.
        ("MARK_PRICE", "0.9800", -2021),
        ("CONTRACT_PRICE", "0.9800", None),
        ("CONTRACT_PRICE", "1.0000", -2021),
        ("MARK_PRICE", "0.9400", None),
    ],
)
def test_would_immediately_trigger_uses_the_working_type_price(
    working_type: str, trigger: str, code: int | None
) -> None:
    exchange = make_exchange()
    account = exchange.add_account("key", "secret", D(10_000))
    exchange.new_order(account, market("BUY", "100"))
    exchange.set_price(XRP, D("1.0000"), mark=D("0.9500"))
    request = conditional("STOP_MARKET", "SELL", trigger, reduce_only=True,
                          working_type=working_type)
    if code is None:
        assert exchange.new_algo_order(account, request).status == "NEW"
    else:
        rejected(code, exchange.new_algo_order, account, request)


def test_mark_price_stop_fires_on_mark_not_last() -> None:
    exchange = make_exchange()
    account = exchange.add_account("key", "secret", D(10_000))
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9500",
                                                        reduce_only=True,
                                              working_type="MARK_PRICE"))
    exchange.set_price(XRP, D("1.0000"), mark=D("0.9400"))
    assert stop.status == "FINISHED"
    assert account.orders[stop.actual_order_id].avg_price == D("1.0000")


@pytest.mark.parametrize(
    ("entry_side", "order_type", "exit_side", "trigger", "safe", "crossing", "fill"),
    [
        ("BUY", "STOP_MARKET", "SELL", "0.9000", "0.9100", "0.8950", "0.8950"),
        ("SELL", "STOP_MARKET", "BUY", "1.1000", "1.0900", "1.1050", "1.1051"),
        ("BUY", "TAKE_PROFIT_MARKET", "SELL", "1.1000", "1.0900", "1.1200", "1.1200"),
        ("SELL", "TAKE_PROFIT_MARKET", "BUY", "0.9000", "0.9100", "0.8800", "0.8801"),
    ],
)
def test_conditional_triggers_into_a_real_market_order(
    exchange: Exchange, account: Account, entry_side: str, order_type: str, exit_side: str,
    trigger: str, safe: str, crossing: str, fill: str,
) -> None:
    exchange.new_order(account, market(entry_side, "100"))
    algo = exchange.new_algo_order(account,
        conditional(order_type, exit_side, trigger, reduce_only=True, client_id="leg-1")
    )
    exchange.clock.now += 1_000  # type: ignore[attr-defined]
    exchange.set_price(XRP, D(safe))
    assert algo.status == "NEW"
    assert algo.actual_order_id is None
    exchange.clock.now += 1_000  # type: ignore[attr-defined]
    exchange.set_price(XRP, D(crossing))
    assert algo.status == "FINISHED"
    assert algo.trigger_time == T0 + 2_000
    order = account.orders[algo.actual_order_id]
    assert (order.type, order.orig_type) == ("MARKET", order_type)
    assert order.stop_price == D(trigger)
    assert order.side == exit_side
    assert order.reduce_only is True
    assert order.status == "FILLED"
    assert order.avg_price == D(fill)
    assert algo.actual_price == D(fill)
    assert account.position(XRP).amount == 0


def test_conditional_that_opens_a_position_checks_margin_at_trigger(exchange: Exchange) -> None:
    trader = exchange.add_account("trader", "secret", D("1000"))
    exchange.set_leverage(trader, XRP, 1)
    breakout = exchange.new_algo_order(trader, conditional("STOP_MARKET", "BUY", "1.1000", "500"))
    poor = exchange.new_algo_order(trader, conditional("STOP_MARKET", "BUY", "1.2000", "5000"))
    exchange.set_price(XRP, D("1.1"))
    assert trader.orders[breakout.actual_order_id].status == "FILLED"
    assert trader.position(XRP).amount == D("500")
    exchange.set_price(XRP, D("1.2"))
    # The matching engine refused it: no real order exists.
    assert poor.status == "REJECTED"
    assert poor.actual_order_id is None
    assert trader.position(XRP).amount == D("500")


def test_close_position_stop_closes_whatever_the_position_is_at_trigger(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account,
        OrderRequest(symbol=XRP, side="SELL", type="STOP_MARKET", trigger_price=D("0.9"),
                     close_position=True)
    )
    assert stop.quantity == 0
    assert stop.reduce_only is True
    exchange.new_order(account, market("BUY", "50"))
    exchange.set_price(XRP, D("0.89"))
    order = account.orders[stop.actual_order_id]
    assert order.close_position is True
    assert order.executed_qty == D("150")
    assert account.position(XRP).amount == 0


def test_close_position_rejects_a_quantity(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "100"))
    error = rejected(-4137, exchange.new_algo_order, account,
                     conditional("STOP_MARKET", "SELL", "0.9", "100", close_position=True))
    assert error.msg == "Quantity must be zero with closePosition equals true"


def test_cancelled_conditional_never_triggers(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "100"))
    stop = exchange.new_algo_order(account,
                                   conditional("STOP_MARKET", "SELL", "0.9", reduce_only=True))
    assert exchange.cancel_algo_order(account, stop.algo_id, None).status == "CANCELED"
    exchange.set_price(XRP, D("0.8"))
    assert stop.actual_order_id is None
    assert account.position(XRP).amount == D("100")
    rejected(-2011, exchange.cancel_algo_order, account, stop.algo_id, None)


# Client ids, lookups -----------------------------------------------------------------------


def test_duplicate_client_id_is_rejected_among_open_orders_only(
    exchange: Exchange, account: Account
) -> None:
    resting = exchange.new_order(account, limit("BUY", "100", "0.5000", client_id="entry-1"))
    error = rejected(-4116, exchange.new_order, account,
                     limit("BUY", "100", "0.5000", client_id="entry-1"))
    assert error.msg == "ClientOrderId is duplicated."
    exchange.cancel_order(account, resting.order_id, None)
    again = exchange.new_order(account, limit("BUY", "100", "0.5000", client_id="entry-1"))
    assert again.status == "NEW"
    exchange.new_order(account, market("BUY", "100", client_id="filled-1"))
    again_filled = exchange.new_order(account, market("BUY", "100", client_id="filled-1"))
    assert again_filled.status == "FILLED"
    # Lookup by client id prefers the open order among same-named ones.
    assert account.find_order(None, "entry-1") is again
    assert account.accepted_client_ids == ["entry-1", "entry-1", "filled-1", "filled-1"]


def test_duplicate_client_algo_id_is_rejected_while_open(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "100"))
    first = exchange.new_algo_order(account,
        conditional("STOP_MARKET", "SELL", "0.9", reduce_only=True, client_id="sl-1")
    )
    rejected(-4116, exchange.new_algo_order, account,
             conditional("STOP_MARKET", "SELL", "0.8", reduce_only=True, client_id="sl-1"))
    exchange.cancel_algo_order(account, None, "sl-1")
    second = exchange.new_algo_order(account,
        conditional("STOP_MARKET", "SELL", "0.8", reduce_only=True, client_id="sl-1")
    )
    assert account.find_algo_order(None, "sl-1") is second
    assert first.status == "CANCELED"


def test_unknown_orders(exchange: Exchange, account: Account) -> None:
    assert rejected(-2013, account.find_order, 123, None).msg == "Order does not exist."
    assert rejected(-2011, exchange.cancel_order, account, 123, None).msg == "Unknown order sent."
    filled = exchange.new_order(account, market("BUY", "100"))
    # Filled orders stay queryable but cannot be cancelled.
    assert account.find_order(filled.order_id, None) is filled
    rejected(-2011, exchange.cancel_order, account, filled.order_id, None)
    rejected(-2013, account.find_algo_order, 123, None)
