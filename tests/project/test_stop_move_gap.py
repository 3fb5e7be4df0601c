"""bench/stop_move_gap.py's measurement, from hand-made venue journals: a bench that could not
see a gap would report 0 for any way of moving a stop."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from harness.emulator import REPO


@pytest.fixture
def stop_moves(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(REPO / "bench"))  # the bench imports bench_report
    return importlib.import_module("stop_move_gap").stop_moves


def journal(*events: tuple[str, int, int, str]) -> list[dict[str, Any]]:
    """Rows as the emulator writes them: (event, time ms, algo id, order type), ids in order."""
    return [{"id": n, "time": at, "event": event, "symbol": "XRPUSDT", "algo_id": algo,
             **({"type": kind} if event == "algo_created" else {})}
            for n, (event, at, algo, kind) in enumerate(events, start=1)]


def test_new_first_is_no_gap_and_the_overlap_is_counted(stop_moves: Any) -> None:
    rows = journal(("algo_created", 1000, 1, "STOP_MARKET"),
                   ("algo_created", 1001, 2, "TAKE_PROFIT_MARKET"),  # not a stop: not a move
                   ("algo_created", 2000, 3, "STOP_MARKET"),
                   ("algo_canceled", 2043, 1, ""))
    [move] = stop_moves(rows, "XRPUSDT")
    assert (move.gap_ms, move.overlap_ms, move.bare) == (0, 43, False)


def test_cancel_first_is_a_gap_even_inside_one_millisecond(stop_moves: Any) -> None:
    rows = journal(("algo_created", 1000, 1, "STOP_MARKET"),
                   ("algo_canceled", 2000, 1, ""),
                   ("algo_created", 2201, 2, "STOP_MARKET"),
                   ("algo_canceled", 3000, 2, ""),
                   ("algo_created", 3000, 4, "STOP_MARKET"))  # same millisecond, after
    moves = stop_moves(rows, "XRPUSDT")
    assert [(m.gap_ms, m.overlap_ms, m.bare) for m in moves] == [(201, 0, True), (0, 0, True)]


def test_other_symbols_are_left_out_and_a_fired_stop_is_no_move(stop_moves: Any) -> None:
    rows = journal(("algo_created", 1000, 1, "STOP_MARKET"),
                   ("algo_created", 2000, 2, "STOP_MARKET"))
    rows[1]["symbol"] = "DOGEUSDT"
    assert stop_moves(rows, "XRPUSDT") == []
    fired = journal(("algo_created", 1000, 1, "STOP_MARKET"),
                    ("algo_triggered", 1500, 1, ""),
                    ("algo_created", 2000, 2, "STOP_MARKET"))
    with pytest.raises(ValueError, match="not cancelled"):
        stop_moves(fired, "XRPUSDT")
