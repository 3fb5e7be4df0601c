"""What the bracket policy reads of a freqtrade trade (``TradeView``), the actions it returns,
and freqtrade's exit reasons it speaks in. Pure data: the policy is ``core.plan``, the executor
carries the actions out.

An action names a leg by its kind and, for a bracket that scales out, its take-profit level.
"""

from __future__ import annotations

from dataclasses import dataclass

from ft_bracket.core.legs import LegEvent, LegKind
from ft_bracket.core.venue import VenueLeg

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
    # The strategy asks the venue to trail the stop at this callback rate (%) from now on.
    trail_rate: float | None = None
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
    level: int = 1


@dataclass(frozen=True)
class Query:
    """Ask the venue for the leg by its client id."""

    kind: LegKind
    level: int = 1


@dataclass(frozen=True)
class ReadFill:
    """Read the real order a fired leg became."""

    kind: LegKind
    level: int = 1


@dataclass(frozen=True)
class Place:
    """Send a (new) attempt of the leg; ``quantity`` replaces the leg's if set."""

    kind: LegKind
    quantity: float | None = None
    level: int = 1


@dataclass(frozen=True)
class Cancel:
    kind: LegKind
    level: int = 1


@dataclass(frozen=True)
class MoveStop:
    """A new attempt of the stop at ``price`` (tighter): it rests before the old one goes."""

    price: float


@dataclass(frozen=True)
class TrailStop:
    """The stop becomes the venue's trailing stop at ``rate`` % (a new attempt resting before
    the old one goes): it trails while the bot is down too."""

    rate: float


@dataclass(frozen=True)
class CancelReplaced:
    """Cancel the attempt a move or a resize replaced, now that the new one is settled."""

    kind: LegKind
    level: int = 1


@dataclass(frozen=True)
class Adopt:
    """Make the resting stop freqtrade's own stop-on-exchange order."""


@dataclass(frozen=True)
class AlignStopPrice:
    """Put freqtrade's stop price (database) at the bracket's stop."""

    price: float


@dataclass(frozen=True)
class ShowExitFill:
    """Show freqtrade a leg's fill, so that it closes the trade itself: a take-profit level's
    (a partial exit while other levels remain), or the stop's when freqtrade never held the stop
    (it fired before freqtrade adopted it)."""

    kind: LegKind = LegKind.TAKE_PROFIT
    level: int = 1


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


Action = (Observe | Query | ReadFill | Place | Cancel | MoveStop | TrailStop | CancelReplaced
          | Adopt | AlignStopPrice | ShowExitFill | ImportExits | RequestExit | CloseRest
          | ClosePastStop | CancelOrphan)
