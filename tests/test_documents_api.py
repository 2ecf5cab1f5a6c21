"""POST/PUT/DELETE /api/documents on a real (small) corpus and index with the fake embedder: the token, the checks,
the round trip to an answer citing the new report and back, questions during a change, and a restart that resumes."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import FakeEmbedder, write_corpus
from qa.ingest.corpus import corpus_hash
from qa.index.store import build_index
from qa.answering.pipeline import QA
from qa.server.main import create_app
from qa.settings import Settings
from report_files import two_column_pdf, web_page, word_file

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HUAIYIN = [
    "2023年，槐荫区新建学校3所，新增学位4500个。全区地区生产总值增长6.1%。",
    "2024年，槐荫区将新建、改扩建中小学校4所，新增学位5200个，推进西部会展片区建设。",
]


def make_settings(root: Path, token: str = TOKEN) -> Settings:
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", api_token=token, rate_limit=0)


@pytest.fixture
def root(tmp_path):
    write_corpus(tmp_path / "corpus")
    build_index(tmp_path / "corpus", tmp_path / "index", FakeEmbedder(), target_chars=60, overlap_chars=20)
    return tmp_path


def serve(settings: Settings, *, changes: bool = True) -> TestClient:
    def loader():
        return QA.load(settings.index_dir, embedder=FakeEmbedder(), reader=None, ranker=None, calibration=False, abstain_below=0.2)

    client = TestClient(create_app(loader, settings=settings, document_changes=changes), base_url="http://127.0.0.1")
    client.__enter__()
    deadline = time.monotonic() + 30
    while client.get("/api/health").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return client


@pytest.fixture
def api(root):
    client = serve(make_settings(root))
    yield client
    client.__exit__(None, None, None)


def upload(client, name: str, data: bytes, headers=AUTH, **fields):
    return client.post("/api/documents", files={"file": (name, data)}, data=fields, headers=headers)


def settle(client, doc_id: str) -> dict:
    """Wait until the change to ``doc_id`` is done or failed; returns it."""
    deadline = time.monotonic() + 60
    while True:
        change = [c for c in client.get("/api/changes").json() if c["doc_id"] == doc_id][-1]
        if change["status"] in ("done", "failed"):
            return change
        assert time.monotonic() < deadline, change
        time.sleep(0.05)


def listed(client) -> dict[str, dict]:
    return {d["doc_id"]: d for d in client.get("/api/documents").json()}


def test_writes_need_the_token_and_are_off_without_one(root, api):
    page = web_page("槐荫区政府工作报告", HUAIYIN)
    missing = upload(api, "a.html", page, headers={})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert upload(api, "a.html", page, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert api.delete("/api/documents/lixia-2023", headers={"Authorization": "Basic x"}).status_code == 401
    off = serve(make_settings(root, token=""))
    try:
        refused = upload(off, "a.html", page)
        assert refused.status_code == 403 and "QA_API_TOKEN" in refused.json()["detail"]
    finally:
        off.__exit__(None, None, None)
    assert api.get("/api/changes").json() == []
    assert api.get("/api/documents").status_code == 200  # reads stay open


@pytest.mark.parametrize("name, make", [
    ("huaiyin-2024.pdf", lambda: two_column_pdf("槐荫区政府工作报告", HUAIYIN)),
    ("huaiyin-2024.docx", lambda: word_file("槐荫区政府工作报告", HUAIYIN)),
    ("huaiyin-2024.html", lambda: web_page("槐荫区政府工作报告", HUAIYIN)),
])
def test_upload_answer_delete_round_trip(api, name, make):
    accepted = upload(api, name, make(), district="槐荫区", year="2024", source="测试")
    assert accepted.status_code == 202
    assert accepted.json()["doc_id"] == "huaiyin-2024" and accepted.json()["status"] in ("queued", "indexing", "done")
    assert settle(api, "huaiyin-2024")["status"] == "done"
    row = listed(api)["huaiyin-2024"]
    assert (row["status"], row["district"], row["year"], row["review_year"], row["source"]) == ("ready", "槐荫区", 2024, 2023, "测试")
    answer = api.post("/api/ask", json={"question": "槐荫区2024年新增学位多少"}).json()
    assert answer["answer"] == "5200个" and answer["citations"][0]["doc_id"] == "huaiyin-2024"
    text = api.get("/api/documents/huaiyin-2024").json()["text"]
    citation = answer["citations"][0]
    assert text[citation["start"] : citation["end"]] == "5200个"

    assert api.delete("/api/documents/huaiyin-2024", headers=AUTH).status_code == 202
    assert settle(api, "huaiyin-2024")["status"] == "done"
    assert "huaiyin-2024" not in listed(api)
    after = api.post("/api/ask", json={"question": "槐荫区2024年新增学位多少"}).json()
    assert all(c["doc_id"] != "huaiyin-2024" for c in after["citations"])
    assert api.get("/api/documents/huaiyin-2024").status_code == 404


def test_replace_keeps_the_id_and_serves_the_new_text(api):
    page = web_page("历下区政府工作报告", ["2023年，历下区新增学位8000个。", "2024年，历下将新增学位9100个。"])
    assert api.put("/api/documents/lixia-2023", files={"file": ("new.html", page)}, headers=AUTH).status_code == 202
    assert settle(api, "lixia-2023")["status"] == "done"
    assert "9100个" in api.get("/api/documents/lixia-2023").json()["text"]
    assert api.put("/api/documents/nobody", files={"file": ("new.html", page)}, headers=AUTH).status_code == 404


def test_a_replacement_with_the_same_file_and_new_metadata_is_applied(api):
    page = web_page("槐荫区政府工作报告", HUAIYIN)
    assert upload(api, "huaiyin.html", page, district="槐荫区", year="2024").status_code == 202
    assert settle(api, "huaiyin")["status"] == "done"
    replaced = api.put("/api/documents/huaiyin", files={"file": ("huaiyin.html", page)},
                       data={"district": "槐荫区", "year": "2023", "source": "新来源"}, headers=AUTH)
    assert replaced.status_code == 202
    assert settle(api, "huaiyin")["status"] == "done"
    row = listed(api)["huaiyin"]
    assert (row["year"], row["review_year"], row["source"]) == (2023, 2022, "新来源")


@pytest.mark.parametrize("name, data, fields, status, detail", [
    ("empty.txt", b"", {}, 422, "empty"),
    ("report.pdf", "历下区新增学位".encode(), {}, 415, "its name says .pdf but it holds plain text"),
    ("report.exe", b"MZ\x90\x00", {}, 415, "not a report format"),
    ("big.txt", "历".encode() * 2_000_000, {}, 413, "more than a report can be"),
    ("ok.html", web_page("标题", HUAIYIN), {"year": "明年"}, 422, "year must be a year"),
    ("ok.html", web_page("标题", HUAIYIN), {"colour": "red"}, 422, "unknown form field"),
    ("lixia-2023.html", web_page("标题", HUAIYIN), {}, 409, "exists; PUT"),
    ("ok.html", web_page("标题", HUAIYIN), {"doc_id": "../etc"}, 422, "not a valid id"),
])
def test_bad_uploads_are_refused_at_once_and_change_nothing(root, api, name, data, fields, status, detail):
    digest = corpus_hash(root / "corpus")
    response = upload(api, name, data, **fields)
    assert response.status_code == status and detail in response.json()["detail"]
    assert api.get("/api/changes").json() == []
    assert corpus_hash(root / "corpus") == digest


def test_a_form_without_a_file_and_an_oversized_upload(api):
    assert api.post("/api/documents", data={"title": "x"}, headers=AUTH).status_code == 422
    assert api.post("/api/documents", content=b"not a form", headers={**AUTH, "content-type": "text/plain"}).status_code == 422
    big = api.post("/api/documents", content=b"x", headers={**AUTH, "content-length": str(60_000_000)})
    assert big.status_code == 413


def test_uploads_that_fail_when_read_are_reported_and_change_nothing(root, api):
    digest = corpus_hash(root / "corpus")
    lixia = (root / "corpus" / "lixia-2023.txt").read_bytes()
    cases = {
        "broken": ("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8),
        "twice": ("twice.txt", lixia),  # the same bytes as a report already there
    }
    for doc_id, (name, data) in cases.items():
        assert upload(api, name, data).status_code == 202
    reasons = {doc_id: settle(api, doc_id) for doc_id in cases}
    assert reasons["broken"]["status"] == "failed" and "broken.pdf: the PDF is damaged" in reasons["broken"]["reason"]
    assert reasons["twice"]["status"] == "failed" and "already in the corpus as 'lixia-2023'" in reasons["twice"]["reason"]
    assert listed(api)["broken"]["status"] == "failed"
    assert corpus_hash(root / "corpus") == digest
    assert api.get("/api/health").json()["status"] == "ok"


def test_file_names_are_never_paths(root, api):
    assert upload(api, "../../escape.html", web_page("槐荫区", HUAIYIN)).json()["doc_id"] == "escape"
    assert settle(api, "escape")["status"] == "done"
    assert (root / "corpus" / "escape.html").exists() and not (root.parent / "escape.html").exists()


def test_questions_during_a_change_are_answered_from_a_whole_index(api):
    stop = threading.Event()
    seen: list[tuple[int, int]] = []

    def ask_and_list() -> None:
        while not stop.is_set():
            answer = api.post("/api/ask", json={"question": "2022年历下区一般公共预算收入完成了多少？"})
            documents = api.get("/api/documents")
            seen.append((answer.status_code, documents.status_code))
            assert answer.json()["answer"] == "161.3亿元"

    askers = [threading.Thread(target=ask_and_list) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        for i in range(3):
            assert upload(api, f"huaiyin-{i}.html", web_page(f"槐荫区{i}", HUAIYIN + [f"第{i}份。"])).status_code == 202
            assert settle(api, f"huaiyin-{i}")["status"] == "done"
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert seen and all(pair == (200, 200) for pair in seen)
    assert {f"huaiyin-{i}" for i in range(3)} <= listed(api).keys()


def test_a_restart_runs_the_changes_it_had_accepted(root):
    settings = make_settings(root)
    first = serve(settings, changes=False)  # accepts, but its worker never runs: as if killed right after
    try:
        assert upload(first, "huaiyin-2024.html", web_page("槐荫区政府工作报告", HUAIYIN)).status_code == 202
        assert listed(first)["huaiyin-2024"]["status"] == "queued"
    finally:
        first.__exit__(None, None, None)
    second = serve(settings)
    try:
        assert settle(second, "huaiyin-2024")["status"] == "done"
        assert listed(second)["huaiyin-2024"]["status"] == "ready"
    finally:
        second.__exit__(None, None, None)
