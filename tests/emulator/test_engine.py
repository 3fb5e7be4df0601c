"""The matching engine on its own: fixed clock, flat synthetic price paths, no HTTP."""

from __future__ import annotations

import pytest

from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.markets import MARKETS
from binance_emulator.venue.models import OrderRequest
from tests.emulator.helpers import (
    BTC,
    ODD,
    T0,
    XRP,
    D,
    conditional,
    limit,
    market,
    rejected,
)

# Fills at the touch ------------------------------------------------------------------------


def test_market_buy_fills_at_ask_one_tick_above_last(exchange: Exchange, account: Account) -> None:
    order = exchange.new_order(account, market("BUY", "100"))
    assert order.status == "FILLED"
    assert order.avg_price == D("1.0001")
    assert order.executed_qty == D("100")
    position = account.position(XRP)
    assert position.amount == D("100")
    assert position.entry_price == D("1.0001")


def test_market_sell_fills_at_bid_equal_to_last(exchange: Exchange, account: Account) -> None:
    order = exchange.new_order(account, market("SELL", "100"))
    assert order.avg_price == D("1.0000")
    assert account.position(XRP).amount == D("-100")


def test_entry_price_is_quantity_weighted_average(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "100"))
    exchange.set_price(XRP, D("1.2"))
    exchange.new_order(account, market("BUY", "300"))
    position = account.position(XRP)
    assert position.amount == D("400")
    # (100 * 1.0001 + 300 * 1.2001) / 400
    assert position.entry_price == D("1.1501")


def test_close_realises_pnl_and_charges_taker_fee(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "100"))
    exchange.set_price(XRP, D("1.1"))
    exchange.new_order(account, market("SELL", "100", reduce_only=True))
    assert account.position(XRP).amount == 0
    assert account.position(XRP).entry_price == 0
    open_fee = D("100") * D("1.0001") * D("0.0005")
    close_fee = D("100") * D("1.1") * D("0.0005")
    realised = (D("1.1") - D("1.0001")) * 100
    assert realised == D("9.99")
    assert account.wallet == D(10_000) + realised - open_fee - close_fee
    assert [f.commission for f in account.fills] == [open_fee, close_fee]
    assert [f.realized_pnl for f in account.fills] == [0, realised]


def test_short_profits_when_price_falls(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("SELL", "100"))
    exchange.set_price(XRP, D("0.9"))
    exchange.new_order(account, market("BUY", "100", reduce_only=True))
    # Bought back at the ask, one tick above last.
    assert account.fills[-1].realized_pnl == (D("1.0000") - D("0.9001")) * 100


def test_limit_order_rests_then_fills_as_maker_at_its_price(
    exchange: Exchange, account: Account
) -> None:
    order = exchange.new_order(account, limit("BUY", "100", "0.9500"))
    assert order.status == "NEW"
    assert margin.open_order_margin(account) == D("100") * D("0.95") / 20
    exchange.set_price(XRP, D("0.9400"))
    assert order.status == "FILLED"
    assert order.avg_price == D("0.9500")
    assert account.fills[-1].maker is True
    assert account.fills[-1].commission == D("100") * D("0.95") * D("0.0002")


def test_post_only_limit_that_would_take_is_rejected_and_not_recorded(
    exchange: Exchange, account: Account
) -> None:
    error = rejected(-5022, exchange.new_order, account,
                     limit("BUY", "100", "1.0001", time_in_force="GTX"))
    assert "Post Only order will be rejected" in error.msg
    assert account.orders == {}
    assert account.position(XRP).amount == 0
    resting = exchange.new_order(account, limit("BUY", "100", "1.0000", time_in_force="GTX"))
    assert resting.status == "NEW"


# Margin and balance ------------------------------------------------------------------------


def test_cross_available_balance_subtracts_initial_margin_and_adds_upnl(
    exchange: Exchange, account: Account
) -> None:
    exchange.set_leverage(account, XRP, 10)
    exchange.new_order(account, market("BUY", "1000"))
    fee = D("1000") * D("1.0001") * D("0.0005")
    assert account.wallet == D(10_000) - fee
    # Initial margin at mark 1.0000: 1000 / 10; unrealised (1.0000 - 1.0001) * 1000.
    available = margin.available_balance(account, exchange.quotes)
    assert available == account.wallet - D("100") - D("0.1")
    exchange.set_price(XRP, D("1.1"))
    assert margin.unrealized_pnl(exchange.quotes, account.position(XRP)) == D("99.9")
    available = margin.available_balance(account, exchange.quotes)
    assert available == account.wallet + D("99.9") - D("110")


def test_isolated_margin_is_locked_on_entry_and_released_on_close(
    exchange: Exchange, account: Account
) -> None:
    exchange.set_margin_type(account, XRP, "ISOLATED")
    exchange.set_leverage(account, XRP, 10)
    exchange.new_order(account, market("BUY", "1000"))
    position = account.position(XRP)
    assert position.isolated_margin == D("100.01")
    wallet_after_entry = account.wallet
    # Isolated unrealised PnL does not change what is available to other positions.
    exchange.set_price(XRP, D("1.2"))
    assert margin.available_balance(account, exchange.quotes) == wallet_after_entry - D("100.01")
    exchange.new_order(account, market("SELL", "400", reduce_only=True))
    assert position.isolated_margin == D("100.01") * 600 / 1000
    exchange.new_order(account, market("SELL", "600", reduce_only=True))
    assert position.isolated_margin == 0
    assert margin.available_balance(account, exchange.quotes) == account.wallet
    assert account.wallet > D(10_000)


def test_insufficient_margin_is_rejected_and_leaves_no_trace(exchange: Exchange) -> None:
    poor = exchange.add_account("poor", "secret", D("10"))
    exchange.set_leverage(poor, XRP, 1)
    error = rejected(-2019, exchange.new_order, poor, market("BUY", "20"))
    assert error.msg == "Margin is insufficient."
    assert poor.orders == {}
    assert poor.wallet == D("10")
    # Enough at higher leverage: 20 * 1.0001 / 5 plus the fee.
    exchange.set_leverage(poor, XRP, 5)
    assert exchange.new_order(poor, market("BUY", "20")).status == "FILLED"


def test_closing_order_needs_no_margin(exchange: Exchange) -> None:
    trader = exchange.add_account("trader", "secret", D("30"))
    exchange.new_order(trader, market("BUY", "100"))
    exchange.set_price(XRP, D("0.72"))
    # Available is negative now, yet a plain (not reduce-only) close must still go through.
    assert margin.available_balance(trader, exchange.quotes) < 0
    assert exchange.new_order(trader, market("SELL", "100")).status == "FILLED"
    assert trader.position(XRP).amount == 0


# Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "code", "msg"),
    [
        (market("BUY", "10.05"), -1111, "Precision is over the maximum defined for this asset."),
        (limit("BUY", "10", "1.00001"), -1111,
         "Precision is over the maximum defined for this asset."),
        (market("BUY", "0"), -4003, "Quantity less than or equal to zero."),
        (market("BUY", "-10"), -4003, "Quantity less than or equal to zero."),
        (market("BUY", "7", symbol=ODD.symbol), -4023, "Qty not increased by step size."),
        (market("BUY", "0.001", symbol=BTC), -4164,
         "Order's notional must be no smaller than 100 (unless you choose reduce only)."),
        (limit("BUY", "10", "2.0003", symbol=ODD.symbol), -4014,
         "Price not increased by tick size."),
        (limit("BUY", "10000000.1", "0.5"), -4005, "Quantity greater than max quantity."),
        (market("BUY", "2000000.1"), -4005, "Quantity greater than max quantity."),
        (market("BUY", "4.9"), -4164,
         "Order's notional must be no smaller than 5 (unless you choose reduce only)."),
        (limit("BUY", "5", "0.9999"), -4164,
         "Order's notional must be no smaller than 5 (unless you choose reduce only)."),
        (conditional("STOP_MARKET", "SELL", "0.9"), -4120,
         "Order type not supported for this endpoint. Please use the Algo Order API endpoints "
         "instead."),
        (OrderRequest(symbol="FOOUSDT", side="BUY", type="MARKET", quantity=D(1)), -1121,
         "Invalid symbol."),
    ],
)
def test_plain_order_filters(
    exchange: Exchange,
    account: Account, request_: OrderRequest, code: int, msg: str
) -> None:
    error = rejected(code, exchange.new_order, account, request_)
    assert error.msg == msg
    assert account.orders == {}
    assert account.fills == []


def test_limit_order_at_exactly_min_notional_is_accepted(
    exchange: Exchange, account: Account
) -> None:
    assert exchange.new_order(account, limit("BUY", "5", "1.0000")).status == "NEW"


def test_reduce_only_is_exempt_from_min_notional(exchange: Exchange, account: Account) -> None:
    exchange.new_order(account, market("BUY", "10"))
    order = exchange.new_order(account, market("SELL", "4", reduce_only=True))
    assert order.status == "FILLED"
    assert account.position(XRP).amount == D("6")


def test_conditional_min_notional_is_judged_at_the_trigger(
    exchange: Exchange, account: Account
) -> None:
    exchange.new_order(account, market("BUY", "10"))
    error = rejected(-4164, exchange.new_algo_order, account,
                     conditional("STOP_MARKET", "BUY", "1.1", "4"))
    assert "no smaller than 5" in error.msg
    # Reduce-only conditional of the same size is fine.
    algo = exchange.new_algo_order(account,
        conditional("STOP_MARKET", "SELL", "0.9", "4", reduce_only=True)
    )
    assert algo.status == "NEW"


# Liquidation, records, settings ------------------------------------------------------------


@pytest.mark.parametrize(("side", "sign"), [("BUY", 1), ("SELL", -1)])
def test_isolated_liquidation_price_follows_binance_formula(
    exchange: Exchange,
    account: Account, side: str, sign: int
) -> None:
    exchange.set_margin_type(account, XRP, "ISOLATED")
    exchange.set_leverage(account, XRP, 10)
    exchange.new_order(account, market(side, "1000"))
    position = account.position(XRP)
    entry = position.entry_price
    locked = position.isolated_margin
    assert locked == D(1000) * entry / 10
    tier = MARKETS[XRP].tier_for(D(1000) * entry)
    assert (tier.maintenance_margin_rate, tier.maintenance_amount) == (D("0.005"), 0)
    # Binance one-way: LP = (WB + cum - side * qty * entry) / (qty * mmr - side * qty)
    expected = (locked - sign * 1000 * entry) / (1000 * D("0.005") - sign * 1000)
    liquidation = margin.liquidation_price(account, exchange.quotes, position)
    assert liquidation == expected
    # At that price the position's equity equals its maintenance margin.
    equity = locked + (liquidation - entry) * position.amount
    assert abs(equity - D(1000) * liquidation * D("0.005")) < D("1e-20")
    if sign > 0:
        assert D("0.90") < liquidation < entry * D("0.91")
    else:
        assert entry * D("1.09") < liquidation < D("1.10")


def test_cross_liquidation_price_uses_the_wallet(exchange: Exchange, account: Account) -> None:
    exchange.set_leverage(account, XRP, 10)
    exchange.new_order(account, market("BUY", "1000"))
    position = account.position(XRP)
    expected = (account.wallet - 1000 * position.entry_price) / (1000 * D("0.005") - 1000)
    # A 1000-USDT long backed by ~10,000 USDT of wallet cannot be liquidated above zero.
    assert expected < 0
    assert margin.liquidation_price(account, exchange.quotes, position) == 0


def test_every_fill_writes_a_trade_row_and_income_rows(
    exchange: Exchange, account: Account
) -> None:
    entry = exchange.new_order(account, market("BUY", "100"))
    exchange.clock.now += 5_000  # type: ignore[attr-defined]
    exchange.set_price(XRP, D("1.05"))
    exit_ = exchange.new_order(account, market("SELL", "100", reduce_only=True))
    assert [(f.order_id, f.side, f.price, f.qty, f.time) for f in account.fills] == [
        (entry.order_id, "BUY", D("1.0001"), D("100"), T0),
        (exit_.order_id, "SELL", D("1.05"), D("100"), T0 + 5_000),
    ]
    rows = [(r.income_type, r.income, r.time) for r in account.income]
    assert rows == [
        ("COMMISSION", -D("100") * D("1.0001") * D("0.0005"), T0),
        ("REALIZED_PNL", (D("1.05") - D("1.0001")) * 100, T0 + 5_000),
        ("COMMISSION", -D("100") * D("1.05") * D("0.0005"), T0 + 5_000),
    ]
    assert account.income[0].trade_id == str(account.fills[0].trade_id)


def test_margin_type_changes_once_then_no_need_to_change(
    exchange: Exchange, account: Account
) -> None:
    # Accounts start in cross margin.
    error = rejected(-4046, exchange.set_margin_type, account, XRP, "CROSSED")
    assert error.msg == "No need to change margin type."
    exchange.set_margin_type(account, XRP, "ISOLATED")
    assert account.is_isolated(XRP)
    rejected(-4046, exchange.set_margin_type, account, XRP, "ISOLATED")
    resting = exchange.new_order(account, limit("BUY", "100", "0.5000"))
    error = rejected(-4047, exchange.set_margin_type, account, XRP, "CROSSED")
    assert error.msg == "Margin type cannot be changed if there exists open orders."
    exchange.cancel_order(account, resting.order_id, None)
    exchange.new_order(account, market("BUY", "100"))
    error = rejected(-4048, exchange.set_margin_type, account, XRP, "CROSSED")
    assert error.msg == "Margin type cannot be changed if there exists position."
    assert account.is_isolated(XRP)


def test_leverage_bounds(exchange: Exchange, account: Account) -> None:
    # XRP's real first bracket (freqtrade's copy of Binance's table) allows 100x.
    exchange.set_leverage(account, XRP, 100)
    assert account.leverage_for(XRP) == 100
    error = rejected(-4028, exchange.set_leverage, account, XRP, 101)
    assert error.msg == "Leverage 101 is not valid"
    rejected(-4028, exchange.set_leverage, account, XRP, 0)
    assert account.leverage_for(BTC) == 20
