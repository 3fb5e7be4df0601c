"""What the demo prints about its brackets, read from the bot's REST API: each bracket when it
opens and when it closes."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.request
from collections.abc import Callable
from typing import Any

# Polls a freshly opened trade may wait for its legs' order ids before it is printed without.
LEG_WAIT_POLLS = 5


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


def _leg_text(name: str, leg: dict[str, Any] | None) -> str:
    if not leg:
        return f"{name} (not placed yet)"
    order_id = leg.get("order_id") or "-"
    return f"{name} {leg.get('trigger_price')} (order {order_id}, {leg.get('status')})"


class TradeFeed:
    """Prints each bracket when it opens (entry and both legs with price and order id) and when it
    closes (exit reason, result in R = profit / the risk the plugin sized it for).

    Open trades come from ``/status``, closed ones from ``/trades`` (which lists closed trades
    only); ``get`` is the bot's REST API.
    """

    def __init__(self, get: Callable[[str], Any], write: Callable[[str], None]) -> None:
        self.get = get
        self.write = write
        self.risk: dict[int, float] = {}
        self.waited: dict[int, int] = {}
        self.opened: set[int] = set()
        self.closed: set[int] | None = None  # None until the first poll saw the database

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
            if trade["trade_id"] not in self.opened:
                self._announce_open(trade, closing=False)
        for trade in sorted(closed, key=lambda t: t["trade_id"]):
            if trade["trade_id"] not in self.closed:
                if trade["trade_id"] not in self.opened:
                    self._announce_open(trade, closing=True)
                self._announce_close(trade)

    def _announce_open(self, trade: dict[str, Any], closing: bool) -> None:
        trade_id = trade["trade_id"]
        data = _custom_data(self.get, trade_id)
        legs = data.get("bracket_legs") or {}
        placed = all((legs.get(k) or {}).get("order_id") for k in ("stop", "take_profit"))
        self.waited[trade_id] = self.waited.get(trade_id, 0) + 1
        if not placed and not closing and self.waited[trade_id] < LEG_WAIT_POLLS:
            return  # the legs follow the fill within a loop or two: print them together
        risk = (data.get("bracket") or {}).get("risk_amount")
        if risk:
            self.risk[trade_id] = float(risk)
        self.opened.add(trade_id)
        side = "short" if trade["is_short"] else "long"
        risk_text = f"  risk {float(risk):.2f} USDT" if risk else ""
        self.write(
            f"  #{trade_id} {trade['pair']} {side} opened at {trade['open_rate']}  "
            f"{_leg_text('stop', legs.get('stop'))}  "
            f"{_leg_text('take-profit', legs.get('take_profit'))}{risk_text}"
        )

    def _announce_close(self, trade: dict[str, Any]) -> None:
        trade_id = trade["trade_id"]
        assert self.closed is not None
        self.closed.add(trade_id)
        profit = float(trade["profit_abs"] or 0.0)
        risk = self.risk.get(trade_id)
        result = f"{profit / risk:+.2f} R" if risk else "R unknown (no risk record)"
        side = "short" if trade["is_short"] else "long"
        self.write(
            f"  #{trade_id} {trade['pair']} {side} closed by {trade['exit_reason']} at "
            f"{trade['close_rate']}  {result}  ({profit:+.2f} USDT)"
        )
