"""The holes an attacker's probe found (issue 24), each tried the attacker's way against the app over real HTTP (uvicorn
on a loopback port, the fake QA behind it) or through the test client: the chat's file read and the token theft it
led to, files written by anonymous requests, forwarded headers, malformed Host headers, bodies that are not UTF-8,
the token's file and where it may appear."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.routing import Mount

from conftest_app import DOCUMENTS, FakeQA, free_port
from qa.server import GRADIO_TEMP
from qa.server.guards import PAGE_EXACT, PAGE_PREFIXES, page_route_allowed
from qa.server.main import create_app, server_config
from qa.settings import Settings, SettingsError, api_token_from

TOKEN = "tok-9f8e7d6c5b4a"
QUESTION = "历下2024年新增学位多少"
# The attacker's first step: a chat history whose message is a Gradio file naming a file of the server.
FILE_HISTORY = [{"role": "user", "content": [{"type": "file", "file": {"path": "/proc/self/environ", "meta": {"_type": "gradio.FileData"}}}]}]


class Served:
    """The app on a loopback port in this process, with ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(qa_loader=FakeQA, settings=settings, document_changes=False)
        port = free_port()
        self.server = uvicorn.Server(server_config(self.app, settings, host="127.0.0.1", port=port))
        self.server.config.log_level = "warning"
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def settings_for(tmp: Path, **changes) -> Settings:
    corpus, index = tmp / "corpus", tmp / "index"
    corpus.mkdir(exist_ok=True)
    index.mkdir(exist_ok=True)
    (corpus / "secret.txt").write_text("历下区内部资料", encoding="utf-8")
    (index / "manifest.json").write_text("{}", encoding="utf-8")
    return Settings(**{"corpus_dir": corpus, "index_dir": index, "api_token": TOKEN, "rate_limit": 0, **changes})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(settings_for(tmp_path_factory.mktemp("served")))
    yield server
    server.stop()


def chat_fn_index(app) -> int:
    fns = app.state.page.fns
    return next(i for i, fn in fns.items() if fn.name == "chat_turn")


def gradio_blocks(app):
    return app.state.page.blocks


def chat_turn(url: str, question: str, session: str) -> dict:
    """One chat turn the way the page makes it: join the queue, then read the event stream to the end."""
    with httpx.Client(base_url=url, timeout=30) as client:
        app_index = 0  # the chat turn is the page's first event (checked against the app in the tests)
        joined = client.post("/gradio_api/queue/join", json={"data": [question, None], "fn_index": app_index,
                                                             "trigger_id": 4, "session_hash": session})
        assert joined.status_code == 200, joined.text
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:") and "process_completed" in line:
                    return json.loads(line[5:])["output"]
    raise AssertionError("the chat turn did not complete")


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folders`` with its size and modification time."""
    out = {}
    for folder in folders:
        if folder.exists():
            for path in folder.rglob("*"):
                stat = path.stat()
                out[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return out


# --- 1. the file read through the chat, and the token theft behind it ---------------------------------------------------


def test_the_attackers_chain_fails_at_its_first_step(served):
    assert chat_fn_index(served.app) == 0
    before = snapshot(GRADIO_TEMP)
    with httpx.Client(base_url=served.url, timeout=10) as client:
        for fn_index in range(8):  # every function of the page, the chat's own among them
            joined = client.post("/gradio_api/queue/join", json={"data": [QUESTION, FILE_HISTORY], "fn_index": fn_index,
                                                                 "trigger_id": 4, "session_hash": "attacker1"})
            assert joined.status_code == 422
        for path in ("/gradio_api/call/chat", "/gradio_api/run/chat", "/gradio_api/call/v2/chat", "/gradio_api/api/chat"):
            assert client.post(path, json={"data": [QUESTION, FILE_HISTORY]}).status_code == 404
        for target in ("/proc/self/environ", "/etc/passwd", str(GRADIO_TEMP)):
            for prefix in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
                response = client.get(prefix + target)
                assert response.status_code == 404 and TOKEN not in response.text
        # without the token nothing can be removed
        assert client.delete("/api/documents/lixia-2024-interview").status_code == 401
    assert snapshot(GRADIO_TEMP) == before


def test_a_call_may_carry_only_what_the_page_sends(served):
    refused = [
        {"data": [QUESTION, None], "fn_index": 0, "session_hash": "s1", "event_data": {"path": "/etc/passwd"}},
        {"data": [QUESTION, None], "fn_index": 0, "session_hash": "s1", "extra": 1},
        {"data": [QUESTION, None], "fn_index": 0, "session_hash": "../../etc"},
        {"data": [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, None], "fn_index": 0, "session_hash": "s1"},
        {"data": [QUESTION, []], "fn_index": 0, "session_hash": "s1"},
        {"data": [QUESTION, None], "fn_index": 5, "session_hash": "s1"},  # a browser-only event (no Python side)
    ]
    with httpx.Client(base_url=served.url, timeout=10) as client:
        for body in refused:
            assert client.post("/gradio_api/queue/join", json=body).status_code == 422, body
        assert client.post("/gradio_api/queue/join", content="{\"data\": \"\xff\"}".encode("utf-16"),
                           headers={"content-type": "application/json"}).status_code == 422


def test_the_chat_keeps_the_conversation_on_the_server_and_answers_follow_ups(served):
    first = chat_turn(served.url, QUESTION, "conversation1")
    assert first["data"][0] == "" and "7000余个" in json.dumps(first["data"][1], ensure_ascii=False)
    follow_up = chat_turn(served.url, "那2023年呢？", "conversation1")
    shown = json.dumps(follow_up["data"][1], ensure_ascii=False)
    assert shown.count("qa-question") == 2  # both turns, kept by the server: the client sent only the new question
    assert "理解为" in shown  # resolved through the history the server kept
    alone = chat_turn(served.url, "那2023年呢？", "conversation2")
    assert json.dumps(alone["data"][1], ensure_ascii=False).count("qa-question") == 1


def test_clearing_the_chat_forgets_the_conversation_on_the_server(served):
    fns = served.app.state.page.fns
    clear = next(i for i, fn in fns.items() if fn.name == "Conversation")
    chat_turn(served.url, QUESTION, "cleared1")
    with httpx.Client(base_url=served.url, timeout=30) as client:
        joined = client.post("/gradio_api/queue/join", json={"data": [], "fn_index": clear, "trigger_id": 1, "session_hash": "cleared1"})
        assert joined.status_code == 200
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": "cleared1"}) as stream:
            for line in stream.iter_lines():
                if "process_completed" in line:
                    break
    after = chat_turn(served.url, "那2023年呢？", "cleared1")
    shown = json.dumps(after["data"][1], ensure_ascii=False)
    assert shown.count("qa-question") == 1 and "理解为" not in shown


def test_the_question_is_shown_as_text_not_markup(served):
    output = chat_turn(served.url, "<img src=x onerror=alert(1)> **粗体** [链接](http://evil.example)", "markup1")
    user = output["data"][1][0]["content"]
    text = user[0]["text"] if isinstance(user, list) else user
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert text.startswith('<p class="qa-question">') and text.endswith("</p>")


def test_gradio_may_serve_no_path_a_client_names(served, tmp_path):
    from gradio.utils import is_allowed_file

    blocks = gradio_blocks(served.app)
    settings = settings_for(tmp_path)
    targets = [Path("/proc/self/environ"), Path("/etc/passwd"), Path.home() / ".bashrc", settings.corpus_dir / "secret.txt",
               settings.index_dir / "manifest.json", GRADIO_TEMP / "any" / "file.txt", Path(__file__)]
    for target in targets:
        allowed, why = is_allowed_file(target, blocks.blocked_paths, blocks.allowed_paths, [])
        assert not allowed and why == "in_blocklist", target


# --- 2. an allow list of routes, and no anonymous writes --------------------------------------------------------------


def concrete(path: str) -> str:
    """A request path for a route path: each parameter filled in."""
    import re

    return re.sub(r"\{[^}]+\}", "x1", path)


def route_paths(routes) -> list[tuple[str, str]]:
    """(method, path) of each route, routers included by FastAPI walked too; mounts left out."""
    out = []

    def walk(routes, prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's record of an included router
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "path") and not isinstance(route, Mount):
                for method in sorted(getattr(route, "methods", None) or {"GET"}):
                    out.append((method, concrete(prefix + route.path)))

    walk(routes, "")
    return out


def gradio_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route of the mounted Gradio app, whatever this Gradio version declares."""
    page = app.state.page.app  # the page's own app (qa.server.pagemount), the Gradio app mounted at its root
    return route_paths(next(r for r in page.routes if isinstance(r, Mount) and r.path == "").app.routes)


def own_paths(app) -> set[str]:
    """The paths of the app's own routes (the API and its docs), which come before the page's."""
    return {path for _, path in route_paths(app.routes)}


def test_only_the_routes_the_page_uses_are_open(served):
    routes = [(m, p) for m, p in gradio_routes(served.app) if p not in own_paths(served.app)]
    assert len(routes) > 40  # the version in use declares many; each is tried
    with httpx.Client(base_url=served.url, timeout=5) as client:
        opened = []
        for method, path in routes:
            if page_route_allowed(method, path):
                opened.append((method, path))
                continue
            response = client.request(method, path, content=b"{}", headers={"content-type": "application/json"})
            assert response.status_code == 404, (method, path, response.status_code)
        for path in ("/gradio_api/process_recording", "/gradio_api/deep_link", "/gradio_api/component_server",
                     "/gradio_api/upload", "/config", "/gradio_api/info", "/login", "/gradio_api/mcp/sse", "/manifest.json"):
            for method in ("GET", "POST"):
                assert client.request(method, path).status_code == 404, (method, path)
    assert {path for _, path in opened} <= set(PAGE_EXACT) | {concrete(p) for p, _ in PAGE_PREFIXES} | {
        concrete(p) + "x1" for p, _ in PAGE_PREFIXES}


def test_no_anonymous_request_writes_a_byte(served, tmp_path):
    settings = served.app.state.jobs.settings
    watched = (GRADIO_TEMP, settings.corpus_dir, settings.index_dir)
    before = snapshot(*watched)
    recording = {"data": ("a.wav", b"RIFF" + b"\0" * 200_000, "audio/wav")}
    with httpx.Client(base_url=served.url, timeout=10) as client:
        assert client.get("/").status_code == 200
        chat_turn(served.url, QUESTION, "writer1")
        assert client.post("/gradio_api/process_recording", files=recording).status_code == 404
        assert client.get("/gradio_api/deep_link", params={"session_hash": "writer1"}).status_code == 404
        assert client.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 100_000)}).status_code == 404
        assert client.post("/api/documents", files={"file": ("a.txt", "历下区".encode())}).status_code == 401
        assert client.put("/api/documents/lixia-2024-interview", files={"file": ("a.txt", b"x")}).status_code == 401
        for method, path in gradio_routes(served.app):
            if not page_route_allowed(method, path):  # the page's own were used above (two are event streams)
                client.request(method, path, files={"files": ("a.txt", b"y" * 10_000)} if method == "POST" else None)
    assert snapshot(*watched) == before


# --- 3. forwarded headers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_forwarded_headers_count_only_from_a_trusted_proxy(tmp_path, trusted):
    served = Served(settings_for(tmp_path, rate_limit=12, trusted_proxies=trusted, rate_limit_loopback=True))  # bursts of 3
    try:
        with httpx.Client(base_url=served.url, timeout=10) as client:
            codes = [client.post("/api/ask", json={"question": QUESTION}, headers={"x-forwarded-for": f"10.0.0.{i}"}).status_code
                     for i in range(6)]
            page = client.get("/", headers={"x-forwarded-host": "evil.example", "x-forwarded-proto": "https"})
    finally:
        served.stop()
    if not trusted:  # the connecting address is the client, whatever it claims: limited after its burst
        assert codes[:3] == [200, 200, 200] and set(codes[3:]) == {429}
        assert page.status_code == 200 and "evil.example" not in page.text
    else:  # behind a trusted proxy each forwarded client has its own bucket, and a foreign forwarded host is refused
        assert codes == [200] * 6
        assert page.status_code == 400 and "evil.example" not in page.text


def test_a_client_on_this_machine_is_not_rate_limited_by_default(tmp_path):
    served = Served(settings_for(tmp_path, rate_limit=12))  # bursts of 3 for any other address
    try:
        with httpx.Client(base_url=served.url, timeout=10) as client:
            codes = [client.post("/api/ask", json={"question": QUESTION}).status_code for _ in range(8)]
    finally:
        served.stop()
    assert codes == [200] * 8


# --- 4. the smaller items ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["[::1", "127.0.0.1:notaport", "[::1]:99999", "evil.example", ""])
def test_malformed_or_foreign_host_headers_are_400(served, host):
    import socket

    with socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1])), timeout=5) as sock:
        sock.sendall(f"GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "gb18030"])
def test_a_json_body_that_is_not_utf8_is_422(served, encoding):
    body = json.dumps({"question": QUESTION}, ensure_ascii=False).encode(encoding)
    response = httpx.post(served.url + "/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and "UTF-8" in response.json()["detail"]


def test_the_token_comes_from_its_file_and_is_never_shown(tmp_path):
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    assert api_token_from({"QA_API_TOKEN_FILE": str(secret), "QA_API_TOKEN": "other"}) == TOKEN
    assert api_token_from({"QA_API_TOKEN": " other "}) == "other"
    for content, why in ((None, "cannot read"), (b"", "empty"), (b"\xff\xfe", "not UTF-8"), (b"x" * 5000, "larger")):
        if content is None:
            secret.unlink()
        else:
            secret.write_bytes(content)
        with pytest.raises(SettingsError, match=why) as error:
            api_token_from({"QA_API_TOKEN_FILE": str(secret)})
        assert TOKEN not in str(error.value)
    assert TOKEN not in repr(Settings(api_token=TOKEN))


def test_the_token_appears_in_no_response_and_no_log(tmp_path, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    served = Served(settings_for(tmp_path))
    bodies = []
    try:
        with httpx.Client(base_url=served.url, timeout=10) as client:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {TOKEN}"},
                            {"Authorization": f"Basic {TOKEN}"}):
                for response in (client.post("/api/documents", files={"file": ("a.exe", b"MZ")}, headers=headers),
                                 client.delete("/api/documents/nothing", headers=headers),
                                 client.get("/api/health", headers=headers), client.get("/", headers=headers)):
                    bodies.append(response.text + str(response.headers))
    finally:
        served.stop()
    assert all(TOKEN not in body for body in bodies)
    assert TOKEN not in caplog.text


def test_a_junk_text_file_is_refused_as_unreadable():
    import random

    from qa.errors import CorpusError
    from qa.ingest.formats import extract_text

    rng = random.Random(7)
    for size in (20, 200, 20_000):
        junk = b"\xff\xfe" + bytes(rng.randrange(256) for _ in range(size))
        with pytest.raises(CorpusError, match="junk.txt: (does not read as a Chinese report|holds no Chinese text|starts like UTF-16)"):
            extract_text(junk, "junk.txt")
    assert extract_text(DOCUMENTS[0].text.encode("utf-16"), "fine.txt").startswith("开创")
