"""The chaos soak (bench/chaos_soak.py) at a small size: three live bots, random signals, prices,
faults and SIGKILL restarts, and the four goal figures all 0. The full run (200 brackets) is
`python bench/chaos_soak.py`; this one keeps each regression it found from coming back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.emulator import REPO

pytestmark = pytest.mark.e2e

SOAK = REPO / "bench" / "chaos_soak.py"
GOAL_FIGURES = ("unprotected_positions", "orphan_legs", "duplicate_orders", "database_mismatches")


def test_small_chaos_soak_keeps_every_position_protected_and_every_record_true(
    tmp_path: Path,
) -> None:
    report_path = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, str(SOAK), "--brackets", "12", "--bots", "3", "--pairs", "4",
         "--seed", "7", "--fault-every", "1", "--restart-every", "30",
         # Faster prices and a short tail: the brackets close within about a minute.
         "--volatility", "0.004", "--chaos-tail", "45",
         "--keep", str(tmp_path / "soak"), "--json", str(report_path)],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False,
    )
    output = f"{run.stdout}\n{run.stderr[-3000:]}\nlogs in {tmp_path / 'soak'}"
    assert report_path.exists(), output
    report = json.loads(report_path.read_text())
    assert {name: report[name] for name in GOAL_FIGURES} == dict.fromkeys(GOAL_FIGURES, 0), output
    assert report["brackets_closed"] == report["brackets_opened"] >= 12, output
    assert report["quiet"], output
    # The chaos really happened: faults reached the bots and bots were killed mid-run.
    assert sum(report["faults_fired"].values()) >= 3, output
    assert report["restarts"] >= 1, output
