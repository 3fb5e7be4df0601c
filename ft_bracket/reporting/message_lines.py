"""The lines of one event's message: ``MessageLines`` takes fields off the event as they are
shown, and whatever no line shows is still shown under its own name. Pure."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ft_bracket.reporting.events import Event
from ft_bracket.reporting.facts import BracketFacts, pct_text, price_text

LEG_NAMES = {"stop": "Stop", "take_profit": "Take-profit"}


class MessageLines:
    """Builds a message's lines, taking fields off the event as they are shown."""

    def __init__(self, event: Event, facts: BracketFacts | None) -> None:
        self.left = dict(event.fields)
        self.left.pop("trade", None)  # in the title
        self.facts = facts
        self.currency = facts.stake_currency if facts else "USDT"
        self.lines: list[tuple[str, str]] = []

    def take(self, key: str) -> Any:
        return self.left.pop(key, None)

    def add(self, label: str, value: Any) -> None:
        if value is not None and value != "":
            self.lines.append((label, str(value)))

    def price(self, price: Any) -> str | None:
        """``1.17 USDT (-2.51 %)``: the distance is from the trade's entry."""
        if price is None:
            return None
        number = float(price)
        text = f"{price_text(number)} {self.currency}"
        distance = self.facts.distance_pct(number) if self.facts else None
        return f"{text} ({pct_text(distance)})" if distance is not None else text

    def trade(self, pair: Any = None, side: Any = None) -> None:
        """Pair, direction and entry, as freqtrade's entry messages show them."""
        facts = self.facts
        self.add("Pair", self.take("pair") or pair or (facts.pair if facts else None))
        side = self.take("side") or side or (facts.side if facts else None)
        if side:
            leverage = facts.leverage if facts else 1.0
            self.add("Direction", str(side).title()
                     + (f" ({leverage:.3g}x)" if leverage and leverage != 1.0 else ""))
        if facts is not None:
            self.add("Entry", f"{price_text(facts.entry_price)} {facts.stake_currency}")

    def leg_order(self, kind: str, order_id: Any = None) -> str | None:
        """``8000000004 (resting)`` from the trade's legs record."""
        leg = self.facts.leg(kind) if self.facts else None
        order_id = order_id or (leg.order_id if leg else None)
        if order_id is None:
            return None
        return f"{order_id} ({leg.status})" if leg and leg.order_id == order_id else order_id

    def risk(self, target: float | None = None) -> None:
        facts = self.facts
        if facts is None or facts.risk_amount is None:
            return
        self.add("Risk", f"{facts.risk_amount:.2f} {facts.stake_currency} = 1 R (fees included)")
        reward = facts.result_in_r(target)
        if reward is not None:
            self.add("Target", f"{reward:+.2f} R at the take-profit")

    def result(self, price: float | None, quantity: float | None) -> None:
        facts = self.facts
        r = facts.result_in_r(price, quantity) if facts else None
        if facts is not None and r is not None and facts.risk_amount:
            self.add("Result", f"{r:+.2f} R = {r * facts.risk_amount:+.2f} "
                               f"{facts.stake_currency} (fees included, estimated)")

    def done(self, action: Any) -> None:
        self.add("Action taken", action)

    def finish(self) -> tuple[tuple[str, str], ...]:
        for key, value in self.left.items():  # nothing an event says goes unshown
            text = number(value) if isinstance(value, float) else value
            self.add(key.replace("_", " ").capitalize(), text)
        return tuple(self.lines)


def number(value: Any) -> str | None:
    """A quantity or price without a currency; None stays None."""
    return None if value is None else price_text(float(value))


def leg_name(kind: Any) -> str:
    return LEG_NAMES.get(str(kind), str(kind))


def words(name: str) -> str:
    """``RewardRiskBelowMinimum`` -> ``reward risk below minimum``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def candle(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(value)
