"""What kind of answer a question asks: its type (a figure, an amount, a rate, a date, a list, a name…), the unit
it asks in, the character it counts in and how many items it wants, read from its question words in the reports'
own terms (GDP as 地区生产总值). Pure functions of the question's text; ``question.analyse`` puts them together."""
from __future__ import annotations

import re

from qa.rules.lexicon import CN_DIGITS, ORDINAL, REPORT_TERMS, UNITS

CURRENCY_UNITS = ("亿元", "万元", "元", "美元", "亿美元", "万美元")
_ASKED_UNIT = re.compile(rf"(?:多少|几)(?:个)?({UNITS})")
# a search-box query ending on a count in a measure word: 层级数 → 级 (三级), 户数 → 户, 人数 → 人
_UNIT_COUNT_END = re.compile(rf"({UNITS})数量?\W*(?:20\d\d年?)?\W*$")
_UNIT_BEFORE = re.compile(rf"({UNITS})(?:数|数量)?(?:是|有|为|达)?(?:多少|几)")

_DATE_Q = re.compile(
    r"什么时候|何时|哪天|哪一天|几月几[日号]|几号|什么日子|日期|哪一?年|年份|几月份?|什么时间|"
    r"(?:开幕|闭幕|召开|举行|举办|成立|开业|揭牌|开工|竣工|签约)\s*(?:日|日子|时间|那天)"  # 人代会 开幕日
)
# a rate noun (覆盖率, 电子化率) asked how high, or "points" (涨了几个点): reports print these as percentages
_PERCENT_Q = re.compile(
    r"百分之|百分点|比例|占比|比重|份额|[增降涨跌]幅|幅度|增速|增长率|"
    r"[\u4e00-\u9fff](?<!效)率(?:是|有|为|达到?|能达到?|超过?了?|达到了|提[高升]到了?)?(?:多少|几|多高|多大)|"
    r"(?:增长|增加|上涨|涨|提升|提高)得?(?:有)?多快|(?:增长|增速)的?(?:预期)?目标|"  # a growth target is a rate
    r"(?:几|多少)个?点|几成|百分比|什么程度|多大程度|什么水平|"
    rf"占(?:了|到|去)?(?:多少|多大|几)(?!个?(?:{UNITS}))"  # 一家就占了多少: a share, not the figure
)
# verbs of change: "降低了多少" asks for a rate as often as for an amount, so either kind of figure fits
_CHANGE = r"增长|增加|增幅|增速|下降|降低|降幅|减少|压减|压缩|缩减|削减|砍掉|砍|提高|提升|上涨|上升|涨幅|回落|涨|降"
GROWTH_Q = re.compile(_CHANGE)
# "降低了多少？", "实现多少增长": the question ends on the change itself, with no measure word after it
_CHANGE_ASK = re.compile(rf"(?:{_CHANGE})了?(?:多少|几)(?=[？?。！!]?$|呢|啊|吧|吗)|(?:多少|几)的?(?:{_CHANGE})")
_AMOUNT_Q = re.compile(r"多少钱|金额|资金|总额|额度|多少(?:亿|万)?(?:美)?元|(?:多少|几)的?(?:投资|资金|收入|税收|税|钱|外资)|(?:投资|收入|税收|预算|规模|资本金|退税|总投资|外资|[纳交缴]税)[^，。]{0,6}(?:多少|几)")
# what is counted in money: a question about it wants an amount even when it names no currency
_MONEY = re.compile(
    r"营收|营业收入|收入|税收|投资|资金|资本|基金|资产|产值|增加值|生产总值|预算|支出|退税|外资|利润|营业额|销售额|"
    r"成交额|交易额|融资|增值税|所得税|留抵|税额|税款",
    re.I,
)
# 什么资金池, 资金等保障上坚持的说法是什么: money words with no question of quantity ask for a name
_WHAT_NOT_HOW_MUCH = re.compile(r"^(?!.*(?:多少|几|多大|多高|规模)).*(?:什么|哪)")
_NUMBER_Q = re.compile(r"多少|几|多大|多高|多长|多远|多重|数量|规模(?:有|是|达到?|为)?多|量级|第几|排名|名次|位次|哪一?[届次]")
_LIST_Q = re.compile(
    r"哪些|都(?:去|到)了?哪|哪几|哪[两二三四五六七八九十]+(?:个|大|项|类|家|种|条|所|处)?|有什么|有哪(?![家个位座所项条种类一])|包括什么|包括哪|都有|分别|列举|"
    r"各(?:自|要|是|为|有|达到?|增长|增加|提高|提升|下降|降低|减少|完成|实现|了)*(?:多少|几)"  # 各增长多少: one figure each
)
# how many items a list question asks for: 哪两个主题年, 四个发展定位是什么, 两项行动分别叫什么
_ITEM_COUNT = re.compile(
    r"哪([两二三四五六七八九十])|(?<![第几多])([两二三四五六七八九十])(?:个|大|项|类|种|条|家|所|处|方面)"
    # …是什么/分别, or a search-box query that ends on the counted things (古城保护更新的五条主线)
    r"(?=[^，。？?]{0,12}(?:是什么|是啥|有哪|分别|都是|叫什么|包括)|[\u4e00-\u9fff]{1,8}(?<![吗呢吧啊么])$)"
)
_PLACE_Q = re.compile(r"哪里|何处|在哪(?![项个些种类家条所位])|(?:去|到)了?哪(?![些个家])|什么地方|哪个(?:片区|区域|地方|园区|街区|商圈|城市|省)|哪(?:片|块)")
_ORG_Q = re.compile(r"哪家|哪个(?:企业|公司|机构|银行|集团|单位|部门|平台|基金)|什么(?:企业|公司|机构|银行|集团|单位|部门)|谁")
_NAME_Q = re.compile(r"什么|哪(?![里儿些])|叫|名称|名字|是谁|啥|(?:怎样|怎么样)的(?=[\u4e00-\u9fff])")
# the asker's opinion or a comparison the reports do not make (你觉得…, 哪个城市更宜居): nothing to quote
_OPINION = re.compile(
    r"你觉得|你认为|你怎么看|你喜欢|(?:哪个|哪里|哪儿|谁)[\u4e00-\u9fff]{0,4}(?:更|比较|最)(?:好|宜居|适合|值得|强|美|漂亮)|好玩|好吃"
)
# any word that asks (多少, 哪, 什么 …): a question without one is a search-box query
QUESTION_WORD = re.compile(r"多少|几|多大|多高|多长|多远|多重|什么|哪|谁|啥")
_CHITCHAT = re.compile(r"^(?:你好|您好|hi|hello|嗨|谢谢|再见|在吗|你是谁|早上好|晚上好)", re.I)
# a question about the assistant itself (你叫什么名字, 你是哪家公司做出来的, 谁开发的你): no report speaks of it
_ABOUT_YOU = re.compile(
    r"(?:你|您)(?:叫什么|叫啥|的名字|是谁|是什么|是哪|是由|由谁|多大了|几岁|会(?:做|干)?(?:什么|啥)|能(?:做|干)?(?:什么|啥)|用的是?什么)|"
    r"(?:谁|哪家|哪个)[^，。？?]{0,6}(?:开发|做|制作|训练|设计|研发)(?:出来)?的?(?:你|您)"
)


def in_report_terms(text: str) -> str:
    """``text`` with each everyday word put in the report's own term (GDP → 地区生产总值), so that a question is typed
    alike whichever of the two it uses."""
    for word, term in REPORT_TERMS.items():
        if word in text and term not in text:
            text = text.replace(word, term)
    return text


def asks_money(text: str) -> bool:
    """Whether the question measures money: a money word not after 单位 or 每, which make it the denominator of
    another measure (单位GDP能耗)."""
    text = in_report_terms(text)
    return any(not re.search(r"(?:单位|每)(?:地区|国内)?$", text[: m.start()]) for m in _MONEY.finditer(text))


def answer_type_of(text: str) -> str:
    """The kind of answer the question asks for, from its question words."""
    if _CHITCHAT.search(text.strip()) or _ABOUT_YOU.search(text):
        return "chitchat"
    if _OPINION.search(text):
        return "other"
    if _DATE_Q.search(text):
        return "date"
    if _LIST_Q.search(text):
        return "list"
    if _PERCENT_Q.search(text) or _CHANGE_ASK.search(text):
        return "percentage"
    if _AMOUNT_Q.search(text) and not _WHAT_NOT_HOW_MUCH.search(text):
        return "amount"
    if _NUMBER_Q.search(text):
        return "number"
    if _ITEM_COUNT.search(text) and not NTH.search(text):
        return "list"  # 四个发展定位是什么
    if _PLACE_Q.search(text):
        return "place"
    if _ORG_Q.search(text):
        return "organisation"
    if _NAME_Q.search(text):
        return "name"
    return _terse_type(text)


# a question about how or why, a yes/no question or a request: nothing in a report can be quoted as its answer
_HOW_WHY = re.compile(r"怎么(?!样的[\u4e00-\u9fff])|怎样(?!的[\u4e00-\u9fff])|如何|为什么|为何|吗|呢|咋|好不好|行不行|帮我|帮忙|请你|给我|订(?:票|一|个|张)|预订|预约|推荐|讲个|写一")


# Nouns that ask what something is, not how much of it (类型, 基调, 领域): a search-box query ending on one wants a
# name, a list or a place. The words say which.
_ATTRIBUTE_END = re.compile(
    r"(名称|名字|全称|简称|类型|种类|类别|层级|层面|范围|领域|方向|内容|品牌|基调|主题|定位|称号|口号|提法|说法|理念|思路|"
    r"模式|方式|路径|途径|抓手|举措|措施|机制|对象|地点|位置|区域|地方|来源|构成|组成|成员)\W*$"
)
_ATTRIBUTE_TYPE = {
    "层级": "list", "层面": "list", "领域": "list", "内容": "list", "品牌": "list", "举措": "list", "措施": "list",
    "构成": "list", "组成": "list", "成员": "list", "范围": "place", "地点": "place", "位置": "place",
    "区域": "place", "地方": "place",
}


def _terse_type(text: str) -> str:
    """The answer a search-box query with no question word wants (历下 一般公共预算收入 2022, 在建项目数, 金融机构名单).

    A report answers such a topic with a figure far more often than with anything else: money for money words, a
    rate for growth targets, a list for 名单; how/why and yes/no questions stay unanswerable (other).
    """
    if _HOW_WHY.search(text) or not re.search(r"[\u4e00-\u9fff]{2}", text):
        return "other"
    if re.search(r"名单|清单|都有(?:哪些|啥)", text) and not re.search(r"个数|数量|总数|多少", text):
        return "list"
    attribute = _ATTRIBUTE_END.search(text)
    if attribute:
        # 工作总基调, 创建类型, 突破领域, 覆盖范围: the query ends on what kind of thing is meant, which a report
        # states in words
        return _ATTRIBUTE_TYPE.get(attribute.group(1), "name")
    if re.search(r"增长|增速|增幅|比重|占比|(?<!效)率", text) and not asks_money(text):
        return "percentage"  # (覆盖率: a rate noun is printed as a percentage)
    if re.search(r"(?:同比|增速|增幅|涨幅|降幅|增长率?|占比|比重)\W*$", text):
        return "percentage"  # 信息通信业 税收同比: the query ends on the change of the money it names, a rate
    return "amount" if asks_money(text) else "number"


_ORDINAL_Q = re.compile(
    r"第几|排名|排位|名次|位次|排在|排第|列第|位列|哪一?[届次]|几届|第多少|老几|(?:处于|位于|位居|处在)(?:什么|哪个|怎样的?)(?:水平|位置|位次)"
)


# what a question measures without naming the unit, and the unit family it is printed in
_MEASURED = ((r"面积|占地|空间(?=[^，。？?]{0,4}多大)", "平方米"), (r"多长|长度|多远|里程", "米"), (r"多重|重量", "吨"))


def asked_unit(text: str) -> str | None:
    """The measure word the question asks in (``几所`` → 所, ``多少亿元`` → 亿元, ``百分之`` → %, 第几 → 名次)."""
    if re.search(r"前(?:多少|几)(?:名|位|强|家)?", text):
        return "强"  # 排名前多少的企业: the top of a ranking is printed as 200强, 500强
    if _ORDINAL_Q.search(text):
        return ORDINAL
    if re.search(r"(?:几|多少)个?点", text):
        return "%"  # 涨了几个点: percentage points, not a count of 个
    if re.search(r"(?:多少|几)个?亿(?!美)", text):
        return "亿元"  # 营收几个亿
    if re.search(r"几个[“\"‘]", text):
        return counted_character(text)  # 几个“算”: counted in 算 (四算), not in 个
    m = _ASKED_UNIT.search(text) or _UNIT_BEFORE.search(text) or _UNIT_COUNT_END.search(text)
    if m:
        return m.group(1)
    if _PERCENT_Q.search(text):
        return "%"
    if re.search(r"量级|级别|什么级", text):
        return "级"  # 百亿级, 省级
    for pattern, unit in _MEASURED:
        if re.search(pattern, text):
            return unit  # 面积有多大 is answered in 平方米 (or 亩, 平方公里), 多长 in 米 or 公里
    return counted_character(text)  # 几乱, 几分: the report counts in that character (八乱, 十二分)


def counted_character(text: str) -> str | None:
    """The character a question counts in when it is no measure word: 几乱 → 乱, 几个“算” → 算 (printed 八乱, 四算)."""
    m = re.search(r"几(?:个[“\"‘])?([\u4e00-\u9fff])", text)
    return m.group(1) if m and m.group(1) not in "个年月日号天乎何时" else None


def item_count(text: str) -> int | None:
    """How many items the question asks for, when it says (``哪两个主题年`` → 2, ``四个发展定位是什么`` → 4)."""
    m = _ITEM_COUNT.search(text)
    return CN_DIGITS[m.group(1) or m.group(2)] if m else None


# 第四项, 排第一, 打头: the place in an enumeration asked for
NTH = re.compile(r"第([一二三四五六七八九十])(?:项|个|条|大|位|点|是|种|类)|排(?:在)?第一|打头|头一[个项条]|最前面|首先")
