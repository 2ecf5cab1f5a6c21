"""Load test of POST /api/ask: latency percentiles and throughput at 1, 8 and 32 clients; with --spawn, cold start and memory.

    python scripts/benchmark.py                      # against a server already running on http://127.0.0.1:7860
    python scripts/benchmark.py --spawn --out bench.json
    python scripts/benchmark.py --spawn --levels 1 --rules-too      # the hybrid, then the rules alone, same run
    python scripts/benchmark.py --spawn --index-dir /tmp/fresh-index   # cold start includes building the index

Loopback targets only. Needs the standard library and httpx.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent

# (question, earlier questions): realistic questions about the reports, a few unanswerable, two follow-ups
QUESTIONS: list[tuple[str, list[str]]] = [
    ("历下2024年新增学位多少", []),
    ("那2023年呢？", ["历下2024年新增学位多少"]),
    ("2022年历下区一般公共预算收入完成了多少？", []),
    ("2022年历下服务业增加值预计增长多少？", []),
    ("2022年历下新添了多少家高企？", []),
    ("2023年历下准备建几个以古树为主题的公园？", []),
    ("2019年济南市中区外贸进出口总额是多少？", []),
    ("2019年市中区以划拨方式供应的土地有多少亩？", []),
    ("市中区2019年新增规模以上服务业企业多少家？", []),
    ("2024年历下区项目建设全年要投进去多少钱？", []),
    ("2024年济南人工智能计算中心要再添多少算力？", []),
    ("历下产业部门为企业提供几小时的“保姆式”服务？", []),
    ("2023年接受齐鲁晚报·齐鲁壹点记者采访的历下区区长是谁？", []),
    ("历下搭建的五大国资发展平台是哪五个？", []),
    ("2022年历下筹集了多少套保障性租赁住房？", []),
    ("2024年历下有多少个项目要确保开工？", []),
    ("市中区呢？", ["2024年历下有多少个项目要确保开工？"]),
    ("槐荫区2023年新建了几所学校", []),
    ("天桥区2024年计划推进多少个重点项目？", []),
    ("2024年历下计划新建多少个5G基站？", []),
]


def check_loopback(url: str) -> None:
    """Refuse anything but a loopback address: this tool is for our own server only."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {host!r}: {exc}") from None
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"refusing {url}: only loopback targets (127.0.0.1, ::1, localhost) may be benchmarked")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a process, in kB, from /proc (Linux only; empty elsewhere)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def post_ask(client: httpx.Client, question: str, history: list[str]) -> tuple[float, bool, str]:
    """One request: (latency in ms, ok, error text)."""
    started = time.perf_counter()
    try:
        response = client.post("/api/ask", json={"question": question, "history": history})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            return elapsed, False, f"HTTP {response.status_code}: {response.text[:120]}"
        body = response.json()
        if not isinstance(body.get("abstained"), bool) or (not body["abstained"] and not body.get("citations")):
            return elapsed, False, "incomplete answer"
        return elapsed, True, ""
    except httpx.HTTPError as exc:
        return (time.perf_counter() - started) * 1000, False, f"{type(exc).__name__}: {exc}"


def worst_case_questions() -> list[str]:
    """Questions of the worst kind for the rules: 496 characters of report text pasted whole, plus 有哪些."""
    texts = [p.read_text(encoding="utf-8").replace("\n", "") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    return [t[i : i + 496] + "有哪些" for t in texts for i in range(200, max(201, len(t) - 600), 700)]


class Attackers:
    """``n`` clients sending worst-case questions back to back until stopped; counts what they got."""

    def __init__(self, url: str, n: int, timeout: float, address: str = "127.0.0.2") -> None:
        self.url, self.n, self.timeout, self.address = url, n, timeout, address
        self.stop = threading.Event()
        self.sent = 0
        self.failed = 0
        self.threads: list[threading.Thread] = []

    def _run(self, k: int) -> None:
        questions = worst_case_questions()
        # from another loopback address than the normal client's, as another machine would be
        transport = httpx.HTTPTransport(local_address=self.address)
        with httpx.Client(base_url=self.url, timeout=self.timeout, transport=transport) as client:
            i = k
            while not self.stop.is_set():
                _, ok, _ = post_ask(client, questions[i % len(questions)], [])
                self.sent += 1
                self.failed += not ok
                i += self.n

    def __enter__(self) -> "Attackers":
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(self.n)]
        for t in self.threads:
            t.start()
        time.sleep(1.0)  # let them load the server first
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=self.timeout)


def run_level(url: str, concurrency: int, requests: int, timeout: float, pace: float = 0.0) -> dict:
    """``requests`` questions (cycling through QUESTIONS) sent by ``concurrency`` clients at once; with ``pace``, each
    client starts a question at most every ``pace`` seconds (a person reading the answers)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with httpx.Client(base_url=url, timeout=timeout, limits=limits) as client:

        def one(i: int) -> None:
            question, history = QUESTIONS[i % len(QUESTIONS)]
            elapsed, ok, error = post_ask(client, question, history)
            if pace:
                time.sleep(max(0.0, pace - elapsed / 1000))
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors.append(error)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(requests)))
        wall = time.perf_counter() - started
    latencies.sort()
    return {
        "concurrency": concurrency,
        "requests": requests,
        "ok": len(latencies),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(latencies) / wall, 2) if wall else 0.0,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else None,
    }


def spawn_server(index_dir: str | None, timeout: float, extra_env: dict | None = None) -> tuple[subprocess.Popen, str, float, Path, float, float]:
    """Start ``python app.py`` on a free port; returns it, its URL, the cold start in seconds, its log file, the
    first question's latency in ms (asked as soon as /api/health is 200) and the seconds until the chat page at /
    answered 200 (it is built after the answerer has loaded).

    Cold start runs from process start to the first successful /api/ask answer.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # a load test of our own server from one address: no per-client limit unless asked (--rate-limit)
    env = {"QA_RATE_LIMIT": "0", **os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    if index_dir:
        env["QA_INDEX_DIR"] = index_dir
    env.update(extra_env or {})
    log_path = Path(tempfile.mkstemp(prefix="benchmark-server-", suffix=".log")[1])
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    question, history = QUESTIONS[0]
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            while True:  # until /api/health says the answerer is loaded
                if process.poll() is not None:
                    raise SystemExit(f"app.py exited with {process.returncode}; see {log_path}")
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"app.py was not ready within {timeout:.0f} s; see {log_path}")
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
            # then the first question: as fast as any other when nothing is built lazily after health says ok
            asked = time.perf_counter()
            response = client.post("/api/ask", json={"question": question, "history": history})
            first_ms = (time.perf_counter() - asked) * 1000
            if response.status_code != 200:
                raise SystemExit(f"the first question answered {response.status_code}; see {log_path}")
            cold_start = time.perf_counter() - started
            while client.get("/").status_code != 200:  # the chat page, built once the answerer has loaded
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"the chat page was not ready within {timeout:.0f} s; see {log_path}")
                time.sleep(0.05)
            return process, url, cold_start, log_path, first_ms, time.perf_counter() - started
    except BaseException:
        stop_server(process)
        raise


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def bare_embedding(rounds: int = 12) -> dict:
    """The floor every answer stands on: one question embedded alone, in this process, with the server stopped
    (``load_embedder().embed([q])``, the embedder the server uses, over the benchmark's questions, ``rounds`` times:
    240 by default); the same through sentence-transformers for reference."""
    from qa.index.embedding import SentenceEmbedder, load_embedder

    questions = [q for q, _ in QUESTIONS]

    def timed(embedder) -> list[float]:
        for q in questions[:5]:
            embedder.embed([q])
        times = []
        for _ in range(rounds):
            for q in questions:
                started = time.perf_counter()
                embedder.embed([q])
                times.append((time.perf_counter() - started) * 1000)
        return sorted(times)

    times = timed(load_embedder())
    reference = timed(SentenceEmbedder())
    p50 = percentile(times, 0.50)
    return {"n": len(times), "p50_ms": round(p50, 1), "p95_ms": round(percentile(times, 0.95), 1), "rate_rps": round(1000 / p50, 1),
            "sentence_transformers_p50_ms": round(percentile(reference, 0.50), 1)}


# issue 28's targets, as ratios to the bare embedding measured in the same run
TARGETS = {"p50_1_over_bare": 2.5, "p95_1_over_bare": 5.0, "rps_8_over_bare_rate": 0.6}


def ratios(report: dict) -> dict:
    """The served path against the bare embedding: p50 and p95 at one client over its p50, throughput at 8 clients
    over its one-at-a-time rate."""
    bare = report.get("bare_embedding")
    levels = {level["concurrency"]: level for level in report.get("levels", [])}
    out: dict = {}
    if not bare:
        return out
    if 1 in levels:
        out["p50_1_over_bare"] = round(levels[1]["p50_ms"] / bare["p50_ms"], 2)
        out["p95_1_over_bare"] = round(levels[1]["p95_ms"] / bare["p50_ms"], 2)
    if 8 in levels:
        out["rps_8_over_bare_rate"] = round(levels[8]["throughput_rps"] / bare["rate_rps"], 2)
    return out


INGEST_REPORT = ROOT / "data" / "reports" / "prov-2025-shandong.docx"  # a real Word file, 18,000 characters


def measure_ingest(timeout: float, path: Path = INGEST_REPORT) -> dict:
    """Upload one real report to a server of its own (a copy of the corpus and index in a temporary folder) and
    time it from the upload to its listing as ready."""
    import shutil

    token = "benchmark-token"
    with tempfile.TemporaryDirectory(prefix="benchmark-ingest-") as work:
        corpus, index = Path(work, "corpus"), Path(work, "index")
        shutil.copytree(ROOT / "corpus", corpus)
        if (ROOT / "index").is_dir():
            shutil.copytree(ROOT / "index", index)
        env = {"QA_CORPUS_DIR": str(corpus), "QA_API_TOKEN": token}
        process, url, *_ = spawn_server(str(index), timeout, env)
        try:
            with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
                started = time.perf_counter()
                response = client.post("/api/documents", files={"file": (path.name, path.read_bytes())})
                if response.status_code != 202:
                    raise SystemExit(f"the upload answered {response.status_code}: {response.text[:200]}")
                doc_id = response.json()["doc_id"]
                while time.perf_counter() - started < timeout:
                    listed = {d["doc_id"]: d for d in client.get("/api/documents").json()}
                    status = listed.get(doc_id, {}).get("status")
                    if status == "ready":
                        return {"file": path.name, "chars": listed[doc_id]["chars"], "ready_s": round(time.perf_counter() - started, 2)}
                    if status == "failed":
                        raise SystemExit(f"the report failed: {listed[doc_id].get('reason')}")
                    time.sleep(0.1)
                raise SystemExit(f"the report was not ready within {timeout:.0f} s")
        finally:
            stop_server(process)


REPORT_SUFFIXES = (".txt", ".docx", ".html", ".htm", ".pdf")


def measure_add_many(folder: Path, limit: int) -> dict:
    """Time ``qa add`` (the command line, a process of its own) of the first ``limit`` reports of ``folder`` at once
    into a copy of the corpus and index, from the command to its exit; the metadata is inferred from the text."""
    import shutil

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in REPORT_SUFFIXES)[:limit]
    if not files:
        raise SystemExit(f"no reports in {folder}")
    with tempfile.TemporaryDirectory(prefix="benchmark-add-") as work:
        corpus, index = Path(work, "corpus"), Path(work, "index")
        shutil.copytree(ROOT / "corpus", corpus)
        if (ROOT / "index").is_dir():
            shutil.copytree(ROOT / "index", index)
        command = [sys.executable, "-m", "qa.cli", "add", "--quiet", "--corpus", str(corpus), "--index", str(index), *map(str, files)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"qa add failed ({done.returncode}): {done.stderr[-500:]}")
        manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        from qa.index.store import Index

        added = {p.stem for p in files}
        chars = sum(len(d.text) for d in Index.load(index).documents if d.doc_id in added)
    return {"folder": str(folder), "reports": len(files), "chars": chars, "seconds": round(seconds, 1),
            "per_100_of_20000_chars_s": round(seconds * 2_000_000 / chars, 1), "passages": manifest["passages"]}


def markdown(report: dict) -> str:
    lines = []
    if report.get("cold_start_s") is not None:
        lines.append(f"Cold start (process start → first answer): **{report['cold_start_s']:.1f} s**; the first question, asked "
                     f"as /api/health turned 200, took {report.get('first_question_ms', '?')} ms; the chat page answered "
                     f"after {report.get('page_ready_s', '?')} s")
    if report.get("memory"):
        memory = report["memory"]
        lines.append(
            f"Resident memory: {memory.get('rss_after_warmup_mb', '?')} MB after warm-up, "
            f"{memory.get('rss_after_load_mb', '?')} MB after the load test (peak {memory.get('peak_mb', '?')} MB)"
        )
    if lines:
        lines.append("")
    lines += [
        "| clients | requests | errors | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in report["levels"]:
        lines.append(
            f"| {level['concurrency']} | {level['requests']} | {level['errors']} | {level['throughput_rps']} | "
            f"{level['p50_ms']} | {level['p95_ms']} | {level['p99_ms']} | {level['max_ms']} |"
        )
    if report.get("bare_embedding"):
        bare = report["bare_embedding"]
        lines.append(f"| bare query embedding | {bare['n']} | – | {bare['rate_rps']} (one at a time) | {bare['p50_ms']} | {bare['p95_ms']} | – | – |")
        if bare.get("sentence_transformers_p50_ms") is not None:
            lines.append(f"| the same through sentence-transformers | {bare['n']} | – | – | {bare['sentence_transformers_p50_ms']} | – | – | – |")
    if report.get("ratios"):
        lines.append("")
        for name, value in report["ratios"].items():
            target = TARGETS[name]
            met = value >= target if name.startswith("rps") else value <= target
            lines.append(f"- {name}: **{value}** (target {'≥' if name.startswith('rps') else '≤'} {target}: {'met' if met else 'not met'})")
    if report.get("ingest"):
        ingest = report["ingest"]
        lines.append(f"\nOne report uploaded alone ({ingest['file']}, {ingest['chars']} characters): ready after **{ingest['ready_s']} s**")
    if report.get("add_many"):
        many = report["add_many"]
        lines.append(f"\n`qa add` of {many['reports']} reports at once ({many['chars']:,} characters): **{many['seconds']} s**; "
                     f"at that rate 100 reports of 20,000 characters take {many['per_100_of_20000_chars_s'] / 60:.1f} min")
    if report.get("under_worst_case"):
        level = report["under_worst_case"]
        lines.append(
            f"| 1 (+{level['worst_case_clients']} worst-case: {level['worst_case_sent']} sent, {level['worst_case_failed']} failed) | "
            f"{level['requests']} | {level['errors']} | "
            f"{level['throughput_rps']} | {level['p50_ms']} | {level['p95_ms']} | {level['p99_ms']} | {level['max_ms']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="a running server (loopback only)")
    parser.add_argument("--spawn", action="store_true", help="start python app.py on a free port and measure it")
    parser.add_argument("--index-dir", help="with --spawn: QA_INDEX_DIR for the server (an empty folder measures the build)")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels, comma-separated (default 1,8,32)")
    parser.add_argument("--requests", type=int, default=200, help="requests per level (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="requests before measuring (default 20)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    parser.add_argument("--start-timeout", type=float, default=600.0, help="with --spawn: seconds to wait for the first answer")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--worst-case", type=int, default=0, metavar="N",
                        help="then measure one normal client while N others send 500-character worst-case questions")
    parser.add_argument("--rate-limit", type=int, default=None, help="with --spawn: QA_RATE_LIMIT for the server (default 0: none)")
    parser.add_argument("--rules-too", action="store_true", help="with --spawn: then measure a server with the rules alone (QA_READER=off)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare query embedding (and the ratios to it)")
    parser.add_argument("--ingest", action="store_true", help="then time one real report uploaded to a server of its own")
    parser.add_argument("--add-many", type=Path, metavar="FOLDER",
                        help="then time `qa add` of the reports in FOLDER (e.g. data/reports) into a copy of the corpus")
    parser.add_argument("--add-limit", type=int, default=100, help="with --add-many: at most this many reports (default 100)")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    if not levels or min(levels) < 1 or args.requests < 1:
        parser.error("levels and --requests must be positive")

    report: dict = {
        "questions": len(QUESTIONS),
        "requests_per_level": args.requests,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    limit = {} if args.rate_limit is None else {"QA_RATE_LIMIT": str(args.rate_limit)}
    modes = [("hybrid", limit)] + ([("rules", {**limit, "QA_READER": "off"})] if args.rules_too else [])
    for mode, extra_env in modes:
        measured = measure(args, levels, extra_env)
        if mode == "hybrid":
            report.update(measured)
        else:
            report["rules_only"] = measured
    if args.ingest:
        print(f"uploading {INGEST_REPORT.name} to a server of its own …", file=sys.stderr)
        report["ingest"] = measure_ingest(args.start_timeout)
    if args.add_many:
        print(f"qa add of the reports in {args.add_many} …", file=sys.stderr)
        report["add_many"] = measure_add_many(args.add_many, args.add_limit)
    if not args.no_bare:
        print("the bare query embedding, servers stopped …", file=sys.stderr)
        report["bare_embedding"] = bare_embedding()
        report["ratios"] = ratios(report)
        if "rules_only" in report:
            report["rules_only"]["bare_embedding"] = report["bare_embedding"]
            report["rules_only"]["ratios"] = ratios(report["rules_only"])
    print(markdown(report))
    if "rules_only" in report:
        print("\nthe rules alone (QA_READER=off), same run:\n" + markdown(report["rules_only"]))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nwrote {args.out}", file=sys.stderr)
    return 1 if any(level["errors"] for level in report["levels"]) else 0


def measure(args: argparse.Namespace, levels: list[int], extra_env: dict) -> dict:
    """Spawn a server (or use the given one) and run every level against it."""
    report: dict = {"cold_start_s": None, "memory": {}}
    process = None
    try:
        if args.spawn:
            process, url, cold_start, log_path, first_ms, page_s = spawn_server(args.index_dir, args.start_timeout, extra_env)
            report["cold_start_s"] = round(cold_start, 2)
            report["page_ready_s"] = round(page_s, 2)
            report["first_question_ms"] = round(first_ms, 1)
            report["server_log"] = str(log_path)
            print(f"spawned app.py (pid {process.pid}) at {url}: first answer after {cold_start:.1f} s", file=sys.stderr)
        else:
            url = args.url.rstrip("/")
            check_loopback(url)
            try:
                health = httpx.get(url + "/api/health", timeout=10)
            except httpx.HTTPError as exc:
                raise SystemExit(f"no server at {url} ({exc}); start one with 'make run' or pass --spawn") from None
            if health.status_code != 200:
                raise SystemExit(f"{url}/api/health answered {health.status_code}: {health.text[:200]}")
        report["url"] = url
        report["spawned"] = args.spawn
        report["health"] = httpx.get(url + "/api/health", timeout=10).json()

        run_level(url, min(4, max(levels)), args.warmup, args.timeout)
        if process:
            report["memory"]["rss_after_warmup_mb"] = round(memory_kb(process.pid).get("VmRSS", 0) / 1024, 1)
        report["levels"] = []
        for concurrency in levels:
            print(f"{concurrency} clients × {args.requests} requests …", file=sys.stderr)
            report["levels"].append(run_level(url, concurrency, args.requests, args.timeout))
        if args.worst_case:
            print(f"1 client asking once a second while {args.worst_case} clients send worst-case questions …", file=sys.stderr)
            with Attackers(url, args.worst_case, args.timeout) as attackers:
                # the normal user asks at most one question a second, as a person does
                level = run_level(url, 1, min(args.requests, 60), args.timeout, pace=1.0)
            report["under_worst_case"] = {**level, "worst_case_clients": args.worst_case, "worst_case_sent": attackers.sent,
                                          "worst_case_failed": attackers.failed}
        if process:
            memory = memory_kb(process.pid)
            report["memory"]["rss_after_load_mb"] = round(memory.get("VmRSS", 0) / 1024, 1)
            report["memory"]["peak_mb"] = round(memory.get("VmHWM", 0) / 1024, 1)
    finally:
        if process:
            stop_server(process)
    return report


if __name__ == "__main__":
    raise SystemExit(main())
