"""The damage soak (bench/chaos_soak.py) at a small size: three live bots, random signals,
prices, faults, stunts (a gap through both legs, a thin book, a liquidation) and SIGKILL
restarts, judged by the venue's own record: every damage figure 0, and no bot's log shows a
database error (an order row written twice, or one freqtrade cannot write) across its restarts.
The brackets are steered too: most signals scale out (2-3 take-profit levels, some merged), one
bot closes on a one-minute time limit, one moves its stop to break-even after the first level,
one trails by 0.8 % (bench/soak/steering.py). The full run (1000 brackets)
is `python bench/chaos_soak.py --brackets 1000`; durations are printed there, never judged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.emulator import REPO
from harness.freqtrade_bot import database_errors

pytestmark = pytest.mark.e2e

SOAK = REPO / "bench" / "chaos_soak.py"
FIGURES = ("foreign_leg_positions", "foreign_leg_fills", "unprotected_crossings",
           "duplicate_orders", "database_mismatches")


def test_small_damage_soak_does_no_harm(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, str(SOAK), "--brackets", "16", "--bots", "3", "--pairs", "4",
         "--seed", "7", "--fault-every", "0.5", "--restart-every", "10", "--stunt-every", "4",
         # Faster prices and a short tail: the brackets close within about a minute.
         "--volatility", "0.004", "--chaos-tail", "45",
         # Steered: most signals scale out; the time-limit bot closes after a minute.
         "--scale-out-share", "0.75", "--time-limit", "1",
         "--keep", str(tmp_path / "soak"), "--json", str(report_path)],
        # A guard against a hung soak, not a speed goal: 456 s and over 600 s were seen beside two
        # `make test` runs and a 3-bot soak on 2 cores; a machine slower still must pass.
        capture_output=True, text=True, timeout=1800, cwd=REPO, check=False,
    )
    output = f"{run.stdout}\n{run.stderr[-3000:]}\nlogs in {tmp_path / 'soak'}"
    assert report_path.exists(), output
    report = json.loads(report_path.read_text())
    assert {name: report[name] for name in FIGURES} == dict.fromkeys(FIGURES, 0), output
    assert report["brackets_closed"] == report["brackets_opened"] >= 16, output
    assert report["quiet"], output
    # No stop rested for less than its trade's position (levels added up in binary floats were
    # cut a step short by the venue): such a stop would leave a rest bare when it fires.
    assert report["short_stops"] == 0, output
    # The chaos really happened: faults reached the bots, bots were killed, stunts were done,
    # and the audit saw the positions it judged.
    assert sum(report["faults_fired"].values()) >= 3, output
    assert report["restarts"] >= 1, output
    assert sum(report["stunts"].values()) >= 2, output
    assert report["position_lives"] >= report["brackets_opened"], output
    # Steered brackets were in the mix: they went out with levels. Whether the random walk then
    # fills a level or moves a stop within a 16-bracket run depends on the machine's speed (a
    # loaded one saw none); tests/e2e/test_steering.py and test_kill_matrix_steering.py make
    # each of those happen, and the 1,000-bracket soak counts them.
    assert report["scaled_out_brackets"] >= 2, output
    logs = sorted((tmp_path / "soak").glob("bot*/freqtrade.log"))
    assert len(logs) == 3, output
    errors = [f"{log.parent.name}: {line}" for log in logs
              for line in database_errors(log.read_text(errors="replace"))]
    assert errors == [], "\n".join(errors)
