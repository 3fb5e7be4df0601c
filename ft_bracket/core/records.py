"""What the strategy keeps between freqtrade's callbacks: the entry it sized (custom_stake_amount
to confirm_trade_entry and the fill) and each trade's bracket (the fill to the exit)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ft_bracket.core.risk import Decision, Denial, Signal, check_signal, deny, loss_at_stop

# The amount's float noise allowed above the budget at the last check.
_BUDGET_TOLERANCE = 1e-6

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
    # A bracket that scales out: every take-profit level as [price, share] (level 1 first).
    levels: list[list[float]] = field(default_factory=list)

    @property
    def target_price(self) -> float:
        """Where the whole position takes profit on average: one take-profit's price, or the
        levels' (backtests and dry-run exit the whole trade there; core.scale_out)."""
        if not self.levels:
            return self.take_profit_price
        return sum(price * share for price, share in self.levels)


@dataclass(frozen=True)
class PlannedEntry:
    """Handed from custom_stake_amount to confirm_trade_entry and order_filled."""

    signal: Signal
    risk_budget: float

    def confirm(self, rate: float, amount: float, taker_fee: float, min_reward_risk: float
                ) -> tuple[Signal, Decision]:
        """The last check before the order: the signal still holds at ``rate``, and ``amount``
        (what freqtrade made of the stake) loses no more than the budget at the stop."""
        planned = self.signal
        signal = Signal(planned.is_short, rate, planned.stop_price, planned.take_profit_price,
                        planned.levels)
        decision = check_signal(signal, min_reward_risk)
        if decision.allowed:
            # The worse of freqtrade's rate and the price the book walk expects.
            entry = (min(rate, planned.entry_price) if planned.is_short
                     else max(rate, planned.entry_price))
            risk = loss_at_stop(amount, entry, signal.stop_price, taker_fee,
                                is_short=planned.is_short)
            if risk > self.risk_budget * (1 + _BUDGET_TOLERANCE):
                decision = deny(Denial.RISK_ABOVE_BUDGET,
                                f"amount {amount:g} loses {risk:.4f} at the stop, "
                                f"budget {self.risk_budget:.4f}")
        return signal, decision

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlannedEntry:
        signal = dict(data["signal"])
        signal["levels"] = tuple(tuple(level) for level in signal.get("levels") or ())
        return cls(Signal(**signal), float(data["risk_budget"]))
