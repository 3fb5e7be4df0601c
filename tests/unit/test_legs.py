"""The bracket leg state machine, client ids and safe trigger rounding."""

from __future__ import annotations

import pytest

from ft_bracket.legs import (
    CLIENT_ID_PATTERN,
    Bracket,
    BracketLeg,
    IllegalTransitionError,
    LegEvent,
    LegKind,
    LegStatus,
    client_id,
    parse_client_id,
    safe_trigger_price,
)


def test_client_id_is_deterministic_short_and_binance_legal() -> None:
    first = client_id("ftb", 123456, 1795896459, LegKind.TAKE_PROFIT, 1)
    assert first == client_id("ftb", 123456, 1795896459, LegKind.TAKE_PROFIT, 1)
    assert len(first) <= 36 and CLIENT_ID_PATTERN.match(first)
    assert first != client_id("ftb", 123456, 1795896459, LegKind.STOP, 1)
    assert first != client_id("ftb", 123456, 1795896459, LegKind.TAKE_PROFIT, 2)
    # Same trade id in a fresh database (other open time) must not collide.
    assert first != client_id("ftb", 123456, 1795896460, LegKind.TAKE_PROFIT, 1)


def test_client_id_round_trips_and_ignores_foreign_ids() -> None:
    value = client_id("bot-a", 42, 1_700_000_000, LegKind.STOP, 3)
    assert parse_client_id("bot-a", value) == (42, LegKind.STOP)
    assert parse_client_id("bot-b", value) is None
    assert parse_client_id("bot-a", "x-TKT5PX2F989bcdc4d06c430e92b8f4") is None


def test_client_id_refuses_a_prefix_that_breaks_binance_rules() -> None:
    with pytest.raises(ValueError, match="Binance"):
        client_id("bad prefix", 1, 1, LegKind.STOP, 1)
    with pytest.raises(ValueError, match="Binance"):
        client_id("p" * 30, 1, 1_700_000_000, LegKind.STOP, 1)


@pytest.mark.parametrize(
    ("kind", "is_short", "price", "expected"),
    [
        (LegKind.STOP, False, 1.14035, 1.1404),  # long stop rounds up: never more loss
        (LegKind.STOP, True, 1.14035, 1.1403),  # short stop rounds down
        (LegKind.TAKE_PROFIT, False, 1.22559, 1.2255),  # long TP rounds down: never asks more
        (LegKind.TAKE_PROFIT, True, 1.22551, 1.2256),  # short TP rounds up
        (LegKind.STOP, False, 1.1403, 1.1403),  # on the tick: unchanged
        (LegKind.STOP, False, 1.1403000000000001, 1.1403),  # float noise is not a tick
    ],
)
def test_safe_trigger_price(kind: LegKind, is_short: bool, price: float, expected: float) -> None:
    assert safe_trigger_price(kind, is_short, price, 0.0001) == expected


def test_leg_moves_only_along_the_table() -> None:
    leg = BracketLeg(LegKind.TAKE_PROFIT, 1.25, 100.0)
    leg.begin_attempt("ftb", 7, 1_700_000_000)
    assert leg.status is LegStatus.PLACING and leg.attempt == 1
    leg.apply(LegEvent.ACCEPTED)
    assert leg.is_open
    leg.apply(LegEvent.TRIGGERED)
    assert leg.status is LegStatus.FILLED and not leg.is_open
    with pytest.raises(IllegalTransitionError):
        leg.apply(LegEvent.CANCELLED)
    with pytest.raises(IllegalTransitionError):
        leg.begin_attempt("ftb", 7, 1_700_000_000)  # a filled leg is never re-placed


def test_a_cancelled_leg_is_replaced_under_a_new_client_id() -> None:
    leg = BracketLeg(LegKind.STOP, 1.1, 10.0)
    first = leg.begin_attempt("ftb", 7, 1_700_000_000)
    leg.apply(LegEvent.ACCEPTED)
    leg.apply(LegEvent.CANCELLED)
    second = leg.begin_attempt("ftb", 7, 1_700_000_000)
    assert second != first and leg.attempt == 2 and leg.status is LegStatus.PLACING


def test_bracket_survives_a_round_trip_through_custom_data() -> None:
    bracket = Bracket(
        trade_id=3,
        is_short=True,
        stop=BracketLeg(LegKind.STOP, 1.3, 50.0),
        take_profit=BracketLeg(LegKind.TAKE_PROFIT, 1.1, 50.0),
        entry_filled_ms=1_700_000_000_000,
    )
    bracket.stop.begin_attempt("ftb", 3, 1_700_000_000)
    bracket.stop.apply(LegEvent.ACCEPTED)
    bracket.stop.order_id = "8000000004"
    bracket.protected_ms["stop"] = 1_700_000_000_120
    assert Bracket.from_dict(bracket.to_dict()) == bracket
