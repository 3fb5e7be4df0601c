"""freqtrade's own trade rows: records, stop adoption, exits shown to freqtrade, recent closes.

Callbacks get a deep copy of the trade; what must last is written to the bot's own object in
the database session. The two writes into ``trade.orders`` are what freqtrade's
``create_stoploss_order`` and ``handle_onexchange_order`` would do for orders it had placed:
rows that freqtrade then manages itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ccxt import ROUND
from freqtrade.enums import TradingMode
from freqtrade.exchange.exchange_utils import ROUND_DOWN, ROUND_UP, price_to_precision
from freqtrade.persistence import KeyValueStore, LocalTrade, Order, Trade
from freqtrade.strategy import stoploss_from_absolute

from ft_bracket.core.actions import EXIT_LIQUIDATION, TradeView
from ft_bracket.core.records import LEGS_RECORD, PRICES_RECORD, SUMMARY_RECORD
from ft_bracket.execution.ports import ImportedExits
from ft_bracket.freqtrade_adapter.bracket_view import facts_of
from ft_bracket.reporting.facts import summary
from ft_bracket.venues.binance import quirks

# Leg states a placement passes through: the summary waits for the venue's answer.
_IN_FLIGHT = frozenset({"planned", "placing"})
# Aim a hair past a stop so that freqtrade's rounding to the tick lands on it exactly.
STOP_NUDGE = 1e-9


# Relative distance from a tick below which a price is that tick (float noise, not intent).
_NOISE = 1e-9


def persist() -> None:
    """Commit what freqtrade has changed so far (it commits an exit fill only after
    ``order_filled``, where the plugin still talks to the venue)."""
    Trade.commit()


def open_trades() -> list[Trade]:
    """The bot's open trades."""
    return list(Trade.get_open_trades())


def open_trade_views() -> list[TradeView]:
    return [trade_view(t) for t in Trade.get_open_trades()]


def _live_trade(trade_id: int) -> Trade | None:
    return Trade.session.get(Trade, trade_id)


def _has_order(trade: Trade, order_id: str) -> bool:
    return any(o.order_id == order_id for o in trade.orders)


def stop_on_tick(trade: LocalTrade) -> float | None:
    """freqtrade's stop price as a stop order of it would carry it: on the tick, rounded the way
    freqtrade rounds its own stops (tighter). A price a hair off a tick (float noise of
    freqtrade's ratio arithmetic) is that tick, never one tick tighter."""
    price = trade.stop_loss
    precision, mode = trade.price_precision, trade.precision_mode_price
    if price is None or precision is None or mode is None:
        return price
    nearest = price_to_precision(price, precision, mode, rounding_mode=ROUND)
    if abs(price - nearest) <= abs(price) * _NOISE:
        return nearest
    return price_to_precision(price, precision, mode,
                              rounding_mode=ROUND_DOWN if trade.is_short else ROUND_UP)


def trade_view(trade: LocalTrade) -> TradeView:
    """The policy's view of a freqtrade trade (a copy is fine)."""
    return TradeView(
        trade_id=int(trade.id),
        pair=trade.pair,
        is_short=bool(trade.is_short),
        amount=float(trade.amount or 0.0),
        is_open=bool(trade.is_open),
        stop_price=stop_on_tick(trade),
        freqtrade_stop_ids=frozenset(o.order_id for o in trade.open_sl_orders if o.order_id),
        exit_reason=trade.exit_reason,
        close_rate=trade.close_rate,
        entry_order_ids=frozenset(o.order_id for o in trade.orders
                                  if o.ft_order_side == trade.entry_side and o.order_id),
        exit_order_open=any(o.ft_is_open and o.ft_order_side == trade.exit_side
                            for o in trade.orders),
        order_ids=frozenset(o.order_id for o in trade.orders if o.order_id),
    )


def stop_distance(stop_price: float, current_rate: float, *, is_short: bool,
                  leverage: float) -> float:
    """freqtrade's stoploss ratio that puts its stop at ``stop_price`` exactly."""
    nudge = 1 + STOP_NUDGE if is_short else 1 - STOP_NUDGE
    return stoploss_from_absolute(stop_price * nudge, current_rate, is_short=is_short,
                                  leverage=leverage)


class FreqtradeTrades:
    """The OrderManager's ``FreqtradeSide``: records in custom data, and the bot's trade rows."""

    def __init__(self, api: Any, exchange: Any = None) -> None:
        self.api = api
        self.exchange = exchange  # freqtrade's Exchange: funding fees
        self._summaries: dict[int, str] = {}  # the last summary written, per trade
        self._prices: dict[int, Any] = {}  # each trade's bracket record (never changes)

    def refresh_funding(self, trade: Trade) -> None:
        """freqtrade reads funding fees at start-up, at fixed minutes and at exits it makes
        itself; an exit that happened on the venue must carry what was paid until then, as
        freqtrade's own ``execute_trade_exit`` does first."""
        if self.exchange is None:
            return
        trade.set_funding_fees(self.exchange.get_funding_fees(
            pair=trade.pair, amount=trade.amount, is_short=trade.is_short,
            open_date=trade.date_last_filled_utc))

    def save_pending(self, entry_order_id: str, value: dict[str, Any]) -> None:
        KeyValueStore.store_value(_PENDING_KEY.format(order=entry_order_id),  # type: ignore[arg-type]
                                  json.dumps(value))

    def load_pending(self, entry_order_id: str) -> dict[str, Any] | None:
        value = KeyValueStore.get_string_value(  # type: ignore[arg-type]
            _PENDING_KEY.format(order=entry_order_id))
        return dict(json.loads(value)) if value else None

    def delete_pending(self, entry_order_id: str) -> None:
        KeyValueStore.delete_value(_PENDING_KEY.format(order=entry_order_id))  # type: ignore[arg-type]

    def load_guards(self) -> dict[str, dict[str, Any]]:
        return load_guards()

    def save_guards(self, guards: dict[str, dict[str, Any]]) -> None:
        save_guards(guards)

    def trade_view(self, trade_id: int) -> TradeView | None:
        trade = _live_trade(trade_id)
        return None if trade is None else trade_view(trade)

    def load_record(self, trade_id: int, key: str) -> Any:
        trade = _live_trade(trade_id)
        return None if trade is None else trade.get_custom_data(key)

    def save_record(self, trade_id: int, key: str, value: Any) -> None:
        trade = _live_trade(trade_id)
        if trade is None:
            return
        trade.set_custom_data(key, value)
        if key == LEGS_RECORD:
            self._write_summary(trade, value)

    def _write_summary(self, trade: Trade, legs: Any) -> None:
        """The readable line beside the legs record (FreqUI's "Show custom data", Telegram's
        /list_custom_data), written only when it reads differently, and not while a leg is
        being placed: those records are written between the entry fill and the legs resting,
        where one more database commit would widen the unprotected window."""
        statuses = {(legs.get(kind) or {}).get("status") for kind in ("stop", "take_profit")}
        if statuses & _IN_FLIGHT:
            return
        prices = self._prices.get(trade.id)
        if prices is None:  # set once at the fill, before the first legs record
            prices = self._prices[trade.id] = trade.get_custom_data(PRICES_RECORD)
        text = summary(facts_of(trade, prices, legs))
        if self._summaries.get(trade.id) != text:
            trade.set_custom_data(SUMMARY_RECORD, text)
            self._summaries[trade.id] = text

    def import_exchange_exits(self, trade_id: int, reason: str,
                              freqtrade_orders: frozenset[str] = frozenset()) -> ImportedExits:
        """The position was closed on the exchange by orders freqtrade never saw: show it those
        fills, as freqtrade's ``handle_onexchange_order`` (/reload_trade) does. A close by the
        venue itself (a liquidation) is named so: exit reason ``liquidation``. Orders freqtrade
        sent itself (``freqtrade_orders``) are its own to record."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return ImportedExits(0, reason)
        # From the entry order's own time: a close sent from the entry's answer can come
        # before freqtrade dates the trade (it opens it once that answer is back).
        placed = [o.order_date_utc for o in trade.orders
                  if o.ft_order_side == trade.entry_side and o.order_date is not None]
        since = int(min([trade.open_date_utc, *placed]).timestamp() * 1000)
        fills = [
            o for o in self.api.fetch_orders(trade.pair, since)
            if o.get("side") == trade.exit_side and o.get("status") in ("closed", "expired")
            and o.get("filled") and not _has_order(trade, str(o["id"]))
            and str(o["id"]) not in freqtrade_orders
        ]
        forced = [o for o in fills if str(o.get("clientOrderId") or "").startswith(
            quirks.FORCED_ORDER_CLIENT_ID_PREFIXES)]
        if forced:
            reason = EXIT_LIQUIDATION
        for fill in fills:
            self.register_exit_fill(trade_id, fill, reason)
        return ImportedExits(len(fills), reason, forced[0] if forced else None)

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool:
        """Make a stop the plugin placed freqtrade's stop-on-exchange order: freqtrade then
        polls, trails and cancels it as if it had placed it."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return False
        if _has_order(trade, str(order["id"])):
            return True
        # Every stop freqtrade holds for a bracket is one of the plugin's attempts: a new one
        # (a resize, a replacement) joins it, the old one is cancelled and freqtrade sees that.
        trade.orders.append(
            Order.parse_from_ccxt_object(order, trade.pair, "stoploss", trade.amount, stop_price)
        )
        Trade.commit()
        return True

    def set_stop_price(self, trade_id: int, stop_price: float) -> None:
        """Put freqtrade's stop (its database value, which its stop orders follow) at
        ``stop_price``, as custom_stoploss(after_fill=True) would have done."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open or trade.stop_loss == stop_price:
            return
        ratio = stop_distance(stop_price, trade.open_rate, is_short=trade.is_short,
                              leverage=trade.leverage or 1.0)
        trade.adjust_stop_loss(trade.open_rate, -ratio, allow_refresh=True)
        Trade.commit()

    def settle_order_row(self, trade_id: int, order: dict[str, Any]) -> None:
        """Bring freqtrade's row of an order in line with the venue's answer (an order that
        ended while freqtrade no longer asks: a closed trade's stop)."""
        trade = _live_trade(trade_id)
        if trade is None:
            return
        for row in trade.orders:
            if row.order_id == str(order["id"]) and row.ft_is_open:
                row.update_from_ccxt_object(order)
                Trade.commit()

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str,
                           partial: bool = False) -> bool:
        """Show freqtrade an exit that filled on the exchange (a take-profit): added as an
        open exit order, freqtrade's next order check fetches it, sees it filled and closes the
        trade through its normal path (profit, database, exit_fill message, protections). A
        ``partial`` exit (a take-profit level with more to come) leaves the trade open: freqtrade
        books it as a partial exit of its own, the order tagged with ``reason``."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return False
        self.refresh_funding(trade)
        if not _has_order(trade, str(order["id"])):
            pending = {**order, "status": "open", "filled": 0.0, "remaining": order["amount"]}
            row = Order.parse_from_ccxt_object(
                pending, trade.pair, trade.exit_side, order["amount"], order["average"]
            )
            row.ft_order_tag = reason
            trade.orders.append(row)
        if not partial:
            trade.exit_reason = reason
        Trade.commit()
        return True


class ProfitRatios:
    """``trade.calc_profit_ratio(rate)`` for one rate per trade, worked out again only when an
    input of freqtrade's formula changed: amount, close fee, funding fees, open value (amount,
    open rate, open fee), leverage, side, trading mode, or the rate. Margin trades accrue
    interest with the clock, so they are never kept."""

    def __init__(self) -> None:
        self._ratios: dict[Any, tuple[tuple, float]] = {}

    def ratio(self, trade: LocalTrade, rate: float) -> float:
        if trade.trading_mode == TradingMode.MARGIN:
            return trade.calc_profit_ratio(rate)
        inputs = (rate, trade.amount, trade.fee_close, trade.funding_fees,
                  trade.open_trade_value, trade.leverage, trade.is_short, trade.trading_mode)
        kept = self._ratios.get(trade.id)
        if kept is not None and kept[0] == inputs:
            return kept[1]
        value = trade.calc_profit_ratio(rate)
        self._ratios[trade.id] = (inputs, value)
        return value


def closed_trades_since(since: datetime) -> list[tuple[LocalTrade, datetime]]:
    """Trades closed after ``since``, each with its close date in UTC (``close_date_utc``), live
    from the database, in backtests from memory.

    freqtrade's backtest query scans every closed trade of the run on each call, which makes a
    year-long backtest quadratic. Its closed-trade list is appended in close order (private,
    backtest-only), so the recent ones are a tail that can be read backwards; a close date
    already in UTC (every one a backtest sets) is taken as it is, not rebuilt.
    """
    if Trade.use_db:
        return [(trade, trade.close_date_utc)
                for trade in Trade.get_trades_proxy(is_open=False, close_date=since)]
    recent = []
    for trade in reversed(LocalTrade.bt_trades):
        closed_at = trade.close_date
        if closed_at.tzinfo is not UTC:
            closed_at = closed_at.replace(tzinfo=UTC)
        if closed_at <= since:
            break
        recent.append((trade, closed_at))
    return recent


# Guards of positions no trade owns: in freqtrade's key-value store --------------------------------

_GUARDS_KEY = "ft_bracket_guards"
# A bracket placed from its entry's answer, before freqtrade's trade row exists.
_PENDING_KEY = "ft_bracket_pending:{order}"


def load_guards() -> dict[str, dict[str, Any]]:
    value = KeyValueStore.get_string_value(_GUARDS_KEY)  # type: ignore[arg-type]
    return dict(json.loads(value)) if value else {}


def save_guards(guards: dict[str, dict[str, Any]]) -> None:
    if guards:
        KeyValueStore.store_value(_GUARDS_KEY, json.dumps(guards))  # type: ignore[arg-type]
    else:
        KeyValueStore.delete_value(_GUARDS_KEY)  # type: ignore[arg-type]


# Planned entries: kept in freqtrade's database from the order until its fill ---------------------

# freqtrade's key-value store is typed for its own keys; its table takes any key of <= 50 chars.
_PLANNED_ENTRY_KEY = "ft_bracket_entry:{pair}"


def store_planned_entry(pair: str, plan: dict[str, Any]) -> None:
    """Keep the bracket of the entry about to be sent for ``pair`` (JSON) in the database."""
    if Trade.use_db:
        KeyValueStore.store_value(_PLANNED_ENTRY_KEY.format(pair=pair), json.dumps(plan))  # type: ignore[arg-type]


def pop_planned_entry(pair: str) -> dict[str, Any] | None:
    """The bracket stored for ``pair``'s last entry, removed from the database; None if none."""
    if not Trade.use_db:
        return None
    key = _PLANNED_ENTRY_KEY.format(pair=pair)
    value = KeyValueStore.get_string_value(key)  # type: ignore[arg-type]
    if value is None:
        return None
    KeyValueStore.delete_value(key)  # type: ignore[arg-type]
    return dict(json.loads(value))
