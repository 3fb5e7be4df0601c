"""Bracket policy as pure functions: from (bracket record, venue snapshot, trade view) to actions.

Nothing here talks to the venue or to freqtrade. The executor runs the actions (store → call →
observe → store → emit) and asks again with what it learnt, until nothing is left to do; so
every row of a bracket's life — a leg resting, filling, cancelled by hand, refused, its answer
lost, a restart at any step — is a plain function call in the tests.

One rule set serves the loop's look, the start-up reconciliation and the close: a restart is
just a look that sees the whole account.
"""

from __future__ import annotations

from dataclasses import dataclass

from ft_bracket.core import client_ids
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import IDLE_STATUSES, BracketLeg, LegEvent, LegKind, LegStatus
from ft_bracket.core.venue import VenueLeg, VenueSnapshot, VenueStatus, observe

EXIT_TAKE_PROFIT = "take_profit"
EXIT_TAKE_PROFIT_UNPLACEABLE = "take_profit_unplaceable"
# The trade's maximum holding time ran out (``time_limit_minutes``).
EXIT_TIME_LIMIT = "time_limit"
# freqtrade's name for a position closed on the exchange by something it did not place.
EXIT_SOLD_ON_EXCHANGE = "sold_on_exchange"
# freqtrade's name (ExitType.LIQUIDATION) for a position the venue closed itself.
EXIT_LIQUIDATION = "liquidation"
# freqtrade's name (ExitType.STOP_LOSS) for a stop-out; and why legs never went out.
EXIT_STOP_LOSS = "stop_loss"
# freqtrade's name (ExitType.STOPLOSS_ON_EXCHANGE) for its stop order's fill.
EXIT_STOP_ON_EXCHANGE = "stoploss_on_exchange"
# freqtrade's exit reasons (ExitType values) that mean "the protective stop ended the trade".
STOP_OUT_REASONS = frozenset(
    {EXIT_STOP_LOSS, EXIT_STOP_ON_EXCHANGE, "trailing_stop_loss", EXIT_LIQUIDATION})
# Quantities and prices closer than this are equal (they come from the venue as decimals).
_EPSILON = 1e-9


@dataclass(frozen=True)
class TradeView:
    """What the policy reads of a freqtrade trade."""

    trade_id: int
    pair: str
    is_short: bool
    amount: float
    is_open: bool
    # freqtrade's stop price (its database value) and its open stop-order rows.
    stop_price: float | None = None
    freqtrade_stop_ids: frozenset[str] = frozenset()
    exit_reason: str | None = None
    close_rate: float | None = None
    # An exit the plugin has asked freqtrade for (custom_exit returns it).
    exit_requested: str | None = None
    # The venue ids of the trade's entry orders.
    entry_order_ids: frozenset[str] = frozenset()
    # freqtrade's own exit order is open or on its way (it closes the trade from that order).
    exit_order_open: bool = False
    # Every order id freqtrade holds for the trade (its stop rows included, open or not).
    order_ids: frozenset[str] = frozenset()


# Actions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observe:
    """Apply what the snapshot already says (no call)."""

    kind: LegKind
    event: LegEvent


@dataclass(frozen=True)
class Query:
    """Ask the venue for the leg by its client id."""

    kind: LegKind


@dataclass(frozen=True)
class ReadFill:
    """Read the real order a fired leg became."""

    kind: LegKind


@dataclass(frozen=True)
class Place:
    """Send a (new) attempt of the leg; ``quantity`` replaces the leg's if set."""

    kind: LegKind
    quantity: float | None = None


@dataclass(frozen=True)
class Cancel:
    kind: LegKind


@dataclass(frozen=True)
class MoveStop:
    """A new attempt of the stop at ``price`` (tighter): it rests before the old one goes."""

    price: float


@dataclass(frozen=True)
class CancelReplaced:
    """Cancel the attempt a move or a resize replaced, now that the new one is settled."""

    kind: LegKind


@dataclass(frozen=True)
class Adopt:
    """Make the resting stop freqtrade's own stop-on-exchange order."""


@dataclass(frozen=True)
class AlignStopPrice:
    """Put freqtrade's stop price (database) at the bracket's stop."""

    price: float


@dataclass(frozen=True)
class ShowExitFill:
    """Show freqtrade a leg's fill, so that it closes the trade itself: the take-profit's, or
    the stop's when freqtrade never held the stop (it fired before freqtrade adopted it)."""

    kind: LegKind = LegKind.TAKE_PROFIT


@dataclass(frozen=True)
class ImportExits:
    """The position is gone by orders freqtrade never saw: let it import them."""

    reason: str


@dataclass(frozen=True)
class RequestExit:
    """Ask freqtrade to close the trade at market."""

    reason: str


@dataclass(frozen=True)
class CloseRest:
    """A leg fired but its order filled only in part (a thin book; the rest expired): the rest
    of the position is past the leg's price, so it is closed at market, reduce-only."""

    kind: LegKind
    quantity: float


@dataclass(frozen=True)
class ClosePastStop:
    """No stop can rest (the price is past it): close the position at market, reduce-only;
    what the close leaves gets the stop again at once (``core.after_refusal``)."""

    quantity: float


@dataclass(frozen=True)
class CancelOrphan:
    """A leg of ours that belongs to no live bracket (or to an abandoned attempt)."""

    leg: VenueLeg


Action = (Observe | Query | ReadFill | Place | Cancel | MoveStop | CancelReplaced | Adopt
          | AlignStopPrice | ShowExitFill | ImportExits | RequestExit | CloseRest | ClosePastStop
          | CancelOrphan)


# The policy -----------------------------------------------------------------------------------


def settle(leg: BracketLeg, pair: str, snapshot: VenueSnapshot) -> Action | None:
    """What it takes to know where a live leg stands."""
    venue = snapshot.legs.get(leg.client_id or "")
    if leg.status is LegStatus.TRIGGERED:
        return ReadFill(leg.kind)
    if leg.status is LegStatus.PLACING:
        event = observe(leg, venue) if venue is not None else None
        return Observe(leg.kind, event) if event is not None else Query(leg.kind)
    # Gone from a snapshot that lists open orders only: filled, fired or cancelled — ask.
    gone = venue is None and snapshot.covers(pair)
    if leg.status in (LegStatus.RESTING, LegStatus.CANCELLING) and gone:
        return Query(leg.kind)
    return None


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
    return [CancelReplaced(leg.kind) for leg in bracket.legs
            if leg.replacing is not None and leg.status is not LegStatus.PLACING]


def _plan_open(bracket: Bracket, trade: TradeView, snapshot: VenueSnapshot,
               take_profit_max_attempts: int) -> list[Action]:
    settling = [a for leg in bracket.legs if (a := settle(leg, trade.pair, snapshot))]
    if settling:
        return settling  # know first, then decide
    stop, take_profit = bracket.stop, bracket.take_profit
    position = snapshot.position(trade.pair)
    if bracket.closing_at_market and take_profit.status is not LegStatus.FILLED:
        # No legs any more: out at market (again, until the venue is flat), then the import.
        if position is None:
            return []
        if abs(position) >= _EPSILON:
            return [ClosePastStop(abs(position))]
        return _position_gone(bracket, trade)
    if take_profit.status is LegStatus.FILLED:
        # freqtrade closes the trade from the fill; the sibling goes now, not at its cancel,
        # unless some of the position is left: the stop guards it until the rest is closed.
        rest = _rest(bracket, take_profit, position)
        if rest:
            return [ShowExitFill(), CloseRest(LegKind.TAKE_PROFIT, rest)]
        return [ShowExitFill(), *([Cancel(LegKind.STOP)] if _cancellable(stop) else []),
                *_rest_gone(bracket, take_profit, trade, position)]
    if stop.status is LegStatus.FILLED:
        # freqtrade learns of its stop's fill from its own poll and closes the trade.
        rest = _rest(bracket, stop, position)
        unseen = stop.order_id not in trade.order_ids and not trade.exit_order_open
        return ([Cancel(LegKind.TAKE_PROFIT)] if _cancellable(take_profit) else []) + (
            [ShowExitFill(LegKind.STOP)] if unseen else []) + (
            [CloseRest(LegKind.STOP, rest)] if rest else
            _rest_gone(bracket, stop, trade, position))
    if position is not None and abs(position) < _EPSILON:
        return _position_gone(bracket, trade)
    # A cancel that did not go through (the venue failed) is sent again, every loop.
    actions: list[Action] = [Cancel(leg.kind) for leg in bracket.legs
                             if leg.status is LegStatus.CANCELLING]
    # freqtrade owns a live stop (it polls it, cancels it at its exits, and places its own when
    # ours is gone: at its database price, which must never be looser than the bracket's).
    if _resting(stop) and stop.order_id not in trade.freqtrade_stop_ids:
        actions.append(Adopt())
    if trade.stop_price is not None:
        if _tighter(bracket, trade.stop_price, stop.trigger_price):
            # freqtrade's stop moved (custom_stoploss, trailing): the venue's follows, the new
            # stop resting before the old one goes. Only tighter, one move at a time.
            if _resting(stop) and stop.replacing is None:
                actions.append(MoveStop(trade.stop_price))
        elif not _same_price(trade.stop_price, stop.trigger_price):
            actions.append(AlignStopPrice(stop.trigger_price))  # freqtrade reset it looser
    if take_profit.status in IDLE_STATUSES and trade.exit_requested is None:
        if take_profit.attempt < take_profit_max_attempts:
            actions.append(Place(LegKind.TAKE_PROFIT))
        else:
            actions.append(RequestExit(EXIT_TAKE_PROFIT_UNPLACEABLE))
    elif (take_profit.status is LegStatus.RESTING and position is not None
          and abs(abs(position) - take_profit.quantity) > _EPSILON):
        actions.append(Place(LegKind.TAKE_PROFIT, quantity=abs(position)))
    # The stop follows the position too (an entry that filled in parts): a new attempt of the
    # full size, which freqtrade then adopts.
    if (_resting(stop) and position is not None
            and abs(abs(position) - stop.quantity) > _EPSILON):
        actions.append(Place(LegKind.STOP, quantity=abs(position)))
    return actions


def _unclosed(bracket: Bracket, leg: BracketLeg) -> float:
    """What a filled leg did not fill and the plugin has not closed yet (0 when how much it
    filled is not on record)."""
    if leg.filled_quantity <= 0:
        return 0.0
    return max(leg.quantity - leg.filled_quantity - bracket.rest_closed, 0.0)


def _rest(bracket: Bracket, leg: BracketLeg, position: float | None) -> float:
    """What a filled leg left of the position and the plugin has not closed yet: 0 when it
    filled whole or nothing is left (a position read before the fill counts only up to that)."""
    unfilled = _unclosed(bracket, leg)
    if position is None or abs(position) < _EPSILON or unfilled < _EPSILON:
        return 0.0
    return min(abs(position), unfilled)


def _rest_gone(bracket: Bracket, leg: BracketLeg, trade: TradeView, position: float | None
               ) -> list[Action]:
    """What a filled leg left is gone by orders freqtrade has not seen (the plugin's close whose
    answer a restart lost, a liquidation): freqtrade imports them (never the legs' own fills)."""
    if (position is None or abs(position) >= _EPSILON or _unclosed(bracket, leg) < _EPSILON
            or trade.exit_order_open):
        return []
    return [ImportExits(EXIT_STOP_ON_EXCHANGE if leg.kind is LegKind.STOP else EXIT_TAKE_PROFIT)]


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
    cancels: list[Action] = [Cancel(leg.kind) for leg in bracket.legs if _cancellable(leg)]
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
            actions.append(Cancel(leg.kind))  # the venue's answer says if it filled first
        elif leg.status is LegStatus.PLACING:
            actions.append(Query(leg.kind))
        elif leg.status is LegStatus.TRIGGERED:
            actions.append(ReadFill(leg.kind))
    return actions


def plan_orphans(brackets: list[Bracket], snapshot: VenueSnapshot, prefix: str
                 ) -> list[CancelOrphan]:
    """Our legs resting on the venue that no open trade's current attempt owns."""
    current = {client_id for b in brackets for leg in b.legs for client_id in leg.client_ids}
    return [CancelOrphan(leg) for client_id, leg in sorted(snapshot.legs.items())
            if client_ids.parse_leg(prefix, client_id) is not None and client_id not in current
            and leg.status is VenueStatus.RESTING]
