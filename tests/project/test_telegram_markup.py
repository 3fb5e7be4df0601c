"""The stand-in's Telegram markup parsers on the cases that bite: what a user would see, and the
errors Telegram answers with."""

from __future__ import annotations

import pytest

from tests.support.telegram_markup import Entity, MarkupError, parse


def markdown(text: str) -> tuple[str, list[Entity]]:
    return parse(text, "Markdown")


def test_freqtrade_style_fields_lose_their_markers() -> None:
    text, entities = markdown("✅ *Binance:* New Trade filled (#3)\n*Pair:* `XRP/USDT:USDT`")
    assert text == "✅ Binance: New Trade filled (#3)\nPair: XRP/USDT:USDT"
    assert entities == [Entity("bold", 2, 8), Entity("bold", 33, 5), Entity("code", 39, 13)]


def test_an_underscore_inside_backticks_is_text() -> None:
    assert markdown("*Order:* `ftb-3-t1s0-sl1` id `8000_4`") == (
        "Order: ftb-3-t1s0-sl1 id 8000_4",
        [Entity("bold", 0, 6), Entity("code", 7, 14), Entity("code", 25, 6)])


def test_a_lone_underscore_in_a_pair_name_is_rejected_with_its_byte_offset() -> None:
    with pytest.raises(MarkupError) as refused:
        markdown("Pair: 1000SHIB_USDT stopped")
    assert str(refused.value) == "Can't find end of the entity starting at byte offset 14"


def test_two_underscores_make_italics_and_vanish_from_the_text() -> None:
    # The plugin's old key=value lines (why its messages are now written for Telegram): the
    # words between underscores turn italic, the underscores are gone, and "[bracket]" reads as
    # a link text without its brackets.
    text, entities = markdown("[bracket] INFO bracket_placed trade=3 stop_id=8000000004")
    assert text == "bracket INFO bracketplaced trade=3 stopid=8000000004"
    assert entities == [Entity("italic", 20, 19)]


def test_an_unclosed_star_is_rejected_at_its_own_offset() -> None:
    with pytest.raises(MarkupError, match=r"byte offset 12$"):
        markdown("*Amount:* 3 *oops")


def test_offsets_count_utf16_units_and_errors_count_utf8_bytes() -> None:
    assert markdown("🚀 *x*") == ("🚀 x", [Entity("bold", 3, 1)])
    with pytest.raises(MarkupError, match=r"byte offset 5$"):
        markdown("🚀 *x")


def test_backslash_escapes_only_the_four_markers() -> None:
    assert markdown(r"snake\_case 2\*2 \`tick\` \[x] a\b") == (r"snake_case 2*2 `tick` [x] a\b",
                                                              [])


def test_backticks_do_not_nest_and_other_markers_inside_code_are_text() -> None:
    assert markdown("`*not bold* _nor italic_`") == (
        "*not bold* _nor italic_", [Entity("code", 0, 23)])
    with pytest.raises(MarkupError, match=r"byte offset 8$"):
        markdown("`a` and `b")


def test_pre_blocks_take_a_language_and_drop_the_first_newline() -> None:
    assert markdown("```python\nprint(1)\n```") == (
        "print(1)\n", [Entity("pre", 0, 9, {"language": "python"})])
    assert markdown("```\nplain```") == ("plain", [Entity("pre", 0, 5)])


def test_links_keep_their_text_and_hide_the_url() -> None:
    assert markdown("see [the docs](https://www.freqtrade.io/en/stable/) now") == (
        "see the docs now",
        [Entity("text_link", 4, 8, {"url": "https://www.freqtrade.io/en/stable/"})])


def test_html_and_markdown_v2_as_freqtrade_uses_them() -> None:
    assert parse("<b>Status:</b> <code>a &amp; b</code>", "HTML") == (
        "Status: a & b", [Entity("bold", 0, 7), Entity("code", 8, 5)])
    with pytest.raises(MarkupError, match='Unsupported start tag "table"'):
        parse("<table>", "HTML")
    assert parse(r"*bold* and 1\.5", "MarkdownV2") == ("bold and 1.5", [Entity("bold", 0, 4)])
    with pytest.raises(MarkupError, match=r"Character '\.' is reserved"):
        parse("1.5", "MarkdownV2")


def test_no_parse_mode_is_plain_text() -> None:
    assert parse("*as is*", None) == ("*as is*", [])
