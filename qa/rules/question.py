"""Question analysis: district, year, plan-or-result, the answer asked (its type, unit and count: ``asking``) and key terms."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from qa.errors import QuestionError
from qa.ingest.gazetteer import NATIONAL, city_short, gazetteer
from qa.rules.about_report import report_fact
from qa.rules.asking import (
    CURRENCY_UNITS, GROWTH_Q, NTH, QUESTION_WORD, answer_type_of, asked_unit, asks_money, in_report_terms, item_count,
)
from qa.rules.lexicon import CN_DIGITS, DISTRICT_NAMES, ORDINAL, REPORT_TERMS, SHARE, TITLES, UNITS
from qa.rules.years import find_report_year, find_year

MAX_QUESTION_CHARS = 500
MAX_HISTORY = 20

# 历下区长 is 历下's 区长: the 区 of 区长/区委/区政府 stays with the office
_DISTRICT = re.compile(r"(历下|市中|槐荫|天桥|历城|长清|章丘|济阳|莱芜|钢城|平阴|商河)(?:区(?!长|委|政府|人大)|县)?|高新区|起步区")
# A district-like name at the start of a question ("朝阳区…", "青岛市南区…") that the reports never mention: one
# the gazetteer lists (省会城市, 示范区 are nouns).
_OTHER_PLACE = re.compile(r"^(?:请问)?(?:[\u4e00-\u9fff]{2}市)?([\u4e00-\u9fff]{2,3}(?:区|县|市))")


_PLAN = re.compile(r"计划|打算|将要|将会|预计|目标|力争|要[^求素]|准备|拟|明年|今年|新的一年|规划")
_RESULT = re.compile(r"完成了|实现了|去年|过去一年|过去的一年|已经|已|取得|累计|[^除]了(?!解)|获得|达到了")

# Words of the question that say what is asked, not what about: dropped from the key terms.
_FRAME = re.compile(
    r"请问|多少|几|什么时候|什么|哪些|哪几|哪个|哪家|哪里|哪一|哪[所座处位条项套种类款栋片块]|哪|是否|有没有|吗|呢|啊|吧|么|怎样|如何|"
    r"一共|总共|共|分别|大概|大约|具体|情况|方面|(?:政府工作报告|工作报告|报告)(?:里面|里|中|上)?|提到|提出|说|显示"
)


# A figure written in words (二十万平米, 一百二十个): reports print figures of ten and more in digits. Counts in words
# that reports print as words (三大, 五种, 十四五) are single digits or stand before no measure of a figure.
# Only before the measure words of figures: 二十大, 十四连冠 and 十二届 are printed in words.
_WORD_FIGURE = re.compile(
    r"([一二两三四五六七八九十百千]*[十百千][一二两三四五六七八九十百千]*)"
    r"(?=万|亿|平方|平米|公里|米|元|美元|个|家|所|处|项|套|座|条|名|人|户|亩|栋|台|辆|吨|份|场|间|张|批)"
)
_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PLACE_VALUE = {"十": 10, "百": 100, "千": 1000}


def _word_figure_value(word: str) -> int | None:
    total, digit = 0, None
    for ch in word:
        if ch in _DIGIT:
            if digit is not None:
                return None  # 二三: no figure
            digit = _DIGIT[ch]
        else:
            total += (1 if digit is None else digit) * _PLACE_VALUE[ch]
            digit = None
    return total + (digit or 0)


def arabic_numbers(text: str) -> str:
    """Figures of ten and more written in words, in digits as the reports print them (二十万平米 → 20万平米)."""

    def digits(m: re.Match) -> str:
        word = m.group(1)
        if not any(c in _DIGIT for c in word):
            return word  # 千万元, 百亿级: an order of magnitude, printed in words
        value = _word_figure_value(word)
        return str(value) if value else word

    return _WORD_FIGURE.sub(digits, text)


def expand_focus(focus: str) -> str:
    """The focus with the report's own term added for each everyday word it uses (堵车 → 交通拥堵)."""
    added = [term for word, term in REPORT_TERMS.items() if word in focus and term not in focus]
    return " ".join([focus, *dict.fromkeys(added)]) if added else focus


@dataclass(frozen=True)
class Question:
    """What a question asks: a pure description, made by ``analyse``."""

    text: str
    district: str | None  # canonical district name, e.g. 历下区
    year: int | None  # the year the facts asked speak for
    stance: str | None  # "plan", "result" or None
    answer_type: str  # number, amount, percentage, date, list, organisation, place, name, other, chitchat
    unit: str | None
    growth: bool  # asks for a rate of change (增长/下降 …)
    focus: str  # the question with district, year and question words removed: what the answer is about
    right_context: str = ""  # up to ten characters after it: a name's category may be printed as part of the name
    left_context: str = ""  # up to ten characters before it ("细胞医学产业园" in 细胞医学产业园叫什么)
    category: str = ""  # what kind of thing a name is asked for when it is named before 叫什么: 产业园 in 产业园叫什么
    person: bool = False  # asks who: the answer is a person's name
    stock: bool = False  # asks for a total (总数, 一共有, 累计), not for what was added in the year
    items: int | None = None  # how many items a list question asks for (哪两个 → 2)
    nth: int | None = None  # which item of an enumeration a name question asks for (第四项行动 → 4, 排第一的 → 1)
    role: str = ""  # the title of the person asked for (记者是谁 → 记者)
    rate_only: bool = False  # a change asked year on year (同比, 增速): a rate, never an amount
    share: bool = False  # a share asked (占多大比例, 比重): the rate printed after 占, not a growth rate
    whole: bool = False  # a total asked (一共, 加起来) without naming a part (其中)
    count_asked: bool = False  # a count asked without a unit (总数, 数量, 多少家): a measure word that counts
    full_name: bool = False  # 全称/全名: the whole name, parts the asker remembers included
    edition: bool = False  # 第几届/哪一期: an edition or phase, not a place in a ranking
    container: str = ""  # 亿元以上项目里有几个是世界500强的 → 亿元以上项目: the whole a part of which is counted
    members: int | None = None  # 那57家高企都是哪些: the members of a group counted in digits, which a list must name
    actual: bool = False  # 实际新增了多少, 到年底: what was achieved, which a plan's target is not
    superlative: str = ""  # 投资最大的是哪个 → 最大: picks one thing by a comparison the report must make itself
    excluded: str = ""  # 除了老商埠还有哪些 → 老商埠: what the asker already knows, which the answer leaves out
    report_year: int | None = None  # the year of the report the question names (2004年政府工作报告里 → 2004)
    report_fact: str = ""  # a question about the report itself: "speaker", "date" or "meeting" (报告是谁作的)

    @property
    def slot_left(self) -> str:
        """The four characters just before the question word ("新增学位" in 新增学位多少个)."""
        return self.left_context[-4:]

    @property
    def slot_right(self) -> str:
        """The four characters just after it ("头牌企业" in 引进哪家头牌企业)."""
        return self.right_context[:4]

    @property
    def search_box(self) -> bool:
        """Typed like a search-box query, with no question word at all (历下 2024 新幼儿园 学位供给)."""
        return not QUESTION_WORD.search(self.text)


@dataclass(frozen=True)
class Districts:
    """The places a corpus's reports belong to (their metadata) beyond Jinan's districts, at any level, as people type
    them: each by its full name (芝罘区, 青岛市, 广西壮族自治区) or its short form when two characters or more remain
    (芝罘, 青岛, 广西); the State Council's reports (全国) also by 国务院 and 我国."""

    names: dict  # typed name -> full name
    pattern: re.Pattern | None

    @classmethod
    def of(cls, districts: Iterable[str | None]) -> "Districts":
        places = gazetteer()
        names: dict[str, str] = {}
        for district in districts:
            if not district or district in DISTRICT_NAMES.values():
                continue
            names[district] = district
            if district == NATIONAL:  # the State Council's reports: 全国, 我国, or the body that delivers them
                names.setdefault("国务院", district)
                names.setdefault("我国", district)
                continue
            level = places.level(district)
            if level == "province":
                short = places.provinces[district]  # 广西壮族自治区 → 广西, 北京市 → 北京
            elif level == "city":
                short = city_short(district)  # 青岛市 → 青岛
            else:
                short = re.sub(r"(?:区|县|市|旗)$", "", district)
            if len(short) >= 2:
                names.setdefault(short, district)
        pattern = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True)))) if names else None
        return cls(names, pattern)


NO_DISTRICTS = Districts({}, None)


def find_district(text: str, known: Districts = NO_DISTRICTS) -> tuple[str | None, tuple[int, int] | None]:
    """The district the text names and its span: one of Jinan's or of ``known`` (the corpus's other districts),
    whichever comes first; else an unknown place name at the start."""
    jinan = _DISTRICT.search(text)
    other = known.pattern.search(text) if known.pattern is not None else None
    if other and (not jinan or (other.start(), -len(other.group(0))) < (jinan.start(), -len(jinan.group(0)))):
        return known.names[other.group(0)], other.span()
    if jinan:
        name = jinan.group(0)
        return DISTRICT_NAMES.get(name, DISTRICT_NAMES.get(name[:2], name)), jinan.span()
    m = _OTHER_PLACE.match(text)
    if m and gazetteer().level(m.group(1)) in ("city", "county"):  # 朝阳区 is a place; 省会城市, 示范区 are not
        return m.group(1), m.span(1)
    return None, None


WH_WORD = re.compile(r"(?:第几|多少|几|什么样的?|(?:怎么|怎)样的|什么|哪[些几个家里一项条]?|谁|何处|何时)(?:个|家|所|处|项|套|座|条|名|大|类|种|年|届)?")


def question_slot(text: str, width: int = 4) -> tuple[str, str]:
    """Up to ``width`` characters of the question on each side of its question word, punctuation and 是/有/为 left out."""
    m = WH_WORD.search(text)
    if not m:
        return "", ""
    left = re.sub(r"[是有为的了达共]+$", "", re.sub(r"[？?！!。，,、\s]", "", text[: m.start()]))
    right = re.sub(r"^[的是]+", "", re.sub(r"[？?！!。，,、\s]", "", text[m.end() :]))
    right = re.sub(r"(?:呢|吗|啊|吧)$", "", right)
    return left[-width:], right[:width]


_NAMED_AFTER = re.compile(
    r"((?:(?!的)[\u4e00-\u9fff]){2,3})的?(?:全称|全名|名称|名字)?(?:叫什么|叫做什么|名叫什么|称为什么|叫啥|名称|名字|是哪个|是什么|是啥)"
)


def name_category(text: str) -> str:
    """The kind of name asked for, which the name itself usually ends with (泉城路商圈, 明湖国际细胞医学产业园)."""
    # a category after the question word (哪个商圈) is matched against the name's ending by the extractor itself
    m = _NAMED_AFTER.search(text)
    return m.group(1)[-2:] if m else ""


# 区长是谁, 记者叫什么; 哪位省长, 谁是总理
_ROLE = re.compile(rf"({TITLES})(?:人|者)?(?:是谁|叫什么|的名字|姓名|是哪位)|(?:哪位|哪一位|哪个|谁是|谁任)({TITLES})")


# 最大, 最多, 最好: a comparison (最后, 最底下 and 最新 are places in an order or in time, not comparisons)
_SUPERLATIVE = re.compile(r"最(?:大|多|高|低|少|小|好|强|快|早|晚|长|短|优|美|受欢迎|出名|有名|重要|热门)")
# a part counted within a whole: X里有几个是…, X里Y占多少 (not X中有多少个, which counts X itself)
_CONTAINER = re.compile(
    r"([\u4e00-\u9fff]{2,12}?)(?:(?:里面?|当中|之中|中)有?(?:多少|几)[个家所项处名位座条]?是|"
    r"(?:里面?|当中|之中)[，,]?[\u4e00-\u9fff]{2,6}(?:占|有)(?:多少|几))"
)
_GROUP_OF = re.compile(r"(\d+)\s*(?:个|家|所|处|项|条|名|位|座|款|只|批|套|栋|种|类)")
_EACH_NAMED = re.compile(r"都是哪|分别|哪些|哪几|哪[两二三四五六七八九十]|名单|叫什么名字|都叫什么")


def _container(text: str) -> str:
    """The whole a part of which the question counts, without what qualifies it (市中区引进的亿元以上项目 → 亿元以上项目)."""
    m = _CONTAINER.search(text)
    return m.group(1).split("的")[-1] if m else ""


# 除了X(以外/之外)，还…: X is named to be left out of the answer
_EXCEPT = re.compile(r"除(?:了|去)?([^，,。？?；]{2,16}?)(?:以外|之外)?[，,]?(?:还|也|另外|又)")


def _excluded(text: str) -> str:
    """What a 除了X还… question names to leave out of its answer (除了大局观念还要增强什么理念 → 大局观念)."""
    m = _EXCEPT.search(text)
    return m.group(1) if m else ""


def _superlative(text: str) -> str:
    m = _SUPERLATIVE.search(text)
    return m.group(0) if m else ""


def _members(text: str) -> int | None:
    """How many members a question asks to be named: the count in digits of a group asked one by one (那57家高企都是
    哪些公司, 3家院士工作站分别设在哪些单位), not one of them picked out (22个项目中举例提到的是哪个)."""
    m = _GROUP_OF.search(text)
    if not m or int(m.group(1)) < 2 or not _EACH_NAMED.search(text[m.end() :]):
        return None
    return int(m.group(1))


# what was actually achieved (实际新增了, 最终, 到年底), as against a plan's target; 实际使用外资 is a statistic's name
_ACTUAL = re.compile(r"实际(?!使用|利用|到位|存续)|最终(?!想|要|目标|打算)|年底|年末")
_STOCK = re.compile(r"总数|总量|总共有|一共有|共有多少|累计|存量|截至|总(?:算力|面积|人数|规模|户数|个数|家数)")
_RATE_ONLY = re.compile(r"同比|比上年|较上年|增速|增幅|涨幅|降幅|百分")
_WHOLE = re.compile(r"一共|总共|合计|总计|共计|加起来|加在一起|总数|总量")
_COUNT_ASKED = re.compile(r"总数|数量|个数|家数|户数|人数|多少家|多少人")


def item_position(text: str) -> int | None:
    """Which item of an enumeration is asked for (``第四项行动是什么`` → 4, ``排第一的是什么`` → 1)."""
    m = NTH.search(text)
    if not m:
        return None
    return CN_DIGITS[m.group(1)] if m.group(1) else 1


def stance_of(text: str) -> str | None:
    """Whether a question asks a plan or a result by its words (the first named when both are), or None."""
    plan, result = _PLAN.search(text), _RESULT.search(text)
    if plan and result:
        return "plan" if plan.start() < result.start() else "result"
    return "plan" if plan else "result" if result else None


def analyse(text: str, districts: Districts = NO_DISTRICTS) -> Question:
    """Describe a question: district (Jinan's or one of ``districts``), year, plan or result, answer type, unit and
    focus."""
    text = text.strip()
    district, district_span = find_district(text, districts)
    if district is None and "总理" in text and NATIONAL in districts.names.values():
        district = NATIONAL  # the premier speaks for the country: 哪位总理作的报告 asks about the State Council's reports
    report_year, report_span = find_report_year(text)
    # the year the facts asked speak for: another than the report's (2004年政府工作报告里2003年GDP), or none
    year, year_span = find_year(text if report_span is None else text[: report_span[0]] + " " * (report_span[1] - report_span[0]) + text[report_span[1] :])
    stance = stance_of(text)
    focus = bare = text  # bare: the question without its district and year, which no answer sentence repeats
    for span in sorted((s for s in (district_span, year_span, report_span) if s), reverse=True):
        focus = focus[: span[0]] + " " + focus[span[1] :]
        bare = bare[: span[0]] + bare[span[1] :]
    # 这几类区域总部 points at things already named: its 几 asks nothing
    asking = re.sub(r"(?<=[这那])几", "些", text)
    unit = asked_unit(asking)
    kind = answer_type_of(in_report_terms(asking))
    if unit and unit not in ("%", ORDINAL) and (re.fullmatch(UNITS, unit) or kind != "list"):
        # a measure word says how the answer is measured, not what it is about; it leaves only where it is asked
        # (多少户, 户数是多少, 几个“算”): 个 of 个体 and 算 of 算力 stay. A list's counted character is what the
        # items share (哪几个“早” → 早进场、早开工), so it stays.
        u = re.escape(unit)
        asked = rf"((?:多少|几)个?[“\"‘]?){u}[”\"’]?|{u}(?=数?量?(?:是|有|为|达)?(?:多少|几))"
        focus = re.sub(asked, lambda m: (m.group(1) or "") + " ", focus)
    focus = _FRAME.sub(" ", focus)
    focus = expand_focus(arabic_numbers(re.sub(r"[？?！!。，,、；;：:\s]+", " ", focus).strip()))
    if district in (NATIONAL, None) and "生产总值" in focus and "地区生产总值" not in text:
        # the country's reports say GDP as 国内生产总值, the places' as 地区生产总值; before 1994 they reported the
        # gross national product (国民生产总值) instead
        said = ["国内生产总值"] + (["国民生产总值"] if (year or report_year or 9999) < 1994 else [])
        focus = " ".join([focus, *(term for term in said if term not in focus)])
    if unit == ORDINAL and "济南" in focus and "全市" not in focus:
        focus += " 全市"  # a place "in Jinan" is printed as 全市第一
    left_context, right_context = question_slot(bare, 10)
    if kind == "number" and (unit in CURRENCY_UNITS or (unit is None and asks_money(text))):
        kind = "amount"  # 营收有多少, 基金规模有多大: money, though no 元 is asked
    if kind == "number" and unit == "%":
        kind = "percentage"
    if kind == "number" and unit is None and _RATE_ONLY.search(text):
        kind = "percentage"  # 比上年多出多少: a change on last year with no measure word is printed as a rate
    if kind == "percentage" and unit == ORDINAL:
        kind = "number"  # 处于什么水平 in a ranking asks a place (全市领先), not a rate
    if kind == "amount" and unit and unit not in CURRENCY_UNITS and unit != ORDINAL and not unit.endswith("元"):
        kind = "number"  # 退税惠及了多少户企业: the measure word asked counts things, whatever money the question names
    return Question(
        text=text,
        district=district,
        year=year,
        report_year=report_year,
        stance=stance,
        answer_type=kind,
        unit=unit,
        growth=bool(GROWTH_Q.search(text)),
        focus=focus,
        left_context=left_context,
        right_context=right_context,
        category="" if NTH.search(text) else name_category(text),
        items=item_count(text) if kind == "list" else None,
        stock=bool(_STOCK.search(text)) and not re.search(r"新增|新建|新认定|新引进|新开|增加了", text),
        nth=item_position(text) if kind in ("name", "organisation", "place") else None,
        role=next((m.group(1) or m.group(2) for m in _ROLE.finditer(text)), ""),
        # 哪位艺术大师的场馆 asks for the 场馆, not for the person
        person=bool(re.search(r"谁|哪位(?![^，。？?]{0,8}的)|(?:长|书记|主任|记者|人)(?:叫|的名字|姓名)", text)),
        rate_only=bool(_RATE_ONLY.search(text)),
        share=bool(SHARE.search(text)),
        whole=bool(_WHOLE.search(text)) and "其中" not in text,
        count_asked=bool(_COUNT_ASKED.search(text)),
        full_name=bool(re.search(r"全称|全名|完整的?名", text)),
        edition=bool(re.search(r"第几[届次批期]|哪一?[届次批期]|几届", text)),
        actual=bool(_ACTUAL.search(text)),
        members=_members(text),
        container=_container(text),
        superlative=_superlative(text) if kind in ("name", "organisation", "place", "list") else "",
        excluded=_excluded(text) if kind in ("name", "organisation", "place", "list") else "",
        # 江西省长是谁: the place took the 省 of 省长
        report_fact=report_fact(bare),
    )


def validate_question(question: object) -> str:
    """Trim a question; raise ``QuestionError`` unless it is text of 1 to 500 characters."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    question = question.strip()
    if not question:
        raise QuestionError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question has {len(question)} characters; at most {MAX_QUESTION_CHARS} are allowed")
    return question
