"""``make bench``: every benchmark, one after the other, then all their figures in one table.

Sizes finish in minutes by default; ``--full`` runs the sizes docs/benchmarks.md quotes (1 year
of 5m candles at 5 and at 50 pairs, 20 entries per protection-window bot, 200 stop moves, a
60 s call window). Each benchmark prints its own raw runs as it goes; the figures, each beside
its baseline measured in the same run and its goal, come last, with the machine they were
measured on.

    .venv/bin/python bench/run_all.py [--full]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_report import Figure, table

BENCH = Path(__file__).resolve().parent


def benchmarks(full: bool) -> list[list[str]]:
    """Each benchmark's script and arguments, small or full."""
    runs = [
        ["emulator_latency.py"],
        ["emulator_latency.py", "--mode", "tunnel"],
        ["protection_window.py", "--brackets", "20" if full else "10"],
        ["stop_resend.py", "--rounds", "40" if full else "20"],
        ["stop_move_gap.py", "--moves", "200" if full else "40"],
        ["calls_per_loop.py", "--brackets", "50", "--seconds", "60" if full else "30"],
    ]
    if full:
        runs += [["backtest_overhead.py", "--days", "365", "--pairs", "5", "--rounds", "4",
                  "--epochs", "4"],
                 ["backtest_overhead.py", "--days", "365", "--pairs", "50", "--rounds", "2",
                  "--epochs", "2"]]
    else:
        runs += [["backtest_overhead.py", "--days", "120", "--pairs", "5", "--rounds", "4",
                  "--epochs", "3"],
                 ["backtest_overhead.py", "--days", "30", "--pairs", "50", "--rounds", "2",
                  "--epochs", "2"]]
    # The CI soak's chaos rates: restarts and stunts even in a small run.
    runs.append(["chaos_soak.py", "--brackets", "200" if full else "16", "--fault-every", "0.5",
                 "--restart-every", "10", "--stunt-every", "4", "--volatility", "0.004"])
    return runs


# The soak's own report (bench/chaos_soak.py): its counts whose goal is 0.
SOAK_COUNTS = ("foreign_leg_positions", "foreign_leg_fills", "unprotected_crossings",
               "duplicate_orders", "database_mismatches")


def figures_of(data: dict, run: list[str]) -> tuple[str, list[Figure]]:
    """A benchmark's figures from its --json file (bench_report's shape, or the soak's)."""
    if "figures" in data:
        return data["title"], [Figure(**f) for f in data["figures"]]
    figures = [Figure(name.replace("_", " "), str(data.get(name)), "", "0",
                      data.get(name) == 0) for name in SOAK_COUNTS if name in data]
    figures.insert(0, Figure("brackets opened / restarts", f"{data.get('brackets_opened')} / "
                             f"{data.get('restarts')}"))
    if "venue_held_crossings" in data:  # printed, not judged: the venue sat on the request
        figures.append(Figure("crossings while the venue held the request",
                              str(data["venue_held_crossings"])))
    if "bot_down_crossings" in data:  # printed, not judged: no process, no one to act
        figures.append(Figure("crossings while the bot was dead",
                              str(data["bot_down_crossings"])))
    if "in_flight_crossings" in data:  # printed, not judged: before the stop could arrive
        figures.append(Figure("crossings before the first stop arrived",
                              str(data["in_flight_crossings"])))
    if "venue_said_crossings" in data:  # printed, not judged: the venue said past the stop
        figures.append(Figure("crossings after the venue said would trigger",
                              str(data["venue_said_crossings"])))
    if "resend_in_flight_crossings" in data:  # printed, not judged: the resend on its way
        figures.append(Figure("crossings before a refused stop's resend arrived",
                              str(data["resend_in_flight_crossings"])))
    return " ".join(run), figures


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
            f"load average {load} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the sizes docs/benchmarks.md quotes")
    options = parser.parse_args()
    results: list[tuple[str, list[Figure]]] = []
    failed = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bracket-bench-all-") as folder:
        for number, run in enumerate(benchmarks(options.full)):
            out = Path(folder) / f"{number}.json"
            command = [sys.executable, str(BENCH / run[0]), *run[1:], "--json", str(out)]
            print(f"\n=== {' '.join(run)}", flush=True)
            code = subprocess.run(command, cwd=BENCH.parent, check=False).returncode
            if code != 0:
                failed.append(f"{' '.join(run)} (exit {code})")
            if out.exists():
                results.append(figures_of(json.loads(out.read_text()), run))
    print(f"\n=== all figures ({time.monotonic() - started:.0f} s; {machine()})")
    for title, figures in results:
        print(table(title, figures))
    if failed:
        print("\nfailed: " + "; ".join(failed))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
