"""What the demo prints about its brackets, read from the bot's REST API: each bracket when its
legs rest (stop and take-profit levels), each take-profit level that fills before the last (a
partial exit, and what is left), each move of its stop, and its close."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import urllib.request
from collections.abc import Callable
from typing import Any

# Polls a freshly opened trade may wait for its legs' order ids before it is printed without.
LEG_WAIT_POLLS = 5
# ccxt's precision mode in which a price precision is the tick size (Binance's).
TICK_SIZE = 4
# Stops whose recorded price is final: the attempt rested (and may have fired since).
SETTLED_STOP_STATUSES = frozenset({"resting", "cancelling", "triggered", "filled", "cancelled"})
LEVEL_TAG = re.compile(r"take_profit_(\d+)")


def api_getter(port: int, password: str) -> Callable[[str], Any]:
    """GET /api/v1/<path> of the demo's bot (its REST API on ``port``), parsed."""
    token = base64.b64encode(f"demo:{password}".encode()).decode()

    def get(path: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/{path}")
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    return get


def _custom_data(get: Callable[[str], Any], trade_id: int) -> dict[str, Any]:
    """The trade's custom data as {key: value}; values the API shows as JSON text are decoded."""
    try:
        [entry] = get(f"trades/{trade_id}/custom-data")
    except (OSError, ValueError):  # 404 until the plugin has written its first record
        return {}
    values = {}
    for row in entry["custom_data"]:
        value = row["value"]
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        values[row["key"]] = value
    return values


def _quantity(value: float) -> str:
    """A quantity without float noise (0.057, not 0.057000000000000006)."""
    return f"{value:.10g}"


def _leg_text(name: str, leg: dict[str, Any] | None, size: bool = False) -> str:
    if not leg:
        return f"{name} (not placed yet)"
    order_id = leg.get("order_id") or "-"
    quantity = f" for {_quantity(float(leg['quantity']))}" if size else ""
    return f"{name} {leg.get('trigger_price')}{quantity} (order {order_id}, {leg.get('status')})"


def _legs_text(legs: dict[str, Any]) -> str:
    """The stop, then the take-profit; each level with its quantity for a bracket that scales
    out."""
    stop = _leg_text("stop", legs.get("stop"))
    if not legs.get("scale_out"):
        return f"{stop}  {_leg_text('take-profit', legs.get('take_profit'))}"
    levels = [legs["take_profit"], *legs["scale_out"]]
    return "  ".join([stop, *(_leg_text(f"take-profit {level.get('level', number)}:", level,
                                        size=True)
                              for number, level in enumerate(levels, start=1))])


def _all_placed(legs: dict[str, Any]) -> bool:
    wanted = [legs.get("stop"), legs.get("take_profit"), *(legs.get("scale_out") or [])]
    return all((leg or {}).get("order_id") for leg in wanted)


def _settled_stop(legs: dict[str, Any]) -> dict[str, Any] | None:
    """The stop leg once its price is the one on the venue (no new attempt under way)."""
    stop = legs.get("stop") or {}
    if stop.get("status") in SETTLED_STOP_STATUSES and stop.get("order_id") and not stop.get(
            "replacing"):
        return stop
    return None


def _at_entry(price: float, trade: dict[str, Any]) -> bool:
    """The price is the entry's, to the tick: a stop there is at break-even."""
    tick = trade.get("price_precision") if trade.get("precision_mode") == TICK_SIZE else None
    entry = float(trade["open_rate"])
    return abs(price - entry) <= (tick or entry * 1e-4) * (1 + 1e-9)


def exits_filled(trade: dict[str, Any]) -> list[tuple[dict[str, Any], float]]:
    """freqtrade's filled exit orders of ``trade`` (take-profit levels, stop, market exits) in
    the order it booked them, each with the quantity the trade had left after it."""
    entry_side = "sell" if trade["is_short"] else "buy"
    orders = [o for o in trade.get("orders") or [] if float(o.get("filled") or 0.0) > 0
              and not o.get("is_open")]
    left = sum(float(o["filled"]) for o in orders if o["ft_order_side"] == entry_side)
    exits = []
    for order in orders:
        if order["ft_order_side"] != entry_side:
            left -= float(order["filled"])
            exits.append((order, left))
    return exits


class TradeFeed:
    """Prints each bracket as it is placed (entry, stop and take-profit levels with price, order
    id and, for levels, quantity, and the risk it was sized for), steered (a level's partial
    exit with what is left, the stop moved: old → new) and closed (exit reason, result in R =
    profit / that risk).

    Open trades come from ``/status``, closed ones from ``/trades`` (which lists closed trades
    only), both with freqtrade's orders; the legs from each trade's custom data. ``get`` is the
    bot's REST API.
    """

    def __init__(self, get: Callable[[str], Any], write: Callable[[str], None]) -> None:
        self.get = get
        self.write = write
        self.risk: dict[int, float] = {}
        self.waited: dict[int, int] = {}
        self.opened: set[int] = set()
        self.closed: set[int] | None = None  # None until the first poll saw the database
        self.stops: dict[int, float] = {}  # the stop price last printed, per trade
        self.exits: dict[int, set[str]] = {}  # the partial exits printed, per trade

    def poll(self) -> None:
        try:
            open_trades = self.get("status")
            closed = self.get("trades?limit=50&order_by_id=false")["trades"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        if self.closed is None:
            # Trades closed before this run (a kept .demo/ database) are history, not news.
            self.closed = {trade["trade_id"] for trade in closed}
            if self.closed:
                self.write(f"  ({len(self.closed)} earlier closed trades in the database)")
        for trade in open_trades:
            data = _custom_data(self.get, trade["trade_id"])
            if trade["trade_id"] not in self.opened:
                self._announce_open(trade, data, closing=False)
            if trade["trade_id"] in self.opened:
                self._announce_steering(trade, data, closing=False)
        for trade in sorted(closed, key=lambda t: t["trade_id"]):
            if trade["trade_id"] not in self.closed:
                data = _custom_data(self.get, trade["trade_id"])
                if trade["trade_id"] not in self.opened:
                    self._announce_open(trade, data, closing=True)
                self._announce_steering(trade, data, closing=True)
                self._announce_close(trade)

    def _announce_open(self, trade: dict[str, Any], data: dict[str, Any], closing: bool) -> None:
        trade_id = trade["trade_id"]
        legs = data.get("bracket_legs") or {}
        self.waited[trade_id] = self.waited.get(trade_id, 0) + 1
        if not _all_placed(legs) and not closing and self.waited[trade_id] < LEG_WAIT_POLLS:
            return  # the legs follow the fill within a loop or two: print them together
        risk = (data.get("bracket") or {}).get("risk_amount")
        if risk:
            self.risk[trade_id] = float(risk)
        self.opened.add(trade_id)
        stop = _settled_stop(legs)
        if stop is not None:
            self.stops[trade_id] = float(stop["trigger_price"])
        risk_text = f"  risk {float(risk):.2f} USDT" if risk else ""
        self.write(f"  {_name(trade)} opened at {trade['open_rate']}  {_legs_text(legs)}"
                   f"{risk_text}")

    def _announce_steering(self, trade: dict[str, Any], data: dict[str, Any],
                           closing: bool) -> None:
        """Partial exits not printed yet (of a closed trade, all but its last exit), then the
        stop if it moved since it was last printed."""
        trade_id = trade["trade_id"]
        printed = self.exits.setdefault(trade_id, set())
        exits = exits_filled(trade)
        partial = exits[:-1] if closing else exits
        fresh = [(order, left) for order, left in partial if order["order_id"] not in printed]
        for number, (order, left) in enumerate(fresh, start=1):
            printed.add(order["order_id"])
            tag = LEVEL_TAG.fullmatch(order.get("ft_order_tag") or "")
            where = f"take-profit {tag[1]}" if tag else order.get("ft_order_tag") or "exit"
            so_far = ""
            if not closing and number == len(fresh):  # the trade's realised profit is of now
                so_far = f"  realised so far {self._result(trade_id, trade['realized_profit'])}"
            self.write(f"  {_name(trade)} partial exit at {where}: {_quantity(order['filled'])}"
                       f" at {order['safe_price']}, {_quantity(left)} left{so_far}")
        stop = _settled_stop(data.get("bracket_legs") or {})
        if stop is None:
            return
        old, new = self.stops.get(trade_id), float(stop["trigger_price"])
        self.stops[trade_id] = new
        if old is not None and new != old:
            how = " to break-even" if _at_entry(new, trade) else ""
            self.write(f"  {_name(trade)} stop moved{how} {old} → {new} for "
                       f"{_quantity(float(stop['quantity']))} (order {stop['order_id']})")

    def _announce_close(self, trade: dict[str, Any]) -> None:
        trade_id = trade["trade_id"]
        assert self.closed is not None
        self.closed.add(trade_id)
        profit = float(trade["profit_abs"] or 0.0)
        self.write(f"  {_name(trade)} closed by {trade['exit_reason']} at {trade['close_rate']}"
                   f"  {self._result(trade_id, profit)}")

    def _result(self, trade_id: int, profit: float | None) -> str:
        """``profit`` in R (the risk the bracket was sized for) and in USDT."""
        profit = float(profit or 0.0)
        risk = self.risk.get(trade_id)
        result = f"{profit / risk:+.2f} R" if risk else "R unknown (no risk record)"
        return f"{result}  ({profit:+.2f} USDT)"


def _name(trade: dict[str, Any]) -> str:
    return f"#{trade['trade_id']} {trade['pair']} {'short' if trade['is_short'] else 'long'}"
