"""Positions no trade owns, and entries whose outcome is unknown. Pure.

A position is ours to explain when it sits on one of our pairs; one-way mode nets a symbol into
one position, so bots sharing an account must trade disjoint pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ft_bracket.core.legs import Bracket, parse_client_id
from ft_bracket.core.plan import TradeView
from ft_bracket.core.risk import ALLOWED, Decision, Denial, deny
from ft_bracket.core.venue import VenueSnapshot

_EPSILON = 1e-9


def excess_positions(positions: dict[str, float], trades: Iterable[TradeView],
                     pairs: Iterable[str] | None = None) -> dict[str, float]:
    """Per pair, the signed amount the venue holds beyond what the open trades own (only pairs
    in ``pairs`` when given: another bot's pairs are none of our business)."""
    tracked: dict[str, float] = {}
    for trade in trades:
        if trade.is_open:
            tracked[trade.pair] = tracked.get(trade.pair, 0.0) + (
                -trade.amount if trade.is_short else trade.amount)
    ours = None if pairs is None else set(pairs)
    candidates = set(positions) | set(tracked)
    excess = {pair: positions.get(pair, 0.0) - tracked.get(pair, 0.0) for pair in candidates
              if ours is None or pair in ours}
    return {pair: amount for pair, amount in excess.items() if abs(amount) > _EPSILON}


@dataclass
class UnknownEntries:
    """Entries whose answer was lost: the pair is locked until the venue's position says."""

    due: dict[str, float] = field(default_factory=dict)  # pair -> when to look

    def note(self, pair: str, look_at: float) -> None:
        self.due[pair] = look_at

    def settle(self, now: float, excess: dict[str, float]) -> tuple[list[str], dict[str, float]]:
        """For the entries due by ``now``: the pairs found clean (to unlock) and those holding
        more than their trades (the entry filled after all), with the excess."""
        ready = sorted(pair for pair, at in self.due.items() if at <= now)
        clean, filled = [], {}
        for pair in ready:
            del self.due[pair]
            if pair in excess:
                filled[pair] = excess[pair]
            else:
                clean.append(pair)
        return clean, filled


def entry_block(pair: str, open_trades: Iterable[TradeView], brackets: Iterable[Bracket],
                snapshot: VenueSnapshot, prefix: str) -> Decision:
    """May a new trade open on ``pair`` now? Not while a leg of an earlier trade may still rest
    there (a reduce-only leg acts on whatever position the pair holds next), nor while the
    venue's position differs from what freqtrade's open trades own."""
    trades = [t for t in open_trades if t.is_open]
    current = {leg.client_id for b in brackets for leg in b.legs
               if b.trade_id in {t.trade_id for t in trades} and leg.client_id}
    for bracket in brackets:
        if bracket.pair != pair or bracket.trade_id in {t.trade_id for t in trades}:
            continue
        for leg in bracket.legs:
            if leg.is_live:
                return deny(Denial.LEG_MAY_STILL_REST,
                            f"{leg.kind} {leg.client_id} of trade {bracket.trade_id} is "
                            f"{leg.status}; waiting for the venue to confirm it gone")
    for leg in snapshot.legs_on(pair):
        if parse_client_id(prefix, leg.client_id) is not None and leg.client_id not in current:
            return deny(Denial.LEG_MAY_STILL_REST,
                        f"{leg.client_id} still rests on the venue; cancelling it first")
    if snapshot.positions is not None and snapshot.covers(pair):
        excess = excess_positions(snapshot.positions, trades, [pair]).get(pair)
        if excess is not None:
            return deny(Denial.POSITION_DIFFERS,
                        f"the venue holds {snapshot.positions.get(pair, 0.0):g} on {pair}, "
                        f"open trades {excess_owned(trades, pair):g}; waiting for it to agree")
    return ALLOWED


def excess_owned(trades: Iterable[TradeView], pair: str) -> float:
    """The signed amount freqtrade's open trades own on ``pair``."""
    return sum(-t.amount if t.is_short else t.amount for t in trades
               if t.is_open and t.pair == pair)
