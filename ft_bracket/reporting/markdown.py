"""Telegram's legacy Markdown, which freqtrade sends every strategy message in, made safe.

freqtrade posts ``strategy_msg`` text with ``parse_mode=Markdown``: ``_``, ``*``, `````` ` ``````
and ``[`` open entities, and Telegram refuses a message whose entity never closes (freqtrade tries
twice, then drops it). Outside entities a backslash escapes those four; inside one nothing can be
escaped. So values (pairs and client ids hold ``_``, venue errors hold anything) always travel
inside a code entity with backticks replaced, and our own words are escaped.
"""

from __future__ import annotations

MARKERS = "_*`["
# A Telegram message holds 4096 characters; one value (a venue's error text) gets this many.
MAX_VALUE_LENGTH = 300


def escape(text: str) -> str:
    """Plain text outside any entity: each marker escaped with a backslash."""
    return "".join("\\" + c if c in MARKERS else c for c in text)


def clean(value: object) -> str:
    """A value on one line, shortened, never empty."""
    text = " ".join(str(value).split())
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 1] + "…"
    return text or "-"


def code(value: object) -> str:
    """``value`` as a code entity: shown verbatim, markers and all (a backtick, which would end
    the entity and cannot be escaped inside it, becomes an apostrophe)."""
    return "`" + clean(value).replace("`", "'") + "`"


def bold_label(label: str) -> str:
    """``*Label:*``; labels are the plugin's own words and must hold no marker."""
    if any(c in MARKERS for c in label):
        raise ValueError(f"a label may not hold Markdown markers: {label!r}")
    return f"*{label}:*"
