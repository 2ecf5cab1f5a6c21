"""A real ``python app.py`` over HTTP: it builds its own index, answers, refuses mistakes, and holds 32 clients at once
(their questions batched on its inference thread, their answers those asked alone)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest_app import live_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

QUESTION = "历下2024年新增学位多少"
MIXED = [
    QUESTION,
    "2022年历下区一般公共预算收入完成了多少？",
    "2019年济南市中区外贸进出口总额是多少？",
    "2024年历下区项目建设全年要投进去多少钱？",
    "槐荫区2023年新建了几所学校",
]


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=60, limits=httpx.Limits(max_connections=32)) as client:
        yield client


def test_builds_the_missing_index_and_says_so(live_server):
    assert "building the index" in live_server.log()
    # whatever answered before the index was ready answered 503 with a reason, never 500
    for status, body in live_server.not_ready_responses:
        assert status == 503 and body["detail"]


def test_health_is_ok(http):
    body = http.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["documents"] > 0 and body["passages"] > 0
    assert body["embedding_model"] == "m3e-small"
    assert body["answerer"] == "hybrid"  # the shipped reader and ranker are loaded


def test_ask_answers_with_a_cited_span(http):
    response = http.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert "7000余个" in body["answer"]
    citation = body["citations"][0]
    text = http.get(f"/api/documents/{citation['doc_id']}").json()["text"]
    assert text[citation["start"]:citation["end"]] == body["answer"]
    assert text[citation["quote_start"]:citation["quote_end"]] == citation["quote"]


def test_lists_documents(http):
    documents = http.get("/api/documents").json()
    assert documents and all({"doc_id", "title", "district", "year", "source", "chars"} <= d.keys() for d in documents)


def test_invalid_question_is_422(http):
    response = http.post("/api/ask", json={"question": "   "})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("question")


def test_unknown_document_is_404(http):
    assert http.get("/api/documents/no-such-report").status_code == 404


def test_oversized_body_is_413(http):
    response = http.post("/api/ask", content=b"x" * 70_000, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_chat_page_and_docs_are_served(http):
    assert "text/html" in http.get("/").headers["content-type"]
    assert http.get("/docs").status_code == 200


def test_32_concurrent_clients_get_complete_consistent_answers(http):
    expected = {q: http.post("/api/ask", json={"question": q}).json() for q in MIXED}
    questions = MIXED * 13  # 65 requests, 32 at a time

    def ask(question: str) -> tuple[str, int, dict]:
        response = http.post("/api/ask", json={"question": question})
        return question, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(ask, questions))
    assert [status for _, status, _ in results] == [200] * len(questions)
    for question, _, body in results:
        assert body["question"] == question
        assert (body["answer"], body["abstained"], body["citations"]) == (
            expected[question]["answer"], expected[question]["abstained"], expected[question]["citations"])
        # questions asked together are embedded in one batch: the same answers, confidence within float noise
        assert body["confidence"] == pytest.approx(expected[question]["confidence"], abs=1e-4)


def test_a_client_sending_its_headers_too_slowly_is_cut_off(live_server):
    """The app as served (``qa.server.main.serve``) carries the header deadline: 10 s by default, then 408."""
    import select
    import socket
    import time
    from urllib.parse import urlsplit

    address = urlsplit(live_server.url)
    with socket.create_connection((address.hostname, address.port)) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        reply = b""
        while time.monotonic() - started < 20 and not reply:
            readable, _, _ = select.select([sock], [], [], 2.0)
            if readable:
                sock.settimeout(5)
                while chunk := sock.recv(4096):
                    reply += chunk
                cut_after = time.monotonic() - started
            else:
                sock.sendall(b"a")  # a byte every 2 s does not keep it open
    assert reply.startswith(b"HTTP/1.1 408")
    assert 9.5 < cut_after < 15


def test_the_official_openai_client_gets_cited_answers_streamed_and_whole(live_server):
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0, timeout=60)
    assert [m.id for m in sdk.models.list()] == ["reportqa"]
    messages = [{"role": "user", "content": "2019年济南市中区外贸进出口总额是多少？"}, {"role": "assistant", "content": "……"},
                {"role": "user", "content": QUESTION}]
    reply = sdk.chat.completions.create(model="reportqa", messages=messages)
    structured = reply.model_extra["reportqa"]
    assert structured["answer"] == "7000余个" and "**7000余个**" in reply.choices[0].message.content
    citation = structured["citations"][0]
    assert citation["district"] == "历下区" and citation["year"] == 2024 and f"《{citation['title']}》" in reply.choices[0].message.content
    chunks = list(sdk.chat.completions.create(model="reportqa", messages=messages, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == reply.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.chat.completions.create(model="reportqa", messages=[{"role": "user", "content": "问" * 600}])
    assert "500" in refused.value.body["message"]
