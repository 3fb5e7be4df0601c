"""The Exchange's bookkeeper: every write to an account's ledger and the journal row that goes
with it, made only when the ``Exchange`` applies what a deciding module returned.

Nothing here decides: an entry is written as it is handed over, in the order handed over, so the
journal's rows and the records' ids come out in the order things happened.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from binance_emulator.venue.account import Account
from binance_emulator.venue.algo import Trigger
from binance_emulator.venue.errors import BinanceError
from binance_emulator.venue.funding import Payment
from binance_emulator.venue.journal import Journal
from binance_emulator.venue.liquidation import Clearance
from binance_emulator.venue.matching import Execution
from binance_emulator.venue.models import (
    AlgoOrder,
    Fill,
    Income,
    MarginChange,
    Order,
    OrderRequest,
)
from binance_emulator.venue.trailing import Trail


class Bookkeeper:
    """Writes ledgers and the journal; its only user is the ``Exchange``."""

    def __init__(self, journal: Journal, next_id: Callable[[], int],
                 clock: Callable[[], int]) -> None:
        self.journal = journal
        self.next_id = next_id
        self.clock = clock

    # Settings -----------------------------------------------------------------------------

    def set_leverage(self, account: Account, symbol: str, leverage: int) -> None:
        account.leverage[symbol] = leverage

    def set_isolated(self, account: Account, symbol: str, isolated: bool) -> None:
        account.isolated[symbol] = isolated

    def set_multi_assets_margin(self, account: Account, enabled: bool) -> None:
        account.multi_assets_margin = enabled

    def change_isolated_margin(self, account: Account, symbol: str, amount: Decimal,
                               kind: int) -> None:
        position = account.position(symbol)
        position.isolated_margin += amount if kind == 1 else -amount
        account.margin_changes.append(MarginChange(symbol, kind, amount, self.clock()))
        self.journal.record(account.api_key, "position_margin", symbol=symbol, type=kind,
                            amount=amount, isolated_margin=position.isolated_margin)

    # Orders -------------------------------------------------------------------------------

    def reject(self, account: Account, event: str, request: OrderRequest,
               error: BinanceError) -> None:
        """A refused new order leaves only its journal row."""
        self.journal.record(
            account.api_key, event, symbol=request.symbol, client_id=request.client_id,
            side=request.side, type=request.type, qty=request.quantity, price=request.price,
            trigger_price=request.trigger_price, code=error.code, msg=error.msg,
        )

    def accept_order(self, account: Account, order: Order) -> None:
        """The order is on the venue: stored, queryable, journaled."""
        account.store_order(order)
        self.journal.record(
            account.api_key, "order_created", symbol=order.symbol, order_id=order.order_id,
            client_id=order.client_order_id, side=order.side, type=order.type,
            orig_type=order.orig_type, qty=order.quantity, price=order.price,
            stop_price=order.stop_price or None, time_in_force=order.time_in_force,
            reduce_only=order.reduce_only,
        )

    def accept_client_order(self, account: Account, order: Order) -> None:
        self.accept_order(account, order)
        account.accepted_client_ids.append(order.client_order_id)

    def accept_liquidation_order(self, account: Account, order: Order) -> None:
        self.accept_order(account, order)
        account.force_orders.append(order)

    def trim(self, order: Order, quantity: Decimal) -> None:
        """A reduce-only order is cut to the position it closes."""
        order.quantity = quantity

    def modify(self, account: Account, order: Order, quantity: Decimal, price: Decimal) -> None:
        old_qty, old_price = order.quantity, order.price
        order.quantity, order.price = quantity, price
        order.update_time = self.clock()
        self.journal.record(
            account.api_key, "order_modified", symbol=order.symbol, order_id=order.order_id,
            client_id=order.client_order_id, qty=quantity, price=price, old_qty=old_qty,
            old_price=old_price,
        )

    def fill(self, account: Account, order: Order, execution: Execution) -> None:
        """One fill: position, wallet, the order, a userTrades row, income rows, the journal."""
        now = self.clock()
        quantity, price = execution.quantity, execution.price
        position = account.position(order.symbol)
        position.amount = execution.amount
        position.entry_price = execution.entry_price
        position.isolated_margin = execution.isolated_margin
        account.wallet += execution.realized_pnl - execution.commission
        position.update_time = now
        account.update_time = now
        order.executed_qty += quantity
        order.cum_quote += quantity * price
        order.status = "FILLED" if order.executed_qty >= order.quantity else "PARTIALLY_FILLED"
        order.update_time = now
        trade = Fill(self.next_id(), order.order_id, order.symbol, order.side, price, quantity,
                     execution.commission, execution.realized_pnl, execution.maker, now)
        account.fills.append(trade)
        if execution.realized_pnl:
            account.income.append(Income(self.next_id(), order.symbol, "REALIZED_PNL",
                                         execution.realized_pnl, now, str(trade.trade_id)))
        if execution.commission:
            account.income.append(Income(self.next_id(), order.symbol, "COMMISSION",
                                         -execution.commission, now, str(trade.trade_id)))
        self.journal.record(
            account.api_key, "order_filled", symbol=order.symbol, order_id=order.order_id,
            client_id=order.client_order_id, side=order.side, qty=quantity, price=price,
            maker=execution.maker, status=order.status, position_after=position.amount,
        )
        if order.status == "FILLED":
            self._finish_parent(account, order)

    def close_order(self, account: Account, order: Order, status: str,
                    reason: str | None = None) -> None:
        """End an open order without (further) fills: cancelled or expired."""
        order.status = status
        order.update_time = self.clock()
        self.journal.record(
            account.api_key, f"order_{status.lower()}", symbol=order.symbol,
            order_id=order.order_id, client_id=order.client_order_id,
            executed_qty=order.executed_qty, reason=reason,
        )
        self._finish_parent(account, order)

    def _finish_parent(self, account: Account, order: Order) -> None:
        """The conditional a finished real order came from is FINISHED too."""
        parent = account.algo_by_order.get(order.order_id)
        if parent is not None and parent.status == "TRIGGERED" and not order.is_open:
            parent.status = "FINISHED"
            parent.update_time = order.update_time
            parent.actual_price = order.avg_price

    # Algo (conditional) orders ------------------------------------------------------------

    def accept_algo_order(self, account: Account, algo: AlgoOrder) -> None:
        account.store_algo_order(algo)
        account.accepted_client_ids.append(algo.client_algo_id)
        self.journal.record(
            account.api_key, "algo_created", symbol=algo.symbol, algo_id=algo.algo_id,
            client_id=algo.client_algo_id, side=algo.side, type=algo.order_type,
            qty=algo.quantity, trigger_price=algo.trigger_price, price=algo.price or None,
            working_type=algo.working_type, reduce_only=algo.reduce_only,
            close_position=algo.close_position, callback_rate=algo.callback_rate,
            activate_price=algo.activate_price if algo.is_trailing else None,
        )

    def trail(self, account: Account, trail: Trail) -> None:
        """A trailing stop follows the price: activated, or a new extreme and trigger."""
        algo = trail.algo
        algo.extreme, algo.trigger_price = trail.extreme, trail.trigger_price
        if trail.activates:
            algo.activated = True
            algo.update_time = self.clock()
            self.journal.record(account.api_key, "algo_activated", symbol=algo.symbol,
                                algo_id=algo.algo_id, client_id=algo.client_algo_id,
                                extreme=algo.extreme, trigger_price=algo.trigger_price)

    def close_algo_order(self, account: Account, algo: AlgoOrder, status: str,
                         reason: str | None = None) -> None:
        algo.status = status
        algo.update_time = self.clock()
        self.journal.record(
            account.api_key, f"algo_{status.lower()}", symbol=algo.symbol, algo_id=algo.algo_id,
            client_id=algo.client_algo_id, reason=reason,
        )

    def trigger(self, account: Account, trigger: Trigger, now: int, reference: Decimal) -> None:
        """TRIGGERED with its real order on the venue, or REJECTED without one."""
        algo = trigger.algo
        algo.trigger_time = algo.update_time = now
        if trigger.order is None:
            self.close_algo_order(account, algo, "REJECTED", reason=trigger.rejection)
            return
        order = trigger.order
        algo.actual_order_id = order.order_id
        account.algo_by_order[order.order_id] = algo
        algo.status = "TRIGGERED"
        self.journal.record(account.api_key, "algo_triggered", symbol=algo.symbol,
                            algo_id=algo.algo_id, client_id=algo.client_algo_id,
                            actual_order_id=order.order_id, reference=reference)
        self.accept_order(account, order)

    # Income -------------------------------------------------------------------------------

    def pay_funding(self, payment: Payment, rate: Decimal, mark: Decimal, now: int) -> None:
        account, position, amount = payment.account, payment.position, payment.amount
        account.wallet += amount
        if account.is_isolated(position.symbol):
            position.isolated_margin += amount
        account.update_time = now
        account.income.append(Income(self.next_id(), position.symbol, "FUNDING_FEE", amount,
                                     now))
        self.journal.record(account.api_key, "funding", symbol=position.symbol, rate=rate,
                            mark=mark, position_amount=position.amount, amount=amount)

    def clear(self, account: Account, symbol: str, clearance: Clearance) -> None:
        """A liquidation's clearance fee, and the insurance fund's cover of a bankrupt rest."""
        now = self.clock()
        if clearance.fee:
            account.wallet -= clearance.fee
            account.income.append(Income(self.next_id(), symbol, "INSURANCE_CLEAR",
                                         -clearance.fee, now))
        if clearance.cover:
            account.wallet -= clearance.collateral
            account.income.append(Income(self.next_id(), symbol, "INSURANCE_CLEAR",
                                         clearance.cover, now))
        self.journal.record(account.api_key, "insurance_clear", symbol=symbol,
                            collateral=clearance.collateral, fee=clearance.fee,
                            insurance_cover=clearance.cover)
