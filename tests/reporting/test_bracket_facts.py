"""A trade's bracket for its watchers: distances, results in R, the custom-data summary and the
webhook payload built from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ft_bracket.core.bracket import Bracket
from ft_bracket.core.legs import BracketLeg, LegKind, LegStatus
from ft_bracket.core.risk import loss_at_stop
from ft_bracket.reporting.events import Event, EventName, Severity
from ft_bracket.reporting.facts import BracketFacts, LegFacts, legs_record, summary
from ft_bracket.reporting.payload import event_payload

FEE = 0.0005
RISK = loss_at_stop(3164.4, 1.2001, 1.17, FEE, is_short=False)


def facts(**changes: object) -> BracketFacts:
    base = dict(trade_id=3, pair="XRP/USDT:USDT", is_short=False, leverage=2.0,
                entry_price=1.2001, amount=3164.4, stake_currency="USDT", stop_price=1.17,
                take_profit_price=1.26, risk_amount=RISK)
    return BracketFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_distances_are_signed_percentages_of_the_entry() -> None:
    assert facts().distance_pct(1.17) == pytest.approx(-2.5081, abs=1e-4)
    assert facts().distance_pct(1.26) == pytest.approx(4.9913, abs=1e-4)


def test_the_fee_is_read_back_off_the_risk_record_and_the_stop_is_minus_one_r() -> None:
    assert facts().taker_fee() == pytest.approx(FEE)
    assert facts().result_in_r(1.17) == pytest.approx(-1.0)
    short = facts(is_short=True, stop_price=1.23, take_profit_price=1.14,
                  risk_amount=loss_at_stop(3164.4, 1.2001, 1.23, FEE, is_short=True))
    assert short.result_in_r(1.23) == pytest.approx(-1.0)
    reward = 3164.4 * (1.2001 - 1.14) - FEE * 3164.4 * (1.2001 + 1.14)
    assert short.result_in_r(1.14) == pytest.approx(reward / short.risk_amount)
    assert facts().result_in_r(1.27, quantity=3164.4 / 2) == pytest.approx(
        facts().result_in_r(1.27) / 2)


def test_without_a_risk_record_there_is_no_r() -> None:
    assert facts(risk_amount=None).result_in_r(1.26) is None
    assert facts(stop_price=None).taker_fee() is None


def test_the_summary_names_take_profit_stop_their_states_and_order_ids() -> None:
    bracket = Bracket(3, "XRP/USDT:USDT", False, "3-abc",
                      BracketLeg(LegKind.STOP, 1.17, 3164.4, LegStatus.RESTING, 1, "c-sl1",
                                 "8000000004"),
                      BracketLeg(LegKind.TAKE_PROFIT, 1.26, 3164.4, LegStatus.PLACING, 1,
                                 "c-tp1"))
    stop, take_profit = legs_record(bracket.to_dict())
    assert summary(facts(stop=stop, take_profit=take_profit)) == (
        "take-profit 1.26 (+4.99 %), placing, order none yet | "
        "stop 1.17 (-2.51 %), resting, order 8000000004 | long from 1.2001, risk 99.00 USDT")
    assert summary(facts(risk_amount=None)) == (
        "take-profit 1.26 (+4.99 %) | stop 1.17 (-2.51 %) | long from 1.2001")


def test_the_payload_is_json_with_the_events_details_and_the_trades_bracket() -> None:
    legs = (LegFacts("resting", 1.17, 3164.4, "8000000004", "c-sl1", 1),
            LegFacts("resting", 1.26, 3164.4, "8000000005", "c-tp1", 1))
    event = Event(Severity.INFO, EventName.BRACKET_PLACED,
                  {"trade": 3, "pair": "XRP/USDT:USDT", "stop": 1.17, "unprotected_ms": 92},
                  time=datetime(2026, 11, 28, 20, 55, 1, 250000, tzinfo=UTC))
    payload = event_payload(event, facts(stop=legs[0], take_profit=legs[1]), event_id="r-1",
                            bot_name="bot", dry_run=False, message="text")
    assert json.loads(json.dumps(payload)) == payload
    assert {k: payload[k] for k in ("type", "event", "severity", "time", "event_id",
                                    "bot_name", "dry_run", "trade_id", "pair", "details",
                                    "message")} == {
        "type": "bracket_event", "event": "bracket_placed", "severity": "INFO",
        "time": "2026-11-28T20:55:01.250Z", "event_id": "r-1", "bot_name": "bot",
        "dry_run": False, "trade_id": 3, "pair": "XRP/USDT:USDT",
        "details": {"stop": 1.17, "unprotected_ms": 92}, "message": "text"}
    trade = payload["trade"]
    assert (trade["side"], trade["entry_price"], trade["stop_price"],
            trade["take_profit_price"], trade["risk_amount"]) == (
        "long", 1.2001, 1.17, 1.26, round(RISK, 8))
    assert (trade["stop_distance_pct"], trade["take_profit_distance_pct"]) == (-2.5081, 4.9913)
    assert trade["take_profit_r"] == pytest.approx(facts().result_in_r(1.26), abs=1e-4)
    assert trade["stop"]["order_id"] == "8000000004"
    assert trade["take_profit"]["client_id"] == "c-tp1"


def test_an_event_without_a_trade_has_a_null_trade() -> None:
    event = Event(Severity.ERROR, EventName.ENTRY_FAILED, {"pair": "XRP/USDT:USDT",
                                                            "reason": "Margin is insufficient."})
    payload = event_payload(event, None, event_id="r-2", bot_name="b", dry_run=True,
                            message="m")
    assert (payload["trade_id"], payload["trade"], payload["pair"]) == (
        None, None, "XRP/USDT:USDT")
    assert payload["details"] == {"reason": "Margin is insufficient."}


def test_a_scaled_out_brackets_take_profit_is_the_level_it_works_towards_now() -> None:
    from ft_bracket.reporting.facts import legs_record
    level = {"kind": "take_profit", "quantity": 50.0, "attempt": 1}
    record = {"stop": {"kind": "stop", "trigger_price": 1.17, "quantity": 50.0,
                       "status": "resting"},
              "take_profit": {**level, "trigger_price": 1.26, "status": "filled"},
              "scale_out": [{**level, "trigger_price": 1.30, "status": "resting", "level": 2}]}
    _, take_profit = legs_record(record)
    assert take_profit is not None and take_profit.trigger_price == 1.30
    record["scale_out"][0]["status"] = "filled"
    _, take_profit = legs_record(record)
    assert take_profit is not None and take_profit.trigger_price == 1.30
