"""Figures stated respectively: in 中集华骏、蓝天集团分别达到69亿元、58亿元 the second figure is the second item's.

A question that names one item of such an enumeration (蓝天集团营业收入多少) is answered by that item's figure,
never by another item's: a candidate standing on another item's figure is not an answer to it. The items are the
words joined by 、/和/及/与 in the clause before 分别; the figures those the clause after it prints, as many as the
items (else nothing is said). 第一、二、三产业 is three items, 第一产业, 第二产业 and 第三产业.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from qa.rules.spans import find_number_spans

_BREAK = re.compile(r"[，。；！？,;!?：:（）()]")
_JOIN = re.compile(r"以及|、|和|及|与")
_ORDINAL_FIRST = re.compile(r"^(.*第)([一二三四五六七八九十])$")
_DIGIT_HEAD = re.compile(r"^([一二三四五六七八九十])(.*)$")
_ASKS_ALL = re.compile(r"分别|各(?:自|是|为|增长|达到)?|都是|哪些|哪几")


@dataclass(frozen=True)
class Respective:
    """One 分别 of a sentence: its items as printed, and the figures (start, end in the sentence) in their order."""

    items: tuple[str, ...]
    figures: tuple[tuple[int, int], ...]


def _expanded(items: list[str]) -> list[str]:
    """第一、二、三产业 → 第一产业, 第二产业, 第三产业: the ordinal's head spread over the digits after it."""
    first = _ORDINAL_FIRST.match(items[0])
    digits = [_DIGIT_HEAD.match(item) for item in items[1:]]
    if first is None or not all(digits) or any(d.group(2) for d in digits[:-1]):
        return items
    head = digits[-1].group(2)
    return [items[0] + head] + [first.group(1) + d.group(1) + head for d in digits]


def respective_figures(sentence: str) -> list[Respective]:
    """Every 分别 of ``sentence`` whose clause before it joins as many items as the clause after it prints figures."""
    found = []
    for m in re.finditer("分别", sentence):
        breaks = [b.end() for b in _BREAK.finditer(sentence, 0, m.start())]
        before = sentence[breaks[-1] if breaks else 0 : m.start()]
        after_end = _BREAK.search(sentence, m.end())
        end = after_end.start() if after_end else len(sentence)
        figures = tuple((m.end() + a, m.end() + b) for a, b, *_ in sorted(find_number_spans(sentence[m.end() : end])))
        items = [item.strip() for item in _JOIN.split(before) if item.strip()]
        if len(items) >= 2 and len(items) == len(figures):
            found.append(Respective(tuple(_expanded(items)), figures))
    return found


def _distinct(item: str, others: list[str], question: str) -> int:
    """The length of the longest run of ``item`` that the question holds and no other item does."""
    return max((j - i for i in range(len(item)) for j in range(i + 1, len(item) + 1)
                if item[i:j] in question and not any(item[i:j] in o for o in others)), default=0)


def named_item(items: tuple[str, ...], question: str) -> int | None:
    """The item the question names: the one sharing with it the longest run of characters no other item has (two or
    more, and longer than any other item's). The last item is read only as long as the longest of the others: a head
    it carries for all of them (PM10、PM2.5平均浓度) names none of them."""
    longest = max(len(item) for item in items[:-1])
    cut = [*items[:-1], items[-1][:longest]]
    runs = [_distinct(item, [o for k, o in enumerate(cut) if k != i], question) for i, item in enumerate(cut)]
    best = max(runs)
    return runs.index(best) if best >= 2 and runs.count(best) == 1 else None


def another_items_figure(question: str, sentence: str, start: int, end: int) -> bool:
    """Whether the span ``start:end`` of ``sentence`` stands on the figure of an item other than the one the question
    names (a question asking them all, 分别是多少, names none)."""
    if "分别" not in sentence or _ASKS_ALL.search(question):
        return False
    for respective in respective_figures(sentence):
        touched = [k for k, (a, b) in enumerate(respective.figures) if a < end and start < b]
        if not touched:
            continue
        named = named_item(respective.items, question)
        if named is not None and touched != [named]:
            return True
    return False
