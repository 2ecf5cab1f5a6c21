"""Figures stated respectively: in 中集华骏、蓝天集团分别达到69亿元、58亿元 the second figure is the second item's.

A question that names one item of such an enumeration (蓝天集团营业收入多少) is answered by that item's figure,
never by another item's: a candidate standing on another item's figure is not an answer to it. The items are the
words joined by 、/和/及/与 in the clause of 分别 (or the clause before, or the clauses before, one item each, when
分别 opens its clause); the figures those the clause after it prints, as many as the items (else nothing is said).
第一、二、三产业 is three items, 第一产业, 第二产业 and 第三产业.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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


def _items_before(clauses: list[str], n: int) -> list[str]:
    """The items 分别 pairs with ``n`` figures: those joined in its own clause (中集华骏、蓝天集团分别…); when 分别
    opens its clause, those joined in the clause before (95个省重点、1469个市重点项目，分别…), or else the ``n``
    clauses before, one item each (城镇居民…元，农民人均纯收入8310元，分别增长9.7%和11.1%)."""
    own = [item.strip() for item in _JOIN.split(clauses[-1]) if item.strip()]
    if own or len(clauses) < 2:
        return own
    joined = [item.strip() for item in _JOIN.split(clauses[-2]) if item.strip()]
    if len(joined) == n or len(clauses) <= n:
        return joined
    return [clause.strip() for clause in clauses[-1 - n : -1]]


@lru_cache(maxsize=1024)
def respective_figures(sentence: str) -> tuple[Respective, ...]:
    """Every 分别 of ``sentence`` with as many items before it as the clause after it prints figures (read once per
    sentence: a question's candidates often stand in the same one)."""
    found = []
    for m in re.finditer("分别", sentence):
        after_end = _BREAK.search(sentence, m.end())
        end = after_end.start() if after_end else len(sentence)
        figures = tuple((m.end() + a, m.end() + b) for a, b, *_ in sorted(find_number_spans(sentence[m.end() : end])))
        items = _items_before(_BREAK.split(sentence[: m.start()]), len(figures))
        if len(items) >= 2 and len(items) == len(figures):
            found.append(Respective(tuple(_expanded(items)), figures))
    return tuple(found)


def _distinct(item: str, others: list[str], question: str) -> int:
    """The length of the longest run of ``item`` that the question holds and no other item does."""
    return max((j - i for i in range(len(item)) for j in range(i + 1, len(item) + 1)
                if item[i:j] in question and not any(item[i:j] in o for o in others)), default=0)


def named_item(items: tuple[str, ...], question: str) -> int | None:
    """The item the question names: the one sharing with it the longest run of characters no other item has (two or
    more, and longer than any other item's). The last item is read only one character longer than the shortest of
    the others: a head it carries for all of them (交通、水利、能源、市政领域投资; PM10、PM2.5平均浓度) names none of
    them."""
    shortest = min(len(item) for item in items[:-1])
    read = [*items[:-1], items[-1][: shortest + 1]]
    runs = [_distinct(read[i], [o for k, o in enumerate(items) if k != i], question) for i in range(len(items))]
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
