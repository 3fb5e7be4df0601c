"""Every client id the plugin sends, built and parsed here and nowhere else. Pure.

Format: ``<prefix>-<root>-<role><attempt>``, e.g. ``ftb-7-sfx9k2-sl2``; the take-profit levels
of a bracket that scales out carry their level too: ``<prefix>-<root>-tp<level>_<attempt>``.

- ``prefix``: the ``client_id_prefix`` setting; one per bot, so bots sharing an account never
  take each other's orders for their own.
- ``root``: names what the order belongs to: a trade's bracket (``<trade id>-<open time>``), an
  entry sent before freqtrade had a trade (its legs share the entry's root), a position no
  trade owns (``u...``).
- ``role``: ``sl`` stop, ``tp`` take-profit, ``en`` entry, ``x`` market close.
- ``attempt``: counts the sends of that role under that root; a retry after a timeout reuses
  its attempt's id, so the venue refuses a second copy; a new attempt is a new id.

A fired conditional's real order carries the conditional's client id.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from enum import StrEnum


class OrderRole(StrEnum):
    STOP = "sl"
    TAKE_PROFIT = "tp"
    ENTRY = "en"
    CLOSE = "x"


LEG_ROLES = frozenset({OrderRole.STOP, OrderRole.TAKE_PROFIT})
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_PATTERN = r"{prefix}-([0-9a-z-]+)-(sl|tp|en|x)(\d+)(?:_(\d+))?"


@dataclass(frozen=True)
class ClientId:
    prefix: str
    root: str
    role: OrderRole
    attempt: int
    level: int | None = None  # a take-profit level of a bracket that scales out

    def __str__(self) -> str:
        tail = f"{self.level}_{self.attempt}" if self.level is not None else f"{self.attempt}"
        return f"{self.prefix}-{self.root}-{self.role}{tail}"

    @property
    def is_leg(self) -> bool:
        """A stop or a take-profit (or the real order one became)."""
        return self.role in LEG_ROLES

    @property
    def reduces(self) -> bool:
        """An order that only ever makes a position smaller: a leg or a market close."""
        return self.role is not OrderRole.ENTRY


def build(prefix: str, root: str, role: OrderRole, attempt: int, level: int | None = None
          ) -> str:
    return str(ClientId(prefix, root, role, attempt, level))


def parse(prefix: str, value: str | None) -> ClientId | None:
    """The parts of a client id this plugin made with ``prefix``; None for any other id."""
    match = re.fullmatch(_PATTERN.format(prefix=re.escape(prefix)), value or "")
    if match is None:
        return None
    first, second = int(match.group(3)), match.group(4)
    if second is None:
        return ClientId(prefix, match.group(1), OrderRole(match.group(2)), first)
    return ClientId(prefix, match.group(1), OrderRole(match.group(2)), int(second), first)


def parse_leg(prefix: str, value: str | None) -> ClientId | None:
    """The parts of a stop's or take-profit's client id of ours, else None."""
    parsed = parse(prefix, value)
    return parsed if parsed is not None and parsed.is_leg else None


def root_of(value: str) -> str:
    """The root of any ``<prefix>-<root>-<role><n>`` id, whatever its prefix: for records
    written before roots were stored, and journals whose prefix is not at hand."""
    head, _, _ = value.rpartition("-")
    return head.partition("-")[2]


def role_of(value: str) -> str:
    """The ``<role><n>`` tail of any client id ('' when it has no dash)."""
    return value.rpartition("-")[2] if "-" in value else ""


def base36(number: int) -> str:
    digits = ""
    while True:
        number, remainder = divmod(number, 36)
        digits = _BASE36[remainder] + digits
        if not number:
            return digits


def bracket_root(trade_id: int, opened_at_s: int) -> str:
    """The root of a trade's bracket. The open time keeps roots unique across databases: a
    fresh database restarts trade ids at 1, and an old leg must never pass for a new trade's."""
    return f"{trade_id}-{base36(opened_at_s)}"


def entry_root(pair: str, sent_ms: int) -> str:
    """The root of an entry (and of the legs sent from its answer) before freqtrade has a trade
    id: the entry is ``<prefix>-<root>-en1``, its legs ``<prefix>-<root>-sl1`` ..."""
    return f"{base36(sent_ms)}{base36(zlib.crc32(pair.encode()) % 36**3):0>3}"


def untracked_root(pair: str, found_s: int) -> str:
    """The root of a guard over a position no trade owns: no bracket root starts with a
    letter (they start with their trade id)."""
    return f"u{base36(zlib.crc32(pair.encode()))}-{base36(found_s)}"


def entry_id(prefix: str, root: str) -> str:
    return build(prefix, root, OrderRole.ENTRY, 1)


def close_id(prefix: str, root: str, attempt: int) -> str:
    """A reduce-only market close: the ``attempt``-th under ``root``."""
    return build(prefix, root, OrderRole.CLOSE, attempt)


def order_root(prefix: str, value: str | None) -> str | None:
    """The root of any order id this plugin made (entry, leg, a leg's real order, a close)."""
    parsed = parse(prefix, value)
    return None if parsed is None else parsed.root
