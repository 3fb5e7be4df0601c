"""Facts about a market that freqtrade keeps on its exchange object.

A strategy reaches the exchange only through the DataProvider, whose ``_exchange`` is private.
Every such access lives here, in small functions, so a freqtrade upgrade that moves things
breaks one module. Verified against freqtrade 2026.9.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Callable
from datetime import datetime
from types import MethodType
from typing import Any, ClassVar

import freqtrade
from ccxt import DECIMAL_PLACES, TICK_SIZE
from freqtrade.persistence import KeyValueStore, LocalTrade, Order, Trade
from freqtrade.strategy import IStrategy, stoploss_from_absolute

from ft_bracket.risk import MarketRules

logger = logging.getLogger(__name__)


def _exchange(dp: Any) -> Any:
    # Private: DataProvider has no public accessor for fees, precision mode or leverage tiers.
    return dp._exchange


def taker_fee(config: dict, dp: Any, pair: str) -> float:
    """The taker fee rate for ``pair``; the ``fee`` config key overrides it, as in freqtrade.

    Backtesting charges max(taker, maker) on both legs, which is the taker fee on Binance.
    """
    configured = config.get("fee")
    if configured is not None:
        return float(configured)
    return float(_exchange(dp).get_fee(symbol=pair, taker_or_maker="taker"))


def market_rules(dp: Any, pair: str) -> MarketRules | None:
    """Step size, minimum quantity / notional and tick size of ``pair``, or None if unknown."""
    market = dp.market(pair)
    if not market:
        return None
    precision_mode = _exchange(dp).precisionMode
    precision = market.get("precision", {})
    limits = market.get("limits", {})
    contract_size = float(market.get("contractSize") or 1.0)
    step = _precision_to_step(precision.get("amount"), precision_mode)
    return MarketRules(
        step_size=step * contract_size,
        min_quantity=float(limits.get("amount", {}).get("min") or 0.0) * contract_size,
        min_notional=float(limits.get("cost", {}).get("min") or 0.0),
        tick_size=_precision_to_step(precision.get("price"), precision_mode) or None,
    )


def maintenance_margin_rate(dp: Any, pair: str, notional: float) -> float:
    """Maintenance margin rate of the leverage bracket that ``notional`` falls into (0 if the
    exchange has no tiers for the pair: the liquidation check then uses 1 / leverage)."""
    try:
        rate, _ = _exchange(dp).get_maintenance_ratio_and_amt(pair, notional)
    except Exception as error:  # freqtrade raises several types for "no tiers"
        logger.debug("No maintenance margin rate for %s: %s", pair, error)
        return 0.0
    return float(rate or 0.0)


def closed_trades_since(since: datetime) -> list[LocalTrade]:
    """Trades closed after ``since``, live from the database, in backtests from memory.

    freqtrade's backtest query scans every closed trade of the run on each call, which makes a
    year-long backtest quadratic. Its closed-trade list is appended in close order (private,
    backtest-only), so the recent ones are a tail that can be read backwards.
    """
    if Trade.use_db:
        return Trade.get_trades_proxy(is_open=False, close_date=since)
    recent = []
    for trade in reversed(LocalTrade.bt_trades):
        if trade.close_date_utc <= since:
            break
        recent.append(trade)
    return recent


def _precision_to_step(precision: float | None, precision_mode: int) -> float:
    if precision is None:
        return 0.0
    if precision_mode == DECIMAL_PLACES:
        return 10.0 ** -int(precision)
    if precision_mode == TICK_SIZE:
        return float(precision)
    # SIGNIFICANT_DIGITS has no fixed step; no exchange this plugin targets uses it.
    return 0.0


# Failed entries: freqtrade has no callback for them, only a log line ---------------------------

# ``FreqtradeBot.enter_positions`` logs this (pair, exception) when an entry order fails
# (insufficient margin, precision, a timeout, ...). tests/unit pin the text to freqtrade's source.
ENTRY_FAILURE_LOGGER = "freqtrade.freqtradebot"
ENTRY_FAILURE_MESSAGE = "Unable to create trade for %s: %s"


class EntryFailureWatch(logging.Handler):
    """Calls ``on_failure(pair, reason)`` for each entry freqtrade reports it could not create."""

    def __init__(self, on_failure: Callable[[str, str], None]) -> None:
        super().__init__(logging.WARNING)
        self.on_failure = on_failure

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if record.msg != ENTRY_FAILURE_MESSAGE or not isinstance(args, tuple) or len(args) != 2:
            return
        try:
            self.on_failure(str(args[0]), str(args[1]))
        except Exception:  # a broken event path must never break freqtrade's logging
            self.handleError(record)


def watch_entry_failures(on_failure: Callable[[str, str], None]) -> EntryFailureWatch:
    """Install the one ``EntryFailureWatch``, replacing an earlier one. bot_start runs again
    after /reload_config (whose logging set-up, in freqtrade 2026.9, also drops it)."""
    freqtrade_logger = logging.getLogger(ENTRY_FAILURE_LOGGER)
    for handler in list(freqtrade_logger.handlers):
        if isinstance(handler, EntryFailureWatch):
            freqtrade_logger.removeHandler(handler)
    watch = EntryFailureWatch(on_failure)
    freqtrade_logger.addHandler(watch)
    return watch


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


# Bracket legs: the two places where the plugin writes to freqtrade's own trade ------------------


def ccxt_client(dp: Any) -> Any:
    """freqtrade's synchronous ccxt client (the one its own orders go through)."""
    return _exchange(dp)._api


def is_local_emulator(api: Any) -> bool:
    """True when the venue behind ``api`` answers the ft_bracket emulator's control path, which
    Binance does not have: proof that a loopback route does not lead to real money."""
    base = str(api.urls["api"]["fapiPublic"]).rsplit("/fapi/", 1)[0]
    try:
        answer = api.fetch(f"{base}/_emulator/requests", "GET")
    except Exception:  # any failure means: not provably the emulator
        return False
    return isinstance(answer, dict)


def _live_trade(trade_id: int) -> Trade | None:
    # Callbacks get a deep copy of the trade; the bot's own object is the one in the session.
    return Trade.session.get(Trade, trade_id)


def _has_order(trade: Trade, order_id: str) -> bool:
    return any(o.order_id == order_id for o in trade.orders)


class TradeHooks:
    """What freqtrade's ``create_stoploss_order`` and ``handle_onexchange_order`` would do, for
    orders the plugin placed: rows in ``trade.orders`` that freqtrade then manages itself."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def stop_order_ids(self, trade_id: int) -> set[str]:
        """Ids of the stop orders freqtrade considers open for the trade."""
        trade = _live_trade(trade_id)
        return {o.order_id for o in trade.open_sl_orders} if trade is not None else set()

    def import_exchange_exits(self, trade_id: int, reason: str) -> int:
        """The position was closed on the exchange by orders freqtrade never saw: show it those
        fills, as freqtrade's ``handle_onexchange_order`` (/reload_trade) does. Returns how many."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return 0
        since = int(trade.open_date_utc.timestamp() * 1000)
        fills = [
            o for o in self.api.fetch_orders(trade.pair, since)
            if o.get("side") == trade.exit_side and o.get("status") == "closed"
            and o.get("filled") and not _has_order(trade, str(o["id"]))
        ]
        for fill in fills:
            self.register_exit_fill(trade_id, fill, reason)
        return len(fills)

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool:
        """Make a stop the plugin placed right after the fill freqtrade's stop-on-exchange
        order: freqtrade then polls, trails and cancels it as if it had placed it."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return False
        if _has_order(trade, str(order["id"])):
            return True
        if trade.open_sl_orders:
            return False  # freqtrade already has a stop of its own: ours is the orphan
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
        # Aim a hair past the stop so freqtrade's rounding to the tick lands on it exactly.
        aim = stop_price * (1 + 1e-9 if trade.is_short else 1 - 1e-9)
        ratio = stoploss_from_absolute(aim, trade.open_rate, is_short=trade.is_short,
                                       leverage=trade.leverage or 1.0)
        trade.adjust_stop_loss(trade.open_rate, -ratio, allow_refresh=True)
        Trade.commit()

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str) -> bool:
        """Show freqtrade an exit that filled on the exchange (the take-profit): added as an
        open exit order, freqtrade's next order check fetches it, sees it filled and closes the
        trade through its normal path (profit, database, exit_fill message, protections)."""
        trade = _live_trade(trade_id)
        if trade is None or not trade.is_open:
            return False
        if not _has_order(trade, str(order["id"])):
            pending = {**order, "status": "open", "filled": 0.0, "remaining": order["amount"]}
            row = Order.parse_from_ccxt_object(
                pending, trade.pair, trade.exit_side, order["amount"], order["average"]
            )
            row.ft_order_tag = reason
            trade.orders.append(row)
        trade.exit_reason = reason
        Trade.commit()
        return True


# Backtest fast path: the per-candle exit checks without freqtrade's deep copy ------------------
#
# freqtrade deep-copies the trade before each call of a strategy-defined callback that takes
# `trade` (strategy_wrapper.strategy_safe_wrapper exempts only functions whose __qualname__
# starts with "IStrategy."). A backtest asks custom_stoploss, custom_roi and custom_exit about
# every open trade on every candle, so the copies cost most of a plugin backtest. None of the
# plugin's answers there needs them: its custom_stoploss only acts on the after-fill call, its
# custom_roi reads the trade and writes nothing, and its custom_exit answers None without an
# OrderManager. (The stop check takes the same shortcut in dry-run and live, with the same
# result; the other two do not.)


class BacktestFastPath:
    """Mixed into BracketStrategy ahead of IStrategy: skips freqtrade's copying wrapper for the
    per-candle exit checks where the plugin's own callbacks decide them; everything else (the
    after-fill stop, trailing, trades without a bracket, a subclass overriding a callback,
    dry-run and live take-profits and exits) goes to IStrategy unchanged.

    Relies on the host class: ``_brackets`` (trade id -> bracket, set at the entry fill),
    ``bracket_manager`` (None in backtests, set by ``bot_start`` otherwise), a
    ``custom_stoploss`` that answers None whenever ``after_fill`` is False and a
    ``custom_exit`` that answers None without a ``bracket_manager``
    (tests/unit/test_backtest_fast_path.py checks the answers against IStrategy's).
    """

    # The host's own callbacks (of the class that lists this mixin as a base), to tell them
    # apart from a subclass's overrides.
    _plugin_callbacks: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if BacktestFastPath in cls.__bases__:
            cls._plugin_callbacks = {
                name: getattr(cls, name)
                for name in ("custom_stoploss", "custom_roi", "custom_exit")
            }

    def ft_bot_start(self: Any, **kwargs: Any) -> None:
        """IStrategy's; then, without an OrderManager (backtesting, hyperopt), shows freqtrade
        IStrategy's custom_exit, which answers None like the plugin's there and which freqtrade
        calls without copying the trade."""
        super().ft_bot_start(**kwargs)  # type: ignore[misc]
        if (
            self.bracket_manager is None
            and _is_own(self, "custom_exit")
            # IStrategy's custom_exit answers what the deprecated custom_sell answers.
            and type(self).custom_sell is IStrategy.custom_sell
        ):
            self.custom_exit = MethodType(IStrategy.custom_exit, self)

    def ft_stoploss_adjust(
        self: Any,
        current_rate: float,
        trade: Trade,
        current_time: datetime,
        current_profit: float,
        force_stoploss: float,
        low: float | None = None,
        high: float | None = None,
        bound_profit: float | None = None,
        after_fill: bool = False,
    ) -> None:
        """IStrategy's version, minus the custom_stoploss call that would answer None."""
        if (
            after_fill
            or self.trailing_stop
            or trade.id not in self._brackets
            or not _is_own(self, "custom_stoploss")
        ):
            return super().ft_stoploss_adjust(  # type: ignore[misc]
                current_rate, trade, current_time, current_profit, force_stoploss,
                low, high, bound_profit=bound_profit, after_fill=after_fill,
            )
        # All that IStrategy's version does when custom_stoploss answers None and nothing
        # trails: set the initial stop if the trade has none yet.
        trade.adjust_stop_loss(trade.open_rate, force_stoploss or self.stoploss, initial=True)
        return None

    def min_roi_reached_entry(
        self: Any, trade: Trade, trade_dur: int, current_time: datetime
    ) -> tuple[int | None, float | None]:
        """IStrategy's version with the plugin's custom_roi called directly (no copy)."""
        if (
            not self.use_custom_roi
            or self.bracket_manager is not None
            or trade.id not in self._brackets
            or not _is_own(self, "custom_roi")
        ):
            return super().min_roi_reached_entry(trade, trade_dur, current_time)  # type: ignore[misc]
        custom_roi = self.custom_roi(
            pair=trade.pair,
            trade=trade,
            current_time=current_time,
            trade_duration=trade_dur,
            entry_tag=trade.enter_tag,
            side=trade.trade_direction,
        )
        if custom_roi is not None and not math.isfinite(custom_roi):
            custom_roi = None
        # As IStrategy: the ROI table's entry in force, and the lower of the two wins.
        roi_entry = max((key for key in self.minimal_roi if key <= trade_dur), default=None)
        min_roi = None if roi_entry is None else self.minimal_roi[roi_entry]
        if custom_roi is not None and (min_roi is None or custom_roi < min_roi):
            return trade_dur, custom_roi
        return roi_entry, min_roi


def _is_own(strategy: BacktestFastPath, callback: str) -> bool:
    # The plugin's function, bound; a subclass's override or a patched attribute is not.
    bound = getattr(strategy, callback)
    return getattr(bound, "__func__", None) is strategy._plugin_callbacks[callback]


# Version guard ---------------------------------------------------------------------------------

# The freqtrade release series every private access above was read off and tested against
# (tests/unit/test_freqtrade_contract.py pins each one).
VERIFIED_FREQTRADE = (2026, 9)


def freqtrade_release(version: str) -> tuple[int, int] | None:
    """(year, month) of a freqtrade version string ("2026.9", "2026.9.1", "2026.10-dev-ab12")."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else None


@functools.cache
def warn_if_unverified_freqtrade() -> bool:
    """Log one loud warning per process if freqtrade is not the verified release; True if it is.

    Never refuses to run: a newer freqtrade often still fits, and the contract tests say where
    it does not.
    """
    version = freqtrade.__version__
    if freqtrade_release(version) == VERIFIED_FREQTRADE:
        return True
    logger.warning(
        "ft_bracket was verified against freqtrade %d.%d.x, this is freqtrade %s. It uses "
        "freqtrade internals that may have changed: the exchange behind the DataProvider "
        "(fees, precision, leverage tiers, the ccxt client for bracket legs), the trade's "
        "database session and order rows (live stop adoption and take-profit closing), the "
        "backtest's closed-trade list (daily loss limit, stop-out cooldown) and IStrategy's "
        "ft_stoploss_adjust / min_roi_reached_entry (backtest exits). Run "
        "tests/unit/test_freqtrade_contract.py before trading with this version.",
        *VERIFIED_FREQTRADE,
        version,
    )
    return False
