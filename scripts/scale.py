"""Many reports: re-issue the five seed reports as reports of other real districts and counties (Shandong's, then
beyond) and other years, their figures changed, build the index of that corpus and measure it beside the five.

    python scripts/scale.py --reports 2000 --out scale.json     # the corpus, the build, the server, the dev split
    python scripts/scale.py --reports 200 --skip-eval           # a quick look

Measures: build time and passages per second (``qa index`` in a child process), index size on disk, the build's peak
RSS, the time and peak RSS of ``qa add`` of one more report and ``qa remove`` of it, the server's RSS, ``/api/ask`` p50/p95 (one client, the benchmark's questions), and EM on the dev split against
that corpus and against the five reports alone. Everything happens under a temporary folder; corpus/ and index/ are
only read.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import ROOT, memory_kb, run_level, spawn_server, stop_server  # noqa: E402

# (city, district or county): real county-level divisions of Shandong, then of other provinces
PLACES = [
    ("青岛", d) for d in ("市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市")
] + [
    ("淄博", d) for d in ("淄川区", "张店区", "博山区", "临淄区", "周村区", "桓台县", "高青县", "沂源县")
] + [
    ("枣庄", d) for d in ("薛城区", "峄城区", "台儿庄区", "山亭区", "滕州市")
] + [
    ("东营", d) for d in ("东营区", "河口区", "垦利区", "利津县", "广饶县")
] + [
    ("烟台", d) for d in ("芝罘区", "福山区", "牟平区", "莱山区", "蓬莱区", "龙口市", "莱阳市", "莱州市", "招远市", "栖霞市", "海阳市")
] + [
    ("潍坊", d) for d in ("潍城区", "寒亭区", "坊子区", "奎文区", "临朐县", "昌乐县", "青州市", "诸城市", "寿光市", "安丘市", "高密市", "昌邑市")
] + [
    ("济宁", d) for d in ("任城区", "兖州区", "微山县", "鱼台县", "金乡县", "嘉祥县", "汶上县", "泗水县", "梁山县", "曲阜市", "邹城市")
] + [
    ("泰安", d) for d in ("泰山区", "岱岳区", "宁阳县", "东平县", "新泰市", "肥城市")
] + [
    ("威海", d) for d in ("环翠区", "文登区", "荣成市", "乳山市")
] + [
    ("日照", d) for d in ("东港区", "岚山区", "五莲县", "莒县")
] + [
    ("临沂", d) for d in ("兰山区", "罗庄区", "河东区", "沂南县", "郯城县", "沂水县", "兰陵县", "费县", "平邑县", "莒南县", "蒙阴县", "临沭县")
] + [
    ("德州", d) for d in ("德城区", "陵城区", "宁津县", "庆云县", "临邑县", "齐河县", "平原县", "夏津县", "武城县", "乐陵市", "禹城市")
] + [
    ("聊城", d) for d in ("东昌府区", "茌平区", "阳谷县", "莘县", "东阿县", "冠县", "高唐县", "临清市")
] + [
    ("滨州", d) for d in ("滨城区", "沾化区", "惠民县", "阳信县", "无棣县", "博兴县", "邹平市")
] + [
    ("菏泽", d) for d in ("牡丹区", "定陶区", "曹县", "单县", "成武县", "巨野县", "郓城县", "鄄城县", "东明县")
] + [
    ("北京", d) for d in ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "顺义区", "大兴区", "昌平区")
] + [
    ("上海", d) for d in ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区", "浦东新区")
] + [
    ("南京", d) for d in ("玄武区", "秦淮区", "建邺区", "鼓楼区", "栖霞区", "雨花台区", "江宁区", "浦口区")
] + [
    ("杭州", d) for d in ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区")
] + [
    ("郑州", d) for d in ("中原区", "二七区", "金水区", "惠济区", "管城回族区", "上街区")
]
YEAR_SHIFTS = (-6, -3, 3, 6, -9)
SEED_DISTRICTS = {"历下区": "历下", "市中区": "市中"}
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.]*\s*[年月日号])")


def short_name(district: str) -> str:
    return district[:-1] if len(district) > 2 and district[-1] in "区县市" else district


def reissue(text: str, meta: dict, city: str, district: str, shift: int, rng: random.Random) -> tuple[str, dict]:
    """The seed's text as a report of ``city``'s ``district``, ``shift`` years later, every figure changed."""
    original = meta.get("district") or "历下区"
    short = SEED_DISTRICTS.get(original, short_name(original))
    text = text.replace("济南市", city + "市").replace("济南", city)
    text = text.replace(original, district)
    if short == "市中":
        text = re.sub(r"(?<![全本城])市中(?!心|国|区)", short_name(district), text)
    else:
        text = text.replace(short, short_name(district))
    text = re.sub(r"(20\d\d)(\s*年)", lambda m: f"{int(m.group(1)) + shift}{m.group(2)}", text)

    def change(match: re.Match) -> str:
        value = match.group(1)
        factor = rng.choice((0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3, 1.4))
        if "." in value:
            decimals = len(value.split(".")[1])
            return f"{float(value) * factor:.{decimals}f}"
        return str(max(1, round(int(value) * factor))) if int(value) > 1 else value

    text = _NUMBER.sub(change, text)
    new = {k: v for k, v in meta.items() if k in ("title", "source", "date", "year", "review_year")}
    new["district"] = district
    if isinstance(new.get("date"), str) and new["date"][:4].isdigit():
        new["date"] = f"{int(new['date'][:4]) + shift}{new['date'][4:]}"
    for key in ("year", "review_year"):
        if isinstance(meta.get(key), int):
            new[key] = meta[key] + shift
    if "title" in new:
        new["title"] = new["title"].replace(original, district).replace(short, short_name(district))
    return text, new


def make_corpus(folder: Path, reports: int, seed: int = 7) -> int:
    """The five seeds and ``reports - 5`` re-issues of them; returns how many reports were written."""
    folder.mkdir(parents=True)
    seeds = sorted((ROOT / "corpus").glob("*.txt"))
    for path in seeds:
        shutil.copy(path, folder / path.name)
        if path.with_suffix(".json").exists():
            shutil.copy(path.with_suffix(".json"), folder / path.with_suffix(".json").name)
    rng = random.Random(seed)
    combos = [(c, d, s) for s in YEAR_SHIFTS for c, d in PLACES]
    written = len(seeds)
    for i in range(reports - len(seeds)):
        seed_path = seeds[i % len(seeds)]
        city, district, shift = combos[(i // len(seeds)) % len(combos)]
        meta_path = seed_path.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        text, new = reissue(seed_path.read_text(encoding="utf-8"), meta, city, district, shift, rng)
        doc_id = f"{seed_path.stem}-x{i:05d}"
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        (folder / f"{doc_id}.json").write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
        written += 1
    return written


def build(corpus: Path, index: Path) -> dict:
    """``qa index`` in a child process: wall time, peak RSS, passages and size on disk."""
    env = {**os.environ, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qa.cli", "index", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"qa index failed:\n{done.stderr[-3000:]}")
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    return {
        "reports": manifest["documents"], "passages": manifest["passages"], "user_words": manifest["user_words"],
        "build_s": round(seconds, 1), "passages_per_s": round(manifest["passages"] / seconds, 1),
        "index_mb": round(sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20, 1),
        "build_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


_CHILD_RSS = (
    "import resource, sys\n"
    "from qa.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def change_one(corpus: Path, index: Path, work: Path) -> dict:
    """``qa add`` of one more report (a re-issue of a seed as 槐荫区's, ten years on) and ``qa remove`` of it, each in a
    child process: wall time (model loading included), the rebuild's own time as the command prints it, peak RSS;
    then the index is the one it was (same corpus hash)."""
    seed = sorted((ROOT / "corpus").glob("*.txt"))[0]
    meta_path = seed.with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    text, new = reissue(seed.read_text(encoding="utf-8"), meta, "济南", "槐荫区", 10, random.Random(1))
    upload = work / "huaiyin-new.txt"
    upload.write_text(text, encoding="utf-8")
    env = {**os.environ, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1"}
    before = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["corpus_hash"]
    out: dict = {}
    for name, args in (("add", ["add", str(upload), "--district", new["district"], "--year", str(new.get("year", 2034))]),
                       ("remove", ["remove", "huaiyin-new"])):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _CHILD_RSS, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"qa {name} failed:\n{done.stderr[-3000:]}")
        rebuilt = re.search(r"(?:rebuilt|updated) in ([0-9.]+) s", done.stdout)
        rss = re.search(r"peak_rss_kb (\d+)", done.stdout)
        out[f"{name}_s"] = round(seconds, 1)
        out[f"{name}_rebuild_s"] = float(rebuilt.group(1)) if rebuilt else None
        out[f"{name}_peak_rss_mb"] = round(int(rss.group(1)) / 1024) if rss else None
    after = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["corpus_hash"]
    out["index_as_before"] = after == before
    return out


def serve_and_measure(corpus: Path, index: Path, requests: int) -> dict:
    process, url, cold, _, _ = spawn_server(str(index), timeout=1800, extra_env={"QA_CORPUS_DIR": str(corpus)})
    try:
        level = run_level(url, 1, requests, timeout=60)
        rss = memory_kb(process.pid)
    finally:
        stop_server(process)
    return {"cold_start_s": round(cold, 1), "p50_ms": level["p50_ms"], "p95_ms": level["p95_ms"],
            "server_rss_mb": round(rss.get("VmRSS", 0) / 1024), "server_peak_rss_mb": round(rss.get("VmHWM", 0) / 1024)}


def dev_accuracy(corpus: Path, index: Path) -> dict:
    """EM on the dev split (answers and abstentions), the index loaded in this process."""
    from qa.training.evaluate import load_items, score_result
    from qa.answering.pipeline import QA, answerer_options
    from qa.settings import Settings

    settings = Settings()
    qa = QA.load(index, corpus_dir=corpus, embedding_model=settings.embedding_model, **answerer_options(settings.reader))
    items = load_items(ROOT / "eval", "dev")
    started, right, cited = time.perf_counter(), 0.0, 0
    for item in items:
        result = qa.ask(item["question"], history=item.get("history") or [])
        em, _ = score_result(result, item)
        right += em
        cited += bool(result.citations) and result.citations[0].doc_id != item.get("doc_id") and not result.abstained
    return {"dev_em": round(right / len(items), 4), "dev_n": len(items), "dev_cited_another_report": cited,
            "dev_seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60, help="/api/ask requests for the latency")
    parser.add_argument("--skip-eval", action="store_true")
    parser.add_argument("--keep", help="build in this folder and keep it (default: a temporary one, removed)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="scale-"))
    report: dict = {"reports_asked": args.reports}
    try:
        five_corpus, five_index = work / "five" / "corpus", work / "five" / "index"
        make_corpus(five_corpus, 5)
        many_corpus, many_index = work / "many" / "corpus", work / "many" / "index"
        started = time.perf_counter()
        make_corpus(many_corpus, args.reports)
        print(f"wrote {args.reports} reports in {time.perf_counter() - started:.1f} s", flush=True)
        for name, corpus, index in (("five", five_corpus, five_index), ("many", many_corpus, many_index)):
            report[name] = build(corpus, index)
            print(name, report[name], flush=True)
            report[name].update(change_one(corpus, index, work / name))
            print(name, report[name], flush=True)
            report[name].update(serve_and_measure(corpus, index, args.requests))
            print(name, report[name], flush=True)
            if not args.skip_eval:
                report[name].update(dev_accuracy(corpus, index))
                print(name, report[name], flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
