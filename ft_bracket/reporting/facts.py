"""A trade's bracket as its watchers need it: entry, stop, take-profit, risk, both legs.

Pure. The freqtrade adapter fills ``BracketFacts`` from the trade row and the plugin's two
custom-data records; messages, webhook payloads, the custom-data summary and the chart all read
it. Distances are signed percentages of the entry price; results are in R, the multiple of the
risk the trade was sized for (a stop-out is -1 R, taker fees on both legs included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LegFacts:
    """One leg as last recorded."""

    status: str
    trigger_price: float
    quantity: float
    order_id: str | None = None
    client_id: str | None = None
    attempt: int = 0

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> LegFacts:
        return cls(status=str(raw.get("status", "")),
                   trigger_price=float(raw.get("trigger_price") or 0.0),
                   quantity=float(raw.get("quantity") or 0.0),
                   order_id=raw.get("order_id"), client_id=raw.get("client_id"),
                   attempt=int(raw.get("attempt") or 0))

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "trigger_price": self.trigger_price,
                "quantity": self.quantity, "order_id": self.order_id,
                "client_id": self.client_id, "attempt": self.attempt}


@dataclass(frozen=True)
class BracketFacts:
    """What is known of one trade and its bracket at one moment."""

    trade_id: int
    pair: str
    is_short: bool
    leverage: float
    entry_price: float
    amount: float
    stake_currency: str
    is_open: bool = True
    exit_reason: str | None = None
    close_rate: float | None = None
    stop_price: float | None = None  # the bracket's stop as planned at the fill
    take_profit_price: float | None = None
    risk_amount: float | None = None  # what the stop loses, fees included: 1 R
    stop: LegFacts | None = None
    take_profit: LegFacts | None = None

    @property
    def side(self) -> str:
        return "short" if self.is_short else "long"

    def leg(self, kind: str) -> LegFacts | None:
        return self.stop if kind == "stop" else self.take_profit if kind == "take_profit" else None

    def current_stop(self) -> float | None:
        """The stop as it rests now (a replaced leg may differ from the plan), else the plan."""
        return self.stop.trigger_price if self.stop else self.stop_price

    def current_take_profit(self) -> float | None:
        return self.take_profit.trigger_price if self.take_profit else self.take_profit_price

    def distance_pct(self, price: float | None) -> float | None:
        """``price`` relative to the entry, signed, in % (a long's stop is negative)."""
        if price is None or not self.entry_price:
            return None
        return (price - self.entry_price) / self.entry_price * 100.0

    def taker_fee(self) -> float | None:
        """The fee rate the risk was computed with (read back off the risk record)."""
        stop = self.stop_price
        if stop is None or self.risk_amount is None or self.amount <= 0:
            return None
        move = self.amount * abs(self.entry_price - stop)
        fee = (self.risk_amount - move) / (self.amount * (self.entry_price + stop))
        return fee if math.isfinite(fee) and 0.0 <= fee < 0.01 else None

    def result_in_r(self, exit_price: float | None, quantity: float | None = None
                    ) -> float | None:
        """The result of closing ``quantity`` (default: all) at ``exit_price``, in R, taker fees
        on both legs included as in the sizing: -1 at the stop."""
        fee = self.taker_fee()
        if exit_price is None or fee is None or not self.risk_amount:
            return None
        quantity = self.amount if quantity is None else quantity
        direction = -1.0 if self.is_short else 1.0
        profit = quantity * (direction * (exit_price - self.entry_price)
                             - fee * (self.entry_price + exit_price))
        return profit / self.risk_amount


def prices_record(value: Any) -> dict[str, float]:
    """The ``bracket`` record's numbers (missing ones left out)."""
    if not isinstance(value, dict):
        return {}
    return {k: float(value[k]) for k in ("stop_price", "take_profit_price", "risk_amount")
            if value.get(k) is not None}


def legs_record(value: Any) -> tuple[LegFacts | None, LegFacts | None]:
    """(stop, take-profit) of a ``bracket_legs`` record; (None, None) without one. Of a
    bracket that scales out, the take-profit is its nearest level not filled yet (the last one
    once all filled): the level the position works towards now."""
    if not isinstance(value, dict):
        return None, None
    stop, take_profit = value.get("stop"), value.get("take_profit")
    levels = [leg for leg in [take_profit, *(value.get("scale_out") or [])]
              if isinstance(leg, dict)]
    if len(levels) > 1:
        take_profit = next((leg for leg in levels if leg.get("status") != "filled"), levels[-1])
    return (LegFacts.from_record(stop) if isinstance(stop, dict) else None,
            LegFacts.from_record(take_profit) if isinstance(take_profit, dict) else None)


def price_text(price: float | None) -> str:
    """A price as freqtrade prints one: no trailing zeros, no exponent."""
    if price is None:
        return "-"
    text = f"{price:.8f}".rstrip("0").rstrip(".")
    return text or "0"


def pct_text(pct: float | None) -> str:
    return "" if pct is None else f"{pct:+.2f} %"


def summary(facts: BracketFacts) -> str:
    """The readable line stored beside the machine record in custom data, e.g.
    ``take-profit 1.26 (+4.99 %), resting, order 8000000005 | stop 1.17 (-2.51 %), resting,
    order 8000000004 | long from 1.2001, risk 19.50 USDT``."""
    parts = []
    for name, kind, price in (("take-profit", "take_profit", facts.current_take_profit()),
                              ("stop", "stop", facts.current_stop())):
        leg = facts.leg(kind)
        text = f"{name} {price_text(price)} ({pct_text(facts.distance_pct(price))})"
        if leg is not None:
            text += f", {leg.status}, order {leg.order_id or 'none yet'}"
        parts.append(text)
    tail = f"{facts.side} from {price_text(facts.entry_price)}"
    if facts.risk_amount is not None:
        tail += f", risk {facts.risk_amount:.2f} {facts.stake_currency}"
    return " | ".join([*parts, tail])
