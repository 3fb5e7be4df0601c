"""What a refusal leads to, as pure functions: a leg placement the venue refused, and a close
past the stop that did not close the position. The executor (``execution.bracket_legs``)
carries out what these say.
"""

from __future__ import annotations

from dataclasses import dataclass

from ft_bracket.core.actions import EXIT_TAKE_PROFIT, EXIT_TAKE_PROFIT_UNPLACEABLE, Place
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import BracketLeg, Closing, LegKind

# Quantities closer than this are equal (they come from the venue as decimals).
_EPSILON = 1e-9


@dataclass(frozen=True)
class RefusalOutcome:
    """What a refused leg placement means (``placement_failed``)."""

    consequence: str  # what the event tells a person happens next
    exit_reason: str | None = None  # an exit freqtrade is asked for
    # The position is past its stop (the venue said -2021): the plugin closes it itself.
    past_stop: bool = False
    close_now: bool = False  # ... at once (not when a close has just been refused)


def placement_failed(leg: BracketLeg, would_trigger: bool, take_profit_max_attempts: int,
                     *, by_freqtrade: bool = False, outcome_unknown: bool = False,
                     after_close: bool = False, replaced_rests: bool = False
                     ) -> RefusalOutcome:
    """What a refused placement means: the consequence to report, the exit to request, and
    whether the position is past its stop.

    A move or a resize refused leaves the attempt it was to replace resting
    (``replaced_rests``): nothing is bare; a stop moved past the price closes the position.
    A stop freqtrade asked for is refused back to freqtrade, which answers a refusal with its
    emergency exit and a lost answer with a new attempt on its next loop. A stop sent again
    because a close past it did not go through (``after_close``) and refused once more waits
    for the next loop's close: closing again at once would most likely meet the same refusal,
    and a chain of sends could never end.
    """
    name = "stop" if leg.kind is LegKind.STOP else "take-profit"
    if replaced_rests:  # a move or a resize: the attempt it was to replace still rests
        if leg.kind is LegKind.STOP and would_trigger:
            return RefusalOutcome("the price is already past the new stop: the position is "
                                  "closed at market; the stop it was to replace rests until "
                                  "then", close_now=True)
        return RefusalOutcome(f"the {name} it was to replace still rests; the new one is tried "
                              "again on the next loop")
    if leg.kind is LegKind.STOP:
        if after_close:  # the position is still past its stop as far as anyone knows
            still = "the price is still past the stop" if would_trigger else "no stop rests"
            return RefusalOutcome(f"{still}: the close at market is sent again on the next loop",
                                past_stop=True)
        if would_trigger and not by_freqtrade:
            return RefusalOutcome(Closing.PRICE_PAST_STOP.message, past_stop=True, close_now=True)
        if would_trigger or (by_freqtrade and not outcome_unknown):
            return RefusalOutcome("the stop cannot rest: freqtrade's emergency exit closes the "
                                "trade")
        return RefusalOutcome("the stop is placed again (at once, or on freqtrade's next loop)")
    if would_trigger:
        return RefusalOutcome("price is already beyond the take-profit: closing at market",
                            EXIT_TAKE_PROFIT)
    if leg.attempt >= take_profit_max_attempts:
        return RefusalOutcome(f"no take-profit after {leg.attempt} attempts: closing at market",
                            EXIT_TAKE_PROFIT_UNPLACEABLE)
    return RefusalOutcome("retrying on the next loop; the stop still protects the position")


def stop_after_close(bracket: Bracket, left: float) -> Place | None:
    """What follows a close past the stop: nothing once the position is gone; otherwise (the
    close refused, its answer lost, a thin book that filled part) the stop goes out again at
    once, for what is left. If the venue takes it, the position is protected (its -2021 was
    wrong, or the price came back) and trades on with its take-profit; if it says -2021 again,
    the price is past the stop and the next loop closes again. So no close that fails leaves
    the position bare until the next loop: each try ends on a resting stop, a closed position
    or the venue's word that the price is past the stop."""
    if left < _EPSILON:
        return None
    return Place(LegKind.STOP, None if abs(left - bracket.stop.quantity) <= _EPSILON else left)
