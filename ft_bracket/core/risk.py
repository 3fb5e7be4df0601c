"""Risk core: position sizing and the entry gate, as pure functions.

No freqtrade or ccxt import: everything the decisions need arrives as plain values, and every
"no" comes back as a ``Denial`` with a name and a human-readable detail, never a bare bool.

Sizing follows one rule: hitting the stop loses ``risk_per_trade x equity``, entry and exit taker
fees included. Rounding only ever goes towards *less* risk: the quantity down to the step size,
stop and take-profit prices towards the entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from ft_bracket.core.settings import BracketSettings

# Float noise allowance when comparing money amounts and share caps (1e-9 relative).
_TOLERANCE = 1e-9


class Denial(StrEnum):
    """Why a trade is refused; the value is the name shown in logs."""

    INVALID_PRICE = "InvalidPrice"
    ZERO_STOP_DISTANCE = "ZeroStopDistance"
    STOP_ON_WRONG_SIDE = "StopOnWrongSide"
    TAKE_PROFIT_ON_WRONG_SIDE = "TakeProfitOnWrongSide"
    REWARD_RISK_BELOW_MINIMUM = "RewardRiskBelowMinimum"
    NO_EQUITY = "NoEquity"
    MAX_OPEN_POSITIONS = "MaxOpenPositions"
    DAILY_LOSS_LIMIT_REACHED = "DailyLossLimitReached"
    OPEN_RISK_CAP_REACHED = "OpenRiskCapReached"
    COOLDOWN_AFTER_STOP_OUT = "CooldownAfterStopOut"
    NO_FREE_MARGIN = "NoFreeMargin"
    STOP_BEYOND_LIQUIDATION = "StopBeyondLiquidation"
    QUANTITY_BELOW_MINIMUM = "QuantityBelowMinimum"
    NOTIONAL_BELOW_MINIMUM = "NotionalBelowMinimum"
    STAKE_BELOW_MINIMUM = "StakeBelowMinimum"
    RISK_ABOVE_BUDGET = "RiskAboveBudget"
    SIGNAL_MISSING = "SignalMissing"
    # The pair is not clean on the venue: a new position could meet an earlier trade's leg.
    BOOK_TOO_THIN = "BookTooThin"
    TOO_MANY_LEVELS = "TooManyTakeProfitLevels"
    LEVELS_OUT_OF_ORDER = "TakeProfitLevelsOutOfOrder"
    LEVELS_DO_NOT_ADD_UP = "TakeProfitSharesDoNotAddUp"
    LEG_MAY_STILL_REST = "LegMayStillRest"
    POSITION_DIFFERS = "PositionDiffersFromRecord"


@dataclass(frozen=True)
class Decision:
    """Outcome of a check: allowed, or denied with a named reason and a detail."""

    denial: Denial | None = None
    detail: str = ""

    @property
    def allowed(self) -> bool:
        """True when nothing denied the trade."""
        return self.denial is None

    def __str__(self) -> str:
        return "allowed" if self.allowed else f"{self.denial}: {self.detail}"


ALLOWED = Decision()


@dataclass(frozen=True)
class Signal:
    """An entry signal in absolute prices. ``entry_price`` is the price the entry will fill at."""

    is_short: bool
    entry_price: float
    stop_price: float
    take_profit_price: float
    # A signal that scales out: every take-profit level as (price, share of the position), the
    # first at ``take_profit_price`` (core.scale_out); empty: one take-profit for all of it.
    levels: tuple[tuple[float, float], ...] = ()

    @property
    def target_price(self) -> float:
        """Where the whole position takes profit on average (each level for its share)."""
        if not self.levels:
            return self.take_profit_price
        return sum(price * share for price, share in self.levels)

    @property
    def stop_distance(self) -> float:
        """Price distance between entry and stop."""
        return abs(self.entry_price - self.stop_price)

    @property
    def reward_risk(self) -> float:
        """Reward-to-risk ratio: take-profit distance (on average, for levels) over stop
        distance."""
        return abs(self.target_price - self.entry_price) / self.stop_distance


@dataclass(frozen=True)
class MarketRules:
    """The exchange's filters for one contract (Binance: LOT_SIZE, MIN_NOTIONAL, PRICE_FILTER,
    MAX_NUM_ALGO_ORDERS when the venue publishes it)."""

    step_size: float
    min_quantity: float = 0.0
    min_notional: float = 0.0
    tick_size: float | None = None
    max_algo_orders: int | None = None


@dataclass(frozen=True)
class AccountState:
    """What the gate needs to know about the account at the moment of the signal."""

    equity: float
    open_positions: int = 0
    # Sum over open trades of what hitting their current stops would still lose.
    open_risk: float = 0.0
    # Realised profit (negative: loss) of trades closed since 00:00 UTC of the current day.
    realised_pnl_today: float = 0.0
    # Close time of the pair's most recent stop-out, if any.
    last_stop_out: datetime | None = None


@dataclass(frozen=True)
class PositionSize:
    """A sized position, or the reason there is none (``denial`` set, quantity 0)."""

    quantity: float = 0.0
    entry_price: float = 0.0
    leverage: float = 1.0
    # What hitting the stop loses with this quantity, fees included.
    risk_amount: float = 0.0
    # What hitting the stop was allowed to lose: risk_per_trade x equity.
    risk_budget: float = 0.0
    capped_by_max_stake: bool = False
    denial: Denial | None = None
    detail: str = ""

    @property
    def approved(self) -> bool:
        """True when a tradable quantity was found."""
        return self.denial is None

    @property
    def notional(self) -> float:
        """Position value in quote currency."""
        return self.quantity * self.entry_price

    @property
    def margin(self) -> float:
        """Collateral the position ties up: what freqtrade calls the stake."""
        return self.notional / self.leverage


def deny(denial: Denial, detail: str) -> Decision:
    """A denied ``Decision``."""
    return Decision(denial=denial, detail=detail)


def loss_at_stop(
    quantity: float, entry_price: float, stop_price: float, taker_fee: float, *, is_short: bool
) -> float:
    """What closing ``quantity`` at ``stop_price`` loses, taker fees on entry and exit included.

    ``qty x (|entry - stop| + fee x (entry + stop))`` for a stop on the losing side, the same
    for long and short; smaller (possibly negative) once the stop sits in profit.
    """
    direction = -1.0 if is_short else 1.0
    move = quantity * direction * (entry_price - stop_price)
    fees = quantity * taker_fee * (entry_price + stop_price)
    return move + fees


def check_signal(signal: Signal, min_reward_risk: float) -> Decision:
    """Validate an entry signal's prices: finite and positive, stop on the losing side of the
    entry, take-profit on the winning side, reward/risk at least ``min_reward_risk``."""
    prices = {
        "entry_price": signal.entry_price,
        "stop_price": signal.stop_price,
        "take_profit_price": signal.take_profit_price,
    }
    for name, price in prices.items():
        if not _is_positive(price):
            return deny(Denial.INVALID_PRICE, f"{name} is {price!r}")
    side = "short" if signal.is_short else "long"
    if signal.stop_distance == 0:
        return deny(Denial.ZERO_STOP_DISTANCE, f"stop {signal.stop_price} equals entry")
    stop_losing = (
        signal.stop_price > signal.entry_price
        if signal.is_short
        else signal.stop_price < signal.entry_price
    )
    if not stop_losing:
        return deny(
            Denial.STOP_ON_WRONG_SIDE,
            f"{side} stop {signal.stop_price} vs entry {signal.entry_price}",
        )
    take_profit_winning = (
        signal.take_profit_price < signal.entry_price
        if signal.is_short
        else signal.take_profit_price > signal.entry_price
    )
    if not take_profit_winning:
        return deny(
            Denial.TAKE_PROFIT_ON_WRONG_SIDE,
            f"{side} take-profit {signal.take_profit_price} vs entry {signal.entry_price}",
        )
    if signal.reward_risk < min_reward_risk * (1 - _TOLERANCE):
        return deny(
            Denial.REWARD_RISK_BELOW_MINIMUM,
            f"reward/risk {signal.reward_risk:.2f} < {min_reward_risk:g}",
        )
    return ALLOWED


def can_trade(
    signal: Signal, account: AccountState, settings: BracketSettings, now: datetime
) -> Decision:
    """The entry gate: signal validity first, then the account's limits.

    ``now`` is the decision time (simulated time in backtesting): it fixes the UTC day of the
    daily loss limit and the end of a cooldown.
    """
    signal_check = check_signal(signal, settings.min_reward_risk)
    if not signal_check.allowed:
        return signal_check
    if not _is_positive(account.equity):
        return deny(Denial.NO_EQUITY, f"equity is {account.equity!r}")
    if account.open_positions >= settings.max_open_positions:
        return deny(
            Denial.MAX_OPEN_POSITIONS,
            f"{account.open_positions} open, limit {settings.max_open_positions}",
        )
    # The limit is a share of the equity the day started with, not of what is left.
    day_start_equity = account.equity - account.realised_pnl_today
    loss_limit = settings.daily_loss_limit * day_start_equity
    if -account.realised_pnl_today >= loss_limit * (1 - _TOLERANCE):
        return deny(
            Denial.DAILY_LOSS_LIMIT_REACHED,
            f"realised {account.realised_pnl_today:.2f} today, limit -{loss_limit:.2f}",
        )
    new_risk = settings.risk_per_trade * account.equity
    risk_cap = settings.max_total_open_risk * account.equity
    if account.open_risk + new_risk > risk_cap * (1 + _TOLERANCE):
        return deny(
            Denial.OPEN_RISK_CAP_REACHED,
            f"open risk {account.open_risk:.2f} + {new_risk:.2f} > cap {risk_cap:.2f}",
        )
    if account.last_stop_out is not None:
        cooldown_end = account.last_stop_out + timedelta(minutes=settings.stop_out_cooldown_minutes)
        if now < cooldown_end:
            return deny(
                Denial.COOLDOWN_AFTER_STOP_OUT,
                f"stopped out at {account.last_stop_out:%Y-%m-%d %H:%M}, "
                f"cooldown until {cooldown_end:%Y-%m-%d %H:%M}",
            )
    return ALLOWED


def size_position(
    *,
    signal: Signal,
    equity: float,
    risk_per_trade: float,
    taker_fee: float,
    leverage: float,
    market: MarketRules,
    max_stake: float,
    min_stake: float = 0.0,
    maintenance_margin_rate: float = 0.0,
) -> PositionSize:
    """Size a position so that hitting the stop loses ``risk_per_trade x equity``, fees included.

    The quantity is rounded down to ``market.step_size`` and capped by ``max_stake`` (margin:
    free balance and the leverage bracket's notional cap, both divided by leverage). A result
    below the exchange's minimum quantity or notional, or below ``min_stake`` (the stake freqtrade
    would silently raise), is refused: rounding up would risk more than the budget.
    ``maintenance_margin_rate`` places the isolated-margin liquidation price; a stop at or beyond
    it is refused because the position would be liquidated before the stop fills.
    """
    budget = risk_per_trade * equity if _is_positive(equity) else 0.0
    base = PositionSize(entry_price=signal.entry_price, leverage=leverage, risk_budget=budget)

    def refuse(denial: Denial, detail: str) -> PositionSize:
        return PositionSize(
            entry_price=base.entry_price,
            leverage=base.leverage,
            risk_budget=base.risk_budget,
            denial=denial,
            detail=detail,
        )

    if not _is_positive(signal.entry_price) or not _is_positive(signal.stop_price):
        return refuse(
            Denial.INVALID_PRICE, f"entry {signal.entry_price!r}, stop {signal.stop_price!r}"
        )
    if not (_is_positive(equity) and _is_positive(risk_per_trade)):
        return refuse(Denial.NO_EQUITY, f"equity {equity!r} x risk {risk_per_trade!r}")
    if not (math.isfinite(taker_fee) and taker_fee >= 0):
        return refuse(Denial.INVALID_PRICE, f"taker fee is {taker_fee!r}")
    if not (math.isfinite(leverage) and leverage >= 1):
        return refuse(Denial.INVALID_PRICE, f"leverage is {leverage!r}")
    if signal.stop_distance == 0:
        return refuse(Denial.ZERO_STOP_DISTANCE, f"stop {signal.stop_price} equals entry")
    if (signal.stop_price > signal.entry_price) != signal.is_short:
        return refuse(
            Denial.STOP_ON_WRONG_SIDE, f"stop {signal.stop_price} vs entry {signal.entry_price}"
        )
    liquidation_distance = 1 / leverage - maintenance_margin_rate
    if signal.stop_distance / signal.entry_price >= liquidation_distance:
        return refuse(
            Denial.STOP_BEYOND_LIQUIDATION,
            f"stop {signal.stop_distance / signal.entry_price:.2%} away, liquidation about "
            f"{liquidation_distance:.2%} away at leverage {leverage:g}",
        )
    if not (max_stake > 0):
        return refuse(Denial.NO_FREE_MARGIN, f"max stake is {max_stake!r}")

    per_unit_loss = loss_at_stop(
        1.0, signal.entry_price, signal.stop_price, taker_fee, is_short=signal.is_short
    )
    quantity = budget / per_unit_loss
    max_quantity = max_stake * leverage / signal.entry_price
    capped = quantity > max_quantity
    quantity = round_down_to_step(min(quantity, max_quantity), market.step_size)

    if quantity <= 0 or quantity < market.min_quantity * (1 - _TOLERANCE):
        return refuse(
            Denial.QUANTITY_BELOW_MINIMUM,
            f"quantity {quantity:g} < minimum {max(market.min_quantity, market.step_size):g}",
        )
    notional = quantity * signal.entry_price
    if notional < market.min_notional * (1 - _TOLERANCE):
        return refuse(
            Denial.NOTIONAL_BELOW_MINIMUM,
            f"notional {notional:.4f} < minimum {market.min_notional:g}",
        )
    if notional / leverage < min_stake * (1 - _TOLERANCE):
        return refuse(
            Denial.STAKE_BELOW_MINIMUM,
            f"stake {notional / leverage:.4f} < freqtrade's minimum {min_stake:.4f}",
        )
    return PositionSize(
        quantity=quantity,
        entry_price=signal.entry_price,
        leverage=leverage,
        risk_amount=quantity * per_unit_loss,
        risk_budget=budget,
        capped_by_max_stake=capped,
    )


def round_down_to_step(quantity: float, step_size: float) -> float:
    """Round a quantity down to a multiple of ``step_size`` (a step of 0 leaves it unchanged).

    A relative 1e-9 allowance keeps float noise (123.39999999999999 for 123.4) from costing a
    whole step; it never adds a step of risk.
    """
    if step_size <= 0:
        return quantity
    steps = math.floor(quantity / step_size * (1 + _TOLERANCE))
    return float(Decimal(steps) * Decimal(str(step_size)))


def align_to_tick(price: float, tick_size: float | None, *, towards: float) -> float:
    """Round a price onto the tick grid, in the direction of ``towards`` (the entry).

    Stop and take-profit both move towards the entry: the stop loses a little less, the
    take-profit is reached a little earlier. freqtrade rounds stops the same way.
    """
    if not tick_size or not math.isfinite(price):
        return price
    tick = Decimal(str(tick_size))
    ticks = Decimal(repr(float(price))) / tick
    rounding = ROUND_CEILING if towards > price else ROUND_FLOOR
    return float(ticks.to_integral_value(rounding=rounding) * tick)


def _is_positive(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0
