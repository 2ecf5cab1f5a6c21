"""The OpenAI-compatible API (/v1) over the app with a fake answerer: the shapes chat clients read, the conversation
taken from ``messages``, streaming, and every error in OpenAI's shape. The official ``openai`` client is driven
against this app here and against a live server in test_live_server.py."""
from __future__ import annotations

import json

import pytest

from conftest_app import client, fake_qa, served_fake  # noqa: F401  (fixtures)
from qa.schema import Turn
from qa.server.guards import API_BODY_LIMIT

QUESTION = "历下2024年新增学位多少"


def completion(client, messages, **extra):
    return client.post("/v1/chat/completions", json={"model": "reportqa", "messages": messages, **extra})


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def test_models_lists_the_one_model(client):
    body = client.get("/v1/models").json()
    assert body["object"] == "list" and [m["id"] for m in body["data"]] == ["reportqa"]
    assert client.get("/v1/models/reportqa").json()["id"] == "reportqa"
    missing = client.get("/v1/models/gpt-4")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"


def test_a_completion_is_the_answer_with_its_source_and_the_structured_answer_beside(client, fake_qa):
    response = completion(client, [{"role": "system", "content": "你是助手"}, user(QUESTION)], temperature=0.2, max_tokens=50)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "reportqa" and body["id"].startswith("chatcmpl-")
    (choice,) = body["choices"]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    assert content.startswith("**7000余个**")
    assert "> 今年计划新建、改扩建中小学校5所，新增学位**7000余个**，持续充实名师优师。" in content
    assert "《开创国际化一流中心城区建设新局面》 · 历下区 · 2024年" in content and "置信度" in content
    same = client.post("/api/ask", json={"question": QUESTION}).json()
    structured = body["reportqa"]
    assert {k: v for k, v in structured.items() if k != "latency_ms"} == {k: v for k, v in same.items() if k != "latency_ms"}
    assert body["usage"]["completion_tokens"] == len(content)
    assert fake_qa.calls[0] == (QUESTION, None, ())


def test_our_reply_sent_back_gives_the_next_turn_the_answer_and_where_it_stands(client, fake_qa):
    reply = completion(client, [user(QUESTION)]).json()
    content = reply["choices"][0]["message"]["content"]
    cited = reply["reportqa"]["citations"][0]
    messages = [user(QUESTION), {"role": "assistant", "content": content}, user("那2023年呢？")]
    assert completion(client, messages).status_code == 200
    assert fake_qa.turns[-1] == (Turn(QUESTION, reply["reportqa"]["answer"], cited["doc_id"], cited["start"], cited["end"]),)


def test_the_turns_before_the_last_are_its_history_and_system_messages_are_not_read(client, fake_qa):
    messages = [
        {"role": "system", "content": "忽略"},
        user("2019年市中区外贸进出口总额是多少"),
        {"role": "assistant", "content": "41.89亿元"},
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        {"role": "assistant", "content": None},
        user("那去年呢"),
    ]
    assert completion(client, messages).status_code == 200
    assert fake_qa.calls[-1] == ("那去年呢", None, ("2019年市中区外贸进出口总额是多少", QUESTION))
    assert fake_qa.turns[-1] == (Turn("2019年市中区外贸进出口总额是多少", "41.89亿元"), Turn(QUESTION))


def test_a_long_conversation_keeps_its_newest_turns(client, fake_qa):
    messages = [m for i in range(30) for m in (user(f"问题{i}"), {"role": "assistant", "content": "答"})] + [user(QUESTION)]
    assert completion(client, messages).status_code == 200
    assert fake_qa.calls[-1][2] == tuple(f"问题{i}" for i in range(10, 30))


def test_an_abstention_says_what_is_not_stated(client):
    body = completion(client, [user("历下区有几个火星基地")]).json()
    content = body["choices"][0]["message"]["content"]
    assert body["reportqa"]["abstained"] and "报告中没有找到这个问题的答案" in content and "**" not in content


def test_report_words_cannot_become_markdown_or_html(client, fake_qa):
    from qa.server.openai_compat import _md

    assert _md("<img src=x onerror=alert(1)> *粗* [链接](http://x) #标题") == \
        "\\<img src=x onerror=alert(1)\\> \\*粗\\* \\[链接\\](http://x) \\#标题"


def events(response) -> list:
    out = []
    for block in response.text.split("\n\n"):
        if block:
            assert block.startswith("data: ")
            payload = block[len("data: "):]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def test_streaming_sends_the_same_content_in_chunks_then_done(client):
    whole = completion(client, [user(QUESTION)]).json()
    response = completion(client, [user(QUESTION)], stream=True, stream_options={"include_usage": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    got = events(response)
    assert got[-1] == "[DONE]"
    chunks = got[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == whole["choices"][0]["message"]["content"]
    finish = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finish) == 1 and finish[0]["choices"][0]["finish_reason"] == "stop" and finish[0]["reportqa"]["answer"] == "7000余个"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == len(text)
    plain = events(completion(client, [user(QUESTION)], stream=True))
    assert all("usage" not in c for c in plain[:-1])  # usage only when asked for


@pytest.mark.parametrize(
    "body, status, param, code",
    [
        ({"model": "gpt-4o", "messages": [user(QUESTION)]}, 404, None, "model_not_found"),
        ({"model": "reportqa", "messages": []}, 400, "messages", None),
        ({"model": "reportqa"}, 400, "messages", None),
        ({"model": "reportqa", "messages": [user(QUESTION), {"role": "assistant", "content": "好"}]}, 400, None, "the last message must be the user's"),
        ({"model": "reportqa", "messages": [user("   ")]}, 400, None, "the question is empty"),
        ({"model": "reportqa", "messages": [user("问" * 501)]}, 400, None, "longer than 500"),
        ({"model": "reportqa", "messages": [{"role": "tool", "content": "x"}, user(QUESTION)]}, 400, "messages.0.role", None),
        ({"model": "reportqa", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x"}}]}]}, 400, None, None),
        ({"model": "reportqa", "messages": [user(QUESTION)], "n": 2}, 400, "n", None),
        ({"model": "reportqa", "messages": [user(QUESTION)], "stream": "yes"}, 400, "stream", None),
        ({"model": "reportqa", "messages": "历下"}, 400, "messages", None),
        ([user(QUESTION)], 400, None, None),
    ],
)
def test_a_clients_mistake_is_an_openai_error_never_a_500(client, fake_qa, body, status, param, code):
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"] and error["type"] == "invalid_request_error"
    if param is not None:
        assert error["param"] == param
    if code is not None and " " in code:  # what the message must say
        assert code in error["message"] and error["code"] is None
    else:
        assert error["code"] == code
    assert fake_qa.calls == []  # nothing was answered


def test_guards_before_the_app_answer_in_openai_shape_too(client):
    big = client.post("/v1/chat/completions", content=b"{" + b" " * API_BODY_LIMIT + b"}", headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"
    not_utf8 = client.post("/v1/chat/completions", content='{"model": "reportqa"}'.encode("utf-16"), headers={"content-type": "application/json"})
    assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["error"]["message"]
    assert client.post("/v1/embeddings", json={}).json()["error"]["code"] == "not_found"
    wrong = client.get("/v1/chat/completions")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed" and wrong.headers["allow"] == "POST"


def test_not_ready_is_a_503_in_openai_shape():
    from fastapi.testclient import TestClient

    from qa.server.main import create_app

    def never() -> None:
        raise RuntimeError("the index is broken")

    with TestClient(create_app(qa_loader=never), base_url="http://127.0.0.1") as test_client:
        response = completion(test_client, [user(QUESTION)])
    assert response.status_code == 503 and response.json()["error"]["type"] == "server_error"


def test_the_official_openai_client_reads_answers_and_streams(client):
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(base_url="http://127.0.0.1/v1", api_key="unused", http_client=client, max_retries=0)
    assert [m.id for m in sdk.models.list()] == ["reportqa"]
    reply = sdk.chat.completions.create(model="reportqa", messages=[user(QUESTION)])
    assert reply.choices[0].message.content.startswith("**7000余个**")
    assert reply.model_extra["reportqa"]["citations"][0]["doc_id"] == "lixia-2024-interview"
    streamed = "".join(c.choices[0].delta.content or "" for c in sdk.chat.completions.create(model="reportqa", messages=[user(QUESTION)], stream=True) if c.choices)
    assert streamed == reply.choices[0].message.content
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.create(model="gpt-4o", messages=[user(QUESTION)])
    with pytest.raises(openai.BadRequestError):
        sdk.chat.completions.create(model="reportqa", messages=[])
