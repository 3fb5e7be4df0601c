"""The one place that talks to Binance about bracket legs and positions, through a ccxt client.

I/O only: it sends, asks and translates the venue's words through ``quirks``; it decides
nothing. Idempotence: every placement carries the leg's deterministic client id. When the answer
is lost (timeout, 5xx, dropped connection) the gateway asks the venue for that id before anything
else, and only sends again (same id) when the venue has never heard of it. The venue refuses a
second open order with the same id, so a retry can never double-place.

Two lanes over one account: calls that end a moment in which a position has no stop (a stop's
placement, its lookup after a lost answer, a close at market) go out at once; every other call
waits for ccxt's client-side rate limit (rateLimit × cost since the previous call, 50 ms for
one order). That wait is ccxt's caution, not Binance's rule (300 orders / 10 s), and a stop
resent after a refusal would spend all of it with the position bare.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Iterable
from typing import Any

import ccxt

from ft_bracket.core.legs import LegKind
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot, VenueStatus
from ft_bracket.execution.ports import Placement, Refusal
from ft_bracket.venues.binance import quirks

logger = logging.getLogger(__name__)


def venue_leg(order: dict[str, Any], pair: str) -> VenueLeg:
    """A ccxt-parsed algo order as a ``VenueLeg``."""
    info = order.get("info") or {}
    status = quirks.ALGO_STATUS.get(str(info.get("algoStatus", "")).upper())
    if status is None:  # not an algo row (a dry-run or hand-made order): ccxt's unified status
        status = {"open": VenueStatus.RESTING, "closed": VenueStatus.FINISHED,
                  "expired": VenueStatus.EXPIRED, "rejected": VenueStatus.REJECTED,
                  }.get(str(order.get("status")), VenueStatus.CANCELLED)
    actual = info.get(quirks.ACTUAL_ORDER_ID) or None
    return VenueLeg(
        pair=pair,
        order_id=str(order.get("id") or info.get("algoId")),
        client_id=str(order.get("clientOrderId") or info.get(quirks.CLIENT_ID_PARAM)),
        status=status,
        trigger_price=float(order.get("triggerPrice") or info.get("triggerPrice") or 0.0),
        quantity=float(order.get("amount") or info.get("quantity") or 0.0),
        fill_order_id=str(actual) if actual else None,
        close_position=str(info.get("closePosition", "")).lower() == "true"
        or info.get("closePosition") is True,
        raw=order,
    )


def venue_fill(order: dict[str, Any]) -> VenueFill:
    """A ccxt-parsed real order as a ``VenueFill``."""
    raw_status = str((order.get("info") or {}).get("status", "")).upper()
    final = raw_status in quirks.FINAL_ORDER_STATUSES if raw_status else (
        order.get("status") in ("closed", "canceled", "expired", "rejected"))
    return VenueFill(
        order_id=str(order.get("id")),
        final=final,
        filled=float(order.get("filled") or 0.0),
        average=float(order["average"]) if order.get("average") else None,
        status=raw_status.lower() or str(order.get("status")),
        raw=order,
    )


class LegGateway:
    """Places, finds and cancels reduce-only conditional legs on one account."""

    def __init__(self, api: Any, working_type: str = "CONTRACT_PRICE", max_sends: int = 3):
        if working_type not in quirks.WORKING_TYPES:
            raise ValueError(f"working type {working_type!r} is not one of "
                             f"{quirks.WORKING_TYPES}")
        self.api = api
        self.urgent = copy.copy(api)  # the same client, minus the client-side rate-limit wait
        self.urgent.enableRateLimit = False
        self.working_type = working_type
        self.max_sends = max_sends

    def place(self, pair: str, kind: LegKind, side: str, quantity: float, trigger_price: float,
              client_id: str, close_position: bool = False,
              trailing_rate: float | None = None) -> Placement:
        """Place a reduce-only leg (a trailing stop at ``trailing_rate`` %, activated at once);
        resolve a lost answer by its client id, never by guessing."""
        if not quirks.CLIENT_ID_PATTERN.match(client_id):
            raise ValueError(f"client id {client_id!r} breaks Binance's rule "
                             f"{quirks.CLIENT_ID_PATTERN.pattern}")
        params: dict[str, Any] = {quirks.CLIENT_ID_PARAM: client_id,
                                  "workingType": self.working_type}
        if trailing_rate is not None:
            params[quirks.TRAILING_RATE_PARAM] = trailing_rate
        else:
            params[quirks.TRIGGER_PARAM[kind]] = trigger_price
        if close_position:
            params["closePosition"] = True
        else:
            params["reduceOnly"] = True
        api = self.urgent if kind is LegKind.STOP else self.api
        last_error = "not sent"
        for _ in range(self.max_sends):
            try:
                order = api.create_order(pair, "market", side,
                                              None if close_position else quantity, None, params)
                return Placement(venue_leg(order, pair))
            except quirks.WOULD_TRIGGER_ERRORS as error:
                return Placement(None, f"{type(error).__name__}: {error}", Refusal.WOULD_TRIGGER)
            except ccxt.InsufficientFunds as error:
                return Placement(None, f"{type(error).__name__}: {error}",
                                 Refusal.INSUFFICIENT_FUNDS)
            except quirks.OUTCOME_UNKNOWN_ERRORS as error:
                if quirks.endpoint_missing(error):  # nothing was placed: no answer to recover
                    return Placement(None, f"{type(error).__name__}: {error}", Refusal.REFUSED)
                last_error = f"{type(error).__name__}: {error}"
                logger.warning("%s %s leg %s: answer lost (%s); asking the venue",
                               pair, kind, client_id, last_error)
            except ccxt.ExchangeError as error:
                if quirks.DUPLICATE_CLIENT_ID_CODE not in str(error):
                    return Placement(None, f"{type(error).__name__}: {error}", Refusal.REFUSED)
                # An earlier send of this very id rests on the venue: that one is ours.
                last_error = "duplicate client id"
            with contextlib.suppress(*quirks.OUTCOME_UNKNOWN_ERRORS):
                found = self._find(api, pair, client_id=client_id)
                if found is not None:
                    return Placement(found)
        return Placement(None, f"gave up after {self.max_sends} sends: {last_error}",
                         Refusal.UNKNOWN)

    @staticmethod
    def endpoint_missing(error: Exception) -> bool:
        return quirks.endpoint_missing(error)

    def find(self, pair: str, *, client_id: str | None = None, order_id: str | None = None
             ) -> VenueLeg | None:
        """The leg with this client id or order id, or None if the venue never had it."""
        return self._find(self.api, pair, client_id=client_id, order_id=order_id)

    def _find(self, api: Any, pair: str, *, client_id: str | None = None,
              order_id: str | None = None) -> VenueLeg | None:
        params: dict[str, Any] = dict(quirks.TRIGGER_FLAG)
        if client_id is not None:
            params[quirks.CLIENT_ID_PARAM] = client_id
        try:
            order = api.fetch_order(order_id, pair, params)
        except ccxt.OrderNotFound:
            return None
        return venue_leg(order, pair)

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None:
        """Cancel a resting leg; return what the venue says it is now (None if unknown)."""
        # OrderNotFound: already fired, cancelled or expired; the query below says which.
        with contextlib.suppress(ccxt.OrderNotFound):
            self.api.cancel_order(order_id, pair, dict(quirks.TRIGGER_FLAG))
        return self.find(pair, order_id=order_id)

    def fill(self, pair: str, order_id: str) -> VenueFill:
        """The real order a fired leg became."""
        return venue_fill(self.api.fetch_order(order_id, pair))

    def snapshot(self, pairs: Iterable[str] | None = None, positions: bool = True
                 ) -> VenueSnapshot:
        """Open legs (of ``pairs``, or of the whole account) and, if asked, every position.

        One symbol-less query costs as much as ``all_symbols`` per-symbol ones: the cheaper way
        is chosen for the number of pairs.
        """
        wanted = None if pairs is None else sorted(set(pairs))
        # Positions first: a leg that fires between the two reads is then missing from the legs
        # (and asked about), never shown resting beside the smaller position its fill left.
        held, marks = self._positions() if positions else (None, {})
        weights = quirks.OPEN_ALGO_ORDERS_WEIGHT
        legs: dict[str, VenueLeg] = {}
        if wanted is None or len(wanted) * weights["per_symbol"] >= weights["all_symbols"]:
            rows = self.api.fapiPrivateGetOpenAlgoOrders()
            covered = None
        else:
            rows = []
            for pair in wanted:
                rows += self.api.fapiPrivateGetOpenAlgoOrders({"symbol": self._symbol(pair)})
            covered = frozenset(wanted)
        for row in rows:
            market = self.api.safe_market(row.get("symbol", ""), None, None, "swap")
            leg = venue_leg(self.api.parse_order(row, market), str(market["symbol"]))
            legs[leg.client_id] = leg
        return VenueSnapshot(legs=legs, positions=held, pairs=covered, marks=marks)

    def _symbol(self, pair: str) -> str:
        return str(self.api.market(pair)["id"])

    def positions(self) -> dict[str, float]:
        """Signed position size per pair (negative = short), open positions only: one call."""
        return self._positions()[0]

    def _positions(self) -> tuple[dict[str, float], dict[str, float]]:
        amounts, marks = {}, {}
        for p in self.api.fetch_positions():
            if not p.get("contracts"):
                continue
            pair = str(p["symbol"])
            amounts[pair] = float(p["contracts"]) * (-1.0 if p.get("side") == "short" else 1.0)
            if p.get("markPrice"):
                marks[pair] = float(p["markPrice"])
        return amounts, marks

    def close_at_market(self, pair: str, side: str, amount: float, client_id: str
                        ) -> VenueFill | None:
        """A reduce-only market order for ``amount``; a lost answer is asked for by its client
        id. None: nothing known to have been placed."""
        params = {"reduceOnly": True, quirks.ORDER_CLIENT_ID_PARAM: client_id}
        try:
            return venue_fill(self.urgent.create_order(pair, "market", side, amount, None,
                                                       params))
        except quirks.OUTCOME_UNKNOWN_ERRORS:
            logger.warning("%s close %s: answer lost; asking the venue", pair, client_id)
        try:
            found = self.urgent.fetch_order(None, pair, {quirks.ORDER_QUERY_CLIENT_ID: client_id})
        except ccxt.OrderNotFound:
            return None
        return venue_fill(found)
