"""What the strategy keeps between freqtrade's callbacks: the entry it sized (custom_stake_amount
to confirm_trade_entry and the fill) and each trade's bracket (the fill to the exit)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ft_bracket.core.risk import Signal

# The trade's custom-data keys: the plugin's two machine records and the readable summary.
PRICES_RECORD = "bracket"  # BracketPrices: {"stop_price", "take_profit_price", "risk_amount"}
LEGS_RECORD = "bracket_legs"  # core.legs.Bracket.to_dict()
SUMMARY_RECORD = "bracket_summary"


@dataclass(frozen=True)
class BracketPrices:
    """A trade's bracket: where it stops out, where it takes profit, what the stop loses."""

    stop_price: float
    take_profit_price: float
    risk_amount: float


@dataclass(frozen=True)
class PlannedEntry:
    """Handed from custom_stake_amount to confirm_trade_entry and order_filled."""

    signal: Signal
    risk_budget: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlannedEntry:
        return cls(Signal(**data["signal"]), float(data["risk_budget"]))
