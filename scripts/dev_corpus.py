"""Build the development corpus of real reports (issue 26) in data/reports/ from the public sources it names.

    python scripts/dev_corpus.py --provincial-zip 31省区市政府工作报告.zip --national-jsonl government_work_reports.jsonl

- the 31 provincial government work reports delivered in 2025, as their published Word files:
  GitHub alexzhu0/Jina_Embeddings_v4_RAG, docs/31省区市政府工作报告.zip (MIT);
- the State Council's government work reports 1954-2025 (the congress's resolutions on them left out):
  GitHub aldohemsn/chinese-political-corpora, government_work_reports.jsonl (texts from zh.wikisource.org);
- city and county reports found in other public repositories, copied with a ``sources.jsonl`` line each (file, repo,
  path, commit, licence, place, level, year, title): ``--local-sources``.

Each report gets a sidecar with what its *source* says of it (file name, or the record's title and year): title,
place (``district``: the province, or 全国), year delivered and year reviewed. Nothing is taken from reading the text,
so the sidecars are the truth the metadata inferred from the text is measured against (``scripts/metadata_check.py``).
``split.json`` assigns each report to train, dev or test (about 60/20/20 within each level, seeded): questions are
written and models fitted per split, and the test reports stay unread. Held out and never fetched: any 2026
provincial report.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "reports"
SEED = 26

PROVINCES = {
    "北京市": "beijing", "天津市": "tianjin", "河北省": "hebei", "山西省": "shanxi", "内蒙古自治区": "neimenggu",
    "辽宁省": "liaoning", "吉林省": "jilin", "黑龙江省": "heilongjiang", "上海市": "shanghai", "江苏省": "jiangsu",
    "浙江省": "zhejiang", "安徽省": "anhui", "福建省": "fujian", "江西省": "jiangxi", "山东省": "shandong",
    "河南省": "henan", "湖北省": "hubei", "湖南省": "hunan", "广东省": "guangdong", "广西壮族自治区": "guangxi",
    "海南省": "hainan", "重庆市": "chongqing", "四川省": "sichuan", "贵州省": "guizhou", "云南省": "yunnan",
    "西藏自治区": "xizang", "陕西省": "shaanxi", "甘肃省": "gansu", "青海省": "qinghai", "宁夏回族自治区": "ningxia",
    "新疆维吾尔自治区": "xinjiang",
}


def province_of(name: str) -> str:
    """The full name of the province a file name gives (宁夏 → 宁夏回族自治区)."""
    for full in PROVINCES:
        short = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", full)
        if full in name or short in name:
            return full
    raise SystemExit(f"no province in {name!r}")


def zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    return info.filename.encode("cp437").decode("gbk")


def provincial(zip_path: Path) -> list[tuple[str, bytes, str, dict]]:
    out = []
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            name = zip_name(info)
            if not name.endswith(".docx"):
                continue
            stem = Path(name).stem  # 2025年山东省政府工作报告
            year = int(re.match(r"(\d{4})年", stem).group(1))
            place = province_of(stem)
            doc_id = f"prov-{year}-{PROVINCES[place]}"
            meta = {"title": stem, "district": place, "level": "province", "year": year, "review_year": year - 1,
                    "source": "alexzhu0/Jina_Embeddings_v4_RAG docs/31省区市政府工作报告.zip: " + Path(name).name}
            out.append((doc_id, archive.read(info), ".docx", meta))
    return out


def national(jsonl: Path) -> list[tuple[str, bytes, str, dict]]:
    out = []
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "决议" in record["title"]:
            continue
        year = int(record["year"])
        meta = {"title": record["title"], "district": "全国", "level": "national", "year": year, "review_year": year - 1,
                "source": record["url"]}
        out.append((f"national-{year}", record["content"].encode("utf-8"), ".txt", meta))
    return out


def local(sources: Path) -> list[tuple[str, bytes, str, dict]]:
    """Reports copied from other repositories, each described by a line of ``sources`` (a JSON object)."""
    out = []
    for line in sources.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        path = sources.parent / record["file"]
        stem, suffix = path.stem, path.suffix.lower()  # zhumadian-2021
        meta = {"title": record["title"], "district": record["place"], "level": record["level"], "year": int(record["year"]),
                "review_year": int(record["year"]) - 1,
                "source": f"{record['repo']} {record['path']} at {record.get('commit') or 'an unrecorded commit'} (licence: {record['licence']})"}
        out.append((f"{record['level']}-{stem}", path.read_bytes(), suffix, meta))
    return out


def split(ids: list[str], seed: int) -> dict[str, str]:
    """60/20/20 of ``ids`` into train, dev and test, by a seeded shuffle."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    n = len(order)
    n_test, n_dev = round(0.2 * n), round(0.2 * n)
    return {doc_id: "test" if i < n_test else "dev" if i < n_test + n_dev else "train" for i, doc_id in enumerate(order)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provincial-zip", type=Path, required=True)
    parser.add_argument("--national-jsonl", type=Path, required=True)
    parser.add_argument("--local-sources", type=Path, help="sources.jsonl of city and county reports copied beside it")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    reports = {"province": provincial(args.provincial_zip), "national": national(args.national_jsonl)}
    if args.local_sources:
        # city and county reports are split together: there are few of each
        reports["local"] = local(args.local_sources)
    args.out.mkdir(parents=True, exist_ok=True)
    splits: dict[str, str] = {}
    for level, items in reports.items():
        splits.update(split([doc_id for doc_id, *_ in items], SEED))
        for doc_id, data, suffix, meta in items:
            (args.out / f"{doc_id}{suffix}").write_bytes(data)
            (args.out / f"{doc_id}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (args.out / "split.json").write_text(json.dumps({"seed": SEED, "split": dict(sorted(splits.items()))}, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
    counts = {s: sum(v == s for v in splits.values()) for s in ("train", "dev", "test")}
    print(f"{len(splits)} reports in {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
