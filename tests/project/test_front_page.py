"""README stays a front page: the reference belongs in docs/, the history in CHANGELOG.md."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
MAX_LINES = 250
MAX_LINE_CHARS = 300


def test_readme_is_short_and_has_no_overlong_line() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, "move reference to docs/ and history to CHANGELOG.md"
    overlong = [number for number, line in enumerate(lines, start=1)
                if len(line) > MAX_LINE_CHARS]
    assert overlong == [], "lines over 300 characters: wrap prose, move long tables to docs/"
