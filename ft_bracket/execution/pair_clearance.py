"""A pair is clean before an entry: no leg of ours rests there that another trade placed.

The executor of ``core.doubt`` and ``core.positions.entry_block``: orphans are cancelled and
followed until the venue confirms them gone, sends that may still land are waited out, and the
gate reads the venue for a pair no look covered (a leg nobody follows would rest there unseen).

A mixin of ``OrderManager``: it uses the host's lock, gateway, snapshot, brackets and news.
"""

from __future__ import annotations

from ft_bracket.core.plan import CancelOrphan, plan_orphans
from ft_bracket.core.positions import entry_block
from ft_bracket.core.risk import Decision, Denial, deny
from ft_bracket.core.venue import VenueStatus


class CleanPairs:
    def entry_block(self, pair: str) -> Decision:
        """May a new trade open on ``pair`` now (see ``core.positions.entry_block``)? A pair
        the last look did not read is read now: the gate answers from the venue, not from the
        records alone."""
        with self._lock:
            doubt = self.doubts.block(pair, self.clock())
            if doubt is not None:
                return deny(Denial.LEG_MAY_STILL_REST, doubt)
            if not self.snapshot.covers(pair):
                try:
                    self._read_pair(pair)
                except Exception as error:  # unread is not clean
                    return deny(Denial.LEG_MAY_STILL_REST,
                                f"the venue's open legs on {pair} could not be read "
                                f"({type(error).__name__}: {error})")
            return entry_block(pair, self.open_trades, self.brackets.values(), self.snapshot,
                               self.settings.client_id_prefix)

    def _read_pair(self, pair: str) -> None:
        seen = self.gateway.snapshot({pair}, positions=False)
        for leg in seen.legs.values():
            self.snapshot.remember(leg)
        self.snapshot.pairs = (self.snapshot.pairs or frozenset()) | {pair}
        for orphan in plan_orphans(list(self.brackets.values()), seen,
                                   self.settings.client_id_prefix):
            self.doubts.orphan_seen(pair, orphan.leg.client_id)  # the next look cancels it

    def sweep_orphans(self, keep: frozenset[str] = frozenset()) -> None:
        """Cancel our legs that no open trade's current attempt owns (and not ``keep``); each is
        followed, its pair read every look, until the venue confirms it gone."""
        with self._lock:
            # A closed trade's leg still being cancelled is its bracket's, not an orphan.
            for orphan in plan_orphans(list(self.brackets.values()), self.snapshot,
                                       self.settings.client_id_prefix):
                if orphan.leg.client_id in keep:
                    continue
                self.doubts.orphan_seen(orphan.leg.pair, orphan.leg.client_id)
                try:
                    self._cancel_orphan(orphan)
                except Exception as error:  # the venue failed: the next look reads it again
                    self.failures.report(error, "CancelOrphan", pair=orphan.leg.pair)

    def _cancel_orphan(self, orphan: CancelOrphan) -> None:
        leg = orphan.leg
        after = self.gateway.cancel(leg.pair, leg.order_id)
        if after is None or after.status is not VenueStatus.RESTING:
            self.doubts.gone(leg.client_id)
        self.snapshot.forget(leg.client_id)
        self.news.orphan_cancelled(leg, after)

    def may_land(self, pair: str, client_id: str | None) -> None:
        """A send of ``client_id`` got no answer and the venue did not know it."""
        if client_id:
            self.doubts.may_land(pair, client_id, self.clock() + self.settings.landing_grace_s)
