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

from dataclasses import dataclass

from ft_bracket.reporting.event_messages import RENDERERS, generic
from ft_bracket.reporting.events import Event, EventName, Severity
from ft_bracket.reporting.facts import BracketFacts
from ft_bracket.reporting.markdown import bold_label, clean, code, escape
from ft_bracket.reporting.message_lines import MessageLines

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


def render(event: Event, facts: BracketFacts | None = None) -> Message:
    """The message for ``event``; ``facts`` is the trade it names (None: no trade, or unknown)."""
    lines = MessageLines(event, facts)
    title = RENDERERS.get(event.name, generic)(lines)
    emoji = _SEVERITY_EMOJI.get(event.severity) or _EMOJI.get(event.name, "\N{INFORMATION SOURCE}")
    return Message(emoji, title or event.name.value.replace("_", " ").capitalize(),
                   event.trade_id, lines.finish())
