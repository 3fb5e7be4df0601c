"""What the damage audit (harness/damage.py) reads of a trade's stops in the venue's journal
before it replays it: where each trade's stop is, which stop attempts replace one that still
rests (a move, a resize), and the windows in which no client could have had a stop resting.

Where a trade's stop is, when a crossing is judged:

- while stops of the trade rest (two do for a moment during a move or a resize), the tightest
  of them: it is the one that fires first;
- while none rests, the tighter of the last one that rested and the one that rests next (a move
  in progress: freqtrade already wanted the new level; the plugin cancels the old stop only once
  the new one rests, so a gap between them is its damage at either level);
- before any rested, the first that rests; none ever did: its first attempt's (the venue's
  refusal carries it), else the trade's recorded stop.

An entry is judged born beyond its stop by its first attempt's level, never by a level the stop
moved to later (break-even sits at the entry price).
"""

from __future__ import annotations

import bisect
from typing import Any

from ft_bracket.core import client_ids

Rows = list[dict[str, Any]]
Windows = dict[str, list[tuple[int, int]]]

_REQUESTS = ("algo_created", "algo_rejected", "order_created", "order_rejected", "request_held",
             "request_faulted")
# The calls that place a stop or a close at market.
_SENDS = ("POST /fapi/v1/algoOrder", "POST /fapi/v1/order")


def is_stop(prefix: str, client_id: str | None) -> bool:
    parsed = client_ids.parse_leg(prefix, client_id)
    return parsed is not None and parsed.role is client_ids.OrderRole.STOP


def tightest(triggers: list[float] | tuple[float, ...], is_short: bool) -> float:
    """The stop that fires first: the highest of a long's, the lowest of a short's."""
    return min(triggers) if is_short else max(triggers)


def replacements(rows: Rows, prefix: str) -> set[str]:
    """Stop attempts the venue first heard of while another stop of the same root rested: a move
    or a resize, which must leave the stop it replaces resting until it rests itself. A hold, a
    refusal or a -2021 of such an attempt excuses no crossing: the old stop protects."""
    resting: dict[str, set[str]] = {}  # root -> client ids of its stops resting
    seen: set[str] = set()
    found: set[str] = set()
    for row in rows:
        client_id = row.get("client_id")
        parsed = client_ids.parse_leg(prefix, client_id)
        if parsed is None or parsed.role is not client_ids.OrderRole.STOP:
            continue
        event, root = row["event"], parsed.root
        if (event == "request" or event in _REQUESTS) and client_id not in seen:
            seen.add(str(client_id))
            if resting.get(root, set()) - {client_id}:
                found.add(str(client_id))
        if event == "algo_created":
            resting.setdefault(root, set()).add(str(client_id))
        elif event.startswith("algo_") and "algo_id" in row:
            resting.get(root, set()).discard(str(client_id))
    return found


class StopLevels:
    """Where each trade's stop is (module doc): read ahead from the journal, then told which of
    its stops rest as the audit replays it."""

    def __init__(self, rows: Rows, prefix: str) -> None:
        self.first: dict[str, float] = {}  # root -> its first stop attempt's trigger
        self.rested: dict[str, list[tuple[int, float]]] = {}  # root -> (when, trigger), in order
        self.last: dict[str, tuple[float, ...]] = {}  # root -> its stops resting at last count
        for row in rows:
            if row["event"] not in ("algo_created", "algo_rejected") or "trigger_price" not in row:
                continue
            parsed = client_ids.parse_leg(prefix, row.get("client_id"))
            if parsed is None or parsed.role is not client_ids.OrderRole.STOP:
                continue
            trigger = float(row["trigger_price"])
            if parsed.attempt == 1:
                self.first.setdefault(parsed.root, trigger)
            if row["event"] == "algo_created":
                self.rested.setdefault(parsed.root, []).append((int(row["time"]), trigger))

    def resting(self, root: str, triggers: list[float | None]) -> None:
        """The triggers of ``root``'s stops resting now (kept when there are any)."""
        known = tuple(trigger for trigger in triggers if trigger is not None)
        if known:
            self.last[root] = known

    def initial(self, root: str | None, recorded: float | None) -> float | None:
        """The level an entry is judged born beyond by: its first attempt's."""
        if root in self.first:
            return self.first[root]
        rested = self.rested.get(root or "")
        return rested[0][1] if rested else recorded

    def effective(self, root: str | None, is_short: bool, triggers: list[float | None],
                  at: int, recorded: float | None) -> float | None:
        """The trade's stop at ``at``, with ``triggers`` its stops resting then (None: a row
        that did not say)."""
        if triggers:
            known = [trigger for trigger in triggers if trigger is not None]
            return tightest(known, is_short) if known else recorded
        known = list(self.last.get(root or "", ()))
        rested = self.rested.get(root or "", [])
        following = bisect.bisect_left(rested, (at, float("-inf")))
        if following < len(rested):
            known.append(rested[following][1])
        if known:
            return tightest(known, is_short)
        return self.first.get(root or "", recorded)


def said_crossed(rows: Rows, replaced: set[str]) -> Windows:
    """Per root, (from, to): from the venue's -2021 answer to a stop of it (real or a fault's)
    until the plugin's next stop or close of it reached the venue. Only a window the plugin
    ended counts: one it never answered is its damage. A -2021 to a stop that replaces a
    resting one (``replaced``) opens none: the old stop still protects."""
    said: Windows = {}
    open_since: dict[str, int] = {}
    for row in rows:
        client_id = str(row.get("client_id") or "")
        leg = client_ids.role_of(client_id)
        fired = row["event"] == "order_created" and row.get("orig_type") != row.get("type")
        if row["event"] not in _REQUESTS or not leg.startswith(("sl", "x")) or fired:
            continue  # (a fired stop's real order is no request of the plugin's)
        root, at = client_ids.root_of(client_id), int(row["time"])
        since = open_since.pop(root, None)
        if since is not None and at > since:
            said.setdefault(root, []).append((since, at))
        elif since is not None:
            open_since[root] = since  # the same instant: not yet an answer to it
        if leg.startswith("sl") and str(row.get("code")) == "-2021" \
                and row["event"] in ("algo_rejected", "request_faulted") \
                and client_id not in replaced:
            open_since[root] = at
    return said


def resend_in_flight(rows: Rows, prefix: str, replaced: set[str]) -> Windows:
    """Per root, (from, to): from the venue's refusal of a stop of it (other than -2021) until
    the plugin's next stop or close of it arrived, where every call the account made in
    between named that root (a lookup of the refused stop): the plugin answered at once. Needs
    the journal's ``request`` rows; without them, no window (the crossing is judged). A refused
    stop that replaces a resting one (``replaced``) opens none: the old stop still protects."""
    windows: Windows = {}
    waiting: dict[str, int] = {}  # root -> when the venue refused its stop
    for row in rows:
        client_id = str(row.get("client_id") or "")
        if row["event"] == "request":
            parsed = client_ids.order_root(prefix, client_id)
            for root, since in list(waiting.items()):
                if parsed != root:  # another call first: not answered from the refusal
                    del waiting[root]
                elif row.get("endpoint") in _SENDS and client_ids.role_of(client_id).startswith(
                        ("sl", "x")):
                    windows.setdefault(root, []).append((since, int(row["time"])))
                    del waiting[root]
        elif (row["event"] in ("algo_rejected", "request_faulted") and is_stop(prefix, client_id)
              and str(row.get("code")) != "-2021" and client_id not in replaced):
            waiting[client_ids.root_of(client_id)] = int(row["time"])
    return windows
