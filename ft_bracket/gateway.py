"""The one place that talks to the venue about bracket legs, through a ccxt client.

Binance USDⓈ-M specifics (which parameter makes a STOP_MARKET or TAKE_PROFIT_MARKET, the algo
statuses, which errors are ambiguous) are data in the tables below; the methods are generic.

Idempotence: every placement carries the leg's deterministic client id. When the answer is lost
(timeout, 5xx, dropped connection) the gateway asks the venue for that id before anything else,
and only sends again (same id) when the venue has never heard of it. The venue refuses a second
open order with the same id, so a retry can never double-place.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import ccxt

from ft_bracket.legs import LegKind

logger = logging.getLogger(__name__)

# ccxt routes an order with one of these to /fapi/v1/algoOrder (STOP_MARKET / TAKE_PROFIT_MARKET).
TRIGGER_PARAM = {LegKind.STOP: "stopLossPrice", LegKind.TAKE_PROFIT: "takeProfitPrice"}
ALGO_ORDER_TYPE = {LegKind.STOP: "STOP_MARKET", LegKind.TAKE_PROFIT: "TAKE_PROFIT_MARKET"}


class VenueStatus(StrEnum):
    RESTING = "resting"
    FILLED = "filled"
    GONE = "gone"  # cancelled, expired or rejected: nothing rests, nothing filled


# Binance algoStatus → what it means for the leg. TRIGGERING is still on its way to a fill.
ALGO_STATUS = {
    "NEW": VenueStatus.RESTING,
    "TRIGGERING": VenueStatus.RESTING,
    "TRIGGERED": VenueStatus.FILLED,
    "FINISHED": VenueStatus.FILLED,
    "CANCELED": VenueStatus.GONE,
    "EXPIRED": VenueStatus.GONE,
    "REJECTED": VenueStatus.GONE,
}
# Errors after which the venue may or may not have acted: ask before sending again.
AMBIGUOUS_ERRORS: tuple[type[Exception], ...] = (ccxt.NetworkError,)
# The price is already beyond the trigger.
WOULD_TRIGGER_ERRORS: tuple[type[Exception], ...] = (ccxt.OrderImmediatelyFillable,)
DUPLICATE_CLIENT_ID_CODE = "-4116"


@dataclass(frozen=True)
class VenueLeg:
    """A leg as the venue reports it."""

    pair: str
    order_id: str
    client_id: str
    status: VenueStatus
    trigger_price: float
    quantity: float
    # The real order a triggered conditional became (Binance's actualOrderId).
    fill_order_id: str | None = None


@dataclass(frozen=True)
class Placement:
    """The outcome of placing a leg: on the venue (``leg``), or refused (``error``)."""

    leg: VenueLeg | None
    error: str | None = None
    # The venue's answer as ccxt parsed it (freqtrade builds its order rows from this).
    order: dict[str, Any] | None = None
    would_trigger: bool = False
    attempts: int = 1

    @property
    def accepted(self) -> bool:
        return self.leg is not None


def venue_leg(order: dict[str, Any], pair: str) -> VenueLeg:
    """A ccxt order (or a raw algo order row) as a ``VenueLeg``."""
    info = order.get("info") or order
    status = ALGO_STATUS.get(str(info.get("algoStatus", "")).upper())
    if status is None:
        status = {
            "open": VenueStatus.RESTING,
            "closed": VenueStatus.FILLED,
        }.get(str(order.get("status")), VenueStatus.GONE)
    actual = info.get("actualOrderId") or None
    return VenueLeg(
        pair=pair,
        order_id=str(order.get("id") or info.get("algoId")),
        client_id=str(order.get("clientOrderId") or info.get("clientAlgoId")),
        status=status,
        trigger_price=float(order.get("triggerPrice") or info.get("triggerPrice") or 0.0),
        quantity=float(order.get("amount") or info.get("quantity") or 0.0),
        fill_order_id=str(actual) if actual else None,
    )


class LegGateway:
    """Places, finds and cancels reduce-only conditional legs on one account."""

    def __init__(self, api: Any, working_type: str = "CONTRACT_PRICE", max_sends: int = 3):
        self.api = api
        self.working_type = working_type
        self.max_sends = max_sends

    def place(
        self,
        pair: str,
        kind: LegKind,
        side: str,
        quantity: float,
        trigger_price: float,
        client_id: str,
    ) -> Placement:
        """Place a reduce-only leg; resolve a lost answer by its client id, never by guessing."""
        params = {
            TRIGGER_PARAM[kind]: trigger_price,
            "reduceOnly": True,
            "clientAlgoId": client_id,
            "workingType": self.working_type,
        }
        last_error = "not sent"
        for attempt in range(1, self.max_sends + 1):
            try:
                order = self.api.create_order(pair, "market", side, quantity, None, params)
                return Placement(venue_leg(order, pair), order=order, attempts=attempt)
            except WOULD_TRIGGER_ERRORS as error:
                return Placement(None, str(error), would_trigger=True, attempts=attempt)
            except AMBIGUOUS_ERRORS as error:
                last_error = f"{type(error).__name__}: {error}"
                logger.warning("%s %s leg %s: answer lost (%s); asking the venue",
                               pair, kind, client_id, last_error)
            except ccxt.ExchangeError as error:
                if DUPLICATE_CLIENT_ID_CODE not in str(error):
                    return Placement(None, f"{type(error).__name__}: {error}", attempts=attempt)
                # An earlier send of this very id rests on the venue: that one is ours.
                last_error = "duplicate client id"
            found = self._find_quietly(pair, client_id)
            if found is not None:
                return Placement(venue_leg(found, pair), order=found, attempts=attempt)
        return Placement(None, f"gave up after {self.max_sends} sends: {last_error}",
                         attempts=self.max_sends)

    def _find_quietly(self, pair: str, client_id: str) -> dict[str, Any] | None:
        try:
            return self.fetch_order(pair, client_id=client_id)
        except AMBIGUOUS_ERRORS as error:
            logger.warning("%s: cannot ask for %s: %s", pair, client_id, error)
            return None

    def find(
        self, pair: str, *, client_id: str | None = None, order_id: str | None = None
    ) -> VenueLeg | None:
        """The leg with this client id or order id, or None if the venue never had it."""
        order = self.fetch_order(pair, client_id=client_id, order_id=order_id)
        return None if order is None else venue_leg(order, pair)

    def fetch_order(
        self, pair: str, *, client_id: str | None = None, order_id: str | None = None
    ) -> dict[str, Any] | None:
        """The leg as ccxt parses it (what freqtrade builds order rows from), or None."""
        params: dict[str, Any] = {"trigger": True}
        if client_id is not None:
            params["clientAlgoId"] = client_id
        try:
            return self.api.fetch_order(order_id, pair, params)
        except ccxt.OrderNotFound:
            return None

    def cancel(self, pair: str, order_id: str) -> VenueLeg | None:
        """Cancel a resting leg; return what the venue says it is now (None if unknown)."""
        # OrderNotFound: already triggered, cancelled or expired; the query below says which.
        with contextlib.suppress(ccxt.OrderNotFound):
            self.api.cancel_order(order_id, pair, {"trigger": True})
        return self.find(pair, order_id=order_id)

    def open_legs(self) -> dict[str, VenueLeg]:
        """Every open conditional order of the account, by client id: one call for all pairs."""
        rows = self.api.fapiPrivateGetOpenAlgoOrders()
        legs = [venue_leg(row, self._pair(row.get("symbol", ""))) for row in rows]
        return {leg.client_id: leg for leg in legs}

    def _pair(self, symbol_id: str) -> str:
        return str(self.api.safe_market(symbol_id, None, None, "swap")["symbol"])

    def positions(self) -> dict[str, float]:
        """Signed position size per pair (negative = short), open positions only: one call."""
        return {
            str(p["symbol"]): float(p.get("contracts") or 0.0)
            * (-1.0 if p.get("side") == "short" else 1.0)
            for p in self.api.fetch_positions()
            if p.get("contracts")
        }

    def fetch_fill(self, pair: str, order_id: str) -> dict[str, Any]:
        """The real order a triggered leg became, as ccxt parses it."""
        return self.api.fetch_order(order_id, pair)
