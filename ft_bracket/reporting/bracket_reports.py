"""What happened to a bracket, told once, with the fields a person and a program need.

The executor says *that* something happened; this module says it: which event, which
severity, which fields. One method per event, so each message's content is in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ft_bracket.core.book_walk import slippage
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import BracketLeg, LegKind, LegStatus
from ft_bracket.core.scale_out import Merge
from ft_bracket.core.venue import VenueFill, VenueLeg
from ft_bracket.reporting.events import EventName, EventSink, Severity


def _levels(bracket: Bracket) -> list[list[Any]]:
    """A scaled-out bracket's levels as [price, quantity, order id], the nearest first."""
    return [[leg.trigger_price, leg.quantity, leg.order_id] for leg in bracket.take_profits]


def leg_name(leg: BracketLeg) -> str:
    """``stop``, ``take_profit``, or ``take_profit_2`` for a scaled-out bracket's level 2."""
    return leg.kind.value if leg.level == 1 else f"{leg.kind.value}_{leg.level}"


class BracketReports:
    def __init__(self, events: EventSink, dry_run: bool) -> None:
        self.events = events
        self.dry_run = dry_run
        # News of brackets placed from an entry's answer, before freqtrade's trade row exists:
        # told once the trade is known (entry order id -> events).
        self._held: dict[str, list[tuple[Severity, EventName, dict[str, Any]]]] = {}

    def _emit(self, bracket: Bracket, severity: Severity, name: EventName, **fields: Any
              ) -> None:
        if bracket.trade_id is None:
            self._held.setdefault(bracket.entry_order_id or "", []).append(
                (severity, name, fields))
        else:
            self.events.emit(severity, name, trade=bracket.trade_id, **fields)

    def release(self, entry_order_id: str | None, trade_id: int) -> None:
        """The trade of a bracket placed from its entry's answer is known: tell what waited."""
        for severity, name, fields in self._held.pop(entry_order_id or "", []):
            self.events.emit(severity, name, trade=trade_id, **fields)

    def placed(self, bracket: Bracket) -> None:
        protected = [bracket.protected_ms.get(leg_name(leg)) for leg in bracket.legs]
        window = (max(protected) - bracket.entry_filled_ms  # type: ignore[type-var]
                  if all(protected) and bracket.entry_filled_ms else None)
        self._emit(bracket, Severity.INFO, EventName.BRACKET_PLACED, pair=bracket.pair,
                   side="short" if bracket.is_short else "long",
                   quantity=bracket.stop.quantity, stop=bracket.stop.trigger_price,
                   stop_id=bracket.stop.order_id, take_profit=bracket.take_profit.trigger_price,
                   take_profit_id=bracket.take_profit.order_id,
                   unprotected_ms=None if self.dry_run else window,
                   simulated="yes" if self.dry_run else None,
                   take_profit_levels=_levels(bracket) if bracket.scale_out else None)

    def filled(self, bracket: Bracket, leg: BracketLeg) -> None:
        """A leg filled: the take-profit's fill; a stop that filled past its trigger."""
        if leg.kind is LegKind.TAKE_PROFIT:
            scaled = {"level": leg.level, "levels": len(bracket.take_profits),
                      "left": round(sum(level.quantity for level in bracket.take_profits
                                        if level.status is not LegStatus.FILLED), 12)
                      } if bracket.scale_out else {}
            self._emit(bracket, Severity.INFO, EventName.TAKE_PROFIT_FILLED, pair=bracket.pair,
                       price=leg.fill_price, quantity=leg.filled_quantity,
                       order_id=leg.fill_order_id, **scaled)
            return
        slipped = slippage(bracket.is_short, leg.trigger_price, leg.fill_price or 0.0)
        if leg.fill_price and slipped > 0:  # a thin book or a gap: the loss went past the stop
            self._emit(bracket, Severity.WARNING, EventName.STOP_SLIPPED, pair=bracket.pair,
                       stop=leg.trigger_price, price=leg.fill_price,
                       slippage=round(slipped, 12),
                       slippage_pct=round(100 * slipped / leg.trigger_price, 4),
                       extra_loss=round(slipped * leg.filled_quantity, 8),
                       quantity=leg.filled_quantity, order_id=leg.fill_order_id)

    def entry_beyond_stop(self, bracket: Bracket, average: float, closed_at: float | None
                          ) -> None:
        # Told at once: no trade may ever own this position.
        self.events.emit(Severity.ERROR, EventName.ENTRY_BEYOND_STOP, pair=bracket.pair,
                         side="short" if bracket.is_short else "long", entry=average,
                         stop=bracket.stop.trigger_price, quantity=bracket.stop.quantity,
                         closed_at=closed_at,
                         action="the price moved through the stop while the entry was on its "
                                "way: closed at market from the entry's answer, no legs")

    def closed_past_stop(self, bracket: Bracket, quantity: float, fill: VenueFill) -> None:
        self._emit(bracket, Severity.ERROR, EventName.CLOSED_PAST_STOP, pair=bracket.pair,
                   side="short" if bracket.is_short else "long", stop=bracket.stop.trigger_price,
                   quantity=quantity, closed=fill.filled, close_price=fill.average,
                   order_id=fill.order_id,
                   action="the price went past the stop before it could rest (the venue "
                          "refused it: it would trigger at once): closed at market")

    def rest_closed(self, bracket: Bracket, leg: BracketLeg, rest: float, fill: VenueFill
                    ) -> None:
        """A fired leg's order filled only in part; the plugin closed what it left."""
        name = "stop" if leg.kind is LegKind.STOP else "take-profit"
        self._emit(bracket, Severity.WARNING, EventName.LEG_FILLED_IN_PART, pair=bracket.pair,
                   leg=leg.kind.value, filled=leg.filled_quantity, left=rest,
                   closed=fill.filled, close_price=fill.average, order_id=fill.order_id,
                   action=f"the {name}'s order filled in part (a thin book): the rest, past "
                          f"its price, closed at market")

    def leg_failed(self, bracket: Bracket, leg: BracketLeg, error: str | None,
                   consequence: str) -> None:
        self._emit(bracket, Severity.ERROR, EventName.LEG_FAILED, pair=bracket.pair,
                   leg=leg.kind.value, price=leg.trigger_price, client_id=leg.client_id,
                   reason=error, action=consequence)

    def replacing(self, bracket: Bracket, leg: BracketLeg, new_quantity: float | None) -> None:
        """A new attempt of a leg is about to be sent (a resize, or a leg put back)."""
        if new_quantity is not None:
            self._emit(bracket, Severity.WARNING, EventName.LEG_RESIZED, pair=bracket.pair,
                       leg=leg.kind.value, old=leg.quantity, new=new_quantity)
        else:
            self._emit(bracket, Severity.WARNING, EventName.LEG_REPLACED, pair=bracket.pair,
                       leg=leg.kind.value, previous=leg.client_id)

    def levels_merged(self, bracket: Bracket, merges: Sequence[Merge]) -> None:
        """Levels of the signal too small for the venue, merged into another: told once."""
        for merge in merges:
            self._emit(bracket, Severity.WARNING, EventName.TAKE_PROFIT_MERGED,
                       pair=bracket.pair, level=merge.level, into=merge.into,
                       quantity=merge.quantity, reason=merge.reason,
                       action=f"take-profit {merge.level}'s share is added to take-profit "
                              f"{merge.into}'s")

    def stop_moved(self, bracket: Bracket, before: float,
                   reason: str = "freqtrade's stop moved (custom_stoploss)") -> None:
        """The stop rests at a new price; the one it replaced is being cancelled."""
        self._emit(bracket, Severity.INFO, EventName.STOP_MOVED, pair=bracket.pair, old=before,
                   new=bracket.stop.trigger_price, stop_id=bracket.stop.order_id,
                   quantity=bracket.stop.quantity, reason=reason)

    def leg_placed(self, bracket: Bracket, leg: BracketLeg) -> None:
        self._emit(bracket, Severity.INFO, EventName.LEG_PLACED, pair=bracket.pair,
                   leg=leg.kind.value, price=leg.trigger_price, order_id=leg.order_id,
                   client_id=leg.client_id)

    def cancelled(self, bracket: Bracket, kinds: list[str]) -> None:
        self._emit(bracket, Severity.INFO, EventName.LEGS_CANCELLED, pair=bracket.pair,
                   legs=",".join(kinds))

    def exit_requested(self, trade_id: int, pair: str, reason: str) -> None:
        self.events.emit(Severity.WARNING, EventName.EXIT_REQUESTED, trade=trade_id, pair=pair,
                         reason=reason)

    def position_gone(self, bracket: Bracket, count: int, forced: dict[str, Any] | None
                      ) -> None:
        """The position closed on the venue by orders freqtrade never saw (or a liquidation)."""
        if forced is not None:
            self._emit(bracket, Severity.ERROR, EventName.LIQUIDATED, pair=bracket.pair,
                       price=forced.get("average"), quantity=forced.get("filled"),
                       order_id=forced.get("id"),
                       action="the venue liquidated the position: trade closed as "
                              "liquidation, its legs cancelled")
            return
        self._emit(bracket, Severity.WARNING, EventName.POSITION_GONE, pair=bracket.pair,
                   exits_imported=count,
                   action="legs cancelled; trade closed from the exchange's fills")

    def orphan_cancelled(self, leg: VenueLeg, after: VenueLeg | None) -> None:
        self.events.emit(Severity.WARNING, EventName.ORPHAN_CANCELLED, pair=leg.pair,
                         client_id=leg.client_id, order_id=leg.order_id,
                         now=after.status.value if after else None)
