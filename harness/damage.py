"""A damage audit from the venue's own record (the emulator's journal), not from timing.

The journal is replayed in order, per symbol: position lives (flat → open → flat), which of the
plugin's legs rest when, the prices under manual control. A life belongs to the trade whose entry
order opened it (freqtrade's database says which); a leg belongs to the bracket whose id root it
carries: a trade's stop moves and resizes (``sl2``, ``sl3`` ... resting a moment beside the stop
they replace) and its take-profit levels (``tp<level>_<n>``, each fill a partial exit) are all
its own. Damage is counted, never durations:

- ``foreign_leg_positions``: a position lived while a leg of another trade rested on its symbol
  (a reduce-only leg acts on whatever position the symbol holds: it could close this one);
- ``foreign_leg_fills``: a leg, or a market close of ours (``-x<n>``), filled against a
  position it did not belong to (a close whose request landed late acts like a leg);
- ``unprotected_crossings``: the price crossed the position's stop (where it was then: the
  tightest of its stops resting, and in a gap the tighter of the last one and the next one, see
  harness/stop_record.py) while no stop of it rested and the venue held none of its requests
  (a crossing while the venue sat on the trade's entry or stop request, a fault, is
  ``venue_held_crossings``: no client could have had a stop there;
  one while the bot process was dead, when the caller says so, is ``bot_down_crossings``; one
  after the entry filled and before the venue received the stop sent from its answer, the
  protection window, is ``in_flight_crossings``; one after the venue answered the trade's stop
  "would immediately trigger" (-2021, its word that the price is past the stop: the plugin closes
  at market on it) and before the plugin's next stop or close reached it, is
  ``venue_said_crossings``; one after the venue refused the trade's stop otherwise (a fault's
  or its own error) and before the plugin's resend or close reached it, when the venue's record
  of calls (``request`` rows, a switch of the emulator's) shows that the plugin's next call was
  that resend (or a lookup of that stop first): sent from the refusal's answer, no client could
  have had a stop resting in between, is ``resend_in_flight_crossings``; an entry that filled
  beyond its stop, by its fill price or by the last price the venue's stops trigger on, is
  ``born_beyond_stop``, judged by its first stop's level, not one it moved to later). A hold,
  refusal or -2021 of a stop that replaces a resting one excuses nothing: the old one protects;
- ``duplicate_orders``: a client id the venue accepted twice.

Printed apart, not judged: stops of a trade placed for less than its position (``short_stops``).

Timing figures (longest orphan, longest unprotected stretch) are printed, never asserted.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ft_bracket.core import client_ids
from ft_bracket.core.legs import LegKind
from harness.stop_record import (
    StopLevels,
    Windows,
    is_stop,
    replacements,
    resend_in_flight,
    said_crossed,
)

_EPSILON = 1e-9


@dataclass
class Trade:
    """What the audit needs of one freqtrade trade."""

    trade_id: int
    symbol: str
    is_short: bool
    root: str | None
    stop_price: float | None
    entry_order_ids: set[str]


@dataclass
class Life:
    symbol: str
    opened: int  # venue time
    opened_by: str  # order id
    trade: Trade | None
    closed: int | None = None
    crossed: bool = False  # the price is beyond the stop


@dataclass(frozen=True)
class Leg:
    """A leg of ours resting on the venue."""

    since: int  # venue time
    root: str
    kind: LegKind
    trigger: float | None  # (hand-made journals may leave it out)


@dataclass
class _Excuses:
    """When no client could have had a stop resting (module doc): the crossings printed apart."""

    down: list[tuple[int, int]] | tuple[()]  # the bot process was not running
    # When the venue first heard of each trade's first stop attempt (sent from the entry's
    # answer): before that, no stop of it could rest.
    first_stop: dict[str, int]
    said: Windows  # after the venue's -2021 to the stop, before the plugin's answer arrived
    resent: Windows  # after a refusal, before the resend sent from its answer arrived
    # symbol -> (from, to, root) of calls the venue held
    held: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    faulted: set[str] = field(default_factory=set)  # roots whose stop request a fault refused


@dataclass
class Damage:
    foreign_leg_positions: list[str] = field(default_factory=list)
    foreign_leg_fills: list[str] = field(default_factory=list)
    unprotected_crossings: list[str] = field(default_factory=list)
    duplicate_orders: list[str] = field(default_factory=list)
    venue_held_crossings: list[str] = field(default_factory=list)  # printed, not judged
    bot_down_crossings: list[str] = field(default_factory=list)  # printed, not judged
    in_flight_crossings: list[str] = field(default_factory=list)  # printed, not judged
    venue_said_crossings: list[str] = field(default_factory=list)  # printed, not judged
    resend_in_flight_crossings: list[str] = field(default_factory=list)  # printed, not judged
    lives: int = 0
    # Entries that filled beyond their own stop (the price moved while they were on their way):
    # no stop can rest there, so it is not a stop that was missing; the soak prints them.
    born_beyond_stop: list[str] = field(default_factory=list)
    # Stops of a trade placed for less than its position (printed, not judged): when one fires
    # it leaves a rest with no stop, which the plugin must close at market.
    short_stops: list[str] = field(default_factory=list)
    longest_orphan_ms: int = 0
    longest_unprotected_ms: int = 0

    @property
    def figures(self) -> dict[str, int]:
        return {"foreign_leg_positions": len(self.foreign_leg_positions),
                "foreign_leg_fills": len(self.foreign_leg_fills),
                "unprotected_crossings": len(self.unprotected_crossings),
                "duplicate_orders": len(self.duplicate_orders)}

    @property
    def harmless(self) -> bool:
        return not any(self.figures.values())

    def describe(self) -> str:
        lines = [f"{name}: {len(getattr(self, name))}" for name in self.figures]
        lines += [f"  {row}" for name in self.figures for row in getattr(self, name)[:10]]
        return "\n".join(lines)


def trades_from_database(path: Path) -> list[Trade]:
    """freqtrade's trades with their entry order ids and the bracket's root and stop."""
    if not path.exists():
        return []
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
        db.row_factory = sqlite3.Row
        try:
            trades = list(db.execute("SELECT id, pair, is_short FROM trades"))
            orders = list(db.execute(
                "SELECT ft_trade_id, order_id, ft_order_side, side FROM orders"))
            records = {r["ft_trade_id"]: json.loads(r["cd_value"]) for r in db.execute(
                "SELECT ft_trade_id, cd_value FROM trade_custom_data "
                "WHERE cd_key = 'bracket_legs'")}
        except sqlite3.OperationalError:  # not created yet
            return []
    found = []
    for row in trades:
        entry_side = "sell" if row["is_short"] else "buy"
        record = records.get(row["id"]) or {}
        stop = record.get("stop") or {}
        root = record.get("root") or client_ids.root_of(stop.get("client_id") or "")
        found.append(Trade(
            int(row["id"]), row["pair"].split("/")[0] + "USDT", bool(row["is_short"]),
            root or None, float(stop["trigger_price"]) if stop else None,
            {str(o["order_id"]) for o in orders
             if o["ft_trade_id"] == row["id"] and o["ft_order_side"] == entry_side}))
    return found


def audit(rows: list[dict[str, Any]], trades: list[Trade], prefix: str,
          down: list[tuple[int, int]] | tuple[()] = ()) -> Damage:
    """Replay one account's journal rows (oldest first) against its bot's trades; ``down``:
    (from, to) venue times the bot process was not running."""
    damage = Damage()
    by_entry = {order_id: t for t in trades for order_id in t.entry_order_ids}
    position: Counter[str] = Counter()
    lives: dict[str, Life] = {}
    resting: dict[str, dict[str, Leg]] = {}  # symbol -> client id -> leg resting
    unprotected_since: dict[str, int] = {}
    accepted: Counter[str] = Counter()
    flat_since: dict[str, int] = {}
    last: dict[str, float] = {}  # the venue's last price per symbol: what its stops trigger on
    replaced = replacements(rows, prefix)
    excuses = _Excuses(down, _first_stops(rows), said_crossed(rows, replaced),
                       resend_in_flight(rows, prefix, replaced))
    levels = StopLevels(rows, prefix)
    for row in rows:
        symbol, event, at = row.get("symbol"), row["event"], int(row["time"])
        if event == "price" and symbol:
            last[symbol] = float(row["last"])
        if event == "request_faulted" and is_stop(prefix, row.get("client_id")):
            excuses.faulted.add(client_ids.root_of(row["client_id"]))
        # A hold of a stop that replaces a resting one excuses nothing: the old one protects.
        if event == "request_held" and symbol and row.get("client_id") \
                and row["client_id"] not in replaced:
            excuses.held.setdefault(symbol, []).append(
                (at, at + int(1000 * float(row["seconds"])), client_ids.root_of(row["client_id"])))
        # A fired conditional's real order carries the conditional's client id: not a second
        # acceptance of it.
        fired = event == "order_created" and row.get("orig_type") != row.get("type")
        if event in ("algo_created", "order_created") and row.get("client_id") and not fired:
            accepted[row["client_id"]] += 1
        if event == "algo_created":
            parsed = client_ids.parse_leg(prefix, row.get("client_id"))
            if parsed is not None:
                resting.setdefault(symbol, {})[row["client_id"]] = Leg(
                    at, parsed.root, LegKind.of(parsed.role), _number(row.get("trigger_price")))
                _check_foreign(damage, lives.get(symbol), parsed.root, row["client_id"], at)
                _check_size(damage, lives.get(symbol), parsed.root, row, position[symbol], at)
        elif event.startswith("algo_") and event != "algo_created" and "algo_id" in row:
            # (A refused placement has no algo id: it ends nothing, e.g. a resend's -4116.)
            leg = resting.get(symbol, {}).pop(row.get("client_id") or "", None)
            life = lives.get(symbol)
            if leg is not None and life is None:  # resting without a position: since when
                since = max(leg.since, flat_since.get(symbol, leg.since))
                damage.longest_orphan_ms = max(damage.longest_orphan_ms, at - since)
        elif event == "order_filled":
            was_open = symbol in lives
            _fill(damage, row, lives, position, by_entry, prefix, last, levels, at)
            if was_open and symbol not in lives:
                flat_since[symbol] = at
            life = lives.get(symbol)
            if life is not None and life.opened == at and life.opened_by == str(row["order_id"]):
                for cid, leg in resting.get(symbol, {}).items():
                    _check_foreign(damage, life, leg.root, cid, at)
        elif event == "price" and symbol in lives:
            _price(damage, lives[symbol], float(row["last"]), resting.get(symbol, {}), levels,
                   excuses, at)
        life = lives.get(symbol) if symbol else None
        if life is not None and life.trade is not None:
            stops = _stops_of(life.trade, resting.get(symbol, {}))
            levels.resting(life.trade.root or "", stops)
            if stops:
                start = unprotected_since.pop(symbol, None)
                if start is not None:
                    damage.longest_unprotected_ms = max(damage.longest_unprotected_ms,
                                                        at - start)
            else:
                unprotected_since.setdefault(symbol, at)
        elif symbol:
            unprotected_since.pop(symbol, None)
    damage.duplicate_orders = [f"{cid} accepted {n} times" for cid, n in accepted.items()
                               if n > 1]
    return damage


def _check_foreign(damage: Damage, life: Life | None, root: str, client_id: str,
                   at: int) -> None:
    """A leg resting on a symbol whose position belongs to another trade."""
    if life is None or life.trade is None or root.startswith("u"):
        return  # flat, a position no trade owns (guarded), or the guard's own stop
    if root != life.trade.root:
        damage.foreign_leg_positions.append(
            f"{life.symbol} at {at}: trade {life.trade.trade_id}'s position beside {client_id}")


def _check_size(damage: Damage, life: Life | None, root: str, row: dict[str, Any],
                held: float, at: int) -> None:
    """A stop of the position's trade placed for less than the position."""
    if life is None or life.trade is None or root != life.trade.root or row.get("qty") is None:
        return
    if client_ids.role_of(str(row["client_id"])).startswith("sl") \
            and float(row["qty"]) < abs(held) - _EPSILON:
        damage.short_stops.append(
            f"{life.symbol} at {at}: {row['client_id']} for {row['qty']} of trade "
            f"{life.trade.trade_id}'s position of {abs(held):g}")


def _first_stops(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Per root, when the venue first heard of its first stop attempt."""
    first: dict[str, int] = {}
    for row in rows:
        if row["event"] in ("algo_created", "algo_rejected", "request_held",
                            "request_faulted") and client_ids.role_of(
                str(row.get("client_id") or "")) == "sl1":
            first.setdefault(client_ids.root_of(row["client_id"]), int(row["time"]))
    return first


def _stops_of(trade: Trade, resting: dict[str, Leg]) -> list[float | None]:
    """The triggers of ``trade``'s stops resting on its symbol (None: not in the row)."""
    return [leg.trigger for leg in resting.values()
            if leg.kind is LegKind.STOP and leg.root == trade.root]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _fill(damage: Damage, row: dict[str, Any], lives: dict[str, Life],
          position: Counter[str], by_entry: dict[str, Trade], prefix: str,
          last: dict[str, float], levels: StopLevels, at: int) -> None:
    symbol = row["symbol"]
    before = position[symbol]
    after = float(row["position_after"])
    position[symbol] = after
    life = lives.get(symbol)
    root = _closer(prefix, row.get("client_id") or "")
    if root is not None and life is not None and life.trade is not None \
            and not root.startswith("u") and root != life.trade.root:
        damage.foreign_leg_fills.append(
            f"{symbol} at {at}: {row['client_id']} filled {row['qty']} of trade "
            f"{life.trade.trade_id}'s position")
    if abs(before) < _EPSILON and abs(after) > _EPSILON:
        trade = by_entry.get(str(row["order_id"]))
        life = lives[symbol] = Life(symbol, at, str(row["order_id"]), trade)
        damage.lives += 1
        # Judged by its first stop attempt's level, not by one the stop moved to later.
        stop = None if trade is None else levels.initial(trade.root, trade.stop_price)
        if trade is not None and stop is not None:
            # Beyond by its own fill price, or by the last price the venue's stops trigger on
            # (an entry filled from the book a tick away from a last price already at the stop:
            # the venue refuses that stop with -2021, no stop can rest).
            price, trigger = float(row["price"]), last.get(symbol, float(row["price"]))
            life.crossed = any(p >= stop if trade.is_short else p <= stop
                               for p in (price, trigger))
            if life.crossed:
                damage.born_beyond_stop.append(
                    f"{symbol} at {at}: trade {trade.trade_id} filled at {price:g} (last "
                    f"{trigger:g}), beyond its stop {stop:g}")
    elif abs(after) < _EPSILON and life is not None:
        life.closed = at
        del lives[symbol]


def _closer(prefix: str, client_id: str) -> str | None:
    """The root of a leg of ours (or of the real order it became) or of a market close of ours:
    the orders that reduce a position. An entry's root is not one."""
    parsed = client_ids.parse(prefix, client_id)
    return parsed.root if parsed is not None and parsed.reduces else None


def _price(damage: Damage, life: Life, last: float, resting: dict[str, Leg],
           levels: StopLevels, excuses: _Excuses, at: int) -> None:
    """A crossing of the trade's stop (where it is: harness/stop_record.py) with none of its
    stops resting: damage, unless no client could have had one resting then."""
    trade = life.trade
    if trade is None:
        return
    stops = _stops_of(trade, resting)
    level = levels.effective(trade.root, trade.is_short, stops, at, trade.stop_price)
    if level is None:
        return
    beyond = last >= level if trade.is_short else last <= level
    if beyond and not life.crossed and not stops:
        root = trade.root or ""
        text = (f"{life.symbol} at {at}: {last:g} crossed trade {trade.trade_id}'s stop "
                f"{level:g} with no stop resting")
        if any(start <= at <= end and held == trade.root
               for start, end, held in excuses.held.get(life.symbol, [])):
            damage.venue_held_crossings.append(f"{text} (the venue held its request)")
        elif any(start <= at <= end for start, end in excuses.down):
            damage.bot_down_crossings.append(f"{text} (the bot was not running)")
        elif at < excuses.first_stop.get(root, -1):
            damage.in_flight_crossings.append(f"{text} (its first stop was on its way)")
        elif any(start <= at <= end for start, end in excuses.said.get(root, [])):
            damage.venue_said_crossings.append(
                f"{text} (the venue had answered its stop -2021, would trigger)")
        elif any(start <= at <= end for start, end in excuses.resent.get(root, [])):
            damage.resend_in_flight_crossings.append(
                f"{text} (the venue had refused its stop; the resend sent from that answer "
                f"was on its way)")
        elif root in excuses.faulted:  # judged still: the resend is the plugin's
            damage.unprotected_crossings.append(f"{text} (a fault refused its stop before)")
        else:
            damage.unprotected_crossings.append(text)
    life.crossed = beyond
