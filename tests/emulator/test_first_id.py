"""``--first-id``: where the venue's one id counter (orders, algo orders, fills, income) starts;
``clock`` puts a later run above every id of an earlier one."""

from __future__ import annotations

from pathlib import Path

import pytest

from binance_emulator.__main__ import parse_args
from binance_emulator.app import CLOCK_ID_EPOCH_MS, clock_first_id
from binance_emulator.venue.models import FIRST_ID
from harness.ccxt_client import binance_client
from harness.emulator import DEFAULT_KEY, DEFAULT_SECRET, start_emulator
from tests.emulator.ccxt_helpers import XRP

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_first_order_and_algo_ids_start_at_the_given_id(tmp_path: Path) -> None:
    emulator = start_emulator(tmp_path, "--first-id", "9000000000")
    try:
        emulator.set_price("XRPUSDT", "1.0000")
        client = binance_client(emulator, DEFAULT_KEY, DEFAULT_SECRET)
        order = client.create_order(XRP, "limit", "buy", 100, 0.9)
        stop = client.create_order(XRP, "market", "sell", 100, None,
                                   {"stopLossPrice": 0.8})
        assert (order["id"], stop["id"]) == ("9000000000", "9000000001")
        state = emulator.state()
        assert [o["orderId"] for o in state["orders"]] == [9000000000]
        assert [a["algoId"] for a in state["algo_orders"]] == [9000000001]
    finally:
        emulator.stop()


def test_the_default_first_id_is_unchanged() -> None:
    assert parse_args([]).first_id == FIRST_ID == 8_000_000_001


def test_clock_gives_an_id_from_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    now = CLOCK_ID_EPOCH_MS + 40_000_000_000
    monkeypatch.setattr("binance_emulator.__main__.now_ms", lambda: now)
    assert parse_args(["--first-id", "clock"]).first_id == 8_000_000_000 + 40_000_000_000
    assert parse_args(["--first-id", "123"]).first_id == 123


def test_clock_ids_grow_with_the_clock_and_stay_above_the_default() -> None:
    starts = [clock_first_id(CLOCK_ID_EPOCH_MS + ms) for ms in (-5, 0, 1, 2, 10_000)]
    assert starts == [FIRST_ID, FIRST_ID, FIRST_ID, FIRST_ID + 1, FIRST_ID + 9_999]
    # In 2026 (and for decades after) far above any run from the default, below 2**53.
    assert FIRST_ID + 10**9 < clock_first_id(1_767_225_600_000) < 2**53


@pytest.mark.parametrize("bad", ["0", "-1", str(2**63), "soon", "1e9"])
def test_a_bad_first_id_is_refused(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--first-id", bad])
    assert "--first-id" in capsys.readouterr().err
