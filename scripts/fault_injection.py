"""Fault injection against a live server: damage the corpus or the index the way a bad upload, a bad disk, an editor
or a kill would, restart ``python app.py`` on it, and count the answers lost against a healthy baseline.

    python scripts/fault_injection.py                  # all scenarios, on temporary copies of corpus/
    python scripts/fault_injection.py --questions 30 --out faults.json
    python scripts/fault_injection.py --only bombs     # hostile uploads only: peak memory while each is refused

Works on copies only (corpus/ and index/ are never touched). A question's answer is "lost" when the server answers it
with anything other than the baseline's answer and cited report, or not at all. Needs numpy and httpx (both come
with the project) and the benchmark's server helpers.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import ROOT, free_port, spawn_server, stop_server  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
import report_files  # noqa: E402  (the hostile files the tests use, at full size here)

TAMPERED_FIGURE = ("7000余个", "9000余个")  # an edit an attacker might make to the stored text


@dataclass
class Outcome:
    scenario: str
    did: str
    health: str
    lost: int
    asked: int
    start_s: float
    note: str = ""


def load_questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if not r.get("history")][:limit]


def answers(url: str, questions: list[str]) -> list[tuple | None]:
    """(answer, cited doc_id) per question; None when the server did not answer it."""
    out: list[tuple | None] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for question in questions:
            try:
                response = client.post("/api/ask", json={"question": question})
            except httpx.TransportError:
                out.append(None)
                continue
            if response.status_code != 200:
                out.append(None)
                continue
            body = response.json()
            out.append((body.get("answer"), (body.get("citations") or [{}])[0].get("doc_id")))
    return out


def serve_and_measure(work: Path, questions: list[str]) -> tuple[str, list, float, str, set[str]]:
    """Start the server on ``work``, read its health, ask every question; returns (status, answers, cold start, log,
    the ids of the reports it serves)."""
    env = {"QA_CORPUS_DIR": str(work / "corpus")}
    process, url, started, log_path, _ = spawn_server(str(work / "index"), timeout=600, extra_env=env)
    try:
        health = httpx.get(url + "/api/health", timeout=10).json()
        got = answers(url, questions)
        served = {d["doc_id"] for d in httpx.get(url + "/api/documents", timeout=10).json() if d["status"] == "ready"}
    finally:
        stop_server(process)
    status = health.get("status", "?") + (f": {health['detail'][:90]}" if health.get("detail") else "")
    return status, got, started, log_path.read_text(encoding="utf-8", errors="replace"), served


def lost(baseline: list, got: list) -> int:
    return sum(1 for b, g in zip(baseline, got) if g is None or g != b)


# --- the scenarios: each damages ``work`` and says what it did --------------------------------------------------------


def segment_of(work: Path, doc_id: str = "lixia-2024-interview") -> Path:
    """The segment file holding a report, as the manifest lists it."""
    manifest = json.loads((work / "index" / "manifest.json").read_text(encoding="utf-8"))
    return next(work / "index" / "segments" / file for d, file, _ in manifest["segments"] if d == doc_id)


def flip_byte(work: Path) -> str:
    path = segment_of(work)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return "one bit flipped in the middle of lixia-2024-interview's segment"


def edit_documents(work: Path) -> str:
    path = segment_of(work)
    path.write_bytes(path.read_bytes().replace(*(s.encode() for s in TAMPERED_FIGURE)))
    return "lixia-2024-interview's segment edited: {} → {} (every place)".format(*TAMPERED_FIGURE)


def swap_segments(work: Path) -> str:
    segment_of(work).write_bytes(segment_of(work, "lixia-2023-report").read_bytes())
    return "lixia-2024-interview's segment overwritten with lixia-2023-report's (a whole, valid segment)"


def flip_sentence_vectors(work: Path) -> str:
    path = segment_of(work)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x80
    path.write_bytes(bytes(data))
    return "a sign bit flipped in lixia-2024-interview's sentence vectors"


def truncate_manifest(work: Path) -> str:
    path = work / "index" / "manifest.json"
    path.write_bytes(path.read_bytes()[:40])
    return "manifest.json cut to its first 40 bytes"


def delete_part(work: Path) -> str:
    segment_of(work).unlink()
    return "lixia-2024-interview's segment deleted"


def add_bad_report(work: Path) -> str:
    (work / "corpus" / "zz-bad.txt").write_bytes("Rapport: ".encode() + b"\x80\xff" * 400)
    return "a report in neither UTF-8 nor GB18030 added to the corpus"


def add_empty_report(work: Path) -> str:
    (work / "corpus" / "zz-empty.txt").write_bytes(b"")
    return "an empty report added to the corpus"


def add_binary_report(work: Path) -> str:
    (work / "corpus" / "zz-binary.txt").write_bytes(os.urandom(4096))
    return "4 KB of random bytes added to the corpus as a report"


def add_broken_pdf(work: Path) -> str:
    (work / "corpus" / "zz-broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n" + os.urandom(2048))
    return "a damaged PDF (a header, then random bytes) added to the corpus"


def leftover_build(work: Path) -> str:
    left = work / ".index.building-999999"
    left.mkdir()
    (left / "manifest.json").write_bytes(b"half a file")
    (work / "index" / "segments" / "0123.seg").write_bytes(b"half a segment")
    return "a .index.building-<pid> folder and a segment no manifest lists, as killed saves leave them"


def kill_when_building(work: Path, command: list[str]) -> str:
    """Run ``command`` on ``work`` and SIGKILL it the moment its index build starts writing (the staging folder
    appears: embedding is done, the parts are being written); what it left behind."""
    env = {**os.environ, "QA_CORPUS_DIR": str(work / "corpus"), "QA_INDEX_DIR": str(work / "index"),
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not list(work.glob(".index.building-*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.002)
    if process.poll() is not None:
        return f"nothing (it had exited with {process.returncode} before the kill)"
    process.kill()
    process.wait()
    return ", ".join(p.name for p in work.glob(".index.building-*")) or "nothing"


def kill_index_build(work: Path) -> str:
    left = kill_when_building(work, [sys.executable, "-m", "qa.cli", "index"])
    return f"`qa index` killed (SIGKILL) while writing the index; it left {left}"


def kill_server_rebuild(work: Path) -> str:
    flip_byte(work)  # the server will rebuild at start
    command = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(free_port())]
    left = kill_when_building(work, command)
    return f"a segment damaged; the server killed (SIGKILL) while writing the rebuilt index at start; it left {left}"


ADDED_ID = "tianqiao-2021-report"


def kill_add(work: Path) -> str:
    """``qa add`` of a new report, SIGKILLed the moment its segment file appears (the corpus holds the report, the
    manifest does not list it yet)."""
    text = (work / "corpus" / "shizhong-2020-report.txt").read_text(encoding="utf-8").replace("市中", "天桥")
    source = work / f"{ADDED_ID}.txt"
    source.write_text(text, encoding="utf-8")
    segments = work / "index" / "segments"
    before = {p.name for p in segments.iterdir()}
    env = {**os.environ, "QA_CORPUS_DIR": str(work / "corpus"), "QA_INDEX_DIR": str(work / "index"), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, "-m", "qa.cli", "add", str(source), "--district", "天桥区", "--year", "2021"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not ({p.name for p in segments.iterdir()} - before) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.001)
    if process.poll() is not None:
        return f"nothing (qa add had exited with {process.returncode} before the kill)"
    process.kill()
    process.wait()
    left = sorted({p.name for p in segments.iterdir()} - before)
    return f"`qa add` killed (SIGKILL) while saving its segment; it left {', '.join(left)} in segments/"


def remove_added(work: Path) -> None:
    for path in (work / "corpus").glob(ADDED_ID + ".*"):
        path.unlink()


UPLOAD_ID = "tianqiao-2020-report"


def kill_during_upload(work: Path) -> str:
    """A report uploaded through the API (a web page), the server killed (SIGKILL) while it indexes it."""
    text = (work / "corpus" / "shizhong-2020-report.txt").read_text(encoding="utf-8").replace("市中", "天桥")
    page = "<!DOCTYPE html><html><body>" + "".join(f"<p>{html.escape(b)}</p>" for b in text.split("\n\n") if b.strip()) + "</body></html>"
    env = {"QA_CORPUS_DIR": str(work / "corpus"), "QA_API_TOKEN": "fault-injection"}
    process, url, _, _, _ = spawn_server(str(work / "index"), timeout=600, extra_env=env)
    try:
        response = httpx.post(url + "/api/documents", files={"file": (UPLOAD_ID + ".html", page.encode())},
                              data={"district": "天桥区", "year": "2020"}, headers={"Authorization": "Bearer fault-injection"})
        response.raise_for_status()
        deadline, status = time.monotonic() + 120, "queued"
        while status == "queued" and time.monotonic() < deadline:
            status = next(c["status"] for c in httpx.get(url + "/api/changes").json() if c["doc_id"] == UPLOAD_ID)
            time.sleep(0.005)
    finally:
        process.kill()
        process.wait()
    return f"a report (HTML) uploaded through the API; the server killed (SIGKILL) when its status was {status}"


def remove_upload(work: Path) -> None:
    for path in (work / "corpus").glob(UPLOAD_ID + ".*"):
        path.unlink()


# (name, damage, undo after the run: so that the next scenario starts from a healthy corpus)
SCENARIOS: list[tuple[str, Callable[[Path], str], Callable[[Path], None] | None]] = [
    ("bit flip in a segment", flip_byte, None),
    ("stored text tampered", edit_documents, None),
    ("segment swapped", swap_segments, None),
    ("sentence vectors damaged", flip_sentence_vectors, None),
    ("manifest truncated", truncate_manifest, None),
    ("segment deleted", delete_part, None),
    ("undecodable report", add_bad_report, lambda w: (w / "corpus" / "zz-bad.txt").unlink()),
    ("empty report", add_empty_report, lambda w: (w / "corpus" / "zz-empty.txt").unlink()),
    ("binary report", add_binary_report, lambda w: (w / "corpus" / "zz-binary.txt").unlink()),
    ("damaged PDF", add_broken_pdf, lambda w: (w / "corpus" / "zz-broken.pdf").unlink()),
    ("leftover of a killed build", leftover_build, None),
    ("qa index killed mid-build", kill_index_build, None),
    ("server killed mid-rebuild", kill_server_rebuild, None),
    ("server killed during an upload", kill_during_upload, remove_upload),
    ("qa add killed mid-save", kill_add, remove_added),
]


def run(questions: list[str], only: set[str] | None) -> list[Outcome]:
    work = Path(tempfile.mkdtemp(prefix="fault-injection-"))
    try:
        shutil.copytree(ROOT / "corpus", work / "corpus")
        status, baseline, start_s, _, reports = serve_and_measure(work, questions)
        if any(b is None for b in baseline):
            raise SystemExit("the healthy server left questions unanswered; nothing to compare against")
        outcomes = [Outcome("baseline", "index built from a copy of corpus/", status, 0, len(questions), start_s)]
        print(f"baseline: {status}, {len(questions)} questions, start {start_s:.1f} s", flush=True)
        for name, damage, undo in SCENARIOS:
            if only and name not in only:
                continue
            before = [p.name for p in work.glob(".index.building-*")]
            did = damage(work)
            left = [p.name for p in work.glob(".index.building-*") if p.name not in before]
            status, got, start_s, log, served = serve_and_measure(work, questions)
            leftovers = [p.name for p in work.glob(".index.building-*")]
            tampered = sum(1 for g in got if g and g[0] and TAMPERED_FIGURE[1] in g[0])
            note = "; ".join(filter(None, [
                "index changed by the reports that differ" if "changed index" in log
                else "rebuilt from the corpus" if "built the index in" in log else "",
                f"{tampered} tampered answers served" if tampered else "",
                f"leftovers still there: {leftovers}" if leftovers else f"{', '.join(left)} removed at start" if left else "",
                f"reports served: {len(served)} (+{', '.join(sorted(served - reports))})" if served - reports else "",
                f"reports lost: {', '.join(sorted(reports - served))}" if reports - served else "",
            ]))
            outcome = Outcome(name, did, status, lost(baseline, got), len(questions), start_s, note)
            outcomes.append(outcome)
            print(f"{name}: {status}; lost {outcome.lost}/{outcome.asked}; start {start_s:.1f} s; {note}", flush=True)
            if undo:
                undo(work)
        return outcomes
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Hostile uploads: (name, file name, how to make it). Sizes as the attacker's probe used them.
BOMBS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("PDF: flate, 1 GB", "bomb-flate.pdf", lambda: report_files.pdf_bomb(1_000_000_000)),
    ("PDF: flate with a 16 KB window (0x68), 1.5 GB", "bomb-window.pdf", lambda: report_files.pdf_bomb_small_window(1_500_000_000)),
    ("PDF: [/ASCIIHexDecode /FlateDecode], 1 GB", "bomb-hex.pdf", lambda: report_files.pdf_bomb_hex_flate(1_000_000_000)),
    ("PDF: RunLength inside flate, 2 GB", "bomb-runlength.pdf", lambda: report_files.pdf_bomb_run_length(2_000_000_000)),
    ("PDF: 40 streams of 30 MB", "bomb-many.pdf", lambda: report_files.pdf_bomb_many_streams(40, 30_000_000)),
    ("DOCX: 2 KB declared, 300 MB inflated", "bomb-lying.docx", lambda: report_files.docx_bomb_lying_header(300_000_000)),
    ("text: 20 junk bytes after a UTF-16 BOM", "junk.txt", lambda: b"\xff\xfe" + os.urandom(20)),
]


@dataclass
class BombOutcome:
    bomb: str
    file_bytes: int
    status: str
    reason: str
    peak_mb: float
    after_mb: float
    slowest_ask_ms: float
    lost: int
    asked: int


def rss_kb(pid: int, field: str = "VmRSS:") -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))


def run_bombs(questions: list[str]) -> list[BombOutcome]:
    """Upload each bomb to one live server (the token open), measure the server's peak memory while it refuses it
    (VmHWM, reset before each through /proc/<pid>/clear_refs), its memory after, the slowest question answered
    meanwhile, and the answers lost after it."""
    import threading

    work = Path(tempfile.mkdtemp(prefix="fault-bombs-"))
    outcomes = []
    try:
        shutil.copytree(ROOT / "corpus", work / "corpus")
        env = {"QA_CORPUS_DIR": str(work / "corpus"), "QA_API_TOKEN": "fault-injection"}
        process, url, _, _, _ = spawn_server(str(work / "index"), timeout=600, extra_env=env)
        try:
            baseline = answers(url, questions)
            for name, filename, make in BOMBS:
                data = make()
                before = rss_kb(process.pid)
                Path(f"/proc/{process.pid}/clear_refs").write_text("5")
                slowest, done = [0.0], threading.Event()

                def ask_meanwhile() -> None:
                    with httpx.Client(base_url=url, timeout=60) as client:
                        while not done.is_set():
                            started = time.perf_counter()
                            client.post("/api/ask", json={"question": questions[0]})
                            slowest[0] = max(slowest[0], (time.perf_counter() - started) * 1000)

                asker = threading.Thread(target=ask_meanwhile)
                asker.start()
                response = httpx.post(url + "/api/documents", files={"file": (filename, data)},
                                      headers={"Authorization": "Bearer fault-injection"}, timeout=60)
                doc_id = response.json().get("doc_id") if response.status_code == 202 else None
                status, reason = str(response.status_code), response.json().get("detail", "")
                deadline = time.monotonic() + 300
                while doc_id and time.monotonic() < deadline:
                    change = [c for c in httpx.get(url + "/api/changes").json() if c["doc_id"] == doc_id][-1]
                    if change["status"] in ("done", "failed"):
                        status, reason = change["status"], change.get("reason") or ""
                        break
                    time.sleep(0.1)
                done.set()
                asker.join()
                peak = rss_kb(process.pid, "VmHWM:")
                time.sleep(1.0)
                after = rss_kb(process.pid)
                got = answers(url, questions)
                outcome = BombOutcome(name, len(data), status, reason, (peak - before) / 1024, (after - before) / 1024,
                                      slowest[0], lost(baseline, got), len(questions))
                outcomes.append(outcome)
                print(f"{name}: {status} ({reason[:80]}); peak {outcome.peak_mb:+.0f} MB, after {outcome.after_mb:+.0f} MB; "
                      f"slowest ask {outcome.slowest_ask_ms:.0f} ms; lost {outcome.lost}/{outcome.asked}", flush=True)
        finally:
            stop_server(process)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return outcomes


def bombs_markdown(outcomes: list[BombOutcome]) -> str:
    lines = ["| upload | bytes | outcome | reason | peak RSS while refusing | RSS after | slowest /api/ask meanwhile | answers lost |",
             "|---|---:|---|---|---:|---:|---:|---|"]
    for o in outcomes:
        lines.append(f"| {o.bomb} | {o.file_bytes:,} | {o.status} | {o.reason[:90]} | {o.peak_mb:+.0f} MB | "
                     f"{o.after_mb:+.0f} MB | {o.slowest_ask_ms:.0f} ms | {o.lost}/{o.asked} |")
    return "\n".join(lines)


def markdown(outcomes: list[Outcome]) -> str:
    lines = ["| scenario | what it did | /api/health after restart | answers lost | start to first answer (s) | note |",
             "|---|---|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.scenario} | {o.did} | {o.health} | {o.lost}/{o.asked} | {o.start_s:.1f} | {o.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40, help="dev questions asked in each scenario")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable; 'bombs': the hostile uploads)")
    parser.add_argument("--out", help="write the outcomes as JSON here")
    args = parser.parse_args(argv)
    only = set(args.only) if args.only else None
    questions = load_questions(args.questions)
    outcomes = run(questions, only) if not only or only - {"bombs"} else []
    bombs = run_bombs(questions) if not only or "bombs" in only else []
    if outcomes:
        print(markdown(outcomes))
    if bombs:
        print(bombs_markdown(bombs))
    if args.out:
        record = {"scenarios": [o.__dict__ for o in outcomes], "bombs": [b.__dict__ for b in bombs]}
        Path(args.out).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    refused = all(b.status in ("failed", "413", "415", "422") and b.peak_mb < 200 for b in bombs)
    return 1 if any(o.lost for o in outcomes) or any(b.lost for b in bombs) or not refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
