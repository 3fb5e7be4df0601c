"""What ft_bracket/freqtrade_adapter/entry_orders.py relies on in freqtrade: its exchange's
``create_order`` and ``_get_params``, and how the bot calls them for entries and exits. Read
off freqtrade 2026.9; when one fails, re-read the code it names and update the adapter."""

from __future__ import annotations

import inspect
import re

import pytest
from freqtrade.exchange import Exchange
from freqtrade.freqtradebot import FreqtradeBot


def test_create_order_takes_keywords_only_with_pair_and_reduce_only() -> None:
    parameters = inspect.signature(Exchange.create_order).parameters
    keyword_only = {n for n, p in parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert {"pair", "reduceOnly", "amount", "side"} <= keyword_only, (
        "Exchange.create_order changed: the wrapper in entry_orders.route_entries reads "
        f"kwargs['pair'] and kwargs['reduceOnly']; now {inspect.signature(Exchange.create_order)}")


def test_get_params_signature_is_what_the_wrapper_forwards() -> None:
    assert list(inspect.signature(Exchange._get_params).parameters) == [
        "self", "side", "ordertype", "leverage", "reduceOnly", "time_in_force"], (
        "Exchange._get_params changed: update get_params in entry_orders.route_entries")


@pytest.mark.parametrize(("method", "reduce_only"), [
    (FreqtradeBot.execute_entry, "False"),
    # Futures exits are reduce-only: that is how the wrapper tells freqtrade's exits apart.
    (FreqtradeBot.execute_trade_exit, "self.trading_mode == TradingMode.FUTURES"),
])
def test_the_bot_sends_entries_and_exits_through_create_order_by_keyword(
    method: object, reduce_only: str,
) -> None:
    source = inspect.getsource(method)  # type: ignore[arg-type]
    call = re.search(r"self\.exchange\.create_order\((.*?)\n\s*\)", source, re.S)
    assert call is not None, f"{method.__qualname__} no longer calls exchange.create_order"
    assert f"reduceOnly={reduce_only}," in call.group(1), (
        f"{method.__qualname__} passes reduceOnly differently now: {call.group(1)}")


def test_an_exit_order_row_is_written_only_after_create_order_returns() -> None:
    """Why exits_in_flight exists: between the venue's fill and this row, a look at the venue
    sees the position gone with no order of freqtrade's."""
    source = inspect.getsource(FreqtradeBot.execute_trade_exit)
    created = source.index("self.exchange.create_order(")
    appended = source.index("trade.orders.append(order_obj)")
    assert created < appended


def test_only_the_recovery_of_unknown_orders_reads_fetch_orders_and_it_looks_10_s_back() -> None:
    """Why stop_orders routes fetch_orders: freqtrade adds every order it does not know by id
    from 10 s before the trade opened, and knows a fired stop by its algo id only."""
    assert list(inspect.signature(Exchange.fetch_orders).parameters) == [
        "self", "pair", "since", "params"], "Exchange.fetch_orders changed: update stop_orders"
    bot = inspect.getsource(FreqtradeBot)
    assert bot.count("self.exchange.fetch_orders(") == 1, (
        "FreqtradeBot calls exchange.fetch_orders elsewhere now: is dropping another bracket's "
        "orders still right there?")
    recovery = inspect.getsource(FreqtradeBot.handle_onexchange_order)
    assert "trade.open_date_utc - timedelta(seconds=10)" in recovery
    assert "Order.order_by_id(order[\"id\"], trade.pair)" in recovery


def test_freqtrade_moves_an_exchange_stop_by_cancel_then_create_when_stoploss_adjust_says() -> None:
    """Why stop_orders routes stoploss_adjust: freqtrade's own move cancels the stop first and
    creates the new one after, a moment with no stop; for the plugin's stops it must say no."""
    assert list(inspect.signature(Exchange.stoploss_adjust).parameters) == [
        "self", "stop_loss", "order", "side"], (
        "Exchange.stoploss_adjust changed: update stop_orders")
    source = inspect.getsource(FreqtradeBot.handle_trailing_stoploss_on_exchange)
    assert "if self.exchange.stoploss_adjust(" in source
    assert source.index("self.cancel_stoploss_on_exchange(trade)") < source.index(
        "self.create_stoploss_order(")
