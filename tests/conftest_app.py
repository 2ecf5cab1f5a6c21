"""Fixtures for the serving tests: a fake QA of the library's shape, a TestClient, and a live ``python app.py``."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import httpx
import pytest

from qa.errors import QuestionError
from qa.schema import Candidate, Citation, Document, Hit, Passage, Result, Turn

ROOT = Path(__file__).resolve().parent.parent
# app.py lives at the repository root, outside the installed package
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIXIA_2024 = (
    "开创国际化一流中心城区建设新局面\n"
    "今年，在幼有所育方面，历下将新建幼儿园4所，新增学位1600余个。\n"
    "今年计划新建、改扩建中小学校5所，新增学位7000余个，持续充实名师优师。\n"
    "在病有所医方面，将加快构建完善基层医疗卫生服务体系。\n"
)
SHIZHONG_2020 = (
    "市中区政府工作报告\n"
    "2019年，外贸进出口总额41.89亿元，增长12%。\n"
    "新增规模以上服务业企业63家。\n"
)

DOCUMENTS = (
    Document(
        doc_id="lixia-2024-interview", text=LIXIA_2024, title="开创国际化一流中心城区建设新局面", district="历下区",
        year=2024, review_year=2023, source="齐鲁晚报·齐鲁壹点", date="2024-01-17", source_file="lixia.txt",
        metadata_origin="file",
    ),
    Document(
        doc_id="shizhong-2020-report", text=SHIZHONG_2020, title="市中区政府工作报告", district="市中区",
        year=2020, review_year=2019, source=None, date=None, source_file="shizhong.txt", metadata_origin="inferred",
    ),
)

# question keyword -> (document, answer text); anything else abstains
FACTS = {
    "学位": (DOCUMENTS[0], "7000余个"),
    "外贸": (DOCUMENTS[1], "41.89亿元"),
}


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    right = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if right < 0 else right


@dataclass(frozen=True)
class FakeManifest:
    embedding_model: str = "fake-embedder"


class FakeIndex:
    def __init__(self, passages: tuple[Passage, ...]) -> None:
        self.passages = passages
        self.manifest = FakeManifest()


class FakeQA:
    """The shape of ``qa.answering.pipeline.QA`` with canned answers; records every call for the tests to inspect."""

    def __init__(self) -> None:
        self.documents = DOCUMENTS
        passages = []
        for doc in DOCUMENTS:
            for line_start, line in _lines(doc.text):
                passages.append(Passage(len(passages), doc.doc_id, line_start, line_start + len(line), line, "正文"))
        self.index = FakeIndex(tuple(passages))
        self.calls: list[tuple[str, int | None, tuple[str, ...]]] = []  # the earlier turns' questions
        self.turns: list[tuple[Turn, ...]] = []  # the earlier turns as received

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[str | Turn] = ()) -> Result:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty")
        if len(question.strip()) > 500:
            raise QuestionError("the question is longer than 500 characters")
        question = question.strip()
        self.turns.append(tuple(h if isinstance(h, Turn) else Turn(h) for h in history))
        history = [h.question if isinstance(h, Turn) else h for h in history]
        self.calls.append((question, top_k, tuple(history)))
        k = 5 if top_k is None else top_k
        hits = tuple(Hit(p, 1.0 / (i + 1), 2.0, 0.5) for i, p in enumerate(self.index.passages[:k]))
        # a follow-up inherits its topic from the chat, as the real library resolves it
        topic = next((key for key in FACTS for q in (question, *reversed(history)) if key in q), None)
        if topic is None:
            return Result(question, None, True, 0.1, "报告中没有找到这个问题的答案。", passages=hits, latency_ms=1.0,
                          resolved_question=question)
        doc, answer = FACTS[topic]
        start = doc.text.index(answer)
        end = start + len(answer)
        quote_start, quote_end = _line_around(doc.text, start, end)
        citation = Citation(doc.doc_id, doc.title, doc.year, doc.district, start, end,
                            doc.text[quote_start:quote_end], quote_start, quote_end, "plan")
        resolved = question if topic in question else f"{history[-1]}（{question}）"
        return Result(question, answer, False, 0.9, "", (Candidate(answer, 0.9, citation),), (citation,), hits, 1.0, resolved)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        if line:
            yield offset, line
        offset += len(line) + 1


def wait_until_ready(client, timeout: float = 10.0) -> None:
    """Poll /api/health until 200 (the app loads its QA object in a background thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/api/health").status_code == 200:
            return
        time.sleep(0.01)
    raise AssertionError("the app did not become ready")


@pytest.fixture(scope="module")
def served_fake():
    """One app per test module around one FakeQA (building the Gradio page takes most of a second)."""
    from fastapi.testclient import TestClient

    from qa.server.main import create_app

    fake = FakeQA()
    with TestClient(create_app(qa_loader=lambda: fake), base_url="http://127.0.0.1") as test_client:
        wait_until_ready(test_client)
        yield test_client, fake


@pytest.fixture
def fake_qa(served_fake) -> FakeQA:
    fake = served_fake[1]
    fake.calls.clear()
    return fake


@pytest.fixture
def client(served_fake, fake_qa):
    test_client = served_fake[0]
    yield test_client
    test_client.app.dependency_overrides.clear()


# ---------------------------------------------------------------------------------------------------------------------
# A live server: ``python app.py`` in a subprocess, building its own index into a temporary folder.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    not_ready_responses: list[tuple[int, dict]]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


LIVE_TOKEN = "live-test-token"


def start_live_server(workdir: Path, *, corpus_dir: Path | None = None, timeout: float = 420.0,
                      env: dict | None = None) -> LiveServer:
    """Start ``python app.py`` on a free loopback port with the index folder ``workdir/index`` (built when missing);
    wait for /api/health, then for the chat page; kill on failure."""
    port = free_port()
    env = {
        **os.environ,
        **(env or {}),
        "QA_INDEX_DIR": str(workdir / "index"),
        "QA_CORPUS_DIR": str(corpus_dir or ROOT / "corpus"),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path, [])
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"app.py exited with {process.returncode}:\n{server.log()[-4000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"app.py not ready after {timeout:.0f} s:\n{server.log()[-4000:]}")
            try:
                response = httpx.get(server.url + "/api/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.25)
                continue
            if response.status_code == 200:
                break
            server.not_ready_responses.append((response.status_code, response.json()))
            time.sleep(0.5)
        while True:  # the chat page is built once the answerer has loaded (qa.server.pagemount)
            if time.monotonic() > deadline:
                raise AssertionError(f"the chat page not ready after {timeout:.0f} s:\n{server.log()[-4000:]}")
            response = httpx.get(server.url + "/", timeout=5)
            if response.status_code == 200:
                return server
            assert response.status_code == 503 and response.headers["retry-after"], response.status_code
            time.sleep(0.25)
    except BaseException:
        stop_live_server(server)
        raise


def stop_live_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The real app over a copy of the real corpus, with document changes open to ``LIVE_TOKEN``."""
    import shutil

    workdir = tmp_path_factory.mktemp("live")
    shutil.copytree(ROOT / "corpus", workdir / "corpus")
    server = start_live_server(workdir, corpus_dir=workdir / "corpus", env={"QA_API_TOKEN": LIVE_TOKEN})
    try:
        yield server
    finally:
        stop_live_server(server)
