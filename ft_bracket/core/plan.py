"""Bracket policy as pure functions: from (bracket record, venue snapshot, trade view) to actions.

Nothing here talks to the venue or to freqtrade. The executor runs the actions (store → call →
observe → store → emit) and asks again with what it learnt, until nothing is left to do; so
every row of a bracket's life — a leg resting, filling, cancelled by hand, refused, its answer
lost, a restart at any step — is a plain function call in the tests.

One rule set serves the loop's look, the start-up reconciliation and the close: a restart is
just a look that sees the whole account.
"""

from __future__ import annotations

from ft_bracket.core import client_ids
from ft_bracket.core.actions import (
    EXIT_SOLD_ON_EXCHANGE,
    EXIT_STOP_LOSS,
    EXIT_STOP_ON_EXCHANGE,
    EXIT_TAKE_PROFIT,
    EXIT_TAKE_PROFIT_UNPLACEABLE,
    Action,
    Adopt,
    AlignStopPrice,
    Cancel,
    CancelOrphan,
    CancelReplaced,
    ClosePastStop,
    CloseRest,
    ImportExits,
    MoveStop,
    Observe,
    Place,
    Query,
    ReadFill,
    RequestExit,
    ShowExitFill,
    TradeView,
    TrailStop,
)
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import IDLE_STATUSES, BracketLeg, LegKind, LegStatus
from ft_bracket.core.quantities import exact_sum
from ft_bracket.core.venue import VenueSnapshot, VenueStatus, observe

# Quantities and prices closer than this are equal (they come from the venue as decimals).
_EPSILON = 1e-9


# The policy -----------------------------------------------------------------------------------


def settle(leg: BracketLeg, pair: str, snapshot: VenueSnapshot) -> Action | None:
    """What it takes to know where a live leg stands."""
    venue = snapshot.legs.get(leg.client_id or "")
    if leg.status is LegStatus.TRIGGERED:
        return ReadFill(leg.kind, leg.level)
    if leg.status is LegStatus.PLACING:
        event = observe(leg, venue) if venue is not None else None
        return (Observe(leg.kind, event, leg.level) if event is not None
                else Query(leg.kind, leg.level))
    # Gone from a snapshot that lists open orders only: filled, fired or cancelled — ask.
    gone = venue is None and snapshot.covers(pair)
    if leg.status in (LegStatus.RESTING, LegStatus.CANCELLING) and gone:
        return Query(leg.kind, leg.level)
    moved = observe(leg, venue) if venue is not None and leg.trailing_rate is not None else None
    return Observe(leg.kind, moved, leg.level) if moved is not None else None


def plan_bracket(bracket: Bracket, trade: TradeView, snapshot: VenueSnapshot,
                 take_profit_max_attempts: int) -> list[Action]:
    """The next actions for one trade's bracket; [] when the record and the venue agree."""
    if not trade.is_open:
        return plan_closed(bracket, trade, snapshot)
    actions = _plan_open(bracket, trade, snapshot, take_profit_max_attempts)
    if any(isinstance(a, (Observe, Query, ReadFill)) for a in actions):
        return actions  # know first, then decide
    return actions + _replaced_cancels(bracket)


def _replaced_cancels(bracket: Bracket) -> list[Action]:
    """An attempt a move or a resize replaced goes once the new one is settled (it rests, or
    it fired); while the new one is on its way, the old one is the protection."""
    return [CancelReplaced(leg.kind, leg.level) for leg in bracket.legs
            if leg.replacing is not None and leg.status is not LegStatus.PLACING]


def _plan_open(bracket: Bracket, trade: TradeView, snapshot: VenueSnapshot,
               take_profit_max_attempts: int) -> list[Action]:
    settling = [a for leg in bracket.legs if (a := settle(leg, trade.pair, snapshot))]
    if settling:
        return settling  # know first, then decide
    stop, levels = bracket.stop, bracket.take_profits
    position = snapshot.position(trade.pair)
    filled = [leg for leg in levels if leg.status is LegStatus.FILLED]
    # A level's fill is a (partial) exit freqtrade records from it; shown until the trade closes.
    shown: list[Action] = [ShowExitFill(LegKind.TAKE_PROFIT, leg.level) for leg in filled]
    if bracket.closing_at_market and len(filled) < len(levels):
        # No legs any more: out at market (again, until the venue is flat), then the import.
        if position is None:
            return shown
        if abs(position) >= _EPSILON:
            return [*shown, ClosePastStop(abs(position))]
        return [*shown, *_position_gone(bracket, trade)]
    if len(filled) == len(levels):
        # The last level closed the trade (freqtrade does so from the fill): the stop goes now,
        # unless some of the position is left: the stop guards it until the rest is closed.
        rest = _rest(bracket, levels, position)
        if rest:
            return [*shown, CloseRest(LegKind.TAKE_PROFIT, rest)]
        return [*shown, *([Cancel(LegKind.STOP)] if _cancellable(stop) else []),
                *_rest_gone(bracket, levels, trade, position)]
    if stop.status is LegStatus.FILLED:
        # freqtrade learns of its stop's fill from its own poll and closes the trade.
        rest = _rest(bracket, [stop], position)
        unseen = stop.order_id not in trade.order_ids and not trade.exit_order_open
        return ([Cancel(leg.kind, leg.level) for leg in levels if _cancellable(leg)] + shown + (
            [ShowExitFill(LegKind.STOP)] if unseen else []) + (
            [CloseRest(LegKind.STOP, rest)] if rest else
            _rest_gone(bracket, [stop], trade, position)))
    if position is not None and abs(position) < _EPSILON:
        return [*shown, *_position_gone(bracket, trade)]
    # A cancel that did not go through (the venue failed) is sent again, every loop.
    actions: list[Action] = [*shown, *(Cancel(leg.kind, leg.level) for leg in bracket.legs
                                       if leg.status is LegStatus.CANCELLING)]
    stop_actions = _stop_follows_freqtrade(bracket, trade, snapshot.marks.get(trade.pair))
    actions += stop_actions
    actions += _levels_in_place(levels, trade, take_profit_max_attempts)
    if position is not None:
        # A stop on the move is resized once the move is done: one replacement at a time, or
        # the attempt it replaces would drop off the record while it still rests.
        moving = any(isinstance(a, (MoveStop, TrailStop)) for a in stop_actions)
        actions += _sizes_follow_position(bracket, abs(position), resize_stop=not moving)
    return actions


def _stop_follows_freqtrade(bracket: Bracket, trade: TradeView, mark: float | None
                            ) -> list[Action]:
    """freqtrade owns a live stop (it polls it, cancels it at its exits, and places its own when
    ours is gone: at its database price, which must never be looser than the bracket's). A stop
    the strategy wants trailed on the venue becomes a trailing stop once that is no looser."""
    stop, actions = bracket.stop, []
    if _resting(stop) and stop.order_id not in trade.freqtrade_stop_ids:
        actions.append(Adopt())
    if stop.trailing_rate is not None:
        # The venue trails it: freqtrade's stop follows the venue's, never the other way.
        if trade.stop_price is not None and _tighter(bracket, stop.trigger_price,
                                                     trade.stop_price):
            actions.append(AlignStopPrice(stop.trigger_price))
        return actions
    if (trade.trail_rate is not None and _resting(stop) and stop.replacing is None
            and mark is not None):
        # Activated at once, it trails from the price of now: only when that is no looser.
        trails_at = mark * (1 + trade.trail_rate / 100 if bracket.is_short
                            else 1 - trade.trail_rate / 100)
        if not _tighter(bracket, stop.trigger_price, trails_at):
            return [*actions, TrailStop(trade.trail_rate)]
    if trade.stop_price is not None:
        if _tighter(bracket, trade.stop_price, stop.trigger_price):
            # freqtrade's stop moved (custom_stoploss, trailing): the venue's follows, the new
            # stop resting before the old one goes. Only tighter, one move at a time.
            if _resting(stop) and stop.replacing is None:
                actions.append(MoveStop(trade.stop_price))
        elif not _same_price(trade.stop_price, stop.trigger_price):
            actions.append(AlignStopPrice(stop.trigger_price))  # freqtrade reset it looser
    return actions


def _levels_in_place(levels: list[BracketLeg], trade: TradeView, max_attempts: int
                     ) -> list[Action]:
    """Every take-profit level rests; one the venue keeps refusing ends in an exit at market."""
    if trade.exit_requested is not None:
        return []
    idle = [leg for leg in levels if leg.status in IDLE_STATUSES]
    if any(leg.attempt >= max_attempts for leg in idle):
        return [RequestExit(EXIT_TAKE_PROFIT_UNPLACEABLE)]
    return [Place(LegKind.TAKE_PROFIT, level=leg.level) for leg in idle]


def _sizes_follow_position(bracket: Bracket, position: float, resize_stop: bool = True
                           ) -> list[Action]:
    """The legs follow the position (an entry that filled in parts, a level's fill, a part
    closed by hand), each by a new attempt resting before the old one goes. The take-profit
    levels still open cover the position: the farthest absorbs the difference; the stop covers
    all of it, and freqtrade then takes the new one over."""
    actions: list[Action] = []
    open_levels = [leg for leg in bracket.take_profits if leg.status is not LegStatus.FILLED]
    if open_levels and all(_resting(leg) and leg.replacing is None for leg in open_levels):
        last, covered = open_levels[-1], exact_sum(*(leg.quantity for leg in open_levels))
        if abs(position - covered) > _EPSILON:
            size = exact_sum(last.quantity, position, -covered)
            actions.append(Place(LegKind.TAKE_PROFIT, quantity=size, level=last.level)
                           if size > _EPSILON else Cancel(LegKind.TAKE_PROFIT, last.level))
    stop = bracket.stop
    # A trailing stop is only ever resized up: a new one would trail from the price of now, not
    # from the best price the venue has seen; one larger than the position, reduce-only, still
    # closes exactly the position.
    grow_only = stop.trailing_rate is not None
    if resize_stop and _resting(stop) and stop.replacing is None and abs(
            position - stop.quantity) > _EPSILON and (not grow_only or position > stop.quantity):
        actions.append(Place(LegKind.STOP, quantity=position))
    return actions


def _unclosed(bracket: Bracket, legs: list[BracketLeg]) -> float:
    """What filled legs did not fill and the plugin has not closed yet (0 when how much they
    filled is not on record)."""
    if any(leg.filled_quantity <= 0 for leg in legs):
        return 0.0
    unfilled = exact_sum(*(leg.quantity for leg in legs), *(-leg.filled_quantity for leg in legs))
    return max(exact_sum(unfilled, -bracket.rest_closed), 0.0)


def _rest(bracket: Bracket, legs: list[BracketLeg], position: float | None) -> float:
    """What filled legs left of the position and the plugin has not closed yet: 0 when they
    filled whole or nothing is left (a position read before the fill counts only up to that)."""
    unfilled = _unclosed(bracket, legs)
    if position is None or abs(position) < _EPSILON or unfilled < _EPSILON:
        return 0.0
    return min(abs(position), unfilled)


def _rest_gone(bracket: Bracket, legs: list[BracketLeg], trade: TradeView,
               position: float | None) -> list[Action]:
    """What filled legs left is gone by orders freqtrade has not seen (the plugin's close whose
    answer a restart lost, a liquidation): freqtrade imports them (never the legs' own fills)."""
    if (position is None or abs(position) >= _EPSILON or _unclosed(bracket, legs) < _EPSILON
            or trade.exit_order_open):
        return []
    stop_out = legs[0].kind is LegKind.STOP
    return [ImportExits(EXIT_STOP_ON_EXCHANGE if stop_out else EXIT_TAKE_PROFIT)]


def _tighter(bracket: Bracket, price: float, than: float) -> bool:
    """``price`` is a tighter stop than ``than`` (nearer the price: above it for a long)."""
    if _same_price(price, than):
        return False
    return price < than if bracket.is_short else price > than


def _same_price(a: float, b: float) -> bool:
    return abs(a - b) <= _EPSILON * max(abs(a), abs(b), 1.0)


def _resting(leg: BracketLeg) -> bool:
    return leg.status is LegStatus.RESTING


def _cancellable(leg: BracketLeg) -> bool:
    return leg.status in (LegStatus.RESTING, LegStatus.CANCELLING)


def _position_gone(bracket: Bracket, trade: TradeView) -> list[Action]:
    """No position for an open trade and no leg filled: someone closed it. Nothing may outlive
    it; once no leg is live, and unless freqtrade's own exit closed it, freqtrade imports the
    exchange's fills."""
    cancels: list[Action] = [Cancel(leg.kind, leg.level) for leg in bracket.legs
                             if _cancellable(leg)]
    if cancels:
        return cancels
    if any(leg.is_live for leg in bracket.legs):
        return []  # still being settled
    if trade.exit_order_open:
        return []  # freqtrade closes the trade from its own order
    return [ImportExits(EXIT_STOP_LOSS if bracket.closing_at_market else EXIT_SOLD_ON_EXCHANGE)]


def plan_closed(bracket: Bracket, trade: TradeView, snapshot: VenueSnapshot) -> list[Action]:
    """The trade is closed: every leg ends, cancelled or filled, and the record says which."""
    actions: list[Action] = _replaced_cancels(bracket)
    for leg in bracket.legs:
        if _cancellable(leg):
            actions.append(Cancel(leg.kind, leg.level))  # its answer says if it filled first
        elif leg.status is LegStatus.PLACING:
            actions.append(Query(leg.kind, leg.level))
        elif leg.status is LegStatus.TRIGGERED:
            actions.append(ReadFill(leg.kind, leg.level))
    return actions


def plan_orphans(brackets: list[Bracket], snapshot: VenueSnapshot, prefix: str
                 ) -> list[CancelOrphan]:
    """Our legs resting on the venue that no open trade's current attempt owns."""
    current = {client_id for b in brackets for leg in b.legs for client_id in leg.client_ids}
    return [CancelOrphan(leg) for client_id, leg in sorted(snapshot.legs.items())
            if client_ids.parse_leg(prefix, client_id) is not None and client_id not in current
            and leg.status is VenueStatus.RESTING]
