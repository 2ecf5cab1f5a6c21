"""Slow: a live server over the real corpus and model when a rebuild fails, an index part is damaged or edited,
or a build was killed midway. It answers from a whole index or says why it cannot; it never serves a damaged one."""
import json
import shutil

import httpx
import pytest

from conftest_app import ROOT, start_live_server, stop_live_server

pytestmark = pytest.mark.slow
QUESTION = "历下2024年新增学位多少"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resilience")
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    return folder


def serve_and_ask(workdir):
    server = start_live_server(workdir, corpus_dir=workdir / "corpus")
    try:
        health = httpx.get(server.url + "/api/health", timeout=10).json()
        answer = httpx.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=30).json()
        return health, answer, server.log()
    finally:
        stop_live_server(server)


def test_a_failed_rebuild_keeps_the_last_good_index_answering(workdir):
    health, answer, _ = serve_and_ask(workdir)  # builds the index
    assert health["status"] == "ok" and answer["answer"] == "7000余个"
    built = json.loads((workdir / "index" / "manifest.json").read_text(encoding="utf-8"))["built_at"]
    (workdir / "corpus" / "bad.txt").write_bytes(b"\x80\xff" * 300)  # neither UTF-8 nor GB18030
    health, answer, _ = serve_and_ask(workdir)
    assert health["status"] == "degraded"
    assert "bad.txt" in health["detail"] and built in health["detail"] and "/" not in health["detail"].split("(")[1].split(")")[0]
    assert answer["answer"] == "7000余个"
    (workdir / "corpus" / "bad.txt").unlink()


def segment_of(workdir, doc_id):
    manifest = json.loads((workdir / "index" / "manifest.json").read_text(encoding="utf-8"))
    return next(workdir / "index" / "segments" / file for d, file, _ in manifest["segments"] if d == doc_id)


@pytest.mark.parametrize("damage", ["flip in the passage vectors", "7000余个→9000余个", "flip in the sentence vectors"])
def test_a_damaged_or_edited_segment_is_rebuilt_from_the_corpus_not_served(workdir, damage):
    path = segment_of(workdir, "lixia-2024-interview")
    data = bytearray(path.read_bytes())
    if damage.startswith("flip"):
        data[len(data) // 2 if "passage" in damage else -100] ^= 0x80
    else:
        assert "7000余个".encode() in data
        data = bytearray(bytes(data).replace("7000余个".encode(), "9000余个".encode()))
    path.write_bytes(bytes(data))
    health, answer, log = serve_and_ask(workdir)
    assert health["status"] == "ok"
    assert answer["answer"] == "7000余个"
    assert path.name in log and "lixia-2024-interview" in log  # the log names what was rebuilt and why


def test_folders_left_by_a_killed_build_are_removed_at_start(workdir):
    left = workdir / ".index.building-999999"
    left.mkdir()
    (left / "manifest.json").write_bytes(b"half")
    orphan = workdir / "index" / "segments" / "0123.seg"  # a segment written by a save killed before its manifest
    orphan.write_bytes(b"half")
    health, _, _ = serve_and_ask(workdir)
    assert health["status"] == "ok" and not left.exists() and not orphan.exists()


def test_a_server_killed_while_indexing_an_upload_completes_it_after_a_restart(workdir):
    import time

    from conftest_app import LIVE_TOKEN

    page = "<!DOCTYPE html><html><body><h1>天桥区政府工作报告</h1><p>2024年，天桥区将新增学位9900个。</p>" \
           "<p>2023年，天桥区新建学校6所，新增学位8800个。</p></body></html>"
    server = start_live_server(workdir, corpus_dir=workdir / "corpus", env={"QA_API_TOKEN": LIVE_TOKEN})
    try:
        accepted = httpx.post(server.url + "/api/documents", files={"file": ("tianqiao-2024.html", page.encode())},
                              headers={"Authorization": f"Bearer {LIVE_TOKEN}"}, timeout=30)
        assert accepted.status_code == 202
        status, deadline = "queued", time.monotonic() + 60
        while status == "queued" and time.monotonic() < deadline:
            status = httpx.get(server.url + "/api/changes", timeout=10).json()[-1]["status"]
        assert status == "indexing"
        server.process.kill()  # SIGKILL, mid-change
        server.process.wait()
    finally:
        stop_live_server(server)
    restarted = start_live_server(workdir, corpus_dir=workdir / "corpus")
    try:
        for _ in range(300):
            changes = httpx.get(restarted.url + "/api/changes", timeout=10).json()
            if changes and changes[-1]["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert [(c["doc_id"], c["status"]) for c in changes] == [("tianqiao-2024", "done")]
        assert "resuming the add of tianqiao-2024" in restarted.log()
        assert "changed index" in restarted.log() and "built index" not in restarted.log()  # by that report, not from scratch
        documents = {d["doc_id"]: d for d in httpx.get(restarted.url + "/api/documents", timeout=10).json()}
        assert documents["tianqiao-2024"]["status"] == "ready" and documents["tianqiao-2024"]["reason"] is None
        ask = lambda q: httpx.post(restarted.url + "/api/ask", json={"question": q}, timeout=30).json()  # noqa: E731
        assert ask("天桥区2024年新增学位多少")["answer"] == "9900个"
        assert ask(QUESTION)["answer"] == "7000余个"
    finally:
        stop_live_server(restarted)
    (workdir / "corpus" / "tianqiao-2024.html").unlink()
    (workdir / "corpus" / "tianqiao-2024.json").unlink()
