"""Client ids: one module builds and parses every id the plugin sends."""

from __future__ import annotations

from ft_bracket.core import client_ids
from ft_bracket.core.client_ids import (
    ClientId,
    OrderRole,
    bracket_root,
    close_id,
    entry_id,
    entry_root,
    order_root,
    parse,
    parse_leg,
    untracked_root,
)
from ft_bracket.core.legs import LegKind
from ft_bracket.venues.binance.quirks import CLIENT_ID_PATTERN

ROOT = bracket_root(123456, 1_795_896_459)


def leg_id(prefix: str, root: str, kind: LegKind, attempt: int) -> str:
    return client_ids.build(prefix, root, kind.role, attempt)


def test_client_id_is_deterministic_short_and_binance_legal() -> None:
    first = leg_id("ftb", ROOT, LegKind.TAKE_PROFIT, 1)
    assert first == leg_id("ftb", bracket_root(123456, 1_795_896_459), LegKind.TAKE_PROFIT, 1)
    assert len(first) <= 36 and CLIENT_ID_PATTERN.match(first)
    # The longest prefix settings allow, a seven-digit trade id, attempt 99: still legal.
    longest = leg_id("p" * 10, bracket_root(9_999_999, 4_000_000_000), LegKind.STOP, 99)
    assert len(longest) <= 36 and CLIENT_ID_PATTERN.match(longest)
    assert first != leg_id("ftb", ROOT, LegKind.STOP, 1)
    assert first != leg_id("ftb", ROOT, LegKind.TAKE_PROFIT, 2)
    # Same trade id in a fresh database (other open time) must not collide.
    assert first != leg_id("ftb", bracket_root(123456, 1_795_896_460), LegKind.TAKE_PROFIT, 1)


def test_client_id_round_trips_and_ignores_foreign_ids() -> None:
    value = leg_id("bot-a", ROOT, LegKind.STOP, 3)
    assert parse_leg("bot-a", value) == ClientId("bot-a", ROOT, OrderRole.STOP, 3)
    assert LegKind.of(OrderRole.STOP) is LegKind.STOP
    assert parse_leg("bot-b", value) is None
    assert parse_leg("bot-a", "x-TKT5PX2F989bcdc4d06c430e92b8f4") is None


def test_the_format_is_the_one_users_and_their_programs_know() -> None:
    assert leg_id("ftb", "7-s0me", LegKind.STOP, 2) == "ftb-7-s0me-sl2"
    assert leg_id("ftb", "7-s0me", LegKind.TAKE_PROFIT, 1) == "ftb-7-s0me-tp1"
    assert close_id("ftb", "7-s0me", 3) == "ftb-7-s0me-x3"
    assert entry_id("ftb", "k3x") == "ftb-k3x-en1"


def test_an_entry_root_is_deterministic_legal_and_never_a_legs_id() -> None:
    root = entry_root("XRP/USDT:USDT", 1_796_000_000_123)
    assert root == entry_root("XRP/USDT:USDT", 1_796_000_000_123)
    assert root != entry_root("DOGE/USDT:USDT", 1_796_000_000_123)
    entry = entry_id("p" * 10, root)
    assert CLIENT_ID_PATTERN.match(entry) and len(entry) <= 36
    assert parse_leg("p" * 10, entry) is None  # an entry is not a leg
    assert parse("p" * 10, entry) == ClientId("p" * 10, root, OrderRole.ENTRY, 1)
    assert parse_leg("ftb", leg_id("ftb", root, LegKind.STOP, 1)) == ClientId(
        "ftb", root, OrderRole.STOP, 1)


def test_every_order_of_ours_names_its_root_and_whether_it_reduces() -> None:
    for value, role in (("ftb-7-a-sl1", OrderRole.STOP), ("ftb-7-a-tp12", OrderRole.TAKE_PROFIT),
                        ("ftb-7-a-x2", OrderRole.CLOSE), ("ftb-7-a-en1", OrderRole.ENTRY)):
        parsed = parse("ftb", value)
        assert parsed is not None and (parsed.root, parsed.role) == ("7-a", role)
        assert order_root("ftb", value) == "7-a"
        assert parsed.reduces is (role is not OrderRole.ENTRY)
        assert str(parsed) == value
    assert order_root("ftb", "manual-order") is None
    assert order_root("ftb", "bot2-7-a-sl1") is None


def test_a_guards_root_can_never_be_a_brackets() -> None:
    root = untracked_root("XRP/USDT:USDT", 1_796_000_000)
    assert root[0].isalpha() and bracket_root(1, 1_796_000_000)[0].isdigit()
    stop = leg_id("p" * 10, root, LegKind.STOP, 99)
    assert CLIENT_ID_PATTERN.match(stop) and len(stop) <= 36
    assert client_ids.root_of(stop) == root
