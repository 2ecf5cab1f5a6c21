"""What a report as delivered says of itself in its first lines: who delivered it, on which day, to which meeting.

A report opens with a dateline and a byline before the salutation (各位代表), in many layouts::

    ——2025年1月19日在重庆市第六届人民代表大会第三次会议上 / 重庆市人民政府市长 胡衡华
    2025年1月20日在安徽省第十四届人民代表大会第三次会议上安徽省人民政府省长王清宪作政府工作报告
    ——2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告
    2015年4月20日驻马店市第三届人民代表大会第六次会议通过驻马店市人民政府市长陈星
    1957年6月26日在第一届全国人民代表大会第四次会議上 / 周恩来

Each fact is kept with its offsets in the text, so an answer can cite it. A report printed without its heading (it
opens with 各位代表) states none of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HEAD_CHARS = 600  # the heading stands in the first lines
_SALUTATION = re.compile(r"各位代表|同志们")
_CN = r"[\u4e00-\u9fff]"
# a head of government's title, as bylines print it (国务院总理, 省长, 代省长, 自治区代理主席, 市长 …)
_TITLE = r"(?:国务院)?总理|(?:代理?)?(?:省长|市长|区长|县长|州长|旗长|盟长|主席)"
# a name: two to four characters (李 强 printed with a space), or a transcribed one (艾尔肯·吐尼亚孜)
_NAME = rf"{_CN}+(?:·{_CN}+)+|{_CN}(?:\s?{_CN}){{1,3}}?"
_AFTER_NAME = r"(?=同志|\s|作|做|在|$|[，。,（(])"
_TITLED_NAME = re.compile(rf"(?P<title>{_TITLE})\s*(?P<name>{_NAME}){_AFTER_NAME}")
_NAME_THEN_TITLE = re.compile(rf"日\s*(?P<name>{_CN}{{2,3}}?)(?P<title>{_TITLE})(?=在|作|的|\s)")
_NAME_LINE = re.compile(rf"\n\s*(?P<name>{_CN}(?:\s?{_CN}){{1,3}})\s*\n")
_DATE = re.compile(r"(?:19|20)\d\d年\d{1,2}月\d{1,2}日")
_NUMBER = "一二三四五六七八九十"
_MEETING = re.compile(
    rf"(?:日|在)\s*(?:在\s*)?(?P<meeting>(?:(?!在){_CN}){{0,12}}?第[{_NUMBER}]+[届屆]\s*(?:全[国國])?人民代表大[会會]"
    rf"第[{_NUMBER}]+次(?:全体|全體)?[会會][议議])"
)


@dataclass(frozen=True)
class Stated:
    """A fact as the report prints it, at ``start``..``end`` of its text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Heading:
    """The facts a report's heading states: each None when it does not."""

    speaker: Stated | None = None
    date: Stated | None = None
    meeting: Stated | None = None

    def fact(self, kind: str) -> Stated | None:
        return {"speaker": self.speaker, "date": self.date, "meeting": self.meeting}[kind]


def read_heading(text: str) -> Heading:
    """The speaker, the date and the meeting a report's first lines state (before its salutation)."""
    salutation = _SALUTATION.search(text, 0, HEAD_CHARS)
    head = text[: salutation.start() if salutation else HEAD_CHARS]
    meeting = _MEETING.search(head)
    if meeting is None:
        return Heading()  # no dateline: a heading that names no meeting names no speaker either
    date = next((m for m in _DATE.finditer(head) if m.end() <= meeting.start("meeting") <= m.end() + 40), None)
    return Heading(
        speaker=_speaker(head, meeting.end()),
        date=Stated(date.group(0), date.start(), date.end()) if date else None,
        meeting=Stated(meeting.group("meeting"), meeting.start("meeting"), meeting.end("meeting")),
    )


def _speaker(head: str, after_meeting: int) -> Stated | None:
    """The name after a head of government's title (省长 王清宪), before it (龚正市长), or alone on the line after the
    dateline (周恩来)."""
    for pattern in (_TITLED_NAME, _NAME_THEN_TITLE):
        m = pattern.search(head)
        if m is not None:
            return Stated(m.group("name"), m.start("name"), m.end("name"))
    line = head.find("\n", after_meeting)
    m = _NAME_LINE.match(head + "\n", line) if line >= 0 else None
    return Stated(m.group("name"), m.start("name"), m.end("name")) if m is not None else None
