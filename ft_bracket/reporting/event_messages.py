"""Each plugin event's title and lines: one function per event, so each message's wording is in
one place. Pure; ``messages.render`` picks the function by the event's name."""

from __future__ import annotations

from collections.abc import Callable

from ft_bracket.reporting.events import EventName
from ft_bracket.reporting.facts import price_text
from ft_bracket.reporting.message_lines import (
    MessageLines,
    candle,
    leg_name,
    number,
    words,
)

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
    "Place": "placing a leg", "Cancel": "cancelling a leg", "MoveStop": "moving the stop",
    "CancelReplaced": "cancelling a leg a new attempt replaced",
    "Adopt": "handing the stop to freqtrade", "AlignStopPrice": "moving freqtrade's stop",
    "ShowExitFill": "showing freqtrade a leg's fill",
    "ImportExits": "importing the exchange's exits", "RequestExit": "requesting an exit",
    "CancelOrphan": "cancelling an orphan leg", "Observe": "recording a leg's state",
    "CloseRest": "closing what a leg's partial fill left",
    "ClosePastStop": "closing a position past its stop",
    "ShowStop": "showing the bracket's stop in freqtrade's trade",
    "watch": "looking at the account",
}


def _bracket_placed(m: MessageLines) -> str:
    m.trade()
    m.add("Amount", number(m.take("quantity")))
    stop, take_profit = m.take("stop"), m.take("take_profit")
    m.add("Stop", m.price(stop))
    m.add("Stop order", m.leg_order("stop", m.take("stop_id")))
    levels = m.take("take_profit_levels")
    if levels:  # a bracket that scales out
        for level, (price, quantity, order_id) in enumerate(levels, start=1):
            m.add(f"Take-profit {level}", f"{m.price(price)}, {number(quantity)}"
                  + (f", order {order_id}" if order_id else ""))
        m.take("take_profit_id")
    else:
        m.add("Take-profit", m.price(take_profit))
        m.add("Take-profit order", m.leg_order("take_profit", m.take("take_profit_id")))
    m.risk(float(take_profit) if take_profit is not None else None)
    window = m.take("unprotected_ms")
    if window is not None:
        m.add("Protected", f"{window} ms after the entry filled")
    if m.take("simulated"):
        m.add("Mode", "dry-run: both legs are simulated, none is on the exchange")
    return "Bracket placed"


def _take_profit_filled(m: MessageLines) -> str:
    m.trade()
    level, levels, left = m.take("level"), m.take("levels"), m.take("left")
    price, quantity = m.take("price"), m.take("quantity")
    m.add("Fill", m.price(price))
    m.add("Amount", number(quantity))
    m.add("Order", m.take("order_id"))
    m.result(float(price) if price is not None else None,
             float(quantity) if quantity is not None else None)
    stop = m.facts.stop if m.facts else None
    order = f" (order {stop.order_id})" if stop and stop.order_id else ""
    if level is not None and left:
        m.add("Left open", number(left))
        m.done(f"a partial exit (take_profit_{level}); the stop now covers what is left")
        return f"Take-profit {level} of {levels} filled"
    m.done(f"cancelling the stop{order}; freqtrade closes the trade with exit reason "
           "take_profit")
    return "Take-profit filled" if level is None else f"Take-profit {level} of {levels} filled"


def _take_profit_merged(m: MessageLines) -> str:
    m.trade()
    level, into = m.take("level"), m.take("into")
    m.add("Amount", number(m.take("quantity")))
    m.add("Why", m.take("reason"))
    m.done(m.take("action"))
    return f"Take-profit {level} merged into take-profit {into}"


def _legs_cancelled(m: MessageLines) -> str:
    m.trade()
    legs = [k for k in str(m.take("legs") or "").split(",") if k]
    for kind in legs:
        leg = m.facts.leg(kind) if m.facts else None
        m.add(f"{leg_name(kind)} cancelled",
              leg.order_id if leg and leg.order_id else "yes")
    facts = m.facts
    if facts is not None and not facts.is_open and facts.exit_reason:
        closed = f"by {facts.exit_reason}"
        if facts.close_rate is not None:
            closed += f" at {price_text(facts.close_rate)} {facts.stake_currency}"
        m.add("Trade closed", closed)
    m.done("nothing of the bracket rests on the exchange any more")
    return "Bracket legs cancelled" if len(legs) != 1 else f"{leg_name(legs[0])} cancelled"


def _leg_placed(m: MessageLines) -> str:
    kind = m.take("leg")
    m.trade()
    m.add("Trigger", m.price(m.take("price")))
    m.add("Order", m.take("order_id"))
    m.add("Client id", m.take("client_id"))
    return f"{leg_name(kind)} placed"


def _leg_failed(m: MessageLines) -> str:
    kind = m.take("leg")
    m.trade()
    m.add("Trigger", m.price(m.take("price")))
    m.add("Client id", m.take("client_id"))
    m.add("Reason", m.take("reason"))
    m.done(m.take("action"))
    return f"{leg_name(kind)} could not be placed"


def _leg_replaced(m: MessageLines) -> str:
    kind = m.take("leg")
    m.trade()
    m.add("Previous attempt", m.take("previous"))
    m.done(f"the {leg_name(kind).lower()} is no longer on the exchange (cancelled or "
           "refused): a new attempt is sent now")
    return f"Placing the {leg_name(kind).lower()} again"


def _leg_resized(m: MessageLines) -> str:
    kind = m.take("leg")
    m.trade()
    old, new = m.take("old"), m.take("new")
    m.add("Amount", f"{number(old)} -> {number(new)}")
    m.done(f"the {leg_name(kind).lower()} is cancelled and placed again for the position's "
           "size")
    return f"{leg_name(kind)} resized"


def _stop_moved(m: MessageLines) -> str:
    m.trade()
    old, new = m.take("old"), m.take("new")
    m.add("Stop", f"{m.price(old)} -> {m.price(new)}")
    m.add("Stop order", m.leg_order("stop", m.take("stop_id")))
    m.add("Amount", number(m.take("quantity")))
    m.add("Why", m.take("reason"))
    m.done("the new stop rests on the exchange; the one it replaces is cancelled now")
    return "Stop moved"


def _exit_requested(m: MessageLines) -> str:
    m.trade()
    reason = m.take("reason")
    m.add("Exit reason", reason)
    m.add("Why", _EXIT_REASONS.get(str(reason)))
    m.done("freqtrade closes the trade at market")
    return "Closing at market"


def _position_gone(m: MessageLines) -> str:
    m.trade()
    m.add("Exits imported", m.take("exits_imported"))
    m.done(m.take("action"))
    return "Position closed outside the bot"


def _orphan_cancelled(m: MessageLines) -> str:
    m.trade()
    m.add("Client id", m.take("client_id"))
    m.add("Order", m.take("order_id"))
    m.add("Now", m.take("now"))
    m.done("no open trade owns this leg: cancelled, so it cannot close a later position")
    return "Leftover leg cancelled"


def _watch_failed(m: MessageLines) -> str:
    m.trade()
    step = m.take("step")
    m.add("Step", _STEPS.get(str(step), step) if step is not None else None)
    m.add("Error", m.take("error"))
    m.done(m.take("action") or "retrying on the next loop")
    return "Exchange check failed"


def _untracked_position(m: MessageLines) -> str:
    m.trade()
    m.add("Amount", number(m.take("amount")))
    stop = m.take("stop")
    m.add("Protective stop", f"{number(stop)} {m.currency}" if stop is not None else None)
    m.add("Stop order", m.take("stop_id"))
    m.add("Closed", number(m.take("closed")))
    m.add("Order", m.take("order_id"))
    m.add("Reason", m.take("reason"))
    m.done(m.take("action"))
    return "Position that no trade owns"


def _liquidated(m: MessageLines) -> str:
    m.trade()
    m.add("Liquidation price", m.price(m.take("price")))
    m.add("Amount", number(m.take("quantity")))
    m.add("Order", m.take("order_id"))
    m.done(m.take("action"))
    return "Position liquidated by the exchange"


def _stop_slipped(m: MessageLines) -> str:
    m.trade()
    m.add("Stop", m.price(m.take("stop")))
    m.add("Fill", m.price(m.take("price")))
    slipped, pct = m.take("slippage"), m.take("slippage_pct")
    m.add("Slippage", f"{number(slipped)} {m.currency} ({number(pct)} %)"
          if slipped is not None else None)
    extra = m.take("extra_loss")
    m.add("Lost beyond the stop", f"{float(extra):.2f} {m.currency}" if extra else None)
    m.add("Amount", number(m.take("quantity")))
    m.add("Order", m.take("order_id"))
    return "Stop filled past its price"


def _entry_beyond_stop(m: MessageLines) -> str:
    m.trade()
    m.add("Entry fill", m.price(m.take("entry")))
    m.add("Stop", m.price(m.take("stop")))
    m.add("Amount", number(m.take("quantity")))
    m.add("Closed at", m.price(m.take("closed_at")))
    m.done(m.take("action"))
    return "Entry filled beyond its stop"


def _entry_failed(m: MessageLines) -> str:
    m.trade()
    m.add("Reason", m.take("reason"))
    m.done(m.take("action") or "no trade opened; freqtrade tries again while the signal lasts "
           "(reported once per candle)")
    return "Entry failed"


def _entry_refused(m: MessageLines) -> str:
    m.trade()
    signal_candle = m.take("candle")
    m.add("Signal candle", candle(signal_candle) if signal_candle is not None else None)
    for label, key in (("Signal entry", "entry"), ("Signal stop", "stop"),
                       ("Signal take-profit", "take_profit")):
        value = m.take(key)
        m.add(label, f"{number(value)} {m.currency}" if value is not None else None)
    rule, _, detail = str(m.take("reason") or "").partition(": ")
    m.add("Rule", words(rule) if rule else None)
    m.add("Detail", detail)
    m.done("no order sent (said once per pair and signal candle)")
    return "Entry refused"


def generic(m: MessageLines) -> str:
    m.trade()
    m.done(m.take("action"))
    return ""


RENDERERS: dict[EventName, Callable[[MessageLines], str]] = {
    EventName.BRACKET_PLACED: _bracket_placed,
    EventName.TAKE_PROFIT_FILLED: _take_profit_filled,
    EventName.LEGS_CANCELLED: _legs_cancelled,
    EventName.LEG_PLACED: _leg_placed,
    EventName.LEG_FAILED: _leg_failed,
    EventName.LEG_REPLACED: _leg_replaced,
    EventName.LEG_RESIZED: _leg_resized,
    EventName.STOP_MOVED: _stop_moved,
    EventName.TAKE_PROFIT_MERGED: _take_profit_merged,
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
