"""Every relative link in README.md, CHANGELOG.md and docs/*.md leads somewhere.

A link ``[text](path)`` needs its file (relative to the linking file); ``path#anchor`` and
``#anchor`` also need a heading in the target whose GitHub slug is the anchor. External links
(http, https, mailto) are not fetched: the tests run offline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = ("http://", "https://", "mailto:")

FENCE = re.compile(r"^ {0,3}(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
# [text](target) or ![alt](target), with an optional "title"; the text may hold `code`.
LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")


def documents() -> list[Path]:
    """The pages whose links are checked: the front page, the changelog, every docs page."""
    pages = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
    return [page for page in pages if page.exists()]


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) outside fenced code blocks: a ``#`` in a code block is no heading
    and a ``[x](y)`` there is no link."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opening = FENCE.match(line)
        if opening:
            if fence is None:
                fence = opening.group(1)
            elif opening.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield number, line


def _word_character(char: str) -> bool:
    # GitHub keeps Ruby's \p{Word}: letters (also "other alphabetic" ones such as Ⓢ), marks,
    # digits and connector punctuation ('_'); '-' and spaces stay too.
    category = unicodedata.category(char)
    return (category[0] in "LM" or category in ("Nd", "Nl", "Pc")
            or unicodedata.name(char, "").startswith("CIRCLED LATIN"))


def heading_text(markdown: str) -> str:
    """A heading's text as GitHub renders it: code spans, links and emphasis reduced to text."""
    text = INLINE_CODE.sub(lambda m: m.group(2).strip(), markdown)
    text = LINK.sub(lambda m: m.group(1), text)
    return re.sub(r"<[^>]+>", "", text)


def slug(text: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped except '-' and '_', each
    space a '-'."""
    kept = "".join(c for c in heading_text(text).strip().lower()
                   if c in "-_ " or _word_character(c))
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a page; a repeated heading gets -1, -2 ... as on GitHub."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        heading = HEADING.match(line)
        if not heading:
            continue
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    """What is wrong with each relative link of ``page``, as ``line N: target: why``."""
    problems = []
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(2)
            if not target or target.startswith(EXTERNAL):
                continue
            path_part, _, anchor = target.partition("#")
            destination = (page.parent / path_part).resolve() if path_part else page
            if not destination.exists():
                problems.append(f"line {number}: {target}: no file {path_part}")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                problems.append(f"line {number}: {target}: no heading #{anchor} in "
                                f"{destination.name}")
    return problems


@pytest.mark.parametrize("page", documents(), ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_pages_exist_and_link_to_each_other() -> None:
    pages = {str(page.relative_to(REPO)) for page in documents()}
    assert {"README.md", "CHANGELOG.md"} <= pages
    assert len(pages) > 2, "no docs/*.md page found"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    unlinked = [p for p in sorted(pages) if p.startswith("docs/") and f"]({p}" not in readme]
    assert unlinked == [], "README links every docs page"


def test_slugs_follow_githubs_rules() -> None:
    assert slug("Settings: the `bracket` section of config.json") == (
        "settings-the-bracket-section-of-configjson")
    assert slug("No harm under faults") == "no-harm-under-faults"
    assert slug("`bench/chaos_soak.py`: the damage soak") == "benchchaos_soakpy-the-damage-soak"
    assert slug("The Binance emulator — USDⓈ-M") == "the-binance-emulator--usdⓢ-m"
    assert slug("A [linked](other.md) *heading*") == "a-linked-heading"


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "target.md").write_text(
        "# Target\n\n## Twice\n\n## Twice\n\n```bash\n# not a heading\n```\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](docs/target.md) [ok](docs/target.md#twice-1) [ok](#page) [web](https://x.y/#z)\n"
        "# Page\n"
        "[gone](docs/missing.md) [no anchor](docs/target.md#not-a-heading)\n"
        "[third twice](docs/target.md#twice-2) [self](#nowhere) `[code](nowhere.md)`\n"
        "```\n[in a block](nowhere.md)\n```\n")
    problems = [problem.split(":")[1].strip() for problem in broken_links(page)]
    assert problems == ["docs/missing.md", "docs/target.md#not-a-heading",
                        "docs/target.md#twice-2", "#nowhere"]
