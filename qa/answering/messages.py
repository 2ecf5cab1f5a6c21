"""Every sentence the answering stage says to the asker, in one place: why no report can answer, why the rules would
not, what the reports state, and the note when several districts' reports compete. Pure functions of literal
inputs; the parts that decide call them."""
from __future__ import annotations

from typing import Sequence

from qa.rules.lexicon import ORDINAL
from qa.rules.question import Question
from qa.rules.signals import Reason

# refused before reading
CHITCHAT = "这不是关于报告内容的问题；请问报告中的数字、名称或事项。"
NOTHING_TO_QUOTE = "这个问题没有可以从报告原文中摘出的具体答案；请问具体的数字、名称、名单或日期。"
# the rules found nothing to offer
NO_TERMS = "报告中没有提到问题里的这些内容。"
NOTHING = "报告中没有找到这个问题的答案。"
# found something, not sure enough to answer
UNSURE = "报告中没有找到可靠的答案；下面是最接近的段落。"
READER_NONE = "阅读模型认为这些段落中没有答案。"


def other_place(place: str, covered: Sequence[str]) -> str:
    """A place no report covers."""
    return f"报告中没有关于{place}的内容（现有报告只涉及{'、'.join(covered)}）。"


def year_not_covered(district: str | None, year: int, years: Sequence[int]) -> str:
    """A year no report of the place covers."""
    return f"报告中没有{district or '这些报告'}{year}年的内容（涉及的年份：{'、'.join(str(y) for y in years)}）。"


def no_report(district: str | None, year: int, years: Sequence[int]) -> str:
    """A question naming a report of a year no report in the corpus was delivered in."""
    held = f"（现有{district or ''}报告的年份：{'、'.join(map(str, years))}）" if years else ""
    return f"没有{district or ''}{year}年的报告{held}。"


def other_year(district: str | None, year: int, elsewhere_year: int | None = None, elsewhere_text: str | None = None) -> str:
    """The figure asked is printed only for another year (which, and what, when known)."""
    hint = f"（{elsewhere_year}年：{elsewhere_text}）" if elsewhere_text is not None else ""
    return f"报告中没有{district or ''}{year}年的这项内容{hint}。"


def not_an_answer(reason: Reason, asked: Question, where: str, year: int | None = None) -> str:
    """Why the best span found still does not answer (``where``: its clause; ``year``: its sentence's)."""
    if reason is Reason.PERSON:
        return f"报告中没有提到{asked.role or '这个人'}的姓名。"
    if reason is Reason.ADDED:
        return f"报告中没有这项总数（只给出了新增数：{where}）。"
    if reason is Reason.MEMBERS:
        return f"报告中只给出了数目，没有列出这{asked.members}个的名称（最接近的是：{where}）。"
    if reason is Reason.ACTUAL:
        return f"报告中只有{year or ''}年的计划数（{where}），没有实际完成的数字。"
    if reason is Reason.SUPERLATIVE:
        return f"报告中没有说哪一个“{asked.superlative}”（最接近的是：{where}）。"
    if reason is Reason.CONTRARY:
        return f"报告中没有这项数字（只有另一项的：{where}）。"
    if reason is Reason.COMBINED:
        return f"报告中没有单独的这项数字（只给出了合计：{where}）。"
    if reason is Reason.FIT:
        return f"报告中没有{_asked_measure(asked)}的这项数字（最接近的是：{where}）。"
    raise ValueError(f"no message for {reason!r} here")


def _asked_measure(asked: Question) -> str:
    if asked.answer_type == "percentage":
        return "百分比形式"
    if asked.answer_type == "amount":
        return "金额形式"
    return f"以“{asked.unit}”计" if asked.unit and asked.unit != ORDINAL else "所问形式"


def stated(district: str | None, year: int | None, stance: str | None, clause: str, others: Sequence[str] = ()) -> str:
    """What the reports state: place, year, plan or result, and the answer's clause; up to two close other answers
    of the same report after 另."""
    when = f"{year}年" if year else ""
    what = "计划" if stance == "plan" else "实现" if stance == "result" else ""
    message = f"{district or ''}{when}{what}：{clause}"
    if others:
        message += "（另：" + "；".join(others[:2]) + "）"
    return message


def heading(title: str, line: str) -> str:
    """Where a report states its own speaker, date or meeting: the line of its heading."""
    return f"{title}开头写明：{line.strip()[:120]}"


def which_district(own: str | None, rivals: Sequence[str]) -> str:
    """The note when the question names no district and other districts' reports say something of it too."""
    named = "、".join(rivals[:3]) + ("等" if len(rivals) > 3 else "")
    return f"（问题没有说明区县：以上是{own or '这份报告'}的；{named}的报告也说到这一项，说法可能不同，请说明区县。）"


def confidence_cue(confidence: float) -> str:
    """How sure an answer is, in words and figures, as the chat page and chat clients show it."""
    level = "高" if confidence >= 0.7 else "中" if confidence >= 0.4 else "低"
    return f"置信度：{level}（{confidence:.2f}）"
