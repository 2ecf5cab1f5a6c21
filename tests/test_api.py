"""The JSON API: the response contract, every client mistake as a 4xx, and (slow) the real QA behind it."""
from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from qa.server.guards import AllowedRoutes, RateLimit
from qa.server.loading import get_qa, public_reason
from qa.server.main import create_app
from qa.server.page import Conversation, format_result
from qa.schema import Turn, answered_turn
from conftest_app import ROOT, FakeQA, client, fake_qa, served_fake, wait_until_ready  # noqa: F401  (fixtures)
from qa.errors import QuestionError

QUESTION = "历下2024年新增学位多少"
CITATION_FIELDS = {"doc_id", "title", "year", "district", "start", "end", "quote", "quote_start", "quote_end"}
ANSWER_FIELDS = {"question", "resolved_question", "answer", "abstained", "confidence", "message", "answers", "citations",
                 "passages", "latency_ms"}


def assert_spans_match_documents(client: TestClient, body: dict) -> None:
    """Every citation's offsets point at its answer and quote in the text served by /api/documents/{doc_id}."""
    assert body["citations"], "an answer must carry a citation"
    assert body["answers"][0]["text"] == body["answer"]
    for candidate in body["answers"]:
        citation = candidate["citation"]
        text = client.get(f"/api/documents/{citation['doc_id']}").json()["text"]
        assert text[citation["start"]:citation["end"]] == candidate["text"]
        assert text[citation["quote_start"]:citation["quote_end"]] == citation["quote"]
    for citation in body["citations"]:
        text = client.get(f"/api/documents/{citation['doc_id']}").json()["text"]
        assert text[citation["quote_start"]:citation["quote_end"]] == citation["quote"]
        assert citation["quote_start"] <= citation["start"] <= citation["end"] <= citation["quote_end"]


# --- the contract ----------------------------------------------------------------------------------------------------


def test_ask_returns_every_contract_field(client):
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert ANSWER_FIELDS <= body.keys()
    assert body["question"] == QUESTION
    assert body["answer"] == "7000余个"
    assert body["abstained"] is False
    assert isinstance(body["confidence"], float)
    assert isinstance(body["message"], str)
    assert isinstance(body["latency_ms"], float)
    assert {"text", "score", "citation"} <= body["answers"][0].keys()
    for citation in [body["answers"][0]["citation"], *body["citations"]]:
        assert CITATION_FIELDS <= citation.keys()
    assert body["citations"][0] == {**body["answers"][0]["citation"]}
    assert body["citations"][0]["title"] == "开创国际化一流中心城区建设新局面"
    assert body["citations"][0]["year"] == 2024
    assert body["citations"][0]["district"] == "历下区"
    for passage in body["passages"]:
        assert {"doc_id", "title", "start", "end", "text", "score"} <= passage.keys()


def test_answer_span_matches_document_text(client):
    assert_spans_match_documents(client, client.post("/api/ask", json={"question": QUESTION}).json())


def test_passage_offsets_match_document_text(client):
    body = client.post("/api/ask", json={"question": QUESTION}).json()
    assert body["passages"]
    for passage in body["passages"]:
        document = client.get(f"/api/documents/{passage['doc_id']}").json()
        assert document["text"][passage["start"]:passage["end"]] == passage["text"]
        assert passage["title"] == document["title"]


def test_question_is_trimmed_and_options_reach_the_library(client, fake_qa):
    response = client.post("/api/ask", json={"question": "  那2023年呢？ \n", "top_k": 3, "history": [QUESTION]})
    assert response.status_code == 200
    assert response.json()["question"] == "那2023年呢？"
    assert len(response.json()["passages"]) == 3
    assert fake_qa.calls[-1] == ("那2023年呢？", 3, (QUESTION,))


def test_history_as_role_messages_reaches_the_library_as_turns_with_the_answers_and_their_places(client, fake_qa):
    first = client.post("/api/ask", json={"question": QUESTION}).json()
    citation = first["citations"][0]
    place = {"doc_id": citation["doc_id"], "start": citation["start"], "end": citation["end"]}
    history = ["更早的问题",
               {"role": "user", "content": QUESTION}, {"role": "assistant", "content": first["answer"], "citation": place},
               {"role": "user", "content": "没答上的问题"}, {"role": "assistant", "content": "报告中没有找到这个问题的答案。\n\n可信度：低"}]
    response = client.post("/api/ask", json={"question": "那2023年呢？", "history": history})
    assert response.status_code == 200
    assert fake_qa.turns[-1] == (Turn("更早的问题"), Turn(QUESTION, first["answer"], place["doc_id"], place["start"], place["end"]),
                                 Turn("没答上的问题"))


def test_defaults_are_five_passages_and_no_history(client, fake_qa):
    client.post("/api/ask", json={"question": QUESTION})
    assert fake_qa.calls[-1] == (QUESTION, 5, ())


def test_abstention_has_no_answer_and_a_message(client):
    body = client.post("/api/ask", json={"question": "槐荫区2023年新建了几所学校"}).json()
    assert body["abstained"] is True
    assert body["answer"] is None
    assert body["answers"] == [] and body["citations"] == []
    assert body["message"]


def test_lists_documents_with_metadata(client):
    response = client.get("/api/documents")
    assert response.status_code == 200
    documents = response.json()
    assert [d["doc_id"] for d in documents] == ["lixia-2024-interview", "shizhong-2020-report"]
    first = documents[0]
    assert {"doc_id", "title", "district", "year", "source", "chars"} <= first.keys()
    assert "text" not in first
    assert (first["title"], first["district"], first["year"], first["source"]) == (
        "开创国际化一流中心城区建设新局面", "历下区", 2024, "齐鲁晚报·齐鲁壹点")
    assert documents[1]["source"] is None


def test_document_adds_its_canonical_text(client, fake_qa):
    response = client.get("/api/documents/lixia-2024-interview")
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == fake_qa.documents[0].text
    assert body["chars"] == len(body["text"])


def test_health_reports_counts_and_model(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "documents": 2, "passages": 7, "embedding_model": "fake-embedder", "answerer": "rules"}


def test_openapi_docs_and_chat_page_are_served(client):
    import re

    docs = client.get("/docs")
    assert docs.status_code == 200
    # the Swagger page must not need a CDN: every script and stylesheet it names is served here
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert all(client.get(a).status_code == 200 for a in assets)
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/health"} <= paths.keys()
    page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


# --- client mistakes: 4xx with a readable message, never 500 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   \n\t "}, "question"),
        ({"question": "问" * 501}, "question"),
        ({"question": 123}, "question"),
        ({"question": None}, "question"),
        ({}, "question"),
        ({"question": QUESTION, "top_k": 0}, "top_k"),
        ({"question": QUESTION, "top_k": 21}, "top_k"),
        ({"question": QUESTION, "top_k": "5"}, "top_k"),
        ({"question": QUESTION, "top_k": 2.5}, "top_k"),
        ({"question": QUESTION, "history": "x"}, "history"),
        ({"question": QUESTION, "history": [1, 2]}, "history"),
        ({"question": QUESTION, "history": [QUESTION] * 41}, "history"),  # 20 turns of question and answer at most
        ({"question": QUESTION, "history": [{"role": "system", "content": "x"}]}, "history"),
        ({"question": QUESTION, "history": [{"role": "user"}]}, "history"),
        ({"question": QUESTION, "history": [{"role": "user", "content": "x", "name": "y"}]}, "history"),
        ({"question": QUESTION, "history": [{"role": "assistant", "content": "x", "citation": {"doc_id": "d", "start": -1, "end": 2}}]}, "history"),
        ({"question": QUESTION, "history": [{"role": "assistant", "content": "长" * 4001}]}, "history"),
        ({"question": QUESTION, "history": ["问" * 501]}, "history"),
        ({"question": QUESTION, "topk": 3}, "topk"),
        ([QUESTION], "body"),
    ],
)
def test_rejects_invalid_fields_with_422(client, fake_qa, body, field):
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(field)
    assert fake_qa.calls == []


def test_accepts_the_boundaries(client):
    for body in (
        {"question": "问" * 500, "top_k": 1},
        {"question": "问", "top_k": 20, "history": ["问" * 500] * 20},
    ):
        assert client.post("/api/ask", json=body).status_code == 200


@pytest.mark.parametrize("raw", [b'{"question": ', b"not json", b'{"question": "a",}', "{'question': 'a'}".encode()])
def test_rejects_invalid_json_with_422(client, raw):
    response = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("invalid JSON")


def test_rejects_a_body_that_is_not_json(client):
    response = client.post("/api/ask", content=QUESTION.encode(), headers={"content-type": "text/plain"})
    assert response.status_code == 422


def test_library_question_error_is_422(client):
    class Refusing(FakeQA):
        def ask(self, question, *, top_k=None, history=()):
            raise QuestionError("the question is not text")

    client.app.dependency_overrides[get_qa] = Refusing
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 422
    assert response.json()["detail"] == "the question is not text"


def test_unknown_document_is_404(client):
    response = client.get("/api/documents/no-such-report")
    assert response.status_code == 404
    assert "no-such-report" in response.json()["detail"]


def test_refuses_oversized_body_by_content_length(client, fake_qa):
    body = ('{"question": "' + "问" * 30_000 + '"}').encode()
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert fake_qa.calls == []


def test_refuses_oversized_streamed_body(client, fake_qa):
    # a generator is sent chunked, without Content-Length: the limit must hold while reading
    chunks = (b'{"question": "' if i == 0 else b"x" * 16_384 for i in range(6))
    response = client.post("/api/ask", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert fake_qa.calls == []


def test_wrong_method_and_unknown_route_are_client_errors(client):
    # the chat page is mounted at "/", so these fall through to it and come back 404 rather than 405
    for method, path in [("get", "/api/ask"), ("delete", "/api/ask"), ("get", "/api/nothing-here")]:
        assert client.request(method, path).status_code in (404, 405)


def test_library_pipeline_on_a_small_corpus_keeps_the_contract(client, small_qa):
    # the real QA class (inline corpus, fake embedder from conftest.py) swapped in through the dependency
    client.app.dependency_overrides[get_qa] = lambda: small_qa
    body = client.post("/api/ask", json={"question": "2023年历下计划增加多少个学位？"}).json()
    assert body["abstained"] is False
    assert body["answer"] == "6630个"
    assert_spans_match_documents(client, body)
    assert client.get("/api/health").json()["embedding_model"] == "fake-embedder"


# --- not ready: 503 with the reason ------------------------------------------------------------------------------------


def test_still_loading_is_503_with_reason():
    release = threading.Event()

    def slow_loader():
        release.wait(10)
        return FakeQA()

    with TestClient(create_app(qa_loader=slow_loader), base_url="http://127.0.0.1") as loading:
        try:
            for method, path, body in [("post", "/api/ask", {"question": QUESTION}), ("get", "/api/documents", None),
                                       ("get", "/api/documents/x", None), ("get", "/api/health", None)]:
                response = loading.request(method, path, json=body)
                assert response.status_code == 503, path
                assert response.json()["status"] == "loading"
                assert "loading" in response.json()["detail"]
                assert response.headers["retry-after"]
        finally:
            release.set()
        wait_until_ready(loading)
        assert loading.post("/api/ask", json={"question": QUESTION}).status_code == 200


def test_with_the_page_built_later_the_api_answers_first_and_the_page_follows(monkeypatch):
    """What ``serve`` does: the page is built once the answerer has loaded; until then / and the page's calls say
    503 with Retry-After, and the page's functions are checked as ever once it is there."""
    release = threading.Event()

    def slow_loader():
        release.wait(10)
        return FakeQA()

    from qa.server import pagemount

    monkeypatch.setattr(pagemount, "QUIET", 2.0)  # a slow first request must not pass for a quiet moment here
    app = create_app(qa_loader=slow_loader, page_later=True)
    assert "gradio" not in type(app.state.page).__module__
    with TestClient(app, base_url="http://127.0.0.1") as later:
        try:
            for method, path, body in [("get", "/", None), ("post", "/gradio_api/queue/join", {"data": [], "fn_index": 0})]:
                response = later.request(method, path, json=body)
                assert response.status_code == 503, path
                assert "starting" in response.json()["detail"] and response.headers["retry-after"]
            assert not app.state.page.ready.is_set()  # nothing built while the answerer loads
        finally:
            release.set()
        wait_until_ready(later)
        for _ in range(15):  # while questions keep coming, the page waits for a quiet moment
            assert later.post("/api/ask", json={"question": QUESTION}).status_code == 200
            time.sleep(0.1)
        assert not app.state.page.ready.is_set()
        assert app.state.page.ready.wait(60) and app.state.page.error is None
        page = later.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        refused = later.post("/gradio_api/queue/join", json={"data": [], "fn_index": 999, "session_hash": "abc"})
        assert refused.status_code == 422 and "fn_index" in refused.json()["detail"]


def test_failed_load_is_503_with_the_error_but_not_the_folders():
    def broken_loader():
        raise FileNotFoundError("corpus folder /srv/private/nowhere does not exist")

    with TestClient(create_app(qa_loader=broken_loader), base_url="http://127.0.0.1") as failed:
        for _ in range(200):
            response = failed.get("/api/health")
            if response.json().get("status") == "failed":
                break
            threading.Event().wait(0.01)
        assert response.status_code == 503
        assert "nowhere does not exist" in response.json()["detail"] and "/srv" not in response.json()["detail"]
        response = failed.post("/api/ask", json={"question": QUESTION})
        assert response.status_code == 503 and "/srv/private" not in response.json()["detail"]


def test_concurrent_requests_share_one_qa(client, fake_qa):
    from concurrent.futures import ThreadPoolExecutor

    questions = [QUESTION, "2019年市中区外贸进出口总额是多少", "槐荫区2023年新建了几所学校"] * 11
    with ThreadPoolExecutor(32) as pool:
        responses = list(pool.map(lambda q: client.post("/api/ask", json={"question": q}), questions))
    assert [r.status_code for r in responses] == [200] * len(questions)
    assert [r.json()["answer"] for r in responses[:3]] == ["7000余个", "41.89亿元", None]
    assert [r.json()["answer"] for r in responses] == [r.json()["answer"] for r in responses[:3]] * 11


# --- the chat page's formatting (pure function) ------------------------------------------------------------------------


def test_chat_message_shows_answer_quote_citation_and_passages():
    fake_qa = FakeQA()
    result = fake_qa.ask(QUESTION)
    message = format_result(result, {d.doc_id: d.title for d in fake_qa.documents})
    assert "<strong>7000余个</strong>" in message
    assert "新增学位<mark>7000余个</mark>，持续" in message
    assert "《开创国际化一流中心城区建设新局面》 · 2024年 · 历下区" in message
    assert "<details" in message and "置信度" in message
    assert "\n\n" not in message  # a blank line would end the HTML block


def test_chat_message_escapes_html_and_says_when_it_abstains():
    result = FakeQA().ask("<script>alert(1)</script>有没有？")
    message = format_result(result, {})
    assert "<script>" not in message
    assert "报告中没有找到这个问题的答案" in message and "<strong>" not in message


def test_a_conversation_keeps_its_turns_and_shows_them_as_plain_text():
    conversation = Conversation().then(Turn(QUESTION, "7000余个", "lixia-2025", 10, 16), "<p>7000余个</p>")
    conversation = conversation.then(Turn("<img src=x onerror=alert(1)>\n\n**那2023年呢？**"), "<p>6630个</p>")
    assert conversation.earlier_turns() == [Turn(QUESTION, "7000余个", "lixia-2025", 10, 16),
                                            Turn("<img src=x onerror=alert(1)>\n\n**那2023年呢？**")]
    shown = conversation.messages[2]["content"]
    assert shown.startswith('<p class="qa-question">') and "<img" not in shown and "\n\n" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    for _ in range(30):
        conversation = conversation.then(Turn("问"), "答")
    assert len(conversation.turns) == 20 and len(conversation.messages) == 40


def test_an_answered_turn_keeps_the_answer_and_its_place_and_an_abstention_keeps_the_question_only():
    answered = FakeQA().ask(QUESTION)
    turn = answered_turn(QUESTION, answered)
    citation = answered.citations[0]
    assert turn == Turn(QUESTION, answered.answer, citation.doc_id, citation.start, citation.end)
    abstained = FakeQA().ask("<script>alert(1)</script>有没有？")
    assert abstained.abstained and answered_turn("有没有？", abstained) == Turn("有没有？")


# --- slow: the real QA behind the same routes --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_client(tmp_path_factory):
    from qa.index.embedding import load_embedder
    from qa.index.store import build_index
    from qa.answering.pipeline import QA

    index_dir = tmp_path_factory.mktemp("api-real") / "index"
    corpus_dir = ROOT / "corpus"
    embedder = load_embedder("m3e-small")
    build_index(corpus_dir, index_dir, embedder, progress=False)
    qa = QA.load(index_dir, corpus_dir=corpus_dir, embedder=embedder)
    with TestClient(create_app(qa_loader=lambda: qa), base_url="http://127.0.0.1") as test_client:
        wait_until_ready(test_client)
        yield test_client


@pytest.mark.slow
def test_real_answer_cites_its_span(real_client):
    response = real_client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert body["abstained"] is False
    assert "7000余个" in body["answer"]
    assert body["citations"][0]["district"] == "历下区"
    assert_spans_match_documents(real_client, body)


@pytest.mark.slow
def test_real_follow_up_is_resolved_through_history(real_client):
    body = real_client.post("/api/ask", json={"question": "那2023年呢？", "history": [QUESTION]}).json()
    assert "2023" in body["resolved_question"] and "历下" in body["resolved_question"]
    if not body["abstained"]:
        assert_spans_match_documents(real_client, body)
        assert body["citations"][0]["district"] == "历下区"


@pytest.mark.slow
def test_real_follow_up_can_switch_district(real_client):
    body = real_client.post("/api/ask", json={"question": "市中区呢？", "history": [QUESTION, "那2023年呢？"]}).json()
    assert "市中区" in body["resolved_question"]
    assert body["abstained"] or body["citations"][0]["district"] == "市中区"


@pytest.mark.slow
def test_real_unanswerable_question_abstains(real_client):
    body = real_client.post("/api/ask", json={"question": "槐荫区2023年新建了几所学校"}).json()
    assert body["abstained"] is True
    assert body["answer"] is None
    assert body["message"]


@pytest.mark.slow
def test_real_documents_and_health(real_client):
    documents = real_client.get("/api/documents").json()
    health = real_client.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == len(documents) > 0
    assert health["embedding_model"] == "m3e-small"
    assert all(d["chars"] == len(real_client.get(f"/api/documents/{d['doc_id']}").json()["text"]) for d in documents)



@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/upload?upload_id=abc", "/upload"])
def test_gradio_uploads_are_refused_and_write_nothing(client, path):
    from qa.server import GRADIO_TEMP as temp

    before = set(temp.rglob("*")) if temp.exists() else set()
    response = client.post(path, files={"files": ("a.txt", b"x" * 100_000, "text/plain")})
    assert response.status_code == 404
    after = set(temp.rglob("*")) if temp.exists() else set()
    assert after == before


def test_the_developer_reload_stream_is_not_served(client):
    from starlette.responses import PlainTextResponse

    reached = []

    async def downstream(scope, receive, send):  # stands for Gradio, whose reload route streams for ever
        reached.append(scope["path"])
        await PlainTextResponse("streaming")(scope, receive, send)

    guarded = TestClient(AllowedRoutes(downstream, routes=[]))  # no lifespan: only the two requests reach it
    assert guarded.get("/gradio_api/dev/reload").status_code == 404
    assert guarded.get("/theme.css").status_code == 200
    assert reached == ["/theme.css"]
    assert any(m.cls is AllowedRoutes for m in client.app.user_middleware)


def test_the_chat_page_and_its_assets_are_served(client):
    assert client.get("/").status_code == 200
    assert client.get("/theme.css").status_code == 200


# --- the contract at the edges ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b'{"question": "\xff\xfe"}', b"[" * 10000 + b"]" * 10000, b'{"question": "\xed\xa0\x80"}'])
def test_unparsable_bodies_are_422_json(client, body):
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/api/ask", "POST"), ("PUT", "/api/ask", "POST"), ("TRACE", "/api/ask", "POST"),
    ("POST", "/api/health", "GET"), ("PATCH", "/api/documents/lixia-2024-interview", "DELETE, GET, PUT"),
    ("DELETE", "/api/documents", "GET, POST"), ("POST", "/api/changes", "GET"),
])
def test_a_wrong_method_on_an_api_route_is_405_with_allow(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert allowed in response.json()["detail"]


def test_unknown_api_paths_stay_404(client):
    assert client.get("/api/nothing-here").status_code == 404


def test_the_question_limit_holds_before_trimming(client, fake_qa):
    padded = " " * 20 + "问" * 490 + " " * 20  # 490 characters once trimmed, 530 as sent
    assert client.post("/api/ask", json={"question": padded}).status_code == 422
    assert client.post("/api/ask", json={"question": "  " + QUESTION + " "}).status_code == 200
    assert fake_qa.calls[-1][0] == QUESTION


@pytest.mark.parametrize("top_k, status", [(2.0, 200), (2, 200), (2.5, 422), ("2", 422), (True, 422), (21.0, 422)])
def test_top_k_is_a_whole_number_as_json_schema_says(client, top_k, status):
    assert client.post("/api/ask", json={"question": QUESTION, "top_k": top_k}).status_code == status


def test_a_foreign_host_header_is_refused_and_not_echoed(client):
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400 and "evil.example" not in response.text
    assert client.get("/").status_code == 200


def test_pages_and_api_answers_carry_security_headers_and_no_credentialed_cors(client):
    for path in ("/", "/api/health"):
        headers = client.get(path, headers={"origin": "http://localhost:3000"}).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert "access-control-allow-credentials" not in headers


def test_public_reasons_name_files_without_their_folders():
    reason = public_reason(RuntimeError(
        "Error in faiss::FileIOReader::FileIOReader(const char*) at /project/faiss/impl/io.cpp:68: could not open /srv/qa/index/dense.faiss"
    ))
    assert reason == "RuntimeError: could not open dense.faiss"


def test_a_client_asking_too_fast_gets_429_with_retry_after_and_others_do_not():
    from starlette.responses import PlainTextResponse

    now = [0.0]

    async def downstream(scope, receive, send):
        await PlainTextResponse("answered")(scope, receive, send)

    limited = RateLimit(downstream, per_minute=12, clock=lambda: now[0])  # bursts of 3, one every 5 s
    client_a = TestClient(limited, client=("10.0.0.1", 5000))
    client_b = TestClient(limited, client=("10.0.0.2", 5000))
    assert [client_a.post("/api/ask").status_code for _ in range(3)] == [200, 200, 200]
    refused = client_a.post("/api/ask")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "5"
    assert client_b.post("/api/ask").status_code == 200  # another address has its own bucket
    assert client_a.get("/api/health").status_code == 200  # cheap routes are not counted
    now[0] += 5.0
    assert client_a.post("/api/ask").status_code == 200


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_not_limited_unless_asked_and_its_neighbours_are(address):
    from starlette.responses import PlainTextResponse

    async def downstream(scope, receive, send):
        await PlainTextResponse("answered")(scope, receive, send)

    def statuses(limited, client_address: str) -> list[int]:
        client = TestClient(limited, client=(client_address, 5000))
        return [client.post("/v1/chat/completions").status_code for _ in range(5)]

    frozen = lambda: 0.0  # noqa: E731 - no token comes back during the test
    assert statuses(RateLimit(downstream, per_minute=12, clock=frozen), address) == [200] * 5
    assert statuses(RateLimit(downstream, per_minute=12, clock=frozen, limit_loopback=True), address) == [200] * 3 + [429] * 2
    for outside in ("128.0.0.1", "10.0.0.1", "::2", "::ffff:10.0.0.1", "localhost", "testclient"):
        assert statuses(RateLimit(downstream, per_minute=12, clock=frozen), outside) == [200] * 3 + [429] * 2


def test_the_rate_limit_is_wired_in_and_off_when_zero(client):
    assert any(m.cls is RateLimit for m in client.app.user_middleware)
    assert all(client.post("/api/ask", json={"question": QUESTION}).status_code == 200 for _ in range(40))


# --- calls of the page's functions ----------------------------------------------------------------------------------


def chat_index(client) -> int:
    fns = client.app.state.page.fns
    return next(i for i, fn in fns.items() if fn.name == "chat_turn")


@pytest.mark.parametrize(
    "body, detail",
    [
        ({"fn_index": 999, "data": []}, "fn_index names no function"),
        ({"fn_index": True, "data": []}, "fn_index names no function"),
        ({"fn_index": "CHAT", "data": [None, None]}, "value 0 must be a string"),
        ({"fn_index": "CHAT", "data": [7, None]}, "value 0 must be a string"),
        ({"fn_index": "CHAT", "data": ["问题", "not a history"]}, "value 1 must be null"),
        ({"fn_index": "CHAT", "data": ["问题"]}, "takes 2 values, not 1"),
        ({"fn_index": "CHAT", "data": "问题"}, "a list `data`"),
        ({"data": ["问题", None]}, "fn_index names no function"),
    ],
)
def test_queue_calls_the_page_does_not_make_are_refused_with_422(client, fake_qa, body, detail):
    if body.get("fn_index") == "CHAT":
        body = {**body, "fn_index": chat_index(client)}
    response = client.post("/gradio_api/queue/join", json={**body, "session_hash": "s1"})
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert fake_qa.calls == []


def test_the_by_name_call_routes_are_closed(client, fake_qa):
    for path in ("/gradio_api/run/chat", "/gradio_api/call/chat", "/gradio_api/call/v2/chat", "/gradio_api/api/chat"):
        assert client.post(path, json={"data": [QUESTION, None]}).status_code == 404
    assert fake_qa.calls == []


def test_gradio_temp_folder_is_private_and_emptied_at_start():
    import os

    from qa.server import GRADIO_TEMP

    assert os.environ["GRADIO_TEMP_DIR"] == str(GRADIO_TEMP)
    left = GRADIO_TEMP / "0123abcd" / "upload.bin"  # as an old upload would have left it
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_bytes(b"x" * 1000)
    with TestClient(create_app(qa_loader=FakeQA), base_url="http://127.0.0.1") as fresh:
        assert fresh.get("/api/health").status_code in (200, 503)
    assert not left.exists() and not left.parent.exists()
