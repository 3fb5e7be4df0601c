"""What every collaborator of the executor receives: its settings, the venue and freqtrade
behind their ports, where records are kept, what was last seen, and where news goes.

One object, built once by the ``OrderManager`` and handed to each collaborator explicitly:
no collaborator reads another's attributes, and no attribute is shared by convention.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ft_bracket.core.actions import TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.stray_legs import StrayLegs
from ft_bracket.core.venue import VenueFill, VenueLeg, VenueSnapshot
from ft_bracket.execution.ports import FreqtradeSide, Gateway
from ft_bracket.reporting.bracket_reports import BracketReports
from ft_bracket.reporting.events import EventSink
from ft_bracket.reporting.venue_failures import VenueFailures

# The trade's custom-data key holding the bracket record (``core.legs.Bracket``).
CUSTOM_DATA_KEY = "bracket_legs"


@dataclass(frozen=True)
class ManagerSettings:
    client_id_prefix: str = "ftb"
    take_profit_max_attempts: int = 3
    # How long a send whose answer was lost may still land on the venue (``core.stray_legs``).
    landing_grace_s: float = 30.0


@dataclass
class Knowledge:
    """What the executor knows as of its last look, kept current by its own calls."""

    snapshot: VenueSnapshot = field(default_factory=VenueSnapshot)
    # Open trades and their brackets, and those of closed trades whose legs the venue has not
    # confirmed gone.
    open_trades: list[TradeView] = field(default_factory=list)
    brackets: dict[int, Bracket] = field(default_factory=dict)
    # False until a look has seen the whole account (the start-up reconciliation).
    reconciled: bool = False
    # The venue's last word on each leg order (ccxt-parsed), for freqtrade's stop calls.
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    fills: dict[str, VenueFill] = field(default_factory=dict)  # real orders read, by order id
    stop_owners: dict[str, int] = field(default_factory=dict)  # stop order id -> trade id
    stop_reasons: dict[int, str] = field(default_factory=dict)  # why a trade's stop tightens
    trail_requests: dict[int, float] = field(default_factory=dict)  # trade id -> callback %

    def seen(self, venue: VenueLeg) -> None:
        """Keep the snapshot current with what a call just learnt, and the venue's words."""
        self.snapshot.remember(venue)
        if venue.raw:
            self.reports[venue.order_id] = venue.raw


class BracketStore:
    """Bracket records in freqtrade's custom data; a bracket whose trade freqtrade has not
    recorded yet waits under its entry's order id in freqtrade's key-value store."""

    def __init__(self, freqtrade: FreqtradeSide) -> None:
        self.freqtrade = freqtrade

    def load(self, trade_id: int, pair: str = "") -> Bracket | None:
        data = self.freqtrade.load_record(trade_id, CUSTOM_DATA_KEY)
        return Bracket.from_dict(data, pair) if data else None

    def store(self, bracket: Bracket) -> None:
        if bracket.trade_id is None:
            self.freqtrade.save_pending(bracket.entry_order_id or "", bracket.to_dict())
        else:
            self.freqtrade.save_record(bracket.trade_id, CUSTOM_DATA_KEY, bracket.to_dict())

    def take_pending(self, entry_order_id: str, trade_id: int) -> Bracket | None:
        """The bracket waiting under ``entry_order_id``, now trade ``trade_id``'s."""
        data = self.freqtrade.load_pending(entry_order_id)
        if data is None:
            return None
        bracket = Bracket.from_dict(data)
        bracket.trade_id = trade_id
        self.store(bracket)
        self.freqtrade.delete_pending(entry_order_id)
        return bracket


@dataclass
class ExecutionContext:
    settings: ManagerSettings
    gateway: Gateway
    freqtrade: FreqtradeSide
    events: EventSink
    reports: BracketReports
    clock: Callable[[], float]
    store: BracketStore = field(init=False)
    failures: VenueFailures = field(init=False)
    known: Knowledge = field(default_factory=Knowledge)
    stray: StrayLegs = field(default_factory=StrayLegs)
    # The REST API thread (force exit) and the bot loop both reach the executor.
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.store = BracketStore(self.freqtrade)
        self.failures = VenueFailures(self.events, self.gateway.endpoint_missing)

    @property
    def prefix(self) -> str:
        return self.settings.client_id_prefix

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def may_land(self, pair: str, client_id: str | None) -> None:
        """A send of ``client_id`` got no answer and the venue did not know it: its pair waits
        until it can no longer land (``core.stray_legs``)."""
        if client_id:
            self.stray.may_land(pair, client_id, self.clock() + self.settings.landing_grace_s)
