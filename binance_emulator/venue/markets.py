"""The perpetual contracts the emulator lists, as data.

Filters and reference prices come from ``market_table``. Leverage brackets (with Binance's
``cum``) are Binance's real ones as freqtrade ships them (``binance_leverage_tiers.json`` in the
installed freqtrade package), read once at start-up rather than invented. Everything
symbol-specific lives here so the venue model and the HTTP layer stay generic.
"""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from decimal import Decimal
from functools import cache
from pathlib import Path

from binance_emulator.venue.market_table import PLAUSIBLE_ROWS, TESTED_ROWS

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
# exchangeInfo's MAX_NUM_ALGO_ORDERS: open conditional orders per symbol and account, 10 in
# Binance's recorded answers (and its trading rules of 2021-02-24). Binance's change log of
# 2025-12-29 drops the filter for a limit across all symbols (``rules.MAX_OPEN_ALGO_ORDERS``).
DEFAULT_MAX_NUM_ALGO_ORDERS = 10
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
    # PERCENT_PRICE: a LIMIT buy may not exceed mark × up, a sell not go below mark × down.
    percent_up: Decimal = Decimal("1.05")
    percent_down: Decimal = Decimal("0.95")
    # exchangeInfo's liquidationFee: the clearance fee rate on what a liquidation closes.
    liquidation_fee: Decimal = Decimal("0.0125")
    # MAX_NUM_ALGO_ORDERS; None: the filter is neither served nor enforced.
    max_num_algo_orders: int | None = DEFAULT_MAX_NUM_ALGO_ORDERS

    @property
    def price_precision(self) -> int:
        # Binance's pricePrecision can exceed the tick's places (BTCUSDT: 2 with tick 0.10);
        # the table writes the tick with as many places as pricePrecision.
        return max(0, -self.tick_size.as_tuple().exponent)

    @property
    def quantity_precision(self) -> int:
        return max(0, -self.step_size.normalize().as_tuple().exponent)

    @property
    def ccxt_symbol(self) -> str:
        return f"{self.base_asset}/{self.quote_asset}:{self.quote_asset}"

    @property
    def max_leverage(self) -> int:
        return self.leverage_tiers[0].max_leverage

    def max_notional(self, leverage: int) -> Decimal:
        """The largest position this leverage allows: the cap of the last bracket that offers it."""
        caps = [t.notional_cap for t in self.leverage_tiers if t.max_leverage >= leverage]
        return caps[-1] if caps else self.leverage_tiers[0].notional_cap

    def tier_for(self, notional: Decimal) -> LeverageTier:
        """The bracket that a position of this notional falls into."""
        for tier in self.leverage_tiers:
            if notional < tier.notional_cap:
                return tier
        return self.leverage_tiers[-1]


def tiers_file() -> Path:
    """freqtrade's copy of Binance's leverage brackets, found without importing freqtrade."""
    spec = importlib.util.find_spec("freqtrade")
    if spec is None or spec.origin is None:
        raise RuntimeError("freqtrade is not installed: its leverage tiers file is needed")
    return Path(spec.origin).parent / "exchange" / "binance_leverage_tiers.json"


@cache
def real_tiers(path: Path) -> dict[str, tuple[LeverageTier, ...]]:
    """Brackets per Binance symbol id (``XRPUSDT``), USDT perpetuals only."""
    tiers: dict[str, tuple[LeverageTier, ...]] = {}
    for ccxt_symbol, rows in json.loads(path.read_text()).items():
        base, _, settle = ccxt_symbol.partition("/")
        if settle != "USDT:USDT":
            continue
        tiers[f"{base}USDT"] = tuple(
            LeverageTier(
                notional_floor=Decimal(str(row["info"]["notionalFloor"])),
                notional_cap=Decimal(str(row["info"]["notionalCap"])),
                max_leverage=int(row["info"]["initialLeverage"]),
                maintenance_margin_rate=Decimal(str(row["info"]["maintMarginRatio"])),
                maintenance_amount=Decimal(str(row["info"]["cum"])),
            )
            for row in sorted(rows, key=lambda r: r["info"]["bracket"])
        )
    return tiers


def _plausible_limits(step: str, price: float) -> tuple[str, str]:
    """LOT_SIZE and MARKET_LOT_SIZE maxima of the same order as Binance's (~50M / ~5M USDT)."""
    limit = Decimal(10) ** round(math.log10(50_000_000 / price))
    limit = max(limit, Decimal(step))
    return f"{limit:f}", f"{max(limit / 10, Decimal(step)):f}"


def load_markets(path: Path | None = None) -> dict[str, Market]:
    """Every listed contract, with its real leverage brackets."""
    tiers = real_tiers(path or tiers_file())
    markets: dict[str, Market] = {}
    for base, tick, step, min_qty, max_qty, market_max, min_notional, price in TESTED_ROWS:
        markets[f"{base}USDT"] = _market(base, tick, step, min_qty, max_qty, market_max,
                                         min_notional, tiers[f"{base}USDT"], price)
    for base, tick, step, min_notional, price in PLAUSIBLE_ROWS:
        max_qty, market_max = _plausible_limits(step, price)
        markets[f"{base}USDT"] = dataclass_replace(
            _market(base, tick, step, step, max_qty, market_max, min_notional,
                    tiers[f"{base}USDT"], price),
            percent_up=Decimal("1.15"), percent_down=Decimal("0.85"),
        )
    return markets


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


MARKETS: dict[str, Market] = load_markets()
