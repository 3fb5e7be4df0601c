"""What the HTTP layer shares: the venue, armed faults, request limits, request counts."""

from __future__ import annotations

from collections import Counter

from binance_emulator.api.faults import FaultInjector
from binance_emulator.api.limits import DEFAULT_WEIGHT_LIMIT, OrderCounts, WeightBudget
from binance_emulator.api.user_stream import UserStreams
from binance_emulator.venue.exchange import Exchange


class Service:
    """Everything the HTTP layer shares: venue, faults, weights, request counts."""

    def __init__(self, exchange: Exchange, weight_limit: int = DEFAULT_WEIGHT_LIMIT) -> None:
        self.exchange = exchange
        self.streams = UserStreams(exchange)
        self.faults = FaultInjector()
        self.weights = WeightBudget(weight_limit)
        self.order_counts = OrderCounts()
        self.request_counts: Counter[str] = Counter()
        # The same, per API key: what one client (one bot) asked.
        self.account_requests: dict[str, Counter[str]] = {}
        # Which hostname clients asked for (through the tunnel: fapi / demo-fapi / testnet).
        self.hosts: Counter[str] = Counter()
        # Journal each signed call as it arrives (a damage audit can then tell what a client
        # sent next after a refusal); off by default, the journal stays small.
        self.journal_requests = False
