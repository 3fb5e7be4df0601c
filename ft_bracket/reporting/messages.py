"""Each plugin event as a message a person reads at a glance, in freqtrade's own style.

Pure. ``render`` turns an event (and, when it names a trade, that trade's ``BracketFacts``) into
a ``Message``: an emoji, a title, and ``Label: value`` lines — pair, direction, prices with
their distance from the entry, risk in the stake currency and in R, order ids, what happened and
what the plugin did. ``to_markdown`` writes it the way freqtrade's own Telegram messages look
(``✅ *Binance:* New Trade filled (#3)`` then ``*Pair:* `XRP/USDT:USDT```), safe whatever the
values hold; ``to_plain`` is the same text without markup (webhook payloads, logs).

A field an event carries that no line below shows is still shown, under its own name: a new
field added at an emit site is never silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ft_bracket.reporting.events import Event, EventName, Severity
from ft_bracket.reporting.facts import BracketFacts, pct_text, price_text
from ft_bracket.reporting.markdown import bold_label, clean, code, escape

LEG_NAMES = {"stop": "Stop", "take_profit": "Take-profit"}
_EMOJI = {
    EventName.BRACKET_PLACED: "\N{SHIELD}",
    EventName.LEG_PLACED: "\N{SHIELD}",
    EventName.TAKE_PROFIT_FILLED: "\N{DIRECT HIT}",
    EventName.LEGS_CANCELLED: "\N{BROOM}",
    EventName.ENTRY_REFUSED: "\N{NO ENTRY SIGN}",
    EventName.LEG_RECOVERED: "\N{LEFT-POINTING MAGNIFYING GLASS}",
}
# Problems look alike, whatever the event: the severity is what a glance must catch.
_SEVERITY_EMOJI = {Severity.WARNING: "\N{WARNING SIGN}",
                   Severity.ERROR: "\N{POLICE CARS REVOLVING LIGHT}"}
_EXIT_REASONS = {
    "take_profit_unplaceable": "the exchange kept refusing the take-profit",
    "take_profit": "the price is already beyond the take-profit",
    "sold_on_exchange": "the position was closed on the exchange",
    "stop_loss": "the position is beyond its stop",
    "liquidation": "the exchange liquidated the position",
}
# The OrderManager's steps, as named in watch_failed's ``step``.
_STEPS = {
    "Query": "asking the exchange about a leg", "ReadFill": "reading a leg's fill",
    "Place": "placing a leg", "Cancel": "cancelling a leg",
    "Adopt": "handing the stop to freqtrade", "AlignStopPrice": "moving freqtrade's stop",
    "ShowExitFill": "showing freqtrade a leg's fill",
    "ImportExits": "importing the exchange's exits", "RequestExit": "requesting an exit",
    "CancelOrphan": "cancelling an orphan leg", "Observe": "recording a leg's state",
    "CloseRest": "closing what a leg's partial fill left",
    "ClosePastStop": "closing a position past its stop",
    "ShowStop": "showing the bracket's stop in freqtrade's trade",
    "watch": "looking at the account",
}


@dataclass(frozen=True)
class Message:
    emoji: str
    title: str
    trade_id: int | None
    lines: tuple[tuple[str, str], ...]


def to_markdown(message: Message, venue: str) -> str:
    """freqtrade's layout in Telegram's legacy Markdown; every value inside a code entity."""
    head = f"{message.emoji} {bold_label(venue)} {escape(message.title)}"
    if message.trade_id is not None:
        head += f" (#{message.trade_id})"
    return "\n".join([head, *(f"{bold_label(label)} {code(value)}"
                              for label, value in message.lines)])


def to_plain(message: Message, venue: str) -> str:
    head = f"{message.emoji} {venue}: {message.title}"
    if message.trade_id is not None:
        head += f" (#{message.trade_id})"
    return "\n".join([head, *(f"{label}: {clean(value)}" for label, value in message.lines)])


class _Lines:
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
            text = _number(value) if isinstance(value, float) else value
            self.add(key.replace("_", " ").capitalize(), text)
        return tuple(self.lines)


def _number(value: Any) -> str | None:
    """A quantity or price without a currency; None stays None."""
    return None if value is None else price_text(float(value))


def _leg_name(kind: Any) -> str:
    return LEG_NAMES.get(str(kind), str(kind))


def _words(name: str) -> str:
    """``RewardRiskBelowMinimum`` -> ``reward risk below minimum``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _candle(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(value)


def _bracket_placed(m: _Lines) -> str:
    m.trade()
    m.add("Amount", _number(m.take("quantity")))
    stop, take_profit = m.take("stop"), m.take("take_profit")
    m.add("Stop", m.price(stop))
    m.add("Stop order", m.leg_order("stop", m.take("stop_id")))
    m.add("Take-profit", m.price(take_profit))
    m.add("Take-profit order", m.leg_order("take_profit", m.take("take_profit_id")))
    m.risk(float(take_profit) if take_profit is not None else None)
    window = m.take("unprotected_ms")
    if window is not None:
        m.add("Protected", f"{window} ms after the entry filled")
    if m.take("simulated"):
        m.add("Mode", "dry-run: both legs are simulated, none is on the exchange")
    return "Bracket placed"


def _take_profit_filled(m: _Lines) -> str:
    m.trade()
    price, quantity = m.take("price"), m.take("quantity")
    m.add("Fill", m.price(price))
    m.add("Amount", _number(quantity))
    m.add("Order", m.take("order_id"))
    m.result(float(price) if price is not None else None,
             float(quantity) if quantity is not None else None)
    stop = m.facts.stop if m.facts else None
    order = f" (order {stop.order_id})" if stop and stop.order_id else ""
    m.done(f"cancelling the stop{order}; freqtrade closes the trade with exit reason "
           "take_profit")
    return "Take-profit filled"


def _legs_cancelled(m: _Lines) -> str:
    m.trade()
    legs = [k for k in str(m.take("legs") or "").split(",") if k]
    for kind in legs:
        leg = m.facts.leg(kind) if m.facts else None
        m.add(f"{_leg_name(kind)} cancelled",
              leg.order_id if leg and leg.order_id else "yes")
    facts = m.facts
    if facts is not None and not facts.is_open and facts.exit_reason:
        closed = f"by {facts.exit_reason}"
        if facts.close_rate is not None:
            closed += f" at {price_text(facts.close_rate)} {facts.stake_currency}"
        m.add("Trade closed", closed)
    m.done("nothing of the bracket rests on the exchange any more")
    return "Bracket legs cancelled" if len(legs) != 1 else f"{_leg_name(legs[0])} cancelled"


def _leg_placed(m: _Lines) -> str:
    kind = m.take("leg")
    m.trade()
    m.add("Trigger", m.price(m.take("price")))
    m.add("Order", m.take("order_id"))
    m.add("Client id", m.take("client_id"))
    return f"{_leg_name(kind)} placed"


def _leg_failed(m: _Lines) -> str:
    kind = m.take("leg")
    m.trade()
    m.add("Trigger", m.price(m.take("price")))
    m.add("Client id", m.take("client_id"))
    m.add("Reason", m.take("reason"))
    m.done(m.take("action"))
    return f"{_leg_name(kind)} could not be placed"


def _leg_replaced(m: _Lines) -> str:
    kind = m.take("leg")
    m.trade()
    m.add("Previous attempt", m.take("previous"))
    m.done(f"the {_leg_name(kind).lower()} is no longer on the exchange (cancelled or "
           "refused): a new attempt is sent now")
    return f"Placing the {_leg_name(kind).lower()} again"


def _leg_resized(m: _Lines) -> str:
    kind = m.take("leg")
    m.trade()
    old, new = m.take("old"), m.take("new")
    m.add("Amount", f"{_number(old)} -> {_number(new)}")
    m.done(f"the {_leg_name(kind).lower()} is cancelled and placed again for the position's "
           "size")
    return f"{_leg_name(kind)} resized"


def _exit_requested(m: _Lines) -> str:
    m.trade()
    reason = m.take("reason")
    m.add("Exit reason", reason)
    m.add("Why", _EXIT_REASONS.get(str(reason)))
    m.done("freqtrade closes the trade at market")
    return "Closing at market"


def _position_gone(m: _Lines) -> str:
    m.trade()
    m.add("Exits imported", m.take("exits_imported"))
    m.done(m.take("action"))
    return "Position closed outside the bot"


def _orphan_cancelled(m: _Lines) -> str:
    m.trade()
    m.add("Client id", m.take("client_id"))
    m.add("Order", m.take("order_id"))
    m.add("Now", m.take("now"))
    m.done("no open trade owns this leg: cancelled, so it cannot close a later position")
    return "Leftover leg cancelled"


def _watch_failed(m: _Lines) -> str:
    m.trade()
    step = m.take("step")
    m.add("Step", _STEPS.get(str(step), step) if step is not None else None)
    m.add("Error", m.take("error"))
    m.done(m.take("action") or "retrying on the next loop")
    return "Exchange check failed"


def _untracked_position(m: _Lines) -> str:
    m.trade()
    m.add("Amount", _number(m.take("amount")))
    stop = m.take("stop")
    m.add("Protective stop", f"{_number(stop)} {m.currency}" if stop is not None else None)
    m.add("Stop order", m.take("stop_id"))
    m.add("Closed", _number(m.take("closed")))
    m.add("Order", m.take("order_id"))
    m.add("Reason", m.take("reason"))
    m.done(m.take("action"))
    return "Position that no trade owns"


def _liquidated(m: _Lines) -> str:
    m.trade()
    m.add("Liquidation price", m.price(m.take("price")))
    m.add("Amount", _number(m.take("quantity")))
    m.add("Order", m.take("order_id"))
    m.done(m.take("action"))
    return "Position liquidated by the exchange"


def _stop_slipped(m: _Lines) -> str:
    m.trade()
    m.add("Stop", m.price(m.take("stop")))
    m.add("Fill", m.price(m.take("price")))
    slipped, pct = m.take("slippage"), m.take("slippage_pct")
    m.add("Slippage", f"{_number(slipped)} {m.currency} ({_number(pct)} %)"
          if slipped is not None else None)
    extra = m.take("extra_loss")
    m.add("Lost beyond the stop", f"{float(extra):.2f} {m.currency}" if extra else None)
    m.add("Amount", _number(m.take("quantity")))
    m.add("Order", m.take("order_id"))
    return "Stop filled past its price"


def _entry_beyond_stop(m: _Lines) -> str:
    m.trade()
    m.add("Entry fill", m.price(m.take("entry")))
    m.add("Stop", m.price(m.take("stop")))
    m.add("Amount", _number(m.take("quantity")))
    m.add("Closed at", m.price(m.take("closed_at")))
    m.done(m.take("action"))
    return "Entry filled beyond its stop"


def _entry_failed(m: _Lines) -> str:
    m.trade()
    m.add("Reason", m.take("reason"))
    m.done(m.take("action") or "no trade opened; freqtrade tries again while the signal lasts "
           "(reported once per candle)")
    return "Entry failed"


def _entry_refused(m: _Lines) -> str:
    m.trade()
    candle = m.take("candle")
    m.add("Signal candle", _candle(candle) if candle is not None else None)
    for label, key in (("Signal entry", "entry"), ("Signal stop", "stop"),
                       ("Signal take-profit", "take_profit")):
        value = m.take(key)
        m.add(label, f"{_number(value)} {m.currency}" if value is not None else None)
    rule, _, detail = str(m.take("reason") or "").partition(": ")
    m.add("Rule", _words(rule) if rule else None)
    m.add("Detail", detail)
    m.done("no order sent (said once per pair and signal candle)")
    return "Entry refused"


def _generic(m: _Lines) -> str:
    m.trade()
    m.done(m.take("action"))
    return ""


_RENDERERS: dict[EventName, Callable[[_Lines], str]] = {
    EventName.BRACKET_PLACED: _bracket_placed,
    EventName.TAKE_PROFIT_FILLED: _take_profit_filled,
    EventName.LEGS_CANCELLED: _legs_cancelled,
    EventName.LEG_PLACED: _leg_placed,
    EventName.LEG_FAILED: _leg_failed,
    EventName.LEG_REPLACED: _leg_replaced,
    EventName.LEG_RESIZED: _leg_resized,
    EventName.EXIT_REQUESTED: _exit_requested,
    EventName.POSITION_GONE: _position_gone,
    EventName.ORPHAN_CANCELLED: _orphan_cancelled,
    EventName.WATCH_FAILED: _watch_failed,
    EventName.UNTRACKED_POSITION: _untracked_position,
    EventName.LIQUIDATED: _liquidated,
    EventName.STOP_SLIPPED: _stop_slipped,
    EventName.ENTRY_BEYOND_STOP: _entry_beyond_stop,
    EventName.ENTRY_FAILED: _entry_failed,
    EventName.ENTRY_REFUSED: _entry_refused,
}


def render(event: Event, facts: BracketFacts | None = None) -> Message:
    """The message for ``event``; ``facts`` is the trade it names (None: no trade, or unknown)."""
    lines = _Lines(event, facts)
    title = _RENDERERS.get(event.name, _generic)(lines)
    emoji = _SEVERITY_EMOJI.get(event.severity) or _EMOJI.get(event.name, "\N{INFORMATION SOURCE}")
    return Message(emoji, title or event.name.value.replace("_", " ").capitalize(),
                   event.trade_id, lines.finish())
