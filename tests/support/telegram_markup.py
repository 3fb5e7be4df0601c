"""Telegram's text markup, parsed as the Bot API server does, so a test sees what a user sees.

``parse_markdown`` follows tdlib's ``parse_markdown`` (the legacy "Markdown" parse mode that
freqtrade sends) character for character: ``*bold*``, ``_italic_``, ``` `code` ```,
````` ```pre``` `````, ``[text](url)``; a backslash escapes only ``_ * ` [``; an entity runs to
the next closing character with nothing nested, and one that never closes is the error Telegram
answers with: ``Can't find end of the entity starting at byte offset N`` (UTF-8 bytes of the
text as sent). ``parse_html`` and
``parse_markdown_v2`` follow Telegram's documented syntax (close, not character-exact:
freqtrade sends few messages in those modes). Offsets and lengths are UTF-16 code units, as
the Bot API reports.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


class MarkupError(ValueError):
    """The text cannot be parsed; ``str()`` is Telegram's wording after "can't parse entities: "."""


@dataclass(frozen=True)
class Entity:
    type: str  # Bot API names: bold, italic, code, pre, text_link, underline, ...
    offset: int
    length: int
    extra: dict[str, str] = field(default_factory=dict)  # url, language


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """The text a user sees and its entities, for a ``parse_mode`` as sent to sendMessage."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "markdown":
        return parse_markdown(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "html":
        return parse_html(text)
    raise ValueError(f"Unsupported parse_mode {parse_mode!r}")


_LEGACY = {"_": "italic", "*": "bold", "`": "code", "[": "text_link"}


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Telegram's legacy Markdown (tdlib ``parse_markdown``)."""
    data = text.encode()
    size = len(data)

    def at(i: int) -> int:  # tdlib reads past the end into the string's terminating NUL
        return data[i] if i < size else 0

    out = bytearray()
    entities: list[Entity] = []
    offset = 0  # UTF-16 units emitted so far

    def emit(byte: int) -> None:
        nonlocal offset
        out.append(byte)
        if byte & 0xC0 != 0x80:  # first byte of a character; 4-byte ones are surrogate pairs
            offset += 2 if byte >= 0xF0 else 1

    i = 0
    while i < size:
        c = data[i]
        if c == 0x5C and at(i + 1) in b"_*`[":
            emit(data[i + 1])
            i += 2
            continue
        if chr(c) not in _LEGACY:
            emit(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        i += 1
        language, is_pre = "", False
        if c == ord("`") and at(i) == ord("`") and at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while at(language_end) not in b" \t\r\n\x0b\x00`":
                language_end += 1
            if i != language_end and language_end < size and at(language_end) != ord("`"):
                language = data[i:language_end].decode(errors="replace")
                i = language_end
            if at(i) in b"\r\n":  # one newline right after the opening fence is dropped
                i += 2 if at(i + 1) in b"\r\n" and at(i + 1) != at(i) else 1
        start = offset
        while i < size and (data[i] != end_char
                            or (is_pre and not (at(i + 1) == ord("`") and at(i + 2) == ord("`")))):
            emit(data[i])
            i += 1
        if i == size:
            raise MarkupError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != start:
            entity = _legacy_entity(c, start, offset - start, data, begin, i, is_pre, language)
            if entity is not None:
                entities.append(entity)
            if c == ord("[") and at(i + 1) == ord("("):  # the URL is not part of the text
                i += 2
                while i < size and data[i] != ord(")"):
                    i += 1
        if is_pre:
            i += 2
        i += 1
    return out.decode(errors="replace"), entities


def _legacy_entity(c: int, start: int, length: int, data: bytes, begin: int, end: int,
                   is_pre: bool, language: str) -> Entity | None:
    if c == ord("`"):
        if is_pre:
            return Entity("pre", start, length, {"language": language} if language else {})
        return Entity("code", start, length)
    if c == ord("["):
        if end + 1 < len(data) and data[end + 1] == ord("("):
            close = data.find(b")", end + 2)
            url = data[end + 2:close if close >= 0 else len(data)].decode(errors="replace")
        else:
            url = data[begin + 1:end].decode(errors="replace")  # the text is the URL
        # Telegram keeps a link only if the URL checks out; the text stays either way.
        return Entity("text_link", start, length, {"url": url}) if _plausible_url(url) else None
    return Entity(_LEGACY[chr(c)], start, length)


def _plausible_url(url: str) -> bool:
    return bool(re.match(r"^(?:(?:https?|tg|ton)://)?[\w.-]+\.[a-z]{2,}(?:[/?#]\S*)?$", url,
                         re.IGNORECASE)) or url.startswith("tg://")


_V2_RESERVED = "_*[]()~`>#+-=|{}.!"
_V2_PAIRS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
             "||": "spoiler"}


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """MarkdownV2: nested entities, every reserved character escaped outside code."""
    out: list[str] = []
    entities: list[Entity] = []
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, char index in text)
    i = 0

    def length() -> int:
        return utf16_len("".join(out))

    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            close = text.find("```", i + 3)
            if close < 0:
                raise MarkupError(f"Can't find end of Pre entity at byte offset {i}")
            body = text[i + 3:close]
            first, newline, rest = body.partition("\n")
            language = first if newline and first and " " not in first else ""
            body = rest if language else body.removeprefix("\n")
            entities.append(Entity("pre", length(), utf16_len(body),
                                   {"language": language} if language else {}))
            out.append(re.sub(r"\\([`\\])", r"\1", body))
            i = close + 3
            continue
        if ch == "`":
            close = text.find("`", i + 1)
            if close < 0:
                raise MarkupError(f"Can't find end of Code entity at byte offset {i}")
            body = re.sub(r"\\([`\\])", r"\1", text[i + 1:close])
            entities.append(Entity("code", length(), utf16_len(body)))
            out.append(body)
            i = close + 1
            continue
        marker = text[i:i + 2] if text[i:i + 2] in ("__", "||") else ch
        if marker in _V2_PAIRS or ch in "[]":
            if ch == "]" and stack and stack[-1][0] == "[":
                _, start, _ = stack.pop()
                match = re.match(r"\(((?:\\.|[^)\\])*)\)", text[i + 1:])
                url = re.sub(r"\\(.)", r"\1", match.group(1)) if match else ""
                entities.append(Entity("text_link", start, length() - start, {"url": url}))
                i += 1 + (match.end() if match else 0)
                continue
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                if length() > start:
                    entities.append(Entity(_V2_PAIRS[marker], start, length() - start))
            elif ch != "]":
                stack.append((marker, length(), i))
            else:
                raise MarkupError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'")
            i += len(marker)
            continue
        if ch in _V2_RESERVED:
            raise MarkupError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.append(ch)
        i += 1
    if stack:
        marker, _, where = stack[-1]
        kind = "TextUrl" if marker == "[" else _V2_PAIRS[marker].title()
        raise MarkupError(f"Can't find end of {kind} entity at byte offset "
                          f"{len(text[:where].encode())}")
    return "".join(out), sorted(entities, key=lambda e: (e.offset, -e.length))


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
              "del": "strikethrough", "a": "text_link", "code": "code", "pre": "pre",
              "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
              "tg-emoji": "custom_emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Telegram's HTML: the supported tags, properly nested, and the four named entities."""
    out: list[str] = []
    entities: list[Entity] = []
    stack: list[tuple[str, int, str]] = []
    position = 0

    def emit(chunk: str) -> None:
        if "<" in chunk:
            where = len(text[:position + chunk.index("<")].encode())
            raise MarkupError(f"Unclosed start tag at byte offset {where}")
        out.append(html.unescape(chunk))

    for match in _TAG.finditer(text):
        emit(text[position:match.start()])
        position = match.end()
        closing, name, attributes = match.group(1) == "/", match.group(2).lower(), match.group(3)
        where = len(text[:match.start()].encode())
        if name not in _HTML_TAGS:
            raise MarkupError(f'Unsupported start tag "{name}" at byte offset {where}')
        start = utf16_len("".join(out))
        if not closing:
            href = re.search(r'href\s*=\s*"([^"]*)"', attributes)
            stack.append((name, start, html.unescape(href.group(1)) if href else ""))
            continue
        if not stack or stack[-1][0] != name:
            raise MarkupError(f'Unmatched end tag at byte offset {where}, expected '
                              f'"</{stack[-1][0] if stack else ""}>", found "</{name}>"')
        _, opened, url = stack.pop()
        if start > opened:
            entities.append(Entity(_HTML_TAGS[name], opened, start - opened,
                                   {"url": url} if url else {}))
    emit(text[position:])
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(out), sorted(entities, key=lambda e: (e.offset, -e.length))
