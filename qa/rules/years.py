"""The years a question names: the year its facts speak for (2024年, 24年, 二〇二四年) and the year of a report it
names (2004年政府工作报告里2003年GDP: report 2004, facts of 2003)."""
from __future__ import annotations

import re

from qa.rules.lexicon import CN_DIGITS, UNITS

# 2024, 2024年, 二〇二四年, 24年; a year of the last century only with 年 (1980年, 一九八〇年): 1980 alone is a count
_YEAR = re.compile(r"(?<![\d.])(20\d\d|二[〇零]二[〇零一二三四五六七八九])\s*年?|(?<!\d)(19[4-9]\d|一九[四五六七八九][〇零一二三四五六七八九])\s*年|(?<!\d)(\d\d)年")

# what makes a number without 年 a quantity, not a year: right after it, a digit, a decimal point, a magnitude or a
# unit (能到2000亿, 2020个, 2050万吨), but not 人 (2025人工智能…: a word starts there)
_QUANTITY_AFTER = re.compile(rf"[\d.．亿万千百]|(?!人)(?:{UNITS})")


def _parse_year(token: str) -> int:
    if token.isdigit():
        return int(token) if len(token) == 4 else 2000 + int(token)
    return int("".join(str(CN_DIGITS[c]) for c in token))


def find_year(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """The first year the text names (``2024年``, ``24年``, ``二〇二四年``) and its span."""
    quoted = [m.span() for m in re.finditer(r"“[^“”]*”", text)]
    for m in _YEAR.finditer(text):
        token = m.group(1) or m.group(2) or m.group(3)
        year = _parse_year(token)
        if any(a < m.start() < b for a, b in quoted):
            continue  # a title quoted in the question (“辉煌70年 追梦新时代”) names no year
        if not m.group(0).rstrip().endswith("年") and _QUANTITY_AFTER.match(text, m.start() + len(token)):
            continue  # 2000亿, 2020个: a quantity
        if 1949 <= year <= 2099 and (len(token) != 2 or 10 <= int(token) <= 39):
            # 24年 is 2024, but 70年 or 50年 counts years (辉煌70年): a two-digit year is this century's
            return year, m.span()
    return None, None


# the report a question names by its year, which is not the year its facts speak for (2004年政府工作报告里2003年GDP
# 是多少, 按2013年政府工作报告, 1993年报告说, 93年报告): the year, a place or what the report is of, then 报告
_REPORT_YEAR = re.compile(
    r"(((?:19|20)\d\d|一九[四五六七八九][〇零一二三四五六七八九]|二[〇零][〇零一二三][〇零一二三四五六七八九]|(?<!\d)\d\d)\s*年)(?:的|度)?"
    r"(?:[^\W\d的年]{0,10}?的?)(?:政府)?(?:工作)?报告"
)


def find_report_year(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """The year of the report the question names (``2004年政府工作报告``, ``93年报告`` → 1993) and the span of that
    year, or (None, None)."""
    for m in _REPORT_YEAR.finditer(text):
        token = m.group(2)
        year = (1900 if int(token) >= 50 else 2000) + int(token) if len(token) == 2 else _parse_year(token)
        if 1949 <= year <= 2099:
            return year, m.span(1)
    return None, None
