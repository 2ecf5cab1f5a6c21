"""Finding the spans that could answer a question: the typed spans of a sentence (``qa.rules.spans``) of the kind
the question asks for, names extended over the category it names, what stands where its question word stands, the
item in the place asked, and enumerations without the item a 除了X还… question leaves out. Scoring them is
``qa.rules.scoring``; joining both, ``qa.rules.extract``."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from qa.rules.lexicon import ORDINAL, ORG_SUFFIX
from qa.rules.asking import counted_character
from qa.rules.question import WH_WORD, Question
from qa.rules.spans import (
    CN_NUMERAL,
    NOUN_FLAGS,
    ORDINAL_SPAN,
    find_date_spans,
    find_figure_lists,
    find_list_spans,
    find_name_spans,
    find_number_spans,
    find_pair_spans,
    is_quoted,
    is_verb_phrase,
    item_spans,
    shared_edge,
)


_PAIR_JOIN = re.compile(r"和|及|与|以及")
# a list question asking how much (分别是多少, 各增长多少), not which (哪几个)
_QUANTITIES_ASKED = re.compile(r"多少|(?<!哪)几(?![个项条种类家所处位大]?(?:是什么|是哪|叫什么))")


YEAR_ASKED = re.compile(r"哪一?年|年份")


_JOIN_AFTER = re.compile(r"以及|、|和|及|与")


def _phrase_head(text: str) -> str:
    """What follows the question word's last 的 before any punctuation: 哪项针对困难群众的|救助制度 (empty without 的)."""
    m = WH_WORD.search(text)
    phrase = re.split(r"[，,。？?！!；;]", text[m.end() :], maxsplit=1)[0] if m else ""
    return phrase.rsplit("的", 1)[-1] if "的" in phrase else ""


def asked_nouns(question: Question, pos: Callable[[str], list[tuple[str, str]]] | None = None) -> tuple[str, ...]:
    """The noun right after the question word, which ends a name like it (什么监管机构 → …监督管理机构, 哪家医院改造好了
    → 历下医院): up to 叫/是/的 …, and, with a tagger, the run of nouns there."""
    right = question.right_context
    nouns = [re.split(r"[叫是有的为在呢吗吧]", right, maxsplit=1)[0]]
    if pos is not None and right:
        # the run of nouns right after the question word, and the head of the noun phrase it opens, which stands
        # after its last 的 (哪项针对困难群众的|救助制度 → …大病救助制度)
        for phrase in dict.fromkeys((right, _phrase_head(question.text))):
            run = ""
            for word, flag in pos(phrase):
                # a verbal noun (服务 of 服务制) is a noun here, and a single character after the nouns is their head
                # however it is tagged (年 of 主题年来统领…)
                if not (flag.startswith(("n", "j", "eng", "vn")) or (run and len(word) == 1 and flag.startswith(("m", "k", "q")))):
                    break
                run += word
                if len(word) == 1 and not flag.startswith("n"):
                    break
            nouns.append(run)
    return tuple(n for n in dict.fromkeys(nouns) if len(n) >= 2)


@dataclass(frozen=True)
class AskedKind:
    """The kind of thing a question asks for, read once per question in the ways the scoring uses it."""

    nouns: tuple[str, ...] = ()  # the noun after the question word (see ``asked_nouns``)
    bodies: tuple[str, ...] = ()  # those that are a kind of named place or body (医院, 片区; 国家级试验区 → 试验区)


def asked_kind(question: Question, pos: Callable[[str], list[tuple[str, str]]] | None = None) -> AskedKind:
    """What the question's words around its question word say about the kind of answer (names and lists only)."""
    if question.answer_type not in ("list", "name", "organisation", "place", "other"):
        return AskedKind()
    nouns = asked_nouns(question, pos)
    bodies = tuple(c for n in nouns if ORG_SUFFIX.search(c := n if len(n) <= 4 else n[-3:]))
    return AskedKind(nouns, bodies)


def _extend_by_category(
    question: Question, text: str, spans: list[tuple[int, int]], pos, nouns: Sequence[str] = ()
) -> list[tuple[int, int]]:
    """Names extended over the category the question names after its question word, when the text prints it next.

    ``依托哪个细胞医学产业园`` and the text ``丽山国际细胞医学产业园等`` give ``丽山国际细胞医学产业园`` from the name
    ``丽山国际``; the added part must end in a noun, so a verb the question shares with the text is not swallowed.
    """
    right = question.right_context
    if len(right) < 2:
        return spans
    extended = set(spans)
    # the head of the phrase the question word opens (哪方面的|工作) is the category too: 民生|工作一直是…
    heads = [n for n in nouns if len(n) <= 4]
    for a, b in spans:
        extended.update((a, b + len(n)) for n in heads if text.startswith(n, b))
        k = shared_edge(right, text[b : b + len(right)], suffix=False)
        while k >= 2:
            words = pos(right[:k]) if pos is not None else [(right[:k], "n")]
            if words and words[-1][1].startswith(NOUN_FLAGS):
                extended.add((a, b + k))
                break
            k -= len(words[-1][0]) if words else k
    return sorted(extended)


def _slot_fills(question: Question, text: str) -> list[tuple[int, int]]:
    """What stands in the text exactly where the question word stands in the question: 打造[什么]标杆 read off
    打造长期护理标杆 gives 长期护理标杆 with the category the question names, however the tagger cuts it (长期 is
    tagged an adverb)."""
    left, right = question.left_context[-2:], question.right_context[:2]
    if len(left) < 2 or len(right) < 2:
        return []
    return [(m.start(1), m.end()) for m in re.finditer(rf"{re.escape(left)}([\u4e00-\u9fff“”]{{2,12}}?){re.escape(right)}", text)]


def _closed_by_category(span_text: str, question: str, k: int | None = None) -> bool:
    """The enumeration's last item ends with the category the question names (…强区称号 for 哪些荣誉称号; 民生大街和纬四路
    道路 for 哪两条道路), which the other items do not: it is the category of them all, not part of the last item.
    ``k`` is the category's length, by default 2, 3 or 4."""
    items = re.split(r"[、—]|和|及|与", span_text)
    for n in (k,) if k else (2, 3, 4):
        tail = span_text[-n:]
        named = tail in question
        if len(span_text) - n > 4 and named and not any(item.endswith(tail) for item in items[:-1]):
            return True
    return False


def _items_joined(span_text: str) -> list[str]:
    """The items of an enumeration joined by 、 和 及 与 以及."""
    return [item for item in re.split(_JOIN_AFTER.pattern, span_text) if item]


def names_excluded(excluded: str, span_text: str) -> bool:
    """One of the span's items is what a 除了X还… question leaves out, or a part of it, or shares four characters in
    a row with it (…现代金融产业母 and 现代金融产业母基金)."""
    k = min(4, len(excluded))
    return any(
        len(item) >= 2 and (item in excluded or any(excluded[i : i + k] in item for i in range(len(excluded) - k + 1)))
        for item in _items_joined(span_text)
    )


def _leave_out(excluded: str, text: str, lists: list[tuple[int, int]], names: list[tuple[int, int]]):
    """Enumerations without the item a 除了X还… question leaves out, when it is their first or last item
    (老商埠、万达广场、绿地普利中心 → 万达广场、绿地普利中心; 大局观念和亲商理念 → 亲商理念); what is left of an
    enumeration of two is a name."""
    lists, names = list(lists), list(names)
    for a, b in [*lists, *names]:
        joins = list(_JOIN_AFTER.finditer(text, a, b))
        if not joins:
            continue
        first, last = text[a : joins[0].start()], text[joins[-1].end() : b]
        rests = []
        if names_excluded(excluded, first):
            rests.append((joins[0].end(), b))
        if names_excluded(excluded, last):
            rests.append((a, joins[-1].start()))
        for x, y in rests:
            (lists if _JOIN_AFTER.search(text, x, y) else names).append((x, y))
    return lists, names


def candidate_spans(question: Question, text: str, pos, nouns: Sequence[str] = ()) -> list[tuple[int, int, str, str | None]]:
    """The spans of ``text`` of the kinds that could answer ``question``: (start, end, kind, unit). ``nouns`` are the
    kind asked (see ``asked_nouns``)."""
    wanted = question.answer_type
    if wanted in ("number", "amount", "percentage"):
        found = find_number_spans(text, with_growth_verb=question.growth)
        word = counted_character(question.text)
        if word:
            # 几乱 is answered by 八乱, 几分 by 十二分: a number in words with the character the question counts in
            found += [(m.start(), m.end(), "number", word) for m in re.finditer(rf"{CN_NUMERAL}{word}", text)]
        if question.unit == ORDINAL:
            found += [(m.start(), m.end(), "number", ORDINAL) for m in ORDINAL_SPAN.finditer(text)]
        return found
    if wanted == "date":
        found = [(a, b, "date", None) for a, b in find_date_spans(text)]
        if YEAR_ASKED.search(question.text):
            found += [(m.start(), m.end(), "date", None) for m in re.finditer(r"20\d\d年", text)]
        return found
    if wanted in ("list", "name", "organisation", "place", "other"):
        lists = find_list_spans(text, pos)
        if wanted == "list" and _QUANTITIES_ASKED.search(question.text):
            lists += find_figure_lists(text)  # 各是多少: the figures, one after another
        names = _extend_by_category(question, text, find_name_spans(text, pos), pos, nouns)
        # a name does not start with the verb that governs it (扎实推进明湖国际科技创新中心)
        # (a quoted name is the report's own coinage, verb and all: “聚焦提升年”, “免审即享”)
        names = [(a, b) for a, b in names if is_quoted(text, a, b) or not is_verb_phrase(text[a:b])]
        names += _slot_fills(question, text)
        # a conjunction joins two names, it opens none: 大局观念|和亲|商理念 is the tagger's mistake for …和|亲商理念
        names = [(a, b) for a, b in names if not (a and text[a] in "和与及" and "\u4e00" <= text[a - 1] <= "\u9fff")]
        if wanted == "list" and question.items == 2:
            # two names joined by 和/及/与 are an enumeration of two (哪两项战略 → 自贸试验区和科创金融改革实验区)
            lists += [
                (a1, b2) for a1, b1 in names for a2, b2 in names
                if a2 - b1 in (1, 2) and _PAIR_JOIN.fullmatch(text[b1:a2]) and b2 - a1 <= 30
            ]
            if pos is not None:
                lists += find_pair_spans(text, pos)  # or two actions named as things (增量崛起与存量变革)
        # the category the question names may close the last item (…山东省现代流通强区称号 for 哪些荣誉称号),
        # unless every item ends with it (齐鲁银行、青岛银行、北京银行 for 哪些银行)
        lists += [(a, b - k) for a, b in lists for k in (2, 3, 4) if b - k - a > 4 and _closed_by_category(text[a:b], question.text, k)]
        if question.nth:
            # 第四项行动是什么, 打头的是哪个: the item in that place of an enumeration
            names += [
                items[question.nth - 1]
                for a, b in lists
                if len(items := item_spans(text, a, b)) >= question.nth and not text[a].isdigit()
            ]
        elif wanted in ("name", "organisation", "place"):
            # each item of an enumeration is a name whose ends the 、 marks, where the tagger may cut it (超|意兴…公司)
            names += [
                (x, y) for a, b in lists if not text[a].isdigit()
                for x, y in item_spans(text, a, b) if y - x >= 2 and not re.search(r"\d|和|及|与", text[x:y])
            ]
        if question.excluded:
            lists, names = _leave_out(question.excluded, text, lists, names)
        return [(a, b, "list", None) for a, b in lists] + [(a, b, "name", None) for a, b in sorted(set(names))]
    return []
