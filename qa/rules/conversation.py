"""Conversations: what a follow-up question inherits from the turns before it (docs/conversation.md).

A chat's state is a frame: the last question as understood, split into its place, its year, its subject and its
asking part (``增长了多少``), with the answer given to it and where that answer stands. A new turn keeps every slot it
does not fill itself: a place or a year it names replaces the frame's; a new subject (``那粮食产量呢``) replaces the
subject and keeps the asking part; a new measure (``占全省比重呢``, ``它增长了多少``) keeps the subject; a pronoun
(``它``, ``这个``, ``该项目``) stands for the last answer when that was a name, else for the subject; an ordinal
(``第二个``, ``最后一项``) or a choice (``其中哪个``) reads the list just answered. The last answer's passage is
evidence for a turn that keeps the frame's place and year; a turn that names another place or year is answered from
that place's or year's reports alone, or not at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from qa.rules.asking import GROWTH_Q
from qa.rules.lexicon import CLASSIFIERS, CN_DIGITS, SHARE, UNITS
from qa.index.tokenize import dictionary_tag, word_edges
from qa.ingest.gazetteer import NATIONAL
from qa.rules.question import NO_DISTRICTS, Districts, find_district, stance_of
from qa.rules.years import find_report_year, find_year
from qa.schema import Turn

# what a chat turn may be, as ``Reading.kind``: a question asked alone, a full question inheriting only place or
# year, or one of the follow-ups resolved against the frame
KINDS = ("alone", "full", "place", "year", "ellipsis", "measure", "pronoun", "ordinal", "choice")

_ASKS = re.compile(r"多少|几|什么|哪|谁|是否|有没有|吗|如何|怎么|怎样|啥|多大|多高|多长")
# the words that count things (the lexicon's, and those a follow-up points with: 这笔, 这些, 哪种), longest first
_COUNT_WORD = "|".join(sorted(CLASSIFIERS | {"笔", "些", "种", "届"}, key=lambda w: (-len(w), w)))
# the words a follow-up opens with before what it asks (那粮食产量呢); 那 before a count word points (那个, 那次)
_LEAD = re.compile(rf"^(?:那请问|那么|那(?!{_COUNT_WORD})|还有|再问一下|另外|换成|如果是|要是|然后|再|请问)")
# the asking words of a question: a verb of measure, the question word and its measure word (增长了多少, 是哪几个)
_ASKING = re.compile(
    r"(?:都|还|也|又)?(?:(?:是|有|为|达到?|(?:增长|增加|提高|提升|下降|降低|减少|降|升)到?|完成|实现|占|突破|超过|累计|共计?|一共|总共|"
    r"分别|要|将|计划|预计|力争|目标是)了?)*(?:多少|几|什么|哪|谁|怎样|如何|怎么|啥|多大|多高|多长|有没有|是否)"
    rf"(?:{UNITS}|{_COUNT_WORD}|年)?"
)
# words that ask another figure of a thing than the one given: its change (the questions' words of change), share
# or rank
_CHANGE = re.compile(rf"{GROWTH_Q.pattern}|{SHARE.pattern}|比例|排|位次|同比|比上年|高出|低于|多了|少了")
_COUNTED = re.compile(rf"(?:多少|几)(?:{_COUNT_WORD})$")
_TRAILING = re.compile(r"(?:呢|吗|吧|啊|了|的|是)+$")
# the words of a measure rather than a subject: a change, a share, a total, a target, the asking words
_MEASURE_WORDS = (
    "增长率?|增速|增幅|增加|增量|提高|提升|下降|降低|降幅|减少|比重|占比|占|比例|比上年|同比|环比|较上年|总量|总额|"
    "规模|目标|预期|完成|实现|达到?|多少|几|是|有|为|了|的|呢|吗|吧|啊|全[省市国区县州]|本[省市区县]|总共|一共|共|"
    "分别|具体|大概|大约|数量|数|金额|排名|位次|比|上年|去年|今年|明年|年|又|怎么样|如何|情况|水平|计划|打算|力争|"
    "预计|拟|要|定|新增|实际|平均|年均|累计|总|其中|各|啥|什么|哪|第|位"
)
# the longer words first, so that 年均 is not read as 年 and a 均 left over
_MEASURE_WORD = re.compile("|".join(sorted(_MEASURE_WORDS.split("|"), key=len, reverse=True)) + f"|(?:{UNITS})")
# a subject's head: the measured noun a qualifier attaches to (水利 after 交通领域投资 asks 水利投资)
_MEASURE_NOUN = re.compile(
    r"(?:投资|学位|产量|收入|总值|增加值|产值|人数|面积|里程|天数|比率|浓度|赤字|支出|规模|资金|税收|利润|就业|消费|"
    r"进出口|出口|进口|人口|指数|总额|金额|数量|产能|装机|岗位|资本|补贴|比重|占比|比例|价格|[率量额值数费价])$"
)
# a turn opening with a predicate has no subject of its own (占国家支出的比重是多少, 在世界上排第几)
_PREDICATE_START = re.compile(r"^(?:占|比|较|同比|排|在全|在世界|位居|居(?=[全世第首前])|达到|增长|增加|提高|下降|减少)")
# times said otherwise than as a year: relative to the report (今年, 去年), or a plan's period (十四五末, 过去五年);
# a turn naming one is not of the frame's year, and a turn naming none keeps the frame's; 这一年 and 当年 are the
# frame's year said again. A period named after a year (2000年 then 九五期间年均增长多少) is a measure over it, not
# another time
_RELATIVE = r"今年|去年|明年|前年"
_PERIOD = r"过去五年|近五年|过去一年|(?:十[一二三四五]|[六七八九])五(?:计划|规划)?(?:期间|时期|末|初|以来)?"
_OTHER_TIME = re.compile(rf"{_RELATIVE}|{_PERIOD}")
_RELATIVE_YEAR = re.compile(_RELATIVE)
_SAME_YEAR = re.compile(r"这一年|那一年|这年|那年|当年|同年|该年")
_COMPARED_YEAR = re.compile(r"(?:比|较|相比|同比|比上|低于|高于)$")
_COMPARED_BEFORE = re.compile(r"(?:在|比|占|居|于|高出|低于|高于|超过|领先|快于|慢于)$")
_COMPARED_AFTER = re.compile(r"(?:排|第[一二三四五六七八九十\d]+位|平均水平|前列|首位|领先)")
_PLURAL = ("它们", "这些", "那些", "上述")
_CLASSIFIER = re.compile(rf"^(?:几|[一二三四五六七八九十\d]+)?(?:{_COUNT_WORD})")
_PRONOUN = re.compile(r"^(?:它们|它|其|该|这个|那个|这项|那项|这些|那些|上述|上面|此项?|这一|这|那)")
_ORDINAL = re.compile(
    r"第([一二三四五六七八九十]|\d{1,2})(?:个|项|条|点|种|类|大|位)?|倒数第([一二三四五六七八九十])[个项条]?|"
    r"最后(?:一|那)?(?:个|项|条|点|种|类|位)?|后面那?[个项条]|后一[个项条]|后者|"
    r"头一[个项条]|前面那?[个项条]|前一[个项条]|前者|中间那?[个项条]?"
)
_CHOICE = re.compile(r"^(?:其中|这些中|这几[个项条]中|里面|当中|以上)")
_WHICH = re.compile(rf"^哪一?(?:{_COUNT_WORD})")
_PUNCT = re.compile(r"[？?！!。，,、；;：:\s]")
_ITEM_SPLIT = re.compile(r"[、，,；;]|以及|和|及|与")
_NUMERIC = re.compile(r"\d")
# where the words a 的 closes (计划竣工的) start: a word of asking, counting or joining, a figure, a year
_MODIFIER_STOP = re.compile(r"[个里在和与及、，,。？?\s\d年月日]|多少|几|哪|什么")
# where the part of a question that a follow-up parallels stops: a word of asking, counting or joining, a year
_PART_STOP = re.compile(r"[个的里在和与及、，,。？?\s\dA-Za-z年月日是有为要将]|多少|几|哪|什么|计划|预计")


@dataclass(frozen=True)
class Frame:
    """What a chat is about after a turn: the question as understood, split into its slots, and the answer given."""

    question: str
    place: str | None
    place_text: str  # the place as the question typed it (历下, 湖南), which resolved questions keep
    year: int | None
    subject: str
    tail: str
    turn: Turn

    when: str = ""  # the time as the question said it: 2024年, 今年 said relative to the report, a period (十四五末)
    # after a turn that picked an item of a list (第二个是什么), the frame of the list, which later ordinals still read
    listed: "Frame | None" = None
    part: str | None = None  # the part of the subject the turn named (其中中央的呢 → 中央), which another part replaces
    # plan or result, as the question said it or, when it says neither, as the turn before it asked: 单位GDP能耗呢 after
    # 2006年GDP预期增长目标多少 asks the target
    stance: str | None = None

    @classmethod
    def of(cls, resolved: str, turn: Turn, districts: Districts = NO_DISTRICTS, listed: "Frame | None" = None) -> "Frame":
        place, place_span = _place_asked(resolved, districts)
        year, year_span = asked_year(resolved)
        rest = _PUNCT.sub("", _without(resolved, place_span, year_span))
        relative = _OTHER_TIME.search(rest) if year is None else None
        when = f"{year}年" if year is not None else relative.group(0) if relative else ""
        rest = rest[: relative.start()] + rest[relative.end() :] if relative else rest
        asking = _ASKING.search(rest)
        if asking:  # 实施了多少个重点项目: the subject keeps what is counted (重点项目), the tail is the asking words
            end = _count_end(rest, asking)
            subject, tail = rest[: asking.start()] + rest[end:], rest[asking.start() : end]
        else:
            subject, tail = rest, ""
        place_text = resolved[place_span[0] : place_span[1]] if place_span else ""
        return cls(resolved, place, place_text, year, _TRAILING.sub("", subject).strip("的"), tail, turn, when, listed)

    def list_frame(self) -> "Frame | None":
        """The frame whose answer is the list being talked about: this one's when it answered a list, else the one an
        ordinal turn picked from (最后一个呢 after 第二个是什么 reads the same list)."""
        return self if self._items() else self.listed

    def items(self) -> list[str]:
        """The items of the last answer when it was a list (at least two), as printed."""
        return [text for text, _ in self._items()]

    def _items(self) -> list[tuple[str, int]]:
        answer = self.turn.answer or ""
        items, at = [], 0
        for piece in _ITEM_SPLIT.split(answer):
            start = answer.index(piece, at)
            at = start + len(piece)
            text = piece.strip().removesuffix("等")
            if text:
                items.append((text, start + piece.index(text)))
        return items if len(items) >= 2 else []

    def item_place(self, n: int) -> tuple[str, int, int] | None:
        """Where the ``n``-th item (from 1) of the last answer stands, when that answer's place is known."""
        turn = self.turn
        if turn.doc_id is None or turn.start is None:
            return None
        text, offset = self._items()[n - 1]
        return turn.doc_id, turn.start + offset, turn.start + offset + len(text)

    def replaced_subject(self, new: str) -> str:
        """The subject after an elliptical turn names ``new``: ``new`` itself when it names a measured thing
        (钢产量, 中央财政赤字), else ``new`` with the subject's head (水利 + 交通领域投资 → 水利投资)."""
        if _MEASURE_NOUN.search(new):
            return new
        head = _MEASURE_NOUN.search(self.subject)
        return new + head.group(0) if head and len(head.group(0)) > 1 else new

    def paralleled(self, new: str, question: str) -> str | None:
        """The frame's question with the part that ``new`` parallels put in its place, when ``new`` ends as a part of
        the question does and differs before that: 市重点 after 驻马店2020年省重点项目完成投资多少 is
        驻马店2020年市重点项目完成投资多少, 散居孤儿 after 集中供养孤儿基本生活保障标准提到多少 asks that standard of
        散居孤儿, 第二步 after 两步设想的第一步是什么 the second step. The part replaced runs back from the shared
        ending to a word of asking, counting or joining (个, 的, 里, 多少, a year), at most two characters longer than
        what replaces it; with several, the one sharing most characters with it. ``question`` is the frame's
        question with the turn's own place and year put in."""
        place = question.rfind(self.place_text) + len(self.place_text) if self.place_text and self.place_text in question else 0
        for k in range(len(new) - 1, 0, -1):  # the longest shared ending first
            ending, head = new[-k:], new[:-k]
            if k > 1 and _measure_only(ending, strict=True):
                continue  # 年均增长 is shared by any two measures: the part must be one of the subject's
            best = None
            for at in (m.start() for m in re.finditer(re.escape(ending), question) if m.start() >= place):
                # the part replaced; none when ``new`` qualifies the shared part (中央 before 财政赤字规模)
                run = _PART_STOP.split(question[place:at])[-1][-(len(head) + 2) :]
                if run == head or (k == 1 and (len(run) != len(head) or not set(run) & set(head))):
                    continue  # one character shared (步 of 第一步) needs as long a part sharing another (第二步)
                shared = len(set(run) & set(head))
                if best is None or shared >= best[0]:
                    best = (shared, at - len(run), at)
            if best is not None:
                return (question[: best[1]] + head + question[best[2] :]).rstrip("？?！!。")
        return None

    def modified(self, new: str, question: str) -> str | None:
        """The frame's question with the words before its first 的 (after the place and year) replaced by ``new``:
        续建的呢 after 驻马店2004年计划竣工的项目完成多少 asks 驻马店2004年续建的项目完成多少. ``question`` is the frame's
        question with the turn's own place and year put in."""
        place = question.rfind(self.place_text) + len(self.place_text) if self.place_text and self.place_text in question else 0
        at = question.find("的", place)
        run = _MODIFIER_STOP.split(question[place:at])[-1] if at > place else ""
        if not run or run == new:
            return None
        return question[: at - len(run)] + new + question[at:]

    def sibling(self, named: str) -> str | None:
        """After a turn that asked about an item of a list (第一个吞吐量多少 → 厦门吞吐量多少), the same question of
        another item the turn names (福州 of 厦门、福州机场), else None."""
        if self.listed is None or not named:
            return None
        items = self.listed.items()
        asked = [item for item in items if item in self.question]
        named_item = next((item for item in items if named in item), None)
        if len(asked) != 1 or named_item is None or named_item == asked[0]:
            return None
        return self.question.replace(asked[0], named, 1)

    def antecedent(self, plural: bool = False) -> str:
        """What ``它`` or ``这个`` stands for: the last answer when it named something, else the subject; what
        ``这些`` stands for: the subject of the list answered (or picked from), else the subject."""
        if plural:
            return (self.list_frame() or self).subject
        answer = (self.turn.answer or "").strip()
        if answer and not _NUMERIC.search(answer) and len(answer) <= 30 and not self.items():
            return answer
        return self.subject

    def replaced(self, place: str | None, year: int | None, districts: Districts = NO_DISTRICTS, relative: str | None = None) -> str:
        """The frame's question as asked, with its year (or a year said relative to the report, 今年) and place
        replaced where it names them (put in front where it does not): ``那2023年呢`` after ``2024年历下新建几处学校？``
        is ``2023年历下新建几处学校？``."""
        text = self.question
        said = f"{year}年" if year is not None else relative
        if said:
            _, span = asked_year(text)
            if span is None and (named := _OTHER_TIME.search(text)):
                span = named.span()
            text = text[: span[0]] + said + text[span[1] :] if span else said + text
        if place:
            _, span = find_district(text, districts)
            text = text[: span[0]] + place + text[span[1] :] if span else place + text
        return text

    def lead(self, place_text: str | None = None, year: int | None = None) -> str:
        """The place and year a resolved question starts with: the frame's unless replaced."""
        place = self.place_text if place_text is None else place_text
        return place + (f"{year}年" if year is not None else self.when)


@dataclass(frozen=True)
class Reading:
    """A turn understood: the question as resolved, the kind of turn (``KINDS``) and the earlier turn whose answer
    is evidence for it (None when it asks alone, or names another place or year); an ordinal that asks for an item
of the list just answered (第二个是什么) also has that item's place, which answers it."""

    question: str
    resolved: str
    kind: str
    anchor: Turn | None = None
    item: tuple[str, int, int] | None = None  # an ordinal's item of the last answer: report, start, end
    picked: bool = False  # an ordinal asking for the item itself: the chat is still about the list's question
    # the subject the turn keeps when it asks a new measure of it (这在世界上排第几, 年均增长多少): the next turn's
    # subject is still this one, not the question with the measure
    subject: str | None = None
    part: str | None = None  # the part of the subject the turn named (中央 of 其中中央的呢), which a later part replaces
    stance: str | None = None  # plan or result as the turn says it, else as the chat was in before it (``Frame.stance``)


def _count_end(text: str, asking: re.Match) -> int:
    """Where the asking words of ``text`` end: after the unit or classifier of a count (多少艘, 几只, 多少亿元) when
    it is a word of its own, not the head of a longer one (人 of 多少人口 is no unit); a measure word of the
    dictionary (艘, 辆, 架), a word of its own right after 多少 or 几, is the count's classifier (艘 of 多少艘国际船舶)
    whatever list of them is known (not 占 of 多少占世界经济比重, nor 的 of 多少的贸易增量)."""
    words = asking.group(0)
    count = max(words.rfind("多少") + 2 if "多少" in words else -1, words.rfind("几") + 1 if "几" in words else -1)
    if count < 0:
        return asking.end()
    at = asking.start() + count
    after = text[at:]
    edges = word_edges(after)
    unit = asking.end() - at
    if unit and unit not in edges:
        unit = 0
    if not unit and len(after) > 1 and 1 in edges and dictionary_tag(after[0]) in ("q", "m"):
        unit = 1
    return at + unit


def is_follow_up(text: str) -> bool:
    """An elliptical question that only makes sense after an earlier one: ``那2023年呢？``, ``市中区呢``."""
    core = _PUNCT.sub("", text)
    return bool(core) and (core.endswith("呢") or _LEAD.match(core) is not None) and not _ASKS.search(core)


def _without(text: str, *spans: tuple[int, int] | None) -> str:
    """``text`` with the given spans (a place, a year) cut out."""
    for span in sorted((s for s in spans if s), reverse=True):
        text = text[: span[0]] + text[span[1] :]
    return text


def _after_pronoun(rest: str, meant: str) -> str:
    """What follows a pronoun once it is replaced by ``meant``: without the words that repeat the end of ``meant``
    (这些项目 after 三个一批项目, 这笔债券 after 政府债券)."""
    for k in range(min(len(rest), len(meant), 6), 1, -1):
        if meant.endswith(rest[:k]):
            return rest[k:]
    return rest


def _tail_after(tail: str, new: str) -> str:
    """The asking part after a turn's new subject that ends with words of it: 城镇新增就业目标呢 after
    经济增长目标是多少 asks 城镇新增就业目标是多少, not 城镇新增就业目标增长目标是多少."""
    for k in range(min(len(new), 4), 1, -1):
        at = tail.find(new[-k:])
        if at >= 0:
            return tail[at + k :] or "是多少"
    return tail


def _measure_only(text: str, *, strict: bool = False) -> bool:
    """Whether the words left are all words of a measure or of asking (``增长了多少``, ``占全省比重``): no subject
    (a word in Latin letters, GDP or PM2.5, is one). One character left may be a subject's (学 of 学位) unless
    ``strict`` says none may be left."""
    if re.search(r"[A-Za-z]{2,}", text):
        return False  # PM10, GDP: a subject, which no unit's letter (P) may cut
    return len(re.sub(r"[^\u4e00-\u9fffA-Za-z]", "", _MEASURE_WORD.sub("", text))) < (1 if strict else 2)


def _measure_words_left(text: str, figures: bool = False) -> bool:
    """Whether an ordinal turn asks more than the item (第二个增长了多少 asks a figure of it, 第二个是什么 the item;
    of a list of figures, 中间那个是多少 and 后面那个农村的是多少 ask the item too)."""
    if figures:  # 后面那个农村的是多少: the words left name the item; 第二个增长了多少 asks another figure of it
        return _CHANGE.search(text) is not None
    text = re.sub(r"是|什么|啥|哪个|哪一?[个项条]|哪|叫|呢|的|那?[个项条]", "", text)
    return bool(re.sub(r"[^\u4e00-\u9fff]", "", text))


def _position(match: re.Match, items: list[str]) -> int | None:
    """The place in the list an ordinal names, from 1: 第二个, 倒数第二个, 最后一项, 后面那个 (the last), 前者 (the
    first), 中间那个 (the middle of an odd number)."""
    said, token, back = match.group(0), match.group(1), match.group(2)
    if token is not None:
        return int(token) if token.isdigit() else CN_DIGITS.get(token)
    if back is not None:
        return len(items) + 1 - CN_DIGITS[back]
    if said.startswith(("最后", "后")):
        return len(items)
    if said.startswith(("头", "前")):
        return 1
    return (len(items) + 1) // 2 if len(items) % 2 else None


def asked_year(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """The year a question asks about: the first it names that is not a comparison (比1978年增长多少 asks no 1978)
    nor the year of the report it names (1992年政府工作报告：1991年…增长多少 asks 1991), else that report's year."""
    report_year, report = find_report_year(text)
    at = 0
    while True:
        year, span = find_year(text[at:])
        if span is None:
            return (report_year, report) if report is not None else (None, None)
        span = (span[0] + at, span[1] + at)
        if not _COMPARED_YEAR.search(text[: span[0]]) and (report is None or not report[0] <= span[0] < report[1]):
            return year, span
        at = span[1]


def _place_asked(question: str, districts: Districts) -> tuple[str | None, tuple[int, int] | None]:
    """The place a turn asks about: 全国 after 在, 比 or 占 (在全国排第几, 比全国高多少) is a comparison, not a place."""
    place, span = find_district(question, districts)
    if place == NATIONAL and span and (_COMPARED_BEFORE.search(question[: span[0]]) or _COMPARED_AFTER.match(question[span[1] :])):
        return None, None
    return place, span


def read_turn(question: str, frame: Frame | None, districts: Districts = NO_DISTRICTS) -> Reading:
    """Resolve ``question`` against the frame of the turns before it (None: the first turn)."""
    if frame is None:
        return Reading(question, question, "alone")
    place, place_span = _place_asked(question, districts)
    year, year_span = asked_year(question)
    rest = _without(question, place_span, year_span)
    body = question.strip()
    said_again = year is None and frame.year is not None and _SAME_YEAR.search(rest) is not None
    if said_again:  # 那一年空气优良天数: the frame's year, said again
        year = frame.year
        body, rest = _SAME_YEAR.sub("", body, count=1), _SAME_YEAR.sub("", rest, count=1)
    core = _LEAD.sub("", _PUNCT.sub("", rest)).removesuffix("呢").strip("的和")
    body = _LEAD.sub("", body)
    relative = (_OTHER_TIME if frame.year is None else _RELATIVE_YEAR).search(core) if year is None else None
    place_text = question[place_span[0] : place_span[1]] if place_span else None
    same_place = place is None or place == frame.place
    same_year = (year is None or year == frame.year) and relative is None
    anchor = frame.turn if same_place and same_year else None
    lead = (place_text if place_text is not None else frame.place_text) if relative else frame.lead(place_text, year)
    ordinal = _ORDINAL.search(core)
    listed = frame.list_frame()
    if ordinal and listed is not None and anchor is not None:  # 第二个是什么, 最后一项呢: a place in the list answered
        items = listed.items()
        n = _position(ordinal, items)
        if n is not None and 1 <= n <= len(items):
            before, after = core[: ordinal.start()], core[ordinal.end() :]
            figures = all(_NUMERIC.search(item) for item in items)
            bare = not _measure_words_left(before + after, figures)
            if figures or bare:  # 第二个是什么: the item itself, where it stands; 第二个增长多少 of a list of figures
                asked = before + f"第{'一二三四五六七八九十'[n - 1] if n <= 10 else n}个" + after.removesuffix("是")
                asked += "" if _ASKS.search(asked) else "是什么"
                return Reading(question, listed.lead(place_text, year) + listed.subject + "中" + asked, "ordinal", anchor,
                               listed.item_place(n) if bare else None, bare)
            # 第二个是在哪个城市办的: a question about the item the ordinal names
            return Reading(question, listed.lead(place_text, year) + before + items[n - 1] + after, "ordinal", anchor)
    if is_follow_up(question) and not _ASKS.search(core):
        named = core[: relative.start()] + core[relative.end() :] if relative else core
        replaced = frame.replaced(place, year, districts, relative.group(0) if relative else None)
        if not named:  # 那2023年呢, 市中区呢, 辽宁今年呢: the frame with its place or year replaced
            kind = "place" if place is not None and not same_place else "year" if year is not None or relative else "ellipsis"
            return Reading(question, replaced, kind, anchor if kind == "ellipsis" else None)
        sibling = frame.sibling(named)
        if sibling is not None and anchor is not None:  # 福州呢 after 第一个(厦门)吞吐量多少: that of another item
            return Reading(question, sibling, "ellipsis", anchor)
        # 市重点的呢 after 省重点项目完成投资多少: the same question of the parallel part (in the place or year named)
        paralleled = frame.paralleled(_CHOICE.sub("", named), replaced)
        if paralleled is not None:
            kind = "ellipsis" if anchor is not None else "place" if not same_place else "year"
            return Reading(question, paralleled, kind, anchor)
        if _PUNCT.sub("", rest).removesuffix("呢").endswith("的") and not _MEASURE_NOUN.search(named):
            modified = frame.modified(_CHOICE.sub("", named), replaced)  # 续建的呢 after 计划竣工的项目完成多少
            if modified is not None:
                return Reading(question, modified, "ellipsis" if anchor is not None else "place" if not same_place else "year", anchor)
        if _measure_only(core) or _PREDICATE_START.match(core):  # 占全省比重呢: a new measure of the same subject
            return Reading(question, lead + frame.subject + core + ("" if _ASKS.search(core) else "是多少"), "measure", anchor,
                           subject=frame.subject)
        new = _CHOICE.sub("", core)  # 其中中央财政赤字呢: a part of the subject, named
        tail = frame.tail or "是多少"
        if _MEASURE_NOUN.search(new):  # 原煤产量呢 after 新建多少座: a measured thing has its own unit, not the count's
            tail = _COUNTED.sub("多少", tail)
        tail = _tail_after(tail, new)
        part = None
        if _MEASURE_NOUN.search(new):
            subject = frame.replaced_subject(new)
        elif _CHOICE.match(core):  # 其中中央的呢 after 财政赤字总额: that part of the whole subject
            subject, part = new + frame.subject, new
        elif frame.part and frame.part in frame.subject:  # 地方呢 after 其中中央的呢: another part of it
            subject, part = frame.subject.replace(frame.part, new, 1), new
        else:
            subject = frame.replaced_subject(new)
        return Reading(question, lead + subject + tail, "ellipsis", anchor, part=part)
    choice = _CHOICE.match(core)
    if choice and anchor is not None:
        return Reading(question, lead + frame.subject + "中" + core[choice.end() :], "choice", anchor)
    if listed is not None and anchor is not None and _WHICH.match(core):  # 哪个跟医疗最相关 after a list: one of it
        return Reading(question, listed.lead(place_text, year) + listed.subject + "中" + core, "choice", anchor)
    pronoun = _PRONOUN.match(core)
    if pronoun and anchor is not None:
        meant = frame.antecedent(plural=pronoun.group(0) in _PLURAL)
        rest = core[pronoun.end() :]
        rest = _CLASSIFIER.sub("", rest, count=1) if pronoun.group(0) in ("这", "那") else rest  # 这笔, 这几场, 那次
        return Reading(question, lead + meant + _after_pronoun(rest, meant), "pronoun", anchor,
                       subject=meant if meant == frame.subject else None)
    if (_measure_only(core, strict=not same_place) or _PREDICATE_START.match(core)) and _ASKS.search(core):
        # 增长了多少, 今年的目标是多少; in another place (山西定的多少, 福建增长多少), the same subject there
        return Reading(question, lead + frame.subject + core, "measure" if same_place else "place", anchor, subject=frame.subject)
    inherit = ("" if place is not None else frame.place_text) + (
        frame.when if (said_again or year is None and not relative and same_place) else "")
    if inherit:  # a new question in the same place (and year): what it does not name is the frame's
        return Reading(question, inherit + body, "full")
    return Reading(question, question, "alone")


def read_conversation(question: str, history: Sequence[Turn], districts: Districts = NO_DISTRICTS) -> Reading:
    """Resolve ``question`` after the earlier turns (oldest first), each read against the ones before it."""
    frame: Frame | None = None
    for turn in history:
        reading = read_turn(turn.question, frame, districts)
        listed = frame.list_frame() if frame is not None and reading.kind == "ordinal" else None
        # 第三个是什么 answered 汕头: the chat is still about the list's question, now with that item as its answer
        understood = listed.question if listed is not None and reading.picked else reading.resolved
        earlier = frame.stance if frame is not None else None
        frame = Frame.of(understood, turn, districts, listed)
        frame = replace(frame, stance=stance_of(understood) or earlier)
        if reading.subject:  # a new measure of the same subject: the subject stays
            frame = replace(frame, subject=reading.subject)
        if reading.part:
            frame = replace(frame, part=reading.part)
    reading = read_turn(question, frame, districts)
    return reading if frame is None else replace(reading, stance=stance_of(reading.resolved) or frame.stance)
