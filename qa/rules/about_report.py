"""Questions about a report itself, answered from its heading: who delivered it (报告是谁作的, 报告人是谁, 由谁所作,
是谁代表政府作的, 作报告的是谁, 江西省长是谁), on which day (报告是哪天在人代会上作的), at which meeting (在哪次会议上作的)."""
from __future__ import annotations

import re

_SUBJECT = r"(?:报告|那份|这份)"
_REPORT_FACTS = (
    ("speaker", re.compile(rf"报告人|(?:作|做)报告的人?是谁|谁(?:作|做)的(?:这份|那份)?(?:政府工作)?报告|{_SUBJECT}是?哪一?位[^，。？?]{{0,4}}?(?:作|做)|"
                           rf"{_SUBJECT}[^，。？?]{{0,8}}?谁(?:代表[^，。？?]{{0,6}})?所?(?:作|做)")),
    ("date", re.compile(rf"{_SUBJECT}是?在?(?:哪一?天|什么时候|何时|几月几[日号]|什么日子)[^，。？?]{{0,14}}?(?:作|做|通过|发表)")),
    ("meeting", re.compile(r"(?:哪次|哪一次|什么|哪个|哪届|哪一届)(?:会议|大会|会)上?(?:作|做)")),
)
# what may stand before the report asked about, once its place and year are taken out (2025年安徽省政府工作报告,
# 驻马店2024年的政府工作报告, 按2021年报告): anything else (1980年计划的报告) makes it another report
_REPORT_NAMED = re.compile(r"[省市区县]?(?:政府工作|报告|的|里|中|那份|这份|按|据|在|是|他|她|[，,\s（(])*")
# a head of government asked by title and nothing else (江西省长是谁, 高阳县2018年的县长是谁): the report's speaker
_HEAD_ASKED = re.compile(r"(?:的|里的|中的)?(?:^长|国务院总理|总理|省长|市长|区长|县长|州长|旗长|盟长|主席)(?:是谁|叫什么名字|叫什么|是哪位|姓名)")


def report_fact(bare: str) -> str:
    """What a question asks of the report itself ("speaker", "date", "meeting"), or "": ``bare`` is the question
    without its place and year."""
    text = bare.strip().rstrip("？?。!！")
    for kind, pattern in _REPORT_FACTS:
        m = pattern.search(text)
        if m is not None and _REPORT_NAMED.fullmatch(text[: m.start()]):
            return kind
    m = _HEAD_ASKED.search(text)
    rest = text[: m.start()] + text[m.end() :] if m else ""
    if m is not None and re.fullmatch(r"(?:[（(]?(?:政府工作)?报告[）)]?|[（(）)，,？?\s的里中])*", rest):
        return "speaker"
    return ""
