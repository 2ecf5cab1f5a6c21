"""Slow: ``qa add``, ``qa documents`` and ``qa remove`` as a user runs them, on a copy of the real corpus with the
real model: a PDF made from a seed re-issued for another district is indexed, answers, and goes again; the index
after the incremental path equals one built from scratch (same answers on the benchmark's questions)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest_app import ROOT
from qa.ingest.normalize import normalize_report
from report_files import two_column_pdf

pytestmark = pytest.mark.slow
# the re-issued report states two 2024 figures of 新增学位 (幼儿园 1600余个, 中小学 5000余个): its question names which
QUESTIONS = ["槐荫2024年中小学新增学位多少", "历下2024年新增学位多少", "2022年历下区一般公共预算收入完成了多少？",
             "2019年济南市中区外贸进出口总额是多少？", "2024年历下区项目建设全年要投进去多少钱？"]


def qa(workdir, *args, input_text=None):
    env = {**os.environ, "QA_CORPUS_DIR": str(workdir / "corpus"), "QA_INDEX_DIR": str(workdir / "index"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          input=input_text, timeout=600)


def answers(workdir):
    done = qa(workdir, "ask", "--json", input_text="\n".join(QUESTIONS) + "\n")
    assert done.returncode == 0, done.stderr
    return [(row["answer"], (row["citations"] or [{}])[0].get("doc_id")) for row in map(json.loads, done.stdout.splitlines())]


def test_add_documents_remove_and_the_same_index_as_from_scratch(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    assert qa(tmp_path, "index", "--quiet").returncode == 0
    canonical = normalize_report((ROOT / "corpus" / "lixia-2024-interview.txt").read_text(encoding="utf-8")).text
    canonical = canonical.replace("历下", "槐荫").replace("7000余个", "5000余个")
    lines = canonical.split("\n")
    pdf = tmp_path / "huaiyin-2024.pdf"
    pdf.write_bytes(two_column_pdf(lines[0], lines[1:]))

    added = qa(tmp_path, "add", str(pdf), "--district", "槐荫区", "--year", "2024")
    assert added.returncode == 0, added.stderr
    assert "added huaiyin-2024" in added.stdout and "6 reports" in added.stdout
    listing = qa(tmp_path, "documents", "--json")
    rows = {r["doc_id"]: r for r in map(json.loads, listing.stdout.splitlines())}
    assert rows["huaiyin-2024"]["status"] == "indexed" and rows["huaiyin-2024"]["district"] == "槐荫区"
    incremental = answers(tmp_path)
    assert incremental[0] == ("5000余个", "huaiyin-2024") and incremental[1] == ("7000余个", "lixia-2024-interview")

    assert qa(tmp_path, "index", "--quiet").returncode == 0  # from scratch
    assert answers(tmp_path) == incremental

    again = qa(tmp_path, "add", str(pdf))
    assert again.returncode == 2 and "exists" in again.stderr
    removed = qa(tmp_path, "remove", "huaiyin-2024")
    assert removed.returncode == 0 and "5 reports" in removed.stdout
    assert answers(tmp_path)[0][1] != "huaiyin-2024"
    assert qa(tmp_path, "remove", "huaiyin-2024").returncode == 2
