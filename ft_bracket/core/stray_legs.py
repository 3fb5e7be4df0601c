"""Legs of ours that may rest where no bracket record follows them. Pure.

A record follows the legs of open trades and of closed trades whose legs are not confirmed gone;
a look after the first reads only those pairs. Two kinds of leg escape it:

- an orphan seen by a look (left by an earlier run, placed by hand, a closed trade's) whose
  cancel the venue has not confirmed: once its pair is no longer read, nobody would see it;
- a send whose answer was lost and that the venue, asked, did not know: a request can wait in
  the venue's queue past the client's timeout and land later, with no record expecting it. A
  reduce-only market close of ours is such a send too; it never rests, so it is only waited out.

Either kind could close the next position on its pair (a reduce-only order acts on whatever the
symbol holds). So its pair is read on every look and refused new entries until the venue shows
it clean (an orphan) or the request can no longer land (its deadline).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ft_bracket.core.venue import VenueSnapshot


@dataclass
class StrayLegs:
    orphans: dict[str, str] = field(default_factory=dict)  # client id -> pair
    landing: dict[str, tuple[str, float]] = field(default_factory=dict)  # id -> (pair, until)

    def orphan_seen(self, pair: str, client_id: str) -> None:
        self.orphans[client_id] = pair

    def gone(self, client_id: str) -> None:
        """The venue confirmed this leg is not resting (cancelled, fired, expired)."""
        self.orphans.pop(client_id, None)

    def may_land(self, pair: str, client_id: str, until: float) -> None:
        """A send of ``client_id`` got no answer and the venue did not know it: it may still
        land until ``until`` (clock seconds)."""
        self.landing[client_id] = (pair, until)

    def pairs(self) -> set[str]:
        """The pairs every look must read."""
        return set(self.orphans.values()) | {pair for pair, _ in self.landing.values()}

    def after_look(self, snapshot: VenueSnapshot, now: float) -> None:
        """Forget what this look settled: an orphan a look of its pair no longer lists, a send
        past its deadline. One that landed is in the snapshot: an orphan the sweep cancels."""
        for client_id, pair in list(self.orphans.items()):
            if snapshot.covers(pair) and client_id not in snapshot.legs:
                del self.orphans[client_id]
        for client_id, (pair, until) in list(self.landing.items()):
            if client_id in snapshot.legs:
                self.orphans[client_id] = pair
            if until <= now or client_id in snapshot.legs:
                del self.landing[client_id]

    def block(self, pair: str, now: float) -> str | None:
        """Why no entry may open on ``pair`` now, or None."""
        for client_id, orphan_pair in sorted(self.orphans.items()):
            if orphan_pair == pair:
                return f"{client_id} was seen resting and is not confirmed cancelled yet"
        for client_id, (landing_pair, until) in sorted(self.landing.items()):
            if landing_pair == pair and until > now:
                return (f"the send of {client_id} got no answer and may still land for "
                        f"{until - now:.0f} s")
        return None
