"""The chat page: Gradio Blocks whose handlers call the same ``qa.ask`` as the API and format its ``Result`` as HTML
(escaped: the text is data)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qa.errors import QuestionError
from qa.schema import Citation, Result, Turn, answered_turn
from qa.answering.messages import confidence_cue
from qa.server.documents import DocumentJobs, documents_with_status
from qa.server.loading import NotReady, QAHolder
from qa.server.models import MAX_HISTORY, MAX_QUESTION_CHARS

EXAMPLES = [
    "历下2024年新增学位多少",
    "2022年历下区一般公共预算收入完成了多少？",
    "2024年历下区项目建设全年要投进去多少钱？",
    "2019年济南市中区外贸进出口总额是多少？",
    "2023年接受齐鲁晚报·齐鲁壹点记者采访的历下区区长是谁？",
]
SHOW_PASSAGE_CHARS = 300
MAX_TURNS = 20  # turns a conversation keeps on the server (its questions are the history of the next one)
MAX_SESSIONS = 2000  # conversations kept in memory; the oldest is forgotten beyond this
CSS = """
.qa-offsets, .qa-confidence, .qa-resolved { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-answer strong { font-size: 1.15em; }
"""


def highlighted_quote(citation: Citation) -> str:
    """The cited sentence with the answer span in ``<mark>``; escaped."""
    quote = citation.quote
    left = citation.start - citation.quote_start
    right = citation.end - citation.quote_start
    if not 0 <= left <= right <= len(quote):
        return html.escape(quote)
    return html.escape(quote[:left]) + "<mark>" + html.escape(quote[left:right]) + "</mark>" + html.escape(quote[right:])


def source_line(citation: Citation) -> str:
    parts = [f"《{citation.title}》"]
    if citation.year is not None:
        parts.append(f"{citation.year}年")
    if citation.district:
        parts.append(citation.district)
    return html.escape(" · ".join(parts)) + f'<span class="qa-offsets">（{html.escape(citation.doc_id)}，第{citation.start}–{citation.end}字）</span>'


def one_line(text: str) -> str:
    # a blank line would end the HTML block and let Markdown reinterpret the rest of the message
    return "<br>".join(html.escape(line) for line in text.split("\n") if line.strip())


def format_result(result: Result, titles: dict[str, str]) -> str:
    """The chat message for one ``Result``: answer, highlighted quote, citation, confidence and folded passages."""
    parts: list[str] = ['<div class="qa-result">']
    if result.abstained or not result.answer:
        parts.append(f'<p class="qa-abstain">{html.escape(result.message or "报告中没有找到这个问题的答案。")}</p>')
    else:
        parts.append(f'<p class="qa-answer"><strong>{html.escape(result.answer)}</strong></p>')
        if result.citations:
            citation = result.citations[0]
            parts.append(f'<blockquote class="qa-quote">{highlighted_quote(citation)}</blockquote>')
            parts.append(f'<p class="qa-source">出处：{source_line(citation)}</p>')
        if result.message:
            parts.append(f'<p class="qa-message">{html.escape(result.message)}</p>')
    parts.append(f'<p class="qa-confidence">{confidence_cue(result.confidence)}</p>')
    if result.resolved_question and result.resolved_question != result.question:
        parts.append(f'<p class="qa-resolved">理解为：{html.escape(result.resolved_question)}</p>')
    if result.passages:
        items = []
        for hit in result.passages:
            p = hit.passage
            text = p.text if len(p.text) <= SHOW_PASSAGE_CHARS else p.text[:SHOW_PASSAGE_CHARS] + "…"
            title = html.escape(titles.get(p.doc_id, p.doc_id))
            items.append(f"<li><b>《{title}》</b> 第{p.start}–{p.end}字（得分 {hit.score:.2f}）：{one_line(text)}</li>")
        parts.append(f'<details class="qa-passages"><summary>检索到的段落（{len(items)}）</summary><ol>{"".join(items)}</ol></details>')
    parts.append("</div>")
    return "".join(parts)


def question_bubble(question: str) -> str:
    """The user's question as the chat shows it: plain text in one HTML block (escaped, white space collapsed so no
    blank line can end the block), never read as Markdown or HTML."""
    return f'<p class="qa-question">{html.escape(" ".join(question.split()))}</p>'


@dataclass(frozen=True)
class Conversation:
    """One chat's turns, kept on the server (``gr.State``): each question as asked with the answer given and where it
    stands, and the messages shown. The page sends only the new question; nothing the browser sends becomes
    history."""

    turns: tuple[Turn, ...] = ()
    messages: tuple[dict, ...] = ()

    def then(self, turn: Turn, answer_html: str) -> Conversation:
        """This conversation with one more turn, the oldest dropped beyond ``MAX_TURNS``."""
        messages = self.messages + ({"role": "user", "content": question_bubble(turn.question)},
                                    {"role": "assistant", "content": answer_html})
        return Conversation((self.turns + (turn,))[-MAX_TURNS:], messages[-2 * MAX_TURNS:])

    def earlier_turns(self) -> list[Turn]:
        """The turns before, oldest first, at most ``MAX_HISTORY``."""
        return list(self.turns[-MAX_HISTORY:])


STATUS_NAMES = {"ready": "就绪", "queued": "排队", "indexing": "索引中", "failed": "失败"}
UPLOAD_INPUT = '<label>报告文件 <input type="file" accept=".pdf,.docx,.html,.htm,.txt"></label>'
# Runs in the browser: the file goes straight to the JSON API with the token; neither passes through Gradio (whose
# upload route stays closed) nor reaches the server's Python side by any other way.
CHANGE_JS = """
async (token, docId, district, year, source) => {
  const action = "ACTION";
  if (!token) return "请先填写 API 令牌。";
  const headers = {"Authorization": "Bearer " + token};
  let response;
  if (action === "remove" || action === "replace") {
    if (!docId) return "请先在“查看报告”中选择一份报告。";
  }
  if (action === "remove") {
    response = await fetch("api/documents/" + encodeURIComponent(docId), {method: "DELETE", headers});
  } else {
    const input = document.querySelector("#qa-upload input[type=file]");
    const file = input && input.files && input.files[0];
    if (!file) return "请先选择文件。";
    const form = new FormData();
    form.append("file", file, file.name);
    if (district) form.append("district", district);
    if (year) form.append("year", year);
    if (source) form.append("source", source);
    const url = action === "add" ? "api/documents" : "api/documents/" + encodeURIComponent(docId);
    response = await fetch(url, {method: action === "add" ? "POST" : "PUT", headers, body: form});
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return "未受理（" + response.status + "）：" + (body.detail || "");
  return "已受理：" + body.doc_id + "（" + body.status + "），点“刷新”查看进度。";
}
"""


def build_ui(holder: QAHolder, jobs: DocumentJobs | None = None) -> gr.Blocks:
    """The chat tab and the reports tab (with the documents' statuses from ``jobs`` and, behind the API token, their
    upload, replacement and removal); both read the same QA object as the API. The chat is built from plain
    Blocks, not ``gr.ChatInterface``: every event the page exposes is one of ours, with inputs it checks."""

    def respond(question: str, conversation: Conversation) -> tuple[Turn, str]:
        try:
            qa = holder.get()
        except NotReady as exc:
            return Turn(question), f'<p class="qa-abstain">{html.escape("暂时无法回答：" + exc.reason)}</p>'
        try:
            result = qa.ask(question, history=conversation.earlier_turns())
        except QuestionError as exc:
            return Turn(question), f'<p class="qa-abstain">{html.escape(str(exc))}</p>'
        return answered_turn(question, result), format_result(result, {d.doc_id: d.title for d in qa.documents})

    def chat_turn(message: str, conversation: Conversation | None) -> tuple[str, list[dict], Conversation]:
        """One turn: the answer to ``message`` added to the server's conversation, shown whole; the box emptied."""
        if not isinstance(message, str):
            raise gr.Error("问题必须是文字。")
        conversation = conversation if isinstance(conversation, Conversation) else Conversation()
        question = message.strip()[:MAX_QUESTION_CHARS]
        if not question:
            return "", list(conversation.messages), conversation
        conversation = conversation.then(*respond(question, conversation))
        return "", list(conversation.messages), conversation

    def example_turn(sample: list[Any], conversation: Conversation | None) -> tuple[str, list[dict], Conversation]:
        return chat_turn(str(sample[0]) if sample else "", conversation)

    def list_reports() -> tuple[list[list[Any]], Any]:
        try:
            documents = holder.get().documents
        except NotReady:
            return [], gr.update(choices=[])
        rows = documents_with_status(documents, jobs.pending() if jobs is not None else [])
        table = [[d.doc_id, d.title, d.district or "", d.year or "", d.source or "", d.date or "", d.chars or "",
                  STATUS_NAMES.get(d.status, d.status), d.reason or ""] for d in rows]
        return table, gr.update(choices=[(f"{d.title}（{d.doc_id}）", d.doc_id) for d in documents])

    def show_report(doc_id: str | None) -> str:
        if not doc_id:
            return ""
        try:
            documents = holder.get().documents
        except NotReady as exc:
            return exc.reason
        return next((d.text for d in documents if d.doc_id == doc_id), "")

    with gr.Blocks(title="报告问答") as demo:
        with gr.Tab("问答"):
            gr.Markdown(
                "## 报告问答\n抽取式问答：答案是报告原文中的片段，附出处；报告中没有答案时如实说明。"
                "可以接着追问，如“那2023年呢？”。JSON 接口见 [/docs](docs)。"
            )
            chatbot = gr.Chatbot(
                label="报告问答", height="62vh", latex_delimiters=[], feedback_options=None, buttons=["copy", "copy_all"],
                placeholder="就济南历下区、市中区的政府工作报告提问，答案摘自原文并注明出处。",
            )
            box = gr.Textbox(
                placeholder="例如：历下2024年新增学位多少", submit_btn=True, max_length=MAX_QUESTION_CHARS,
                show_label=False, lines=1,
            )
            examples = gr.Dataset(components=[box], samples=[[q] for q in EXAMPLES], label="示例问题", type="values")
            conversation = gr.State(Conversation())
            turn = [box, chatbot, conversation]
            box.submit(chat_turn, inputs=[box, conversation], outputs=turn, api_visibility="private", concurrency_limit=8)
            examples.click(example_turn, inputs=[examples, conversation], outputs=turn, api_visibility="private",
                           concurrency_limit=8)
            # the chat's clear button empties the page; the server forgets the conversation with it
            chatbot.clear(Conversation, outputs=conversation, api_visibility="private")
        with gr.Tab("报告"):
            table = gr.Dataframe(
                headers=["doc_id", "标题", "区", "年份", "来源", "日期", "字数", "状态", "说明"], interactive=False, wrap=True,
                label="报告列表",
            )
            with gr.Row():
                choice = gr.Dropdown(label="查看报告", choices=[], scale=4)
                refresh = gr.Button("刷新", scale=1)
            text = gr.Textbox(label="全文（规范化文本，答案的字符位置以此为准）", lines=20, max_lines=40, interactive=False)
            with gr.Accordion("添加、替换、删除报告（需要 API 令牌）", open=False):
                gr.Markdown(
                    "PDF（须有文字层）、Word（.docx）、网页（.html）或文本（UTF-8、GB18030）。文件直接发往 "
                    "`/api/documents`，令牌只留在本页；提交后点“刷新”看状态：排队、索引中、就绪或失败（附原因）。"
                )
                token = gr.Textbox(label="API 令牌", type="password", elem_id="qa-token")
                gr.HTML(UPLOAD_INPUT, elem_id="qa-upload")
                with gr.Row():
                    district = gr.Textbox(label="区（可空，自动识别）", elem_id="qa-district")
                    year = gr.Textbox(label="年份（可空，自动识别）", elem_id="qa-year")
                    source = gr.Textbox(label="来源（可空）", elem_id="qa-source")
                with gr.Row():
                    add = gr.Button("上传为新报告", variant="primary")
                    replace = gr.Button("替换所选报告")
                    delete = gr.Button("删除所选报告", variant="stop")
                outcome = gr.Markdown(elem_id="qa-change-outcome")
            demo.load(list_reports, outputs=[table, choice], api_visibility="private")
            refresh.click(list_reports, outputs=[table, choice], api_visibility="private")
            choice.change(show_report, inputs=choice, outputs=text, api_visibility="private")
            fields = [token, choice, district, year, source]
            add.click(None, inputs=fields, outputs=outcome, js=CHANGE_JS.replace("ACTION", "add"))
            replace.click(None, inputs=fields, outputs=outcome, js=CHANGE_JS.replace("ACTION", "replace"))
            delete.click(None, inputs=fields, outputs=outcome, js=CHANGE_JS.replace("ACTION", "remove"))
    demo.state_session_capacity = MAX_SESSIONS
    return demo
