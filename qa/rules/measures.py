"""Whether a figure measures what the question asks, beyond its unit: the checks that turn a well-placed figure into
"the reports do not say".

A figure can stand with every key term and still answer another question: the contrary measure (收入 for 支出), another
sector or measure (信息通信业's 税收 for 金融业's 营业收入), the sum of several kinds when one is asked (各级小巨人企业、
“专精特新”企业、瞪羚企业达364家 for 专精特新企业), or the whole when a part of it is asked (其中亿元以上项目174个 for
亿元以上项目里有几个是世界500强的). Everything here is a pure function of literal text.
"""
from __future__ import annotations

import re
from typing import Callable

from qa.rules.lexicon import CN_DIGITS
from qa.rules.spans import CN_NUMERAL, char_pairs, shared_edge

_BUILD_VERB = re.compile(r"(?:建|建设|新增|新开|改造|提升)$")


def _count_of(figure: str) -> int | None:
    """The whole number a figure opens with, in digits or in words (三大 → 3, 12个 → 12); None for others."""
    m = re.match(r"(\d+)(?![.\d])|([一二两三四五六七八九十])(?![十百千万])", figure)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else CN_DIGITS.get(m.group(2))


_LINK_BEFORE_FIGURE = re.compile(r"(?:达到|达|为|共有|共计|共|累计|合计|总计|分别)$")
_ITEM_NOUN = ("n", "j", "eng", "vn", "l")


def _lead_trimmed(item: str, pos: Callable[[str], list[tuple[str, str]]]) -> str:
    """The item without the verbs and adverbs that open it (确保齐鲁医院综合楼 → 齐鲁医院综合楼)."""
    words = pos(item)
    while len(words) > 1 and words[0][1].startswith(("v", "p", "d", "c", "u")):
        item = item[len(words[0][0]) :]
        words = words[1:]
    return item


def _mentioned(core: str, question: str) -> bool:
    """The question names this item: all of it, or half its character pairs (小巨人 of 各级小巨人)."""
    if len(core) < 2:
        return False
    pairs = char_pairs(core)
    return core in question or sum(p in question for p in pairs) >= max(1, len(pairs) / 2)


def combined_part(
    question: str, before: str, after: str, pos: Callable[[str], list[tuple[str, str]]] | None, figure: str = ""
) -> bool:
    """The figure after ``before`` counts several kinds together and the question names some of them, not all.

    Reports add up what they enumerate (各级小巨人企业、“专精特新”企业、瞪羚企业达364家; 银行、保险和证券期货区域总部达
    70家) or count a group by its examples (齐鲁医院综合楼等22个项目): a question naming one of them (专精特新企业有多少家)
    asks for a part the reports do not break out. A question naming every item, or none, or the kind printed after
    the figure (``after``: 项目 of 等22个项目), asks for the whole.
    """
    if pos is None or "分别" in before:
        return False
    tail = _LINK_BEFORE_FIGURE.sub("", re.split(r"[，；。：]", before)[-1])
    if re.search(r"\d", tail):
        return False  # 规模100亿元的…基金、资本金45.7亿元: figures one by one, not a sum
    grouped = tail.endswith("等")
    tail = tail.rstrip("等")
    items = tail.split("、")
    if len(items) > 1:
        items = items[:-1] + re.split(r"[和及与]", items[-1], maxsplit=1)
    if len(items) < 2 and not grouped:
        return False
    if not grouped and _count_of(figure) == len(items):
        return False  # 济南古城、中央商务区和长岭高科三大片区: the figure counts the items themselves, it adds nothing up
    items[0] = _lead_trimmed(items[0], pos)
    if any(len(i) < 2 or _BUILD_VERB.search(i) or not (pos(i) or [("", "")])[-1][1].startswith(_ITEM_NOUN) for i in items):
        return False  # 新建、改扩建…: an enumeration of verbs, not of kinds (jieba tags 新建 a place, 改扩建 a noun)
    if grouped and after and _mentioned(after, question):
        return False  # 以明湖国际科技创新中心领衔的重点项目: the group is asked for by the kind it counts
    bare = [i.replace("“", "").replace("”", "") for i in items]
    common = shared_edge(bare[0], bare[-1], suffix=True) if len(bare) > 1 else 0
    common = min([common] + [shared_edge(bare[0], b, suffix=True) for b in bare[1:]])
    named = [_mentioned(b[: len(b) - common] if len(b) - common >= 2 else b, question) for b in bare]
    if grouped and "等" in question:
        return False
    return any(named) and (grouped or not all(named))


_GROUP_COUNT = re.compile(rf"等(?=({CN_NUMERAL}|\d+(?:\.\d+)?)[余多]?(?:个|家|所|处|项|座|批|条))")


def group_in_window(question: str, text: str, start: int, end: int, pos) -> bool:
    """A clause before the figure's counts a group by its examples (确保齐鲁医院综合楼等22个项目开工建设，全年完成投资
    278亿元) and the question names an example, not the group: what follows speaks of the group."""
    for m in _GROUP_COUNT.finditer(text, start, end):
        after = counted_after(text, m.end() + len(m.group(1)) + 1)
        if combined_part(question, text[start : m.end()], after, pos):
            return True
    return False


# Measures that reports print side by side and a reader must not take for each other: a figure standing with the one
# is not the other's (一般公共预算收入161.3亿元 does not answer 支出是多少; 进出口41.89亿元 is no export figure).
CONTRARY = {
    "支出": ("收入",), "收入": ("支出",), "出口": ("进出口", "进口"), "进口": ("进出口", "出口"),
    "城镇": ("农村",), "农村": ("城镇",), "存款": ("贷款",), "贷款": ("存款",),
    "上半年": ("下半年",), "下半年": ("上半年",), "流入": ("流出",), "流出": ("流入",),
}


_SHARE_BASE = re.compile(r"占(?:到)?(全区|全市|全省|全国)")


def contrary_measure(question: str, window: str) -> bool:
    """The window speaks of the contrary of a measure the question names, and not of that measure itself; or of a
    share of another whole (占全区 asked, 占全市46% printed)."""
    asked_base, printed_base = _SHARE_BASE.search(question), _SHARE_BASE.search(window)
    if asked_base and printed_base and asked_base.group(1) != printed_base.group(1):
        return True
    for asked, contraries in CONTRARY.items():
        if asked not in question:
            continue
        # a contrary the question asks for too is no mismatch (收入和支出各是多少); 进出口 is the sum of what
        # 进口额和出口额各是多少 asks apart, so it still is one there
        held = [c for c in contraries if c not in question]
        rest = window
        for c in held:
            rest = rest.replace(c, "")
        if asked not in rest and len(rest) < len(window):
            return True
    return False


# The sectors and the measures reports give figures for one by one: a figure of one is not another's (信息通信业…实现
# 税收4.46亿元 is no 金融业 figure, and no 营业收入). Each entry: what it is called, the spellings that name it.
_SECTORS = {
    "金融": "金融", "信息通信": "信息通信|电信|通信业", "建筑": "建筑", "服务业": "服务业|第三产业|三产",
    "工业": "工业|制造业", "物流": "物流", "房地产": "房地产", "旅游": "旅游|文旅", "农业": "农业",
}
_MEASURES = {
    "税收": "税", "营业收入": "营业收入|营收", "增加值": "增加值", "地区生产总值": "地区生产总值|GDP|经济总量",
    "一般公共预算收入": "一般公共预算收入|财政收入", "产值": "产值", "利润": "利润", "交易额": "交易额|成交额|销售额",
    # a count and the money it brings (项目174个，认缴资金748亿元，增长38%: the rate is the money's)
    "数量": "数量|个数|家数|户数", "资金": "资金|认缴",
}


def other_of_kind(question: str, window: str, clause: str | None = None) -> bool:
    """The question names a sector or a measure, and the text names another of the same kind and not the asked one.

    A report names the sector once ahead of its figures, so the sector is looked for in the ``window`` (the figure's
    clause and the two before); a measure stands right with its figure, so it is looked for in the ``clause`` alone
    (the clause before a figure measures something else: 服务业增加值…，总部企业达62家，占全市的27.3%).
    """
    for vocabulary, text in ((_SECTORS, window), (_MEASURES, window if clause is None else clause)):
        asked = {name for name, spelled in vocabulary.items() if re.search(spelled, question, re.I)}
        printed = {name for name, spelled in vocabulary.items() if re.search(spelled, text, re.I)}
        if asked and printed and not asked & printed:
            return True
    return False


def counts_whole(container: str, text: str, clause_start: int, start: int, end: int) -> bool:
    """The figure at ``start:end`` counts the ``container`` itself: printed right after it (其中亿元以上项目174个) or
    right before it (80个重点项目)."""
    before = _LINK_BEFORE_FIGURE.sub("", text[clause_start:start])
    return before.endswith(container) or counted_after(text, end).startswith(container)


def counted_after(text: str, end: int) -> str:
    """The kind a figure counts, printed right after it up to the next verb-like break (22个|项目|开工建设 → 项目)."""
    return re.split(r"[，；。：、“”（）]|开工|建设|实施|落户|落地|完成|投用|建成|达", text[end : end + 10], maxsplit=1)[0]
