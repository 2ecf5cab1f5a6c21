"""Typed spans in a sentence: figures with their units, dates, ranks, enumerations and names.

Pure functions of the text (and, for names and enumerations, a part-of-speech segmenter); what the question asks is
the extractor's business, not theirs. Offsets are within the text given.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from qa.rules.lexicon import TITLES, UNITS
from qa.rules.types import Span

_PRE = r"(?:近|约|超过|超|逾|不少于|至少|不低于|突破)?"
# what a unit is counted per: 微克/立方米, 元/月, 万吨/日, 分/千瓦时
_PER = r"(?:立方米|平方米|千瓦时|小时|月|日|天|年|人|秒|吨|t)"
_NUMBER = re.compile(
    rf"(?P<pre>{_PRE})(?P<num>\d{{1,3}}(?:[，,]\d{{3}})+(?:\.\d+)?(?!\d)|(?:\d+×)?\d+(?:\.\d+)?)"  # 33，212 as 33212
    rf"(?P<post>余|多)?(?P<mult>万亿|万|亿|千)?(?P<post2>余|多)?"
    rf"(?P<unit>{UNITS})?(?P<per>/{_PER})?(?P<tail>以上|左右)?"
)
CN_NUMERAL = r"(?:[二三四五六七八九十两百千][一二三四五六七八九十两百千]*|一[十百千][一二三四五六七八九十]*)"
CN_NUMBER = re.compile(rf"(?P<pre>{_PRE})(?P<num>[二三四五六七八九十两百千][零〇一二三四五六七八九十两百千万亿]*|一[十百千万亿][零〇一二三四五六七八九十两百千万亿]*)(?:多|余)?(?P<unit>连冠|大|级|个|家|所|处|项|类|种|条|批|届|次|名|座|链)")
# a figure in words: 五千四百零一亿斤, 二百四十八亿五千万元, 百分之十三点四, 千分之十 (a count of a classifier is CN_NUMBER's)
_CN_DIGITS = "零〇一二三四五六七八九十两百千万亿"
CN_FIGURE = re.compile(
    rf"(?P<pre>{_PRE})(?:(?P<per>[百千]分之[{_CN_DIGITS}]+(?:点[{_CN_DIGITS}]+)?)"
    rf"|(?P<num>[一二三四五六七八九十两百千][{_CN_DIGITS}]*(?:点[{_CN_DIGITS}]+)?[万亿]?)(?P<unit>亿元|万元|元|亿斤|万斤|斤|万吨|吨|公斤|万人|人|万户|户|万亩|亩|公里|千米|平方公里|万平方米|平方米|辆|台|倍))"
    r"(?P<tail>以上|左右|以内)?"
)
# Ranks and ordinals with the scope they are counted in: 全市第一, 第十二届, 首位
ORDINAL_SPAN = re.compile(
    r"(?:全国|全省|全市|全区|省会城市|主城区)?(?:第[一二三四五六七八九十百两0-9]+(?:名|位|届|次|批|期|个|家|位次)?|首位|首家|首个|首批|前列|榜首|领先)"
    r"|[一二三四五]期"  # 产业园二期: a phase
)
_CN_YEAR = r"[一二三四五六七八九][〇○零一二三四五六七八九]{3}年"  # 一九七六年, as older reports print years
_CN_DAY = r"[一二三四五六七八九十]{1,3}"
_DATE = re.compile(
    r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}[日号])?(?:上午|下午|晚上)?|\d{4}年(?=\d{1,2}月)"
    rf"|(?:{_CN_YEAR})?(?:十[一二]?|[一二三四五六七八九])月(?:{_CN_DAY}[日号])?"
)
GROWTH_VERBS = r"增长|下降|提高|增加|减少|降低|提升"  # the verbs a report prints before a rate of change
_GROWTH_VERB = re.compile(rf"(?:可比)?(?:{GROWTH_VERBS})$")
_CLAUSE_BREAK = re.compile(r"[，。；！？：,;!?:…]+|—{2,}")
# "A、B、C五大产业" / "A、B两大集群": a count with a classifier closes an enumeration
_LIST_COUNT = re.compile(r"[两二三四五六七八九十]+(?:大|个|项|类|种|条|家|所|处)")
QUOTED = re.compile(r"“([^“”]{1,20})”")
_LIST_STOP = re.compile(r"等")
_JOINED = re.compile(r"以及|和|及")

_BYLINE = re.compile(rf"(?:{TITLES})(?=\s|[：:])")
_SPACED_NAME = re.compile(r"(?:\s+|[：:]\s*)([\u4e00-\u9fff]{2,4})(?=\s|$)")
_CHAIN = re.compile(r"(?<!—)[\u4e00-\u9fff]{2,12}(?:—[\u4e00-\u9fff]{2,8}){2,}(?!—)")
_CURRENCY = ("元", "美元")
NOUN_FLAGS = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "nw", "s", "eng", "j", "x", "an", "vn", "l", "i")
_LEAD_FLAGS = ("v", "p", "d", "c", "u", "r", "f", "ad", "k")
_END_FLAGS = ("v", "p", "u", "d", "c", "m", "q", "f")
_BREAK_FLAGS = ("u", "p", "c", "d", "r", "y", "e")


# a growth figure is the figure: 增长5.1%左右 answers 增速是多少 as 5.1%左右 (a fall keeps its verb: 下降11.7%)
_GROWTH_FIGURE = re.compile(r"增长(?=[约近超逾]?\d[\d.]*%)")


def bare_figure(span: Span) -> Span:
    """The span without a leading 增长 before a percentage: the shortest span that answers, and the one the
    reader proposes, so that the two name one candidate."""
    m = _GROWTH_FIGURE.match(span.text)
    if m is None:
        return span
    cut = m.end()
    return replace(span, start=span.start + cut, text=span.text[cut:])


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans of a sentence, split at ``，；：。！？``; an enumeration comma ``、`` does not split."""
    spans, start = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def number_kind(unit: str | None) -> str:
    """percentage for %, amount for currencies, number otherwise."""
    if unit == "%":
        return "percentage"
    if unit and unit.endswith(_CURRENCY):
        return "amount"
    return "number"


_RANGE_JOIN = re.compile(r"[—－\-~～至到]")


def _number_unit(m: re.Match) -> str | None:
    """A figure's unit, 万 or 亿 included (``6.4万平方米`` → 万平方米 is not a unit: 平方米 with 万)."""
    unit = m.group("unit")
    if m.group("mult") and (unit is None or unit in ("元", "美元", "户", "人", "人次", "平方米")):
        unit = (m.group("mult") + (unit or "")) if unit else m.group("mult")
    return unit


# the numerals and units older reports print in traditional characters, read as their simplified ones (one for one)
_SIMPLIFIED = str.maketrans("萬億個噸兩點餘", "万亿个吨两点余")


def find_number_spans(text: str, *, with_growth_verb: bool = False) -> list[tuple[int, int, str, str | None]]:
    """Figures with unit and qualifiers (``1600余个``, ``近900项``, ``超99%``, ``6.4万平方米``, ``十四连冠``), also as
    older reports print them (``33，212万吨`` with a separator of thousands, ``二百十七萬噸``, ``五百零四个``).

    Returns (start, end, kind, unit) within ``text``. A bare number with neither unit nor 万/亿 is left out, and so
    is a year (``2023年``). With ``with_growth_verb`` a percentage takes the verb before it (``增长28.4%``).
    """
    text = text.translate(_SIMPLIFIED)
    spans = []
    matches = list(_NUMBER.finditer(text))
    placed: dict[int, int] = {}  # a match's index -> its span's
    for i, m in enumerate(matches):
        unit = _number_unit(m)
        if not unit:
            continue
        start, end = m.start(), m.end()
        # a range (5%—5.5%, 6－6.5%, 3至5个) is one figure: the first number joins the second's span, not alone
        first = matches[i - 1] if i else None
        if (first is not None and _RANGE_JOIN.fullmatch(text[first.end() : start])
                and _number_unit(first) in (None, unit) and not first.group("tail") and not m.group("pre")):
            start = first.start()
            if i - 1 in placed:
                start = min(start, spans.pop(placed.pop(i - 1))[0])
            m = first  # the growth verb is looked for before the range
        if with_growth_verb and unit == "%":
            verb = _GROWTH_VERB.search(text[max(0, start - 4) : start])
            if verb and start == m.start():
                start -= len(verb.group(0))
        placed[i] = len(spans)
        spans.append((start, end, number_kind(unit), unit))
    for m in CN_NUMBER.finditer(text):
        spans.append((m.start(), m.end(), "number", m.group("unit")))
    for m in CN_FIGURE.finditer(text):  # figures printed in words, as older reports print them
        if m.group("per"):
            spans.append((m.start(), m.end(), "percentage", "%"))
        elif m.group("unit") and any(c in m.group("num") for c in "十百千万亿点"):
            unit = m.group("unit")
            spans.append((m.start(), m.end(), number_kind("元" if unit.endswith("元") else unit), unit))
    return spans


def find_date_spans(text: str) -> list[tuple[int, int]]:
    """Dates such as ``1月4日上午``, ``2019年5月17日``, ``3月23日``."""
    return [m.span() for m in _DATE.finditer(text) if "月" in m.group(0)]


# Verbs that government reports put before what they list or name; jieba sometimes tags them as names (荣获/nr).
_GOVERNING_VERB_WORDS = (
    r"荣获|获评|获得|入选|包括|涵盖|打造|建成|推进|引进|落地|围绕|聚焦|依托|实施|开展|加快|推动|完成|实现|新建|扩建|"
    r"打通|紧盯|培育|引育|吸引|支持|扶持|做强|做优|做大|组建|设立|成立|启动|举办|承办|创建|建设|提升|布局|对接|串联起?|"
    r"抢抓|成为|作为|包联|参与|参加|(?:大力|加快|积极|着力|重点|优先|创新)发展"
)
_GOVERNING_VERB = re.compile(_GOVERNING_VERB_WORDS)
# a name does not start with the verb that governs it, nor with the adverb before that verb (扎实推进…)
# Verbs that a report puts before what it names, beyond those that govern an enumeration; they are checked only at
# the start of a name or a first item, since many of them also stand inside names (人力资源服务产业园).
_OPENING_VERB_WORDS = (
    _GOVERNING_VERB_WORDS + r"|申报|申请|争创|争取|深化|优化|完善|健全|构建|推行|推广|落实|强化|加强|扩大|拓展|发挥|"
    r"用好|用活|办好|抓好|建好|做好|谋划|策划|储备|招引|引入|导入|承接|共建|筹建|专设|增设|新设|开设|启用|投用|"
    r"开通|贯通|整治|改造|升级|带动|助力|赋能|壮大|发展|对标|争当|落户|入驻|进驻|运用|利用|采用|借助|依靠|抓住|把握|发挥|丰富"
)
# a name does not start with the verb that governs it, with the adverb before that verb (扎实推进…), or with a
# scope of being first (全国首个科创金融改革试验区 names 科创金融改革试验区)
_LEADING = (
    r"(?:(?:扎实|大力|加快|积极|全力|着力|持续|深入|全面|切实|统筹|进一步|不断|努力|重点|精心|紧紧|充分)?(?:" + _OPENING_VERB_WORDS
    + r")[了着过]?|(?:全国|全省|全市|国内|省内)?(?:首个|首家|首批|唯一|第一个|第一家))"
)
LEADING_VERB = re.compile(_LEADING + r"(?=.{2,})")
_LEADING_WORD = re.compile(_LEADING)  # a whole word that is such an opening (加快, 充分发挥)
# verbs that take an object: a noun run holding one in its middle is a verb phrase, not a name (…标准实施城市…)
_INNER_VERB = re.compile(
    r"(?<=..)(?:实施|推进|打造|开展|引进|落地|建成|启动|举办|承办|实现|完成|抓好|推动|紧盯|围绕|聚焦|依托|成为|作为|位列|"
    r"纳入|列入|入选|获评|获批|荣获|跻身|落户)(?=..)"
)


# what happens to a named thing, printed after it: 科创金融改革试验区|落地, 示范园|投入运营, 颐养中心|主体(封顶),
# 改革|全面完成 (jieba tags some of these as nouns or idioms, so the words are listed)
_CLOSING_VERB = re.compile(
    r"(?<=..)(?:落地|落户|投入运营|投入使用|投用|启动|开工|竣工|建成|挂牌|注册成立|成立|揭牌|封顶|完工|交付|开业|开放|"
    r"投产|达产|通车|完成|升级|提升|运营|主体|推进|推动|实施|开展|加快|开工建设|"
    r"做大做强|做优做强|做强做优|做精做优|做深做实|提质增效|提档升级|全面铺开)$"
)


def is_verb_phrase(span_text: str) -> bool:
    """A noun run that opens with a report's verb (推进明湖…, 全国首个…), holds an object-taking verb inside, or
    ends with what happens to the thing it names (…试验区落地)."""
    return bool(LEADING_VERB.match(span_text) or _INNER_VERB.search(span_text) or _CLOSING_VERB.search(span_text))


def _trim_item_start(item: str, pos: Callable[[str], list[tuple[str, str]]] | None, shortest: int = 0) -> int:
    """Where the first enumeration item starts: after the last verb before it (``加快`` in ``加快德邦证券``).

    The report's governing verbs count wherever they stand. A tagged verb counts when it is a word of two characters
    or the item's first word (``急`` in ``平急两用`` is not one) and does not stand between two nouns (``科技创新中心``),
    a verbal noun only when no noun follows it (``突破1亿元``, not ``设备公司``), and a preposition only as the item's
    first word (``围绕`` …): inside, ``与`` joins two parts of one item.
    """
    cut = 0
    if pos is not None:
        offset = 0
        words = pos(item)
        for index, (word, flag) in enumerate(words):
            offset += len(word)
            following = words[index + 1][1] if index + 1 < len(words) else ""
            inside = index > 0 and words[index - 1][1].startswith("n") and following.startswith("n")
            verb = (flag == "v" and (len(word) >= 2 or index == 0) and not inside) or (
                flag == "vn" and not following.startswith(("n", "vn"))
            )
            if (verb or (index == 0 and flag.startswith("p"))) and len(item) - offset >= 2:
                cut = offset
    for m in _GOVERNING_VERB.finditer(item):
        if len(item) - m.end() >= 2:
            cut = max(cut, m.end())
    if cut and item[cut : cut + 1] in ("了", "着", "过") and len(item) - cut > 2:
        cut += 1  # 举办了|BIM软件产业高峰论坛
    quantity = re.match(r"(?:更多的?|一批|一系列|各类|多个)", item[cut:])
    if quantity and len(item) - cut - quantity.end() >= 2:
        cut += quantity.end()  # 招引更多|软件信息、信创产业: how many is no part of the first item
    opening = LEADING_VERB.match(item, cut)
    if opening and len(item) - opening.end() >= min(shortest - 1, 4):
        # 专设|税收征管, 举办了|BIM软件产业高峰论坛; but not when what is left is shorter than the other items, which
        # are then verb phrases themselves (谋划工作、改革创新、攻坚克难)
        cut = opening.end()
    return cut


def _cut_at_shared_head(items: list[str]) -> str | None:
    """The last item cut after the head character every other item ends with (路 in ``白马山东路、玉兴路路段``)."""
    heads = {item[-1] for item in items[:-1] if item}
    if len(heads) != 1:
        return None
    at = items[-1].find(heads.pop(), 1)
    return items[-1][: at + 1] if at >= 1 else None


def _parallel_length(raw_first: str, items: list[str], pos: Callable[[str], list[tuple[str, str]]] | None) -> int:
    """The length the first item takes when at least two other items are words of one length, or 0.

    Only where a word starts in the text before the first item (浆水泉水库|周边 is not cut to 库周边) and not for
    figures (突破1亿元、10亿元 is not cut to 破1亿元).
    """
    # the last item may be two joined by 和 (国潮先锋地和先行展示区); with three or more between the first and the last,
    # those alone (a last item is where an enumeration's end is least sure: …户外休闲、新能源电动车)
    others = items[1:-1] if len(items) >= 5 else items[1:-1] + [part for part in _JOINED.split(items[-1]) if part]
    lengths = {len(item) for item in others}
    if pos is None or len(others) < 2 or len(lengths) != 1 or any(c.isdigit() for c in raw_first):
        return 0
    same = lengths.pop()
    if not 2 <= same <= len(raw_first) or len(items[0]) == same:
        return 0
    starts, at = set(), 0
    for word, _ in pos(raw_first):
        starts.add(at)
        at += len(word)
    return same if len(raw_first) - same in starts else 0


def _split_at_inner_verb(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """A clause holding two enumerations, the second governed by a verb inside an item of the first (以更大的力度、
    更新的举措、更实的作风|推动|城市更新、项目建设、招商服务), split at that verb; one whose object follows it up to the next 、."""
    clause = text[a:b]
    first = clause.find("、")
    if first < 0:
        return [(a, b)]
    for m in _GOVERNING_VERB.finditer(clause, first + 1):
        if clause[m.start() - 1] != "、" and re.match(r"[\u4e00-\u9fff]{2,}、", clause[m.end() :]):
            return [(a, a + m.start()), (a + m.end(), b)]
    return [(a, b)]


_FIGURE_JOIN = re.compile(r"、|、?和|及|与")


def find_figure_lists(text: str) -> list[tuple[int, int]]:
    """Figures printed one after another, joined by 、 or 和, as one enumeration: the answer to 肉蛋奶产量分别是多少
    (68.9万吨、34.8万吨、14.5万吨) or 城乡居民收入各增长多少 (4.3%和7.1%). Returns (start, end) of each, as
    ``find_list_spans`` does."""
    runs: list[list[int]] = []  # [start, end, figures]
    for start, end, *_ in find_number_spans(text):
        if runs and _FIGURE_JOIN.fullmatch(text[runs[-1][1] : start]):
            runs[-1][1:] = [end, runs[-1][2] + 1]
        else:
            runs.append([start, end, 1])
    return [(start, end) for start, end, figures in runs if figures >= 2]


def find_list_spans(text: str, pos: Callable[[str], list[tuple[str, str]]] | None = None) -> list[tuple[int, int]]:
    """Enumerations ``A、B、C`` inside one clause, ending before ``等`` when it follows; a verb before ``A`` is left out.

    Without ``等`` the last item is cut where a verb, numeral or particle starts, and at the length of the longest
    other item, since nothing else marks where it ends.
    """
    # quoted names side by side (“明湖系”“丽山系”) are an enumeration too
    spans = [m.span() for m in re.finditer(r"(?:“[^“”]{1,12}”[、和与及]?){2,}", text)]
    # a chain joined by single dashes (泉城路—解放路—解放东路, 众创空间—孵化器—加速器) lists its links in order
    for m in _CHAIN.finditer(text):
        links = m.group(0).split("—")
        first_cut = _trim_item_start(links[0], pos)
        longest = max(len(links[0]) - first_cut, *(len(link) for link in links[1:-1]))
        # nothing marks where the last link ends: it is at most one character longer than the longest other one
        spans.append((m.start() + first_cut, m.end() - max(0, len(links[-1]) - longest - 1)))
    for a, b in (part for clause in split_clauses(text) for part in _split_at_inner_verb(text, *clause)):
        clause = text[a:b]
        if "、" not in clause:
            continue
        items = clause.split("、")
        first_cut = _trim_item_start(items[0], pos, min(len(i) for i in items[1:]))
        start = a + first_cut
        items[0] = items[0][first_cut:]
        for k in range(1, len(items)):
            stop = _LIST_STOP.search(items[k]) or _LIST_COUNT.search(items[k])
            if stop and stop.start() > 0:
                items = items[:k] + [items[k][: stop.start()]]
                break
        else:
            longest = max(len(i) for i in items[:-1])
            # a label in quotes after the last item (…、新能源电动车“节能环保”) is not part of it
            if (quote := items[-1].find("“")) > 0:
                items[-1] = items[-1][:quote]
            # the last item may be two joined by 和/及 (泉城路商业街和泉城广场): the second is cut like a last item
            joined = _JOINED.search(items[-1])
            lead = ""
            if joined and 2 <= joined.start() <= longest + 1 and len(items[-1]) - joined.end() >= 2:
                lead, items[-1] = items[-1][: joined.end()], items[-1][joined.end() :]
            shared = _cut_at_shared_head(items)
            last = shared or items[-1]
            shortest = min(len(i) for i in items[:-1])
            if pos is not None and shared is None:
                kept = ""
                for word, flag in pos(last):
                    # a tagged verb ends the item only once it is as long as the shortest other item, less one:
                    # jieba's tags inside names are unreliable (研学坊 comes out as a verb and a noun)
                    ends = flag.startswith(_END_FLAGS) and len(kept) >= shortest - 1
                    if kept and (ends or len(kept) + len(word) > longest):
                        break
                    kept += word
                last = kept
            items[-1] = lead + last[: longest + 2]
        items[-1] = items[-1].rstrip("“《")  # cut before 九大 of a label in quotes (…、新能源电动车“九大产业”集群)
        raw_first = clause.split("、")[0]
        same = _parallel_length(raw_first, items, pos)
        if same:
            # the items of an enumeration are parallel: when all the others are equally long (资金链、人才链;
            # 生态宜居、乡风文明), the first is as long, whatever verb or subject stands before it
            # (全面梳理重点企业|供应链, 奋力绘就|产业兴旺, 推动重点建设项目|早进场) or a verb tag cut from it (投资|促进)
            items[0] = raw_first[-same:]
            start = a + len(raw_first) - same
        end = start + len("、".join(items))
        if len(items) >= 2 and end - start >= 4 and items[-1]:
            spans.append((start, end))
    return spans


def _noun_follows(words: list[tuple[int, int, str, str]], j: int) -> bool:
    """A noun follows word ``j``: directly, after more single characters of an unknown word, or after one more
    verb that a noun follows (城市运行|综合|指挥|中心)."""
    k = j + 1
    while k < len(words) and len(words[k - 1][2]) == 1 and len(words[k][2]) == 1 and not words[k][3].startswith(NOUN_FLAGS):
        k += 1
    if k + 1 < len(words) and words[k][3] == "v" and words[k + 1][3].startswith("n"):
        return True
    return k < len(words) and words[k][3].startswith(NOUN_FLAGS)


# what may not stand inside an item of a pair: particles, numerals, prepositions, adverbs, pronouns, punctuation
_PAIR_STOP_FLAGS = ("u", "m", "q", "p", "c", "d", "r", "x", "y", "e", "f")


def find_pair_spans(text: str, pos: Callable[[str], list[tuple[str, str]]]) -> list[tuple[int, int]]:
    """Two parallel items joined by 和/与/及 (增量崛起与存量变革, 土地性质调整和产业用地供给, 运行风险和坏账率): the item
    after the join runs up to a particle, numeral or punctuation, and the one before takes as many words, back to no
    further than a report's opening verb (加快|土地性质调整). Either may end in a verb: two actions named as things."""
    words: list[tuple[int, int, str, str]] = []
    at = 0
    for word, flag in pos(text):
        words.append((at, at + len(word), word, flag))
        at += len(word)
    spans = []
    for k, (_, _, word, _) in enumerate(words):
        if word not in ("和", "与", "及") or k == 0:
            continue
        right = []
        for w in words[k + 1 : k + 7]:
            if w[3].startswith(_PAIR_STOP_FLAGS) or not re.fullmatch(r"[\u4e00-\u9fff]+", w[2]):
                break
            right.append(w)
        left = []
        for w in reversed(words[max(0, k - len(right)) : k]):
            if w[3].startswith(_PAIR_STOP_FLAGS) or not re.fullmatch(r"[\u4e00-\u9fff]+", w[2]) or _LEADING_WORD.fullmatch(w[2]):
                break
            left.insert(0, w)
        if len(left) == len(right) and right and 2 <= right[-1][1] - right[0][0] <= 12 and 2 <= left[-1][1] - left[0][0]:
            if not right[0][3].startswith("v"):
                spans.append((left[0][0], right[-1][1]))
    return spans


def find_name_spans(text: str, pos: Callable[[str], list[tuple[str, str]]] | None = None) -> list[tuple[int, int]]:
    """Names: quoted terms, and runs of up to eight words (2 to 20 characters) that start and end like a noun phrase.

    The words inside a run may be of any kind (``上海细胞治疗集团`` holds a verb); only its first word may not be a
    verb, preposition, adverb or particle, and its last word must be noun-like.
    """
    spans = {(m.start(1), m.end(1)) for m in QUOTED.finditer(text)}
    # a byline spells names out between spaces after the title (记者 夏侯凤超 通讯员 杨荣超 康钰坤), where the tagger
    # breaks the rarer ones apart
    for m in _BYLINE.finditer(text):
        at = m.end()
        while (name := _SPACED_NAME.match(text, at)) and not re.fullmatch(TITLES, name.group(1)):
            spans.add(name.span(1))
            at = name.end()
    if pos is None:
        return sorted(spans)
    words: list[tuple[int, int, str, str]] = []
    offset = 0
    for word, flag in pos(text):
        words.append((offset, offset + len(word), word, flag))
        offset += len(word)
    for i, (start, _, word, flag) in enumerate(words):
        # a verbal noun opens a name when a noun follows (消费互联网, 养老服务中心), not when it is the action
        modifier = flag == "vn" and i + 1 < len(words) and words[i + 1][3].startswith(("n", "j")) and words[i + 1][3] != "vn"
        if (flag.startswith(_LEAD_FLAGS + ("m", "q")) and not modifier) or not re.match(r"[\u4e00-\u9fffA-Za-z]", word):
            continue
        if start and text[start - 1] in "0123456789０１２３４５６７８９":
            continue  # 20|条人才新政: what follows a numeral is its measure word, whatever the tagger says
        for j in range(i, min(i + 10, len(words))):
            end, last, last_flag = words[j][1], words[j][2], words[j][3]
            if last == "·" and j > i:
                continue  # a middle dot joins the parts of one name (齐鲁晚报·齐鲁壹点, 星火·链网)
            # (eng is a Latin word, CBD or QFLP, not the interjection e; jieba tags digits eng too, and they end no name)
            if not re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9][\u4e00-\u9fffA-Za-z0-9·]*", last) or (
                last_flag.startswith(_BREAK_FLAGS) and not (last_flag == "eng" and re.search("[A-Za-z]", last))
            ):
                break
            # a verb may stand inside a name (上海细胞治疗集团) only when a noun follows it; single characters a
            # word jieba does not know falls apart into (山东|安|可|区块链) may run on to the noun
            if last_flag.startswith("v") and not _noun_follows(words, j):
                break
            if last_flag.startswith(NOUN_FLAGS) and 2 <= end - start <= 20:
                spans.add((start, end))
    return sorted(spans)


def item_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The items of the enumeration ``text[start:end]``, as offsets in ``text``."""
    spans, at = [], start
    for item in re.split(r"[、—]", text[start:end]):
        spans.append((at, at + len(item)))
        at += len(item) + 1
    return [(a, b) for a, b in spans if b - a >= 2]


def items_in(span_text: str) -> int:
    """How many items an enumeration holds: A、B和C → 3, A—B—C → 3, “A”“B” → 2."""
    if "、" in span_text:
        return span_text.count("、") + 1 + bool(_JOINED.search(span_text.rsplit("、", 1)[-1]))
    if "—" in span_text:
        return span_text.count("—") + 1
    if "“" not in span_text and _JOINED.search(span_text):
        return 2  # A和B
    return max(1, span_text.count("“"))


def char_pairs(text: str) -> set[str]:
    """The pairs of adjacent characters of ``text``."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


def shared_edge(a: str, b: str, *, suffix: bool) -> int:
    """Length of the common suffix (or prefix) of two strings."""
    n = 0
    while n < min(len(a), len(b)) and (a[-1 - n] == b[-1 - n] if suffix else a[n] == b[n]):
        n += 1
    return n


def is_quoted(text: str, start: int, end: int) -> bool:
    return start > 0 and text[start - 1] == "“" and text[end : end + 1] == "”"
