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

Everything here decides and returns (who is under-margined, the bankruptcy price, the
liquidation order and how it closes, the clearance); the ``Exchange`` applies it.

Source: https://www.binance.com/en/support/faq/binance-futures-liquidation-protocols-360033525271
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.book import Book
from binance_emulator.venue.markets import Market
from binance_emulator.venue.matching import Take
from binance_emulator.venue.models import ZERO, Order, Position
from binance_emulator.venue.quotes import Quotes

# What a liquidation cancels besides the position (Binance: "all open orders are immediately
# canceled"; whether that includes conditional algo orders is not documented, hence a switch).
LIQUIDATION_CANCELS = ("all", "plain")


@dataclass(frozen=True)
class Closeout:
    """How a liquidation order closes a position: against the book first; what the book cannot
    absorb the insurance fund takes over at the mark price."""

    take: Take
    insurance_qty: Decimal
    mark: Decimal


@dataclass(frozen=True)
class Clearance:
    """The clearance fee charged out of the collateral left, and what the insurance fund pays
    to bring collateral below zero back to zero."""

    collateral: Decimal
    fee: Decimal
    cover: Decimal


def isolated_due(account: Account, quotes: Quotes, symbol: str | None = None) -> list[Position]:
    """Isolated positions whose margin no longer covers their maintenance margin; with
    ``symbol``, only that symbol's (what its price can have changed)."""
    return [p for p in _judged(account, symbol)
            if p.amount and account.is_isolated(p.symbol)
            and p.isolated_margin + margin.unrealized_pnl(quotes, p)
            <= margin.maintenance_margin(quotes, p)]


def cross_due(account: Account, quotes: Quotes, symbol: str | None = None) -> list[Position]:
    """Every cross position, when together the cross wallet plus their unrealised PnL no longer
    covers their maintenance margin; else none. With ``symbol``, only if that symbol's price can
    have changed them (it holds a cross position). Judged after the isolated ones were closed."""
    moved = _judged(account, symbol)
    if symbol is not None and (not moved or account.is_isolated(symbol)):
        return []
    cross = [p for p in account.positions.values()
             if p.amount and not account.is_isolated(p.symbol)]
    if not cross:
        return []
    balance = (account.wallet - margin.isolated_margin_total(account)
               + margin.cross_unrealized_pnl(account, quotes))
    required = sum((margin.maintenance_margin(quotes, p) for p in cross), ZERO)
    return cross if balance <= required else []


def _judged(account: Account, symbol: str | None) -> list[Position]:
    if symbol is None:
        return list(account.positions.values())
    moved = account.positions.get(symbol)
    return [moved] if moved is not None and moved.amount else []


def bankruptcy_price(account: Account, quotes: Quotes, position: Position) -> Decimal:
    """The mark at which this position's collateral would be exactly zero."""
    qty = position.amount
    if account.is_isolated(position.symbol):
        collateral = position.isolated_margin
    else:
        others = [p for p in account.positions.values()
                  if p is not position and p.amount and not account.is_isolated(p.symbol)]
        collateral = (account.wallet - margin.isolated_margin_total(account)
                      + sum((margin.unrealized_pnl(quotes, p) for p in others), ZERO))
    market = quotes.markets[position.symbol]
    price = position.entry_price - collateral / qty
    return max((price / market.tick_size).to_integral_value() * market.tick_size,
               market.tick_size)


def liquidation_order(position: Position, bankruptcy: Decimal, next_id: Callable[[], int],
                      now: int) -> Order:
    """The order that closes the whole position: LIMIT IOC at the bankruptcy price."""
    return Order(
        order_id=next_id(),
        client_order_id=f"autoclose-{now}{next_id() % 1_000_000:06d}",
        symbol=position.symbol, side="SELL" if position.amount > 0 else "BUY", type="LIMIT",
        orig_type="LIMIT", quantity=abs(position.amount), price=bankruptcy, stop_price=ZERO,
        reduce_only=False, close_position=False, time_in_force="IOC",
        working_type="CONTRACT_PRICE", time=now, update_time=now,
    )


def closeout(order: Order, book: Book, quotes: Quotes) -> Closeout:
    """The liquidation order walks the whole book, whatever its price, and no further."""
    side = "bids" if order.side == "SELL" else "asks"
    levels = book.quote(side, quotes.last(order.symbol), order.quantity)
    taken = sum((level.qty for level in levels), ZERO)
    return Closeout(Take(order, order.quantity, side, levels, maker=False),
                    order.quantity - taken, quotes.mark(order.symbol))


def clearance(market: Market, collateral: Decimal, notional: Decimal) -> Clearance:
    """``liquidationFee`` × notional closed, never more than the collateral left."""
    fee = min(notional * market.liquidation_fee, max(collateral, ZERO))
    return Clearance(collateral, fee, -collateral if collateral < 0 else ZERO)
