"""What every benchmark prints last: each figure beside its baseline and its goal.

A benchmark collects ``Figure`` rows, prints them as a table and, with ``--json PATH``, writes
them for ``bench/run_all.py`` (``make bench``), which prints every benchmark's rows together.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure: what it is, its value, what it is compared with, the goal."""

    name: str
    value: str
    baseline: str = ""
    goal: str = ""
    # None: no goal to meet (context figure).
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.met is None else "met" if self.met else "NOT MET"


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def table(title: str, figures: list[Figure]) -> str:
    """The rows as an aligned text table under ``title``."""
    header = ("figure", "measured", "baseline (same run)", "goal", "")
    rows = [header] + [(f.name, f.value, f.baseline, f.goal, f.verdict) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [title]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                              strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def report(title: str, figures: list[Figure], json_path: Path | None) -> None:
    """Print the table; write the rows to ``json_path`` if given."""
    print()
    print(table(title, figures))
    if json_path is not None:
        json_path.write_text(json.dumps({"title": title,
                                         "figures": [asdict(f) for f in figures]}, indent=2))
