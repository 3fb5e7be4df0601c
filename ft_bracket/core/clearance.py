"""May a new trade open on a pair? Not while a leg of ours that another trade placed may still
rest there, nor while the venue holds more or less than freqtrade's open trades own. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from ft_bracket.core import client_ids
from ft_bracket.core.actions import TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.risk import ALLOWED, Decision, Denial, deny
from ft_bracket.core.untracked import excess_positions
from ft_bracket.core.venue import VenueSnapshot


def entry_clearance(pair: str, open_trades: Iterable[TradeView], brackets: Iterable[Bracket],
                snapshot: VenueSnapshot, prefix: str) -> Decision:
    """May a new trade open on ``pair`` now? Not while a leg of an earlier trade may still rest
    there (a reduce-only leg acts on whatever position the pair holds next), nor while the
    venue's position differs from what freqtrade's open trades own."""
    trades = [t for t in open_trades if t.is_open]
    current = {client_id for b in brackets for leg in b.legs for client_id in leg.client_ids
               if b.trade_id in {t.trade_id for t in trades}}
    for bracket in brackets:
        if bracket.pair != pair or bracket.trade_id in {t.trade_id for t in trades}:
            continue
        for leg in bracket.legs:
            if leg.may_act:
                return deny(Denial.LEG_MAY_STILL_REST,
                            f"{leg.kind} {leg.client_id} of trade {bracket.trade_id} is "
                            f"{leg.status}; waiting for the venue to confirm it gone")
    for leg in snapshot.legs_on(pair):
        if (client_ids.parse_leg(prefix, leg.client_id) is not None
                and leg.client_id not in current):
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
