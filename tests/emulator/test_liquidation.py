"""Liquidation, funding and the mark price in the engine: hand-moved clock, flat paths."""

from __future__ import annotations

import numpy as np
import pytest

from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.mark import seeded_basis
from binance_emulator.venue.prices import FUNDING_INTERVAL_MS
from tests.emulator.helpers import (
    BTC,
    T0,
    XRP,
    D,
    conditional,
    flat_path,
    limit,
    make_exchange,
    market,
)

ENTRY = D("1.0001")  # a market buy at last 1.0000 fills at the ask
ENTRY_FEE = 1000 * ENTRY * D("0.0005")


@pytest.fixture
def exchange() -> Exchange:
    return make_exchange()


def isolated_long(exchange: Exchange, leverage: int = 20) -> Account:
    """1000 XRP long, isolated at ``leverage``: 50.005 USDT of margin at 20x."""
    account = exchange.add_account(f"iso{leverage}", "secret", D(10_000))
    exchange.set_margin_type(account, XRP, "ISOLATED")
    exchange.set_leverage(account, XRP, leverage)
    exchange.new_order(account, market("BUY", "1000"))
    return account


def income(account: Account, kind: str) -> list[D]:
    return [r.income for r in account.income if r.income_type == kind]


# Liquidation ---------------------------------------------------------------------------------


def test_isolated_20x_long_25_percent_past_liquidation_is_closed_not_left_negative(
    exchange: Exchange,
) -> None:
    account = isolated_long(exchange)
    position = account.position(XRP)
    locked = position.isolated_margin
    liquidation = margin.liquidation_price(account, exchange.quotes, position)
    assert D("0.954") < liquidation < D("0.955")
    exchange.set_price(XRP, (liquidation * D("0.75")).quantize(D("0.0001")))
    assert position.amount == 0
    assert position.isolated_margin == 0
    [forced] = account.force_orders
    assert forced.client_order_id.startswith("autoclose-")
    assert (forced.type, forced.time_in_force, forced.side, forced.status) == (
        "LIMIT", "IOC", "SELL", "FILLED")
    assert forced.executed_qty == 1000
    assert account.orders[forced.order_id] is forced
    # Far past bankruptcy: the loss stops at the position's margin, the insurance fund covers
    # the rest, and no trading fee is charged on the liquidation fill.
    assert account.wallet == D(10_000) - ENTRY_FEE - locked
    assert account.fills[-1].commission == 0
    assert income(account, "INSURANCE_CLEAR") == [-(locked + account.fills[-1].realized_pnl)]
    # It does not come back when the price does, and a new buy is a new position.
    exchange.set_price(XRP, D("1.0000"))
    assert position.amount == 0
    assert account.wallet == D(10_000) - ENTRY_FEE - locked
    exchange.new_order(account, market("BUY", "10"))
    assert position.amount == 10


def test_liquidation_starts_exactly_where_maintenance_margin_is_no_longer_covered(
    exchange: Exchange,
) -> None:
    account = isolated_long(exchange)
    exchange.set_price(XRP, D("0.9549"))  # equity 4.805 > maintenance 4.7745
    assert account.position(XRP).amount == 1000
    exchange.set_price(XRP, D("0.9548"))  # equity 4.705 < maintenance 4.774
    assert account.position(XRP).amount == 0
    # Not bankrupt: the clearance fee takes what margin was left (capped below 1.25 %).
    left = D("50.005") + (D("0.9548") - ENTRY) * 1000
    assert income(account, "INSURANCE_CLEAR") == [-left]
    assert account.wallet == D(10_000) - ENTRY_FEE - D("50.005")


def test_liquidation_is_judged_on_mark_not_last(exchange: Exchange) -> None:
    account = isolated_long(exchange)
    exchange.set_price(XRP, D("1.0000"), mark=D("0.9500"))
    assert account.position(XRP).amount == 0
    assert account.force_orders[0].avg_price == D("1.0000")  # the book is still at last


@pytest.mark.parametrize(("cancels", "algo_status"), [("all", "CANCELED"), ("plain", "FINISHED")])
def test_liquidation_cancels_open_orders_and_per_switch_the_algo_orders(
    exchange: Exchange, cancels: str, algo_status: str
) -> None:
    exchange.liquidation_cancels = cancels
    account = isolated_long(exchange)
    resting = exchange.new_order(account, limit("BUY", "100", "0.9000"))
    # A stop beyond the liquidation price: the path meets the liquidation first.
    stop = exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9500", qty="1000",
                                              reduce_only=True))
    exchange.set_price(XRP, D("0.9400"))
    assert account.position(XRP).amount == 0
    assert len(account.force_orders) == 1
    assert resting.status == "CANCELED"
    assert resting.executed_qty == 0
    # Left alone (plain), the stop still triggers, but into nothing: its order expires.
    assert stop.status == algo_status
    if cancels == "plain":
        assert account.orders[stop.actual_order_id].status == "EXPIRED"


def test_stop_placed_before_the_liquidation_price_fires_first(exchange: Exchange) -> None:
    account = isolated_long(exchange)
    stop = exchange.new_algo_order(account, conditional("STOP_MARKET", "SELL", "0.9700", qty="1000",
                                              reduce_only=True))
    exchange.set_price(XRP, D("0.9600"))
    assert stop.status == "FINISHED"
    assert account.orders[stop.actual_order_id].avg_price == D("0.9600")
    assert account.force_orders == []


def test_cross_liquidation_closes_every_cross_position_and_cancels_all_orders(
    exchange: Exchange,
) -> None:
    account = exchange.add_account("cross", "secret", D(100))
    exchange.new_order(account, market("BUY", "1000"))
    btc_bid = exchange.new_order(account, limit("BUY", "0.002", "50000.0", symbol=BTC))
    liquidation = margin.liquidation_price(account, exchange.quotes, account.position(XRP))
    assert D("0.90") < liquidation < D("0.91")
    exchange.set_price(XRP, D("0.8000"))
    assert account.position(XRP).amount == 0
    assert btc_bid.status == "CANCELED"
    # Bankrupt: the insurance fund brings the cross wallet back to zero, not below.
    assert account.wallet == 0
    assert income(account, "INSURANCE_CLEAR")[-1] > 0


def test_liquidation_is_in_the_journal(exchange: Exchange) -> None:
    account = isolated_long(exchange)
    exchange.set_price(XRP, D("0.9000"))
    events = [r["event"] for r in exchange.journal.of(account.api_key)]
    assert events[-6:] == ["price", "liquidation", "order_created", "order_filled",
                           "insurance_clear", "liquidation_done"]
    filled = [r for r in exchange.journal.of(account.api_key) if r["event"] == "order_filled"]
    assert D(filled[-1]["position_after"]) == 0


# Funding -------------------------------------------------------------------------------------


def next_funding(interval: int = FUNDING_INTERVAL_MS) -> int:
    return (T0 // interval + 1) * interval


def test_funding_is_paid_at_the_funding_time_by_longs_and_received_by_shorts(
    exchange: Exchange,
) -> None:
    long = exchange.add_account("long", "secret", D(10_000))
    short = exchange.add_account("short", "secret", D(10_000))
    exchange.new_order(long, market("BUY", "1000"))
    exchange.new_order(short, market("SELL", "1000"))
    wallets = long.wallet, short.wallet
    exchange.clock.now = next_funding() - 1  # type: ignore[attr-defined]
    exchange.refresh()
    assert income(long, "FUNDING_FEE") == []
    exchange.clock.now = next_funding()  # type: ignore[attr-defined]
    exchange.refresh()
    # notional at mark 1.0000 × the default rate 0.0001
    assert income(long, "FUNDING_FEE") == [D("-0.1")]
    assert income(short, "FUNDING_FEE") == [D("0.1")]
    assert (long.wallet, short.wallet) == (wallets[0] - D("0.1"), wallets[1] + D("0.1"))
    exchange.refresh()  # once per funding time
    assert len(income(long, "FUNDING_FEE")) == 1


def test_speed_shortens_the_funding_interval() -> None:
    exchange = make_exchange()
    fast = FUNDING_INTERVAL_MS // 5
    exchange.paths[XRP] = flat_path(exchange.markets[XRP], 1.0, funding_interval_ms=fast)
    account = exchange.add_account("fast", "secret", D(10_000))
    exchange.new_order(account, market("BUY", "1000"))
    exchange.clock.now = next_funding(fast) + fast  # type: ignore[attr-defined]
    exchange.refresh()
    assert income(account, "FUNDING_FEE") == [D("-0.1"), D("-0.1")]


def test_funding_now_at_a_rate_charges_isolated_margin_and_can_liquidate(
    exchange: Exchange,
) -> None:
    account = isolated_long(exchange)
    locked = account.position(XRP).isolated_margin
    charged = exchange.settle_funding(XRP, D("0.001"))
    assert charged == {account.api_key: {XRP: D("-1")}}
    assert account.position(XRP).isolated_margin == locked - 1
    exchange.settle_funding(XRP, D("0.05"))  # 50 USDT: more than the margin left
    assert account.position(XRP).amount == 0
    assert len(account.force_orders) == 1
    assert [r["event"] for r in exchange.journal.of(account.api_key)].count("funding") == 2


# Mark price ----------------------------------------------------------------------------------


def test_seeded_basis_is_bounded_wandering_and_reproducible() -> None:
    times = np.arange(T0, T0 + 86_400_000, 60_000)
    basis = seeded_basis(XRP, 0.0005, seed=7)(times)
    assert np.abs(basis).max() <= 0.0005
    assert np.abs(basis).max() > 0.0001
    assert len(np.unique(np.sign(basis))) == 2
    assert np.array_equal(basis, seeded_basis(XRP, 0.0005, seed=7)(times))
    assert not np.array_equal(basis, seeded_basis(XRP, 0.0005, seed=8)(times))
    assert not np.any(seeded_basis(XRP, 0.0, seed=7)(times))


def test_mark_path_follows_last_within_the_basis() -> None:
    exchange = make_exchange()
    basis = seeded_basis(XRP, 0.01, seed=3)
    exchange.mark_paths[XRP] = exchange.paths[XRP].with_basis(basis)
    exchange.clock.now += 1  # type: ignore[attr-defined]
    exchange.refresh()
    last, mark = exchange.quotes.last(XRP), exchange.quotes.mark(XRP)
    assert mark != last
    assert abs(mark / last - 1) <= D("0.0101")
