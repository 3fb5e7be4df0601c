"""Liquidation as Binance's liquidation protocol describes it, driven by the mark price.

A position is liquidated once its margin balance no longer covers its maintenance margin (from
the symbol's leverage brackets): an isolated position on its own margin, cross positions on the
cross wallet plus their unrealised PnL together. Then, in this order:

1. open orders are cancelled: the liquidated symbol's (isolated) or the whole account's (cross);
   conditional algo orders too unless the venue is switched to ``liquidation_cancels=plain``;
2. each position is closed by a liquidation order (LIMIT, IOC, client id ``autoclose-…``, price
   = the bankruptcy price) that walks the book; what the book cannot take the insurance fund takes
   over at the mark price. No trading fee is charged on it;
3. the liquidation clearance fee (``liquidationFee`` × notional closed) is charged as an
   INSURANCE_CLEAR income row, never more than the collateral left; collateral below zero is
   brought back to zero by the insurance fund (a positive INSURANCE_CLEAR row).

Source: https://www.binance.com/en/support/faq/binance-futures-liquidation-protocols-360033525271
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from binance_emulator.venue import margin, matching
from binance_emulator.venue.models import ZERO, Income, Order, Position

if TYPE_CHECKING:
    from binance_emulator.venue.account import Account


def check(account: Account, symbol: str | None = None) -> None:
    """Liquidate whatever the current mark prices leave under-margined; with ``symbol``, only
    what that symbol's price can have changed (its isolated position, or the cross set if it
    holds a cross position)."""
    moved = account.positions.get(symbol) if symbol is not None else None
    if symbol is not None and (moved is None or not moved.amount):
        return
    for position in [moved] if moved is not None else list(account.positions.values()):
        if position.amount and account.is_isolated(position.symbol):
            equity = position.isolated_margin + margin.unrealized_pnl(account, position)
            if equity <= margin.maintenance_margin(account, position):
                _liquidate(account, [position], cross=False)
    if moved is not None and account.is_isolated(moved.symbol):
        return
    cross = [p for p in account.positions.values()
             if p.amount and not account.is_isolated(p.symbol)]
    if cross:
        balance = (account.wallet - margin.isolated_margin_total(account)
                   + margin.cross_unrealized_pnl(account))
        required = sum((margin.maintenance_margin(account, p) for p in cross), ZERO)
        if balance <= required:
            _liquidate(account, cross, cross=True)


def _liquidate(account: Account, positions: list[Position], cross: bool) -> None:
    exchange = account.exchange
    symbols = {p.symbol for p in positions}
    exchange.journal.record(
        account.api_key, "liquidation", margin_mode="cross" if cross else "isolated",
        symbols=sorted(symbols), marks={s: f"{exchange.mark_price(s):f}" for s in symbols},
    )
    for order in account.open_orders():
        if cross or order.symbol in symbols:
            account.close_order(order, "CANCELED", reason="liquidation")
    if exchange.liquidation_cancels == "all":
        for algo_order in account.open_algo_orders():
            if cross or algo_order.symbol in symbols:
                account.close_algo_order(algo_order, "CANCELED", reason="liquidation")
    wallet_before = account.wallet - margin.isolated_margin_total(account)
    collateral = ZERO
    closed_notional = ZERO
    for position in positions:
        locked = position.isolated_margin
        bankruptcy = _bankruptcy_price(account, position)
        realized, notional = _close(account, position, bankruptcy)
        closed_notional += notional
        if not cross:
            collateral = locked + realized
            _clear(account, position.symbol, collateral, notional)
    if cross:
        collateral = account.wallet - margin.isolated_margin_total(account)
        _clear(account, positions[0].symbol, collateral, closed_notional)
    exchange.journal.record(account.api_key, "liquidation_done", symbols=sorted(symbols),
                            cross_wallet_before=wallet_before, wallet_after=account.wallet)


def _bankruptcy_price(account: Account, position: Position) -> Decimal:
    """The mark at which this position's collateral would be exactly zero."""
    qty = position.amount
    if account.is_isolated(position.symbol):
        collateral = position.isolated_margin
    else:
        others = [p for p in account.positions.values()
                  if p is not position and p.amount and not account.is_isolated(p.symbol)]
        collateral = (account.wallet - margin.isolated_margin_total(account)
                      + sum((margin.unrealized_pnl(account, p) for p in others), ZERO))
    market = account.exchange.markets[position.symbol]
    price = position.entry_price - collateral / qty
    return max((price / market.tick_size).to_integral_value() * market.tick_size,
               market.tick_size)


def _close(account: Account, position: Position, bankruptcy: Decimal) -> tuple[Decimal, Decimal]:
    """Close the whole position by a liquidation order; its realised PnL and notional."""
    exchange = account.exchange
    now = exchange.clock()
    side = "SELL" if position.amount > 0 else "BUY"
    quantity = abs(position.amount)
    order = Order(
        order_id=exchange.next_id(),
        client_order_id=f"autoclose-{now}{exchange.next_id() % 1_000_000:06d}",
        symbol=position.symbol, side=side, type="LIMIT", orig_type="LIMIT", quantity=quantity,
        price=bankruptcy, stop_price=ZERO, reduce_only=False, close_position=False,
        time_in_force="IOC", working_type="CONTRACT_PRICE", time=now, update_time=now,
    )
    matching.accept(account, order)
    account.force_orders.append(order)
    fills_before = len(account.fills)
    book = exchange.books[position.symbol]
    for price, qty in book.take("bids" if side == "SELL" else "asks",
                                exchange.last_price(position.symbol), quantity):
        matching.fill(account, order, qty, price, maker=False, fee_rate=ZERO)
    if order.remaining > 0:  # the insurance fund takes over what the book could not absorb
        matching.fill(account, order, order.remaining, exchange.mark_price(position.symbol),
                      maker=False, fee_rate=ZERO)
    realized = sum((f.realized_pnl for f in account.fills[fills_before:]), ZERO)
    return realized, order.cum_quote


def _clear(account: Account, symbol: str, collateral: Decimal, notional: Decimal) -> None:
    """Charge the clearance fee out of what collateral is left; zero a bankrupt remainder."""
    exchange = account.exchange
    rate = exchange.markets[symbol].liquidation_fee
    fee = min(notional * rate, max(collateral, ZERO))
    now = exchange.clock()
    if fee:
        account.wallet -= fee
        account.income.append(Income(exchange.next_id(), symbol, "INSURANCE_CLEAR", -fee, now))
    if collateral < 0:
        account.wallet -= collateral
        account.income.append(Income(exchange.next_id(), symbol, "INSURANCE_CLEAR",
                                     -collateral, now))
    exchange.journal.record(account.api_key, "insurance_clear", symbol=symbol,
                            collateral=collateral, fee=fee,
                            insurance_cover=-collateral if collateral < 0 else ZERO)
