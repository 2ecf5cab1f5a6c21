"""The rules' word lists in one place: places, digits, titles, units and measure words, the everyday words for the
reports' own terms, and the endings that mark a name as a body or a place. Data only; every rule module reads them
from here."""
from __future__ import annotations

import re
from pathlib import Path

# Jinan's districts and counties by the names people type; the value is the canonical name.
DISTRICT_NAMES = {
    "历下": "历下区", "市中": "市中区", "槐荫": "槐荫区", "天桥": "天桥区", "历城": "历城区", "长清": "长清区",
    "章丘": "章丘区", "济阳": "济阳区", "莱芜": "莱芜区", "钢城": "钢城区", "平阴": "平阴县", "商河": "商河县",
    "高新区": "高新区", "起步区": "起步区",
}


# Chinese digits (years are written 二〇二四) and 十 (counts and places: 第十项)
CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


# the titles a report puts before a person's name (区长杨福涛, 记者 夏侯凤超)
TITLES = "总理|省长|区长|市长|县长|州长|旗长|盟长|书记|主任|局长|院长|部长|主席|董事长|总经理|记者|通讯员|编辑|美编|责编|主编|摄影|校对|组版"


_KNOWN_UNITS = (
    "万平方米|平方公里|平方米|万人次|亿美元|万美元|美元|亿元|万元|元|万户|户|个|家|所|处|项|套|座|条|名|人|亩|份|场|次|强|"
    "栋|批|倍|公里|千米|米|吨|台|辆|张|间|类|级|大|连冠|周年|小时|分钟|天|(?<![A-Za-z])P|%"
)


def _mined_units() -> list[str]:
    """The units the reports print after figures, as ``scripts/mine_units.py`` found them (``units.tsv``)."""
    lines = Path(__file__).with_name("units.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[0] for line in lines if line.strip() and not line.startswith("#")]


# the units a figure may carry: those mined from the reports (longest first, so 个百分点 is read before 个) and those
# always known
MINED_UNITS = tuple(sorted((u for u in _mined_units() if u not in _KNOWN_UNITS.split("|")), key=len, reverse=True))
UNITS = "|".join((*MINED_UNITS, _KNOWN_UNITS))


# Everyday words for what the reports name in the statistical language of government work reports. A question's
# focus gets the report's term added, so both retrieval and span scoring can find it.
REPORT_TERMS = {
    "GDP": "地区生产总值", "gdp": "地区生产总值", "生产总值": "地区生产总值", "经济总量": "地区生产总值",
    "财政收入": "一般公共预算收入", "地方财政收入": "一般公共预算收入",
    "财政支出": "一般公共预算支出",
    "高企": "高新技术企业", "高新企业": "高新技术企业",
    "营收": "营业收入", "收入规模": "营业收入",
    "外贸": "进出口",
    "堵车": "交通拥堵", "拥堵": "交通拥堵",
    "五百强": "500强",
    "入学名额": "学位", "上学名额": "学位", "招生名额": "学位",
    "绿化率": "绿化覆盖率", "绿地": "绿化",
    "保障房": "保障性租赁住房", "租赁房": "保障性租赁住房",
    "老小区": "老旧小区", "旧小区": "老旧小区",
    "写字楼": "楼宇", "办公楼": "楼宇",
    "退税": "留抵退税",
    "外商投资": "外资",
    "国外": "国际", "境外": "国际", "海外": "国际",
    "外地": "市外", "济南以外": "市外", "济南外": "市外",
    # everyday words for the reports' own (a general list, not drawn from the eval questions alone)
    "牌子": "品牌", "国产": "国内", "老百姓": "群众", "市民": "群众", "住户": "居民", "老人": "老年人",
    "养老院": "养老", "学校": "中小学", "小学": "中小学", "中学": "中小学", "看病": "医疗", "马路": "道路",
    "房子": "住房", "租房": "租赁", "空气": "空气质量", "网速": "宽带", "纳税": "税收", "交税": "税收",
    "开支": "支出", "花钱": "支出", "营业额": "营业收入", "销售额": "营业收入", "外企": "外资", "招商": "招商引资",
    "大楼": "楼宇", "高楼": "楼宇", "旅游": "文旅", "景点": "景区", "老城": "古城", "接着建": "续建",
    "继续建": "续建", "在建": "续建", "红绿灯": "路口", "找工作": "就业", "工作岗位": "就业",
    "第三产业": "服务业", "三产": "服务业", "第二产业": "工业", "二产": "工业",
    "重点工程": "重点项目", "经营主体": "市场主体", "个体户": "市场主体", "个体工商户": "市场主体", "占地": "面积", "人代会": "人民代表大会", "人大": "人民代表大会",
    "民企": "民营企业", "夺冠": "连冠", "本领": "能力", "本事": "能力", "正在施工": "在建", "施工中": "在建",
    "上亿": "亿元", "过亿": "亿元", "平米": "平方米",
    "动工": "开工", "摩天楼": "超高层", "摩天大楼": "超高层", "开发商": "开发企业", "开发方": "开发企业",
}


# A rank or an ordinal: 排第几, 排名, 第几届, 哪一届, 名次. The answer is printed 全市第一, 第十二届, 15名.
ORDINAL = "名次"


UNIT_FAMILIES = {"平方米": ("平方米", "平方公里", "亩"), "米": ("米", "公里", "千米"), "吨": ("吨",)}


# a share, in a question (占多大比例) or before a printed rate (占全市46%)
SHARE = re.compile(r"占|比重|占比")


# Measure words that count things (as opposed to units of area, money or length); reports use those of one group
# loosely (几栋楼宇 is printed 26座楼宇, 几项工程 十大工程, 几回 7次), but people (人, 名) and households (户) are
# counted in their own.
CLASSIFIER_GROUPS = (
    frozenset("个 家 所 处 项 套 座 栋 幢 条 批 类 次 回 场 件 台 辆 间 张 份 大 连冠".split()),
    frozenset("名 人 人次 位".split()),
    frozenset("户 万户".split()),
)


CLASSIFIERS = frozenset().union(*CLASSIFIER_GROUPS)


PEOPLE = frozenset("人 名 位".split())


# the generic part a Chinese place name ends with (长岭山片区, 刘长山路, 泉城路商圈, 山东数字产业大厦, 宽厚里)
PLACE_SUFFIX = re.compile(
    r"(?:路|街|道|巷|里|区|片区|街区|商圈|园|园区|大厦|楼|中心|广场|城|山|湖|泉|河|村|镇|庄|社区|街道|公园|绿道|基地|"
    r"高地|示范区|试验区|区域|港|站|桥|馆|院|校|带|廊|轴|岛|谷|坊|厂)$"
)


ORG_SUFFIX = re.compile(
    r"(?:公司|集团|银行|证券|中心|大厦|产业园|园区|基地|片区|街区|研究院|商圈|广场|平台|基金|工程|医院|学校|高中|联盟|"
    r"总部|商厦|艺术中心|研学坊|品牌|节点|公园|绿道|街|路|区|城|谷|园)$"
)
