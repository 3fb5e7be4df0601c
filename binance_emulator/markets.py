"""The perpetual contracts the emulator lists, as data.

Figures follow Binance USDⓈ-M's published filters for each symbol (tick size, step size, minimum
notional); leverage brackets are the first tiers of the real tables. Everything symbol-specific
lives here so the engine and the HTTP layer stay generic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ORDER_TYPES = (
    "LIMIT",
    "MARKET",
    "STOP",
    "STOP_MARKET",
    "TAKE_PROFIT",
    "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
)
# Since 2025-12-09 these only go through /fapi/v1/algoOrder.
CONDITIONAL_ORDER_TYPES = frozenset(
    {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
)
# Same for every perpetual on Binance: 2100-12-25.
PERPETUAL_DELIVERY_DATE = 4133404800000
ONBOARD_DATE = 1569398400000


@dataclass(frozen=True)
class LeverageTier:
    """One row of a symbol's leverage bracket table."""

    notional_floor: Decimal
    notional_cap: Decimal
    max_leverage: int
    maintenance_margin_rate: Decimal
    # Binance's "cum": maintenance amount that makes the tiered formula continuous.
    maintenance_amount: Decimal


@dataclass(frozen=True)
class Market:
    """One USDⓈ-M perpetual contract."""

    symbol: str
    base_asset: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    leverage_tiers: tuple[LeverageTier, ...]
    # Starting price of the synthetic path when no data is replayed.
    reference_price: float
    quote_asset: str = "USDT"

    @property
    def price_precision(self) -> int:
        return max(0, -self.tick_size.normalize().as_tuple().exponent)

    @property
    def quantity_precision(self) -> int:
        return max(0, -self.step_size.normalize().as_tuple().exponent)

    @property
    def ccxt_symbol(self) -> str:
        return f"{self.base_asset}/{self.quote_asset}:{self.quote_asset}"

    @property
    def max_leverage(self) -> int:
        return self.leverage_tiers[0].max_leverage

    def tier_for(self, notional: Decimal) -> LeverageTier:
        """The bracket that a position of this notional falls into."""
        for tier in self.leverage_tiers:
            if notional < tier.notional_cap:
                return tier
        return self.leverage_tiers[-1]


def _tiers(*rows: tuple[int, int, int, str]) -> tuple[LeverageTier, ...]:
    """Build brackets from (floor, cap, max leverage, mmr), deriving Binance's cumulative amount."""
    tiers: list[LeverageTier] = []
    cum = Decimal(0)
    previous_rate = Decimal(0)
    for floor, cap, leverage, rate in rows:
        mmr = Decimal(rate)
        cum += Decimal(floor) * (mmr - previous_rate)
        tiers.append(LeverageTier(Decimal(floor), Decimal(cap), leverage, mmr, cum))
        previous_rate = mmr
    return tuple(tiers)


_MAJOR_TIERS = _tiers(
    (0, 50_000, 125, "0.004"),
    (50_000, 600_000, 100, "0.005"),
    (600_000, 3_000_000, 75, "0.0065"),
    (3_000_000, 12_000_000, 50, "0.01"),
    (12_000_000, 70_000_000, 25, "0.02"),
    (70_000_000, 100_000_000, 20, "0.025"),
)
_ALT_TIERS = _tiers(
    (0, 5_000, 75, "0.005"),
    (5_000, 50_000, 50, "0.01"),
    (50_000, 600_000, 25, "0.02"),
    (600_000, 3_000_000, 20, "0.025"),
    (3_000_000, 10_000_000, 10, "0.05"),
    (10_000_000, 20_000_000, 5, "0.1"),
)


def _market(
    base: str,
    tick: str,
    step: str,
    min_qty: str,
    max_qty: str,
    market_max_qty: str,
    min_notional: str,
    tiers: tuple[LeverageTier, ...],
    reference_price: float,
) -> Market:
    return Market(
        symbol=f"{base}USDT",
        base_asset=base,
        tick_size=Decimal(tick),
        step_size=Decimal(step),
        min_qty=Decimal(min_qty),
        max_qty=Decimal(max_qty),
        market_max_qty=Decimal(market_max_qty),
        min_notional=Decimal(min_notional),
        leverage_tiers=tiers,
        reference_price=reference_price,
    )


MARKETS: dict[str, Market] = {
    m.symbol: m
    for m in (
        _market("BTC", "0.10", "0.001", "0.001", "1000", "120", "100", _MAJOR_TIERS, 67000.0),
        _market("ETH", "0.01", "0.001", "0.001", "10000", "2000", "20", _MAJOR_TIERS, 3500.0),
        _market("XRP", "0.0001", "0.1", "0.1", "10000000", "2000000", "5", _ALT_TIERS, 1.19),
        _market("SOL", "0.0100", "1", "1", "1000000", "5000", "5", _ALT_TIERS, 150.0),
        _market("BNB", "0.010", "0.01", "0.01", "100000", "2000", "5", _ALT_TIERS, 600.0),
        _market("DOGE", "0.000010", "1", "1", "50000000", "30000000", "5", _ALT_TIERS, 0.16),
        _market("ADA", "0.00010", "1", "1", "10000000", "2000000", "5", _ALT_TIERS, 0.45),
    )
}
