"""Turn a report extracted from a newspaper PDF into canonical text: one paragraph a line, typed heading, body or caption.

What is repaired, and why:
- headline characters doubled by bold printing (``推推进进``) are collapsed, but only in runs of four or more
  doubled pairs, so real reduplication (``人人都是``) stays;
- letter-spaced lines (``我 们 就 在``) lose their spaces;
- spaces inside and around numbers (``14 . 4 万户``, ``2023 年``) are removed;
- half-width ``, ; : ! ? ( )`` become full-width, except between digits;
- hard line breaks inside a block are joined; a body block that stops mid-sentence is joined with the block that
  continues it, skipping captions and lead paragraphs that the layout put in between (the continuation is the
  first later block whose first characters form a word with the dangling end (segmented together, or failing
  that a common two-character word across the join), else the very next body block);
- captions, photo credits and bylines stay as paragraphs of their own, kind ``caption``: they are kept (they are
  part of what the newspaper printed) but are never glued onto a body sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from qa.schema import Paragraph

CJK = "\u4e00-\u9fff"
# Characters that end a sentence; a body block ending in anything else is continued by a later block.
TERMINAL = "。！？!?…；;”」』）)"
SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")

_DOUBLED_RUN = re.compile(rf"(?:([{CJK}])\1){{4,}}")
_LETTER_SPACED = re.compile(rf"^(?:[{CJK}] )+[{CJK}]$")
_SPACED_DECIMAL = re.compile(r"(\d)\s*[.．]\s*(\d)")
_NUMERIC = "0-9A-Za-z%％"
_WIDE = rf"{CJK}\u3000-\u303f\uff01-\uffef“”‘’…—·×"
_SPACE_AFTER_WIDE = re.compile(rf"(?<=[{_WIDE}])[ \t]+(?=[{_NUMERIC}])")
_SPACE_BEFORE_WIDE = re.compile(rf"(?<=[{_NUMERIC}])[ \t]+(?=[{_WIDE}])")
_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)[ \t]+(?=[\d%％])")
_SPACE_BETWEEN_WIDE = re.compile(rf"(?<=[{_WIDE}])[ \t]+(?=[{_WIDE}])")
_CAPTION_START = re.compile(r"^(?:▶|►|[①-⑳]|摄影[:：]|图片[:：]|编辑[:：]|□|记者\s|齐鲁晚报记者|通讯员\s|扫码下载|找记者)")
_CAPTION_END = re.compile(r"(?:供图|摄|摄影)$")


@dataclass(frozen=True)
class Canonical:
    """The canonical text of a report and its paragraphs."""

    text: str
    paragraphs: tuple[Paragraph, ...]


def collapse_doubled_characters(line: str) -> str:
    """Collapse runs of four or more doubled CJK characters (``推推进进国国际际``) to single characters."""
    return _DOUBLED_RUN.sub(lambda m: m.group(0)[::2], line)


def join_letter_spacing(line: str) -> str:
    """Remove the spaces of a line printed letter-spaced, one CJK character at a time."""
    stripped = line.strip()
    if len(stripped) >= 7 and _LETTER_SPACED.match(stripped):
        return stripped.replace(" ", "")
    return line


def normalize_punctuation(text: str) -> str:
    """Make half-width punctuation full-width, leaving ``,`` ``:`` and ``.`` between digits alone."""
    text = re.sub(r"(?<!\d),|,(?!\d)", "，", text)
    text = re.sub(r"(?<!\d):|:(?!\d)", "：", text)
    text = text.replace(";", "；").replace("!", "！").replace("?", "？")
    return text.replace("(", "（").replace(")", "）")


def normalize_spacing(text: str, *, keep_word_spaces: bool) -> str:
    """Remove spaces inside numbers and between numbers and Chinese text.

    Spaces between two Chinese characters are removed too unless ``keep_word_spaces`` (headings and captions use
    a space to separate phrases).
    """
    text = _SPACED_DECIMAL.sub(r"\1.\2", text)
    text = _SPACE_BETWEEN_DIGITS.sub("", text)
    text = _SPACE_AFTER_WIDE.sub("", text)
    text = _SPACE_BEFORE_WIDE.sub("", text)
    if not keep_word_spaces:
        text = _SPACE_BETWEEN_WIDE.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def is_caption(text: str) -> bool:
    """True for picture captions, photo credits, bylines and page furniture."""
    first = text.strip().split("\n", 1)[0].strip()
    return bool(_CAPTION_START.match(first) or _CAPTION_END.search(text.strip()))


def is_heading(text: str) -> bool:
    """True for a short block with no sentence punctuation: a headline or section heading.

    An enumeration comma is allowed in a heading only on short lines: a long line of ``、`` is body text that a
    narrow column cut off.
    """
    lines = [line for line in text.split("\n") if line]
    flat = "".join(lines)
    if not 0 < len(flat) <= 48 or SENTENCE_PUNCT.search(flat):
        return False
    return "、" not in flat or all(len(line) <= 24 for line in lines)


@dataclass
class _Block:
    lines: list[str]
    kind: str

    def text(self) -> str:
        if self.kind == "body":
            return "".join(self.lines)
        return " ".join(line for line in self.lines if line)


class WordModel(Protocol):
    """What the joiner needs to know of Chinese words: a segmenter and dictionary frequencies."""

    def cut(self, text: str) -> list[str]: ...

    def frequency(self, word: str) -> int: ...


def _joins_cjk(left: str, right: str) -> bool:
    return bool(re.search(rf"[{CJK}]$", left) and re.match(rf"[{CJK}]", right))


def _segmented_across(left: str, right: str, words: WordModel) -> bool:
    """Whether segmenting the join puts a word across it (``高质`` + ``量跨越`` gives ``高质量``)."""
    tail, head = left[-4:], right[:4]
    position = 0
    for token in words.cut(tail + head):
        if position < len(tail) < position + len(token):
            return True
        position += len(token)
    return False


def _common_word_across(left: str, right: str, words: WordModel, min_frequency: int = 1000) -> bool:
    """Whether a common two-character word straddles the join (``以`` + ``北`` where segmentation prefers 北非)."""
    return words.frequency(left[-1] + right[0]) >= min_frequency


def _dangles(block: _Block) -> bool:
    text = block.text()
    return block.kind == "body" and bool(text) and text[-1] not in TERMINAL


def _join_dangling(blocks: list[_Block], words: WordModel, lookahead: int = 6) -> list[_Block]:
    """Join each body block that stops mid-sentence with the block that continues it."""
    blocks = list(blocks)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if not _dangles(block):
            i += 1
            continue
        left = block.text()
        candidates = [j for j in range(i + 1, min(len(blocks), i + 1 + lookahead)) if blocks[j].kind != "caption"]
        chosen = None
        for test in (_segmented_across, _common_word_across):
            chosen = next((j for j in candidates if _joins_cjk(left, blocks[j].text()) and test(left, blocks[j].text(), words)), None)
            if chosen is not None:
                break
        if chosen is None and candidates and blocks[candidates[0]].kind == "body":
            chosen = candidates[0]
        if chosen is None:
            i += 1
            continue
        follower = blocks.pop(chosen)
        blocks[i] = _Block(block.lines + follower.lines, "body")
        # stay on i: the joined block may still dangle
    return blocks


class JiebaWords:
    """jieba's default dictionary as a ``WordModel``."""

    def __init__(self) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)  # its start-up lines
        self._jieba = jieba.dt
        self._jieba.check_initialized()

    def cut(self, text: str) -> list[str]:
        return self._jieba.lcut(text, HMM=False)

    def frequency(self, word: str) -> int:
        return self._jieba.FREQ.get(word) or 0


# full-width digits, Latin letters and the per cent sign, as old reports and some Word files print them (１９.９８％,
# ＧＤＰ); Chinese punctuation (，：（）) stays full-width as Chinese text has it
_HALF_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                             **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
                             **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}, "％": "%"})
_WIDE_POINT = re.compile(r"(?<=\d)．(?=\d)")


def half_width_figures(text: str) -> str:
    """Figures in ordinary digits: ``１９．９８％`` → ``19.98%``; one character for one, so offsets keep."""
    return _WIDE_POINT.sub(".", text.translate(_HALF_WIDTH))


def normalize_report(raw: str, words: WordModel | None = None) -> Canonical:
    """Clean a report's raw text into canonical text.

    Takes the decoded text and, optionally, the word model (jieba's dictionary by default) used to tell whether
    one block continues another. Returns the canonical text, one paragraph a line, and its typed paragraphs.
    """
    words = words or JiebaWords()
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    raw = raw.replace("\u3000", " ").replace("\xa0", " ").replace("\u200b", "")
    raw = half_width_figures(raw)
    blocks: list[_Block] = []
    for chunk in re.split(r"\n[ \t]*\n", raw):
        lines = [collapse_doubled_characters(join_letter_spacing(line.strip())) for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        joined = "\n".join(lines)
        if is_caption(joined):
            kind = "caption"
        elif is_heading(joined):
            kind = "heading"
        else:
            kind = "body"
        blocks.append(_Block(lines, kind))
    blocks = _join_dangling(blocks, words)

    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    offset = 0
    for block in blocks:
        text = normalize_spacing(normalize_punctuation(block.text()), keep_word_spaces=block.kind != "body")
        if not text:
            continue
        if parts:
            offset += 1  # the newline between paragraphs
        paragraphs.append(Paragraph(offset, offset + len(text), block.kind))
        parts.append(text)
        offset += len(text)
    return Canonical("\n".join(parts), tuple(paragraphs))
