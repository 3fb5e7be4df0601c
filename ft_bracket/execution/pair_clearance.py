"""A pair is clear for an entry when no leg of ours rests there that another trade placed.

Carries out ``core.stray_legs`` and ``core.clearance``: orphans are cancelled and followed
until the venue confirms them gone, sends that may still land are waited out, and the risk gate
reads the venue for a pair no look covered (a leg nobody follows would rest there unseen).
"""

from __future__ import annotations

from ft_bracket.core.actions import CancelOrphan
from ft_bracket.core.clearance import entry_clearance
from ft_bracket.core.plan import plan_orphans
from ft_bracket.core.risk import Decision, Denial, deny
from ft_bracket.core.venue import VenueStatus
from ft_bracket.execution.context import ExecutionContext


class PairClearance:
    def __init__(self, context: ExecutionContext) -> None:
        self.context = context

    def for_entry(self, pair: str) -> Decision:
        """May a new trade open on ``pair`` now (``core.clearance``)? A pair the last look did
        not read is read now: the gate answers from the venue, not from the records alone."""
        context, known = self.context, self.context.known
        with context.lock:
            stray = context.stray.block(pair, context.clock())
            if stray is not None:
                return deny(Denial.LEG_MAY_STILL_REST, stray)
            if not known.snapshot.covers(pair):
                try:
                    self._read_pair(pair)
                except Exception as error:  # unread is not clean
                    return deny(Denial.LEG_MAY_STILL_REST,
                                f"the venue's open legs on {pair} could not be read "
                                f"({type(error).__name__}: {error})")
            return entry_clearance(pair, known.open_trades, known.brackets.values(),
                                   known.snapshot, context.prefix)

    def _read_pair(self, pair: str) -> None:
        known = self.context.known
        seen = self.context.gateway.snapshot({pair}, positions=False)
        for leg in seen.legs.values():
            known.snapshot.remember(leg)
        known.snapshot.pairs = (known.snapshot.pairs or frozenset()) | {pair}
        for orphan in plan_orphans(list(known.brackets.values()), seen, self.context.prefix):
            self.context.stray.orphan_seen(pair, orphan.leg.client_id)  # the next look cancels

    def sweep_orphans(self, keep: frozenset[str] = frozenset()) -> None:
        """Cancel our legs that no open trade's current attempt owns (and not ``keep``); each is
        followed, its pair read every look, until the venue confirms it gone."""
        known = self.context.known
        with self.context.lock:
            # A closed trade's leg still being cancelled is its bracket's, not an orphan.
            for orphan in plan_orphans(list(known.brackets.values()), known.snapshot,
                                       self.context.prefix):
                if orphan.leg.client_id in keep:
                    continue
                self.context.stray.orphan_seen(orphan.leg.pair, orphan.leg.client_id)
                try:
                    self.cancel_orphan(orphan)
                except Exception as error:  # the venue failed: the next look reads it again
                    self.context.failures.report(error, "CancelOrphan", pair=orphan.leg.pair)

    def cancel_orphan(self, orphan: CancelOrphan) -> None:
        leg = orphan.leg
        after = self.context.gateway.cancel(leg.pair, leg.order_id)
        if after is None or after.status is not VenueStatus.RESTING:
            self.context.stray.gone(leg.client_id)
        self.context.known.snapshot.forget(leg.client_id)
        self.context.reports.orphan_cancelled(leg, after)
