"""The plugin's settings: the ``"bracket"`` section of freqtrade's config.json.

Pure: no freqtrade import, so it is unit-tested in milliseconds. The strategy adapter turns a
``BracketConfigError`` into freqtrade's ``OperationalException`` so that a bad value stops the bot
at start-up, before it trades.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

SECTION = "bracket"

# A share of equity above this is almost always "1" meant as 1 %; refuse it rather than risk 100 %.
MAX_RISK_PER_TRADE = 0.1
# Leaves room in Binance's 36-character client id for trade id, open time and leg.
CLIENT_ID_PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_.:]{1,10}$")
UNTRACKED_ACTIONS = ("protect", "close")


class BracketConfigError(ValueError):
    """A value in the ``bracket`` config section is missing its mark; the message names it."""


@dataclass(frozen=True)
class BracketSettings:
    """Risk limits of the bracket plugin. Shares are fractions of equity (0.01 = 1 %)."""

    risk_per_trade: float = 0.01
    max_open_positions: int = 3
    daily_loss_limit: float = 0.03
    max_total_open_risk: float = 0.05
    min_reward_risk: float = 1.5
    stop_out_cooldown_minutes: int = 30
    # Marks this bot's legs on the exchange; two bots sharing an account need different ones.
    client_id_prefix: str = "ftb"
    # A take-profit the venue keeps refusing: after this many attempts, close at market.
    take_profit_max_attempts: int = 3
    # The plugin's own venue calls (legs, snapshots) give up after this long: none of them may
    # hold the bot loop much longer (freqtrade's client keeps its own timeout for its orders).
    request_timeout_ms: int = 3000
    # A position on one of the bot's pairs that no trade owns (an entry whose answer was lost, a
    # position opened by hand): "protect" it with a closePosition stop this far from the price,
    # or "close" it at market. Either way: an ERROR event, and the pair locked until it is gone.
    untracked_position_action: str = "protect"
    untracked_stop_distance: float = 0.05
    # Post each event as JSON to freqtrade's webhook URL (when freqtrade's webhook is enabled).
    webhook_events: bool = True
    # Add the bracket's series to the strategy's plot_config (FreqUI, plot-dataframe).
    merge_plot_config: bool = True
    # Close a trade at market, every leg cancelled, this long after its entry (0: never).
    time_limit_minutes: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BracketSettings:
        """Read and validate ``config["bracket"]``; a missing section means all defaults.

        Raises ``BracketConfigError`` naming the key and the bad value, also for unknown keys
        (a typo must not silently fall back to a default risk).
        """
        section = config.get(SECTION, {})
        if not isinstance(section, Mapping):
            raise BracketConfigError(f"{SECTION} must be an object of settings, got {section!r}")
        known = [f.name for f in fields(cls)]
        for key in section:
            if key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise BracketConfigError(
                    f"{SECTION}.{key} is not a known setting{suggestion}; "
                    f"known settings: {', '.join(known)}"
                )
        values = {f.name: section.get(f.name, f.default) for f in fields(cls)}
        _check_share("risk_per_trade", values["risk_per_trade"], upper=MAX_RISK_PER_TRADE)
        _check_count("max_open_positions", values["max_open_positions"], minimum=1)
        _check_share("daily_loss_limit", values["daily_loss_limit"], upper=1.0)
        _check_share("max_total_open_risk", values["max_total_open_risk"], upper=1.0)
        _check_number("min_reward_risk", values["min_reward_risk"], minimum=0.0)
        _check_count("stop_out_cooldown_minutes", values["stop_out_cooldown_minutes"], minimum=0)
        _check_count("take_profit_max_attempts", values["take_profit_max_attempts"], minimum=1)
        _check_count("request_timeout_ms", values["request_timeout_ms"], minimum=500,
                     maximum=60_000)
        _check_count("time_limit_minutes", values["time_limit_minutes"], minimum=0)
        action = values["untracked_position_action"]
        if action not in UNTRACKED_ACTIONS:
            raise BracketConfigError(
                f"{SECTION}.untracked_position_action must be one of "
                f"{', '.join(map(repr, UNTRACKED_ACTIONS))}, got {action!r}")
        _check_share("untracked_stop_distance", values["untracked_stop_distance"], upper=0.5,
                     of="the price")
        for key in ("webhook_events", "merge_plot_config"):
            if not isinstance(values[key], bool):
                raise BracketConfigError(f"{SECTION}.{key} must be true or false, "
                                         f"got {values[key]!r}")
        prefix = values["client_id_prefix"]
        if not isinstance(prefix, str) or not CLIENT_ID_PREFIX_PATTERN.match(prefix):
            raise BracketConfigError(
                f"{SECTION}.client_id_prefix must be 1-10 letters, digits, '_', '.' or ':', "
                f"got {prefix!r}"
            )
        if values["max_total_open_risk"] < values["risk_per_trade"]:
            raise BracketConfigError(
                f"{SECTION}.max_total_open_risk ({values['max_total_open_risk']!r}) is below "
                f"{SECTION}.risk_per_trade ({values['risk_per_trade']!r}): no trade could open"
            )
        return cls(
            risk_per_trade=float(values["risk_per_trade"]),
            max_open_positions=int(values["max_open_positions"]),
            daily_loss_limit=float(values["daily_loss_limit"]),
            max_total_open_risk=float(values["max_total_open_risk"]),
            min_reward_risk=float(values["min_reward_risk"]),
            stop_out_cooldown_minutes=int(values["stop_out_cooldown_minutes"]),
            client_id_prefix=prefix,
            take_profit_max_attempts=int(values["take_profit_max_attempts"]),
            request_timeout_ms=int(values["request_timeout_ms"]),
            untracked_position_action=str(action),
            untracked_stop_distance=float(values["untracked_stop_distance"]),
            webhook_events=values["webhook_events"],
            merge_plot_config=values["merge_plot_config"],
            time_limit_minutes=int(values["time_limit_minutes"]),
        )


def refuse_position_adjustment(enabled: bool) -> None:
    """freqtrade's position adjustment would add to a trade the plugin sized once, at its entry:
    the add would not be risk-sized, so the bot does not start with it (never silently
    mis-sized)."""
    if enabled:
        raise BracketConfigError(
            "position_adjustment_enable is true: ft_bracket sizes each trade once, at its entry, "
            "so that its stop loses risk_per_trade of equity; an add would not be risk-sized. "
            "Set position_adjustment_enable to false (to take profit in parts, declare "
            "take_profit_price_2 ... on the entry candle).")


def _is_number(value: Any) -> bool:
    # bool is an int subclass; `true` for a share of equity is a mistake, not 1.0.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_number(key: str, value: Any, *, minimum: float) -> None:
    if not _is_number(value) or not math.isfinite(value) or value < minimum:
        raise BracketConfigError(
            f"{SECTION}.{key} must be a finite number >= {minimum:g}, got {value!r}"
        )


def _check_share(key: str, value: Any, *, upper: float, of: str = "equity") -> None:
    if not _is_number(value) or not math.isfinite(value) or not 0 < value <= upper:
        raise BracketConfigError(
            f"{SECTION}.{key} must be a share of {of} in (0, {upper:g}], "
            f"e.g. 0.01 for 1 %, got {value!r}"
        )


def _check_count(key: str, value: Any, *, minimum: int, maximum: int | None = None) -> None:
    too_big = maximum is not None and isinstance(value, int) and value > maximum
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum or too_big:
        bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise BracketConfigError(f"{SECTION}.{key} must be a whole number {bounds}, got {value!r}")
