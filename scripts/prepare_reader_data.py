"""Build the uniform gzip JSONL reader training files from raw CMRC2018 and DRCD (T->S converted) sources."""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from pathlib import Path
from typing import Callable, Iterator

OUTPUT_NAMES = {
    "cmrc2018_trial": "cmrc2018_trial.jsonl.gz",
    "cmrc2018_dev": "cmrc2018_dev.jsonl.gz",
    "drcd_dev": "drcd_dev.jsonl.gz",
    "drcd_test": "drcd_test.jsonl.gz",
}
TS_TABLE_COPY_NAME = "opencc_TSCharacters.txt"

STAT_KEYS = (
    "contexts_in",
    "questions_in",
    "answers_in",
    "answers_bad_source_offset",
    "answers_bad_after_conversion",
    "answers_duplicate",
    "questions_empty_question",
    "questions_no_valid_answer",
    "questions_out",
    "contexts_out",
    "answers_out",
)


def load_ts_table(path: Path) -> dict[str, str]:
    """Read OpenCC TSCharacters.txt into a one-char -> one-char map (first candidate)."""
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        candidates = values.split(" ")
        first = candidates[0] if candidates else ""
        if len(key) == 1 and len(first) == 1:
            table[key] = first
    return table


def make_converter(table: dict[str, str]) -> Callable[[str], str]:
    """Return a length-preserving character-by-character converter."""
    trans = str.maketrans(table)

    def convert(text: str) -> str:
        out = text.translate(trans)
        if len(out) != len(text):
            raise ValueError("conversion changed string length")
        return out

    return convert


def identity(text: str) -> str:
    """Leave text unchanged."""
    return text


def answer_ok(context: str, text: str, start: int) -> bool:
    """True when the answer span is non-empty and sits exactly at start in context."""
    return bool(text) and start >= 0 and context[start:start + len(text)] == text


def iter_records(squad: dict, convert: Callable[[str], str], stats: dict[str, int]) -> Iterator[dict]:
    """Yield one verified record per usable question of a SQuAD-style dict, updating stats."""
    kept_contexts = 0
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            stats["contexts_in"] += 1
            src_context = paragraph["context"]
            context = convert(src_context)
            context_used = False
            for qa in paragraph["qas"]:
                stats["questions_in"] += 1
                answers: list[dict] = []
                seen: set[tuple[str, int]] = set()
                for answer in qa["answers"]:
                    stats["answers_in"] += 1
                    src_text, start = answer["text"], answer["answer_start"]
                    if not answer_ok(src_context, src_text, start):
                        stats["answers_bad_source_offset"] += 1
                        continue
                    text = convert(src_text)
                    if not answer_ok(context, text, start):
                        stats["answers_bad_after_conversion"] += 1
                        continue
                    if (text, start) in seen:
                        stats["answers_duplicate"] += 1
                        continue
                    seen.add((text, start))
                    answers.append({"text": text, "start": start})
                question = convert(qa["question"])
                if not question.strip():
                    stats["questions_empty_question"] += 1
                    continue
                if not answers:
                    stats["questions_no_valid_answer"] += 1
                    continue
                stats["questions_out"] += 1
                stats["answers_out"] += len(answers)
                context_used = True
                yield {"id": str(qa["id"]), "context": context, "question": question, "answers": answers}
            kept_contexts += context_used
    stats["contexts_out"] = kept_contexts


def write_jsonl_gz(path: Path, records: Iterator[dict]) -> None:
    """Write records as gzip JSON Lines with a fixed header (no name, mtime=0)."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        for record in records:
            gz.write((json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def build_dataset(src: Path, dst: Path, convert: Callable[[str], str]) -> dict[str, int]:
    """Convert one SQuAD-style source file into one output file and return its stats."""
    squad = json.loads(src.read_text(encoding="utf-8"))
    stats = dict.fromkeys(STAT_KEYS, 0)
    write_jsonl_gz(dst, iter_records(squad, convert, stats))
    return stats


def parse_args() -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cmrc-trial", type=Path, required=True, help="cmrc2018 squad-style-data/cmrc2018_trial.json")
    parser.add_argument("--cmrc-dev", type=Path, required=True, help="cmrc2018 squad-style-data/cmrc2018_dev.json")
    parser.add_argument("--drcd-dev", type=Path, required=True, help="DRCD DRCD_dev.json")
    parser.add_argument("--drcd-test", type=Path, required=True, help="DRCD DRCD_test.json")
    parser.add_argument("--ts-chars", type=Path, required=True, help="OpenCC data/dictionary/TSCharacters.txt")
    parser.add_argument("--out-dir", type=Path, default=Path("data/reader"), help="output folder (default: data/reader)")
    return parser.parse_args()


def main() -> None:
    """Build all four files, copy the T->S table and print a summary."""
    args = parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    table = load_ts_table(args.ts_chars)
    t2s = make_converter(table)
    jobs = {
        "cmrc2018_trial": (args.cmrc_trial, identity),
        "cmrc2018_dev": (args.cmrc_dev, identity),
        "drcd_dev": (args.drcd_dev, t2s),
        "drcd_test": (args.drcd_test, t2s),
    }
    shutil.copyfile(args.ts_chars, args.out_dir / TS_TABLE_COPY_NAME)
    print(f"T->S table: {len(table)} single-character entries from {args.ts_chars}")
    for name, (src, convert) in jobs.items():
        dst = args.out_dir / OUTPUT_NAMES[name]
        stats = build_dataset(src, dst, convert)
        details = " ".join(f"{key}={value}" for key, value in stats.items())
        print(f"{dst} ({dst.stat().st_size} bytes): {details}")


if __name__ == "__main__":
    main()
