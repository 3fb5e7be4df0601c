"""The ``bracket`` config section: defaults, validation, error messages."""

from __future__ import annotations

import math

import pytest

from ft_bracket.core.settings import BracketConfigError, BracketSettings


def test_missing_section_gives_the_defaults() -> None:
    assert BracketSettings.from_config({}) == BracketSettings()


def test_values_are_read_from_the_bracket_section() -> None:
    settings = BracketSettings.from_config(
        {
            "bracket": {
                "risk_per_trade": 0.005,
                "max_open_positions": 5,
                "daily_loss_limit": 0.02,
                "max_total_open_risk": 0.025,
                "min_reward_risk": 2,
                "stop_out_cooldown_minutes": 0,
            }
        }
    )
    assert settings == BracketSettings(0.005, 5, 0.02, 0.025, 2.0, 0)
    assert isinstance(settings.min_reward_risk, float)


def test_the_time_limit_is_off_unless_set() -> None:
    assert BracketSettings().time_limit_minutes == 0
    settings = BracketSettings.from_config({"bracket": {"time_limit_minutes": 240}})
    assert settings.time_limit_minutes == 240


def test_partial_section_keeps_defaults_for_the_rest() -> None:
    settings = BracketSettings.from_config({"bracket": {"max_open_positions": 1}})
    assert settings.max_open_positions == 1
    assert settings.risk_per_trade == BracketSettings().risk_per_trade


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("risk_per_trade", 1),  # 1 meant as 1 %: would be 100 % of equity
        ("risk_per_trade", 0),
        ("risk_per_trade", -0.01),
        ("risk_per_trade", math.nan),
        ("risk_per_trade", "0.01"),
        ("risk_per_trade", True),
        ("max_open_positions", 0),
        ("max_open_positions", 2.5),
        ("max_open_positions", True),
        ("daily_loss_limit", 1.5),
        ("daily_loss_limit", None),
        ("max_total_open_risk", 0),
        ("min_reward_risk", -1),
        ("min_reward_risk", math.inf),
        ("stop_out_cooldown_minutes", -5),
        ("stop_out_cooldown_minutes", 1.5),
        ("webhook_events", "yes"),
        ("merge_plot_config", 0),
        ("time_limit_minutes", -1),
        ("time_limit_minutes", 2.5),
        ("time_limit_minutes", "1h"),
    ],
)
def test_bad_values_are_refused_naming_key_and_value(key: str, value: object) -> None:
    with pytest.raises(BracketConfigError) as error:
        BracketSettings.from_config({"bracket": {key: value}})
    assert f"bracket.{key}" in str(error.value)
    assert repr(value) in str(error.value)


def test_unknown_key_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(BracketConfigError, match=r"bracket\.risk_per_trad .*'risk_per_trade'"):
        BracketSettings.from_config({"bracket": {"risk_per_trad": 0.01}})


def test_section_must_be_an_object() -> None:
    with pytest.raises(BracketConfigError, match="bracket must be an object"):
        BracketSettings.from_config({"bracket": [0.01]})


def test_open_risk_cap_below_one_trade_is_refused() -> None:
    with pytest.raises(BracketConfigError, match="max_total_open_risk"):
        BracketSettings.from_config(
            {"bracket": {"risk_per_trade": 0.02, "max_total_open_risk": 0.01}}
        )


def test_webhook_events_and_the_plot_config_merge_are_on_unless_switched_off() -> None:
    assert (BracketSettings().webhook_events, BracketSettings().merge_plot_config) == (True, True)
    settings = BracketSettings.from_config(
        {"bracket": {"webhook_events": False, "merge_plot_config": False}})
    assert (settings.webhook_events, settings.merge_plot_config) == (False, False)
