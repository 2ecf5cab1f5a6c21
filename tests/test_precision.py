"""The precision reports are embedded in: an allow-listed setting, bfloat16 only where the CPU multiplies it in
hardware unless asked, and vectors that stay those of float32 to four decimals (real model, slow)."""
from __future__ import annotations

import numpy as np
import pytest

from qa.index import embedding
from qa.index.embedding import document_precision, native_bfloat16


@pytest.mark.parametrize("flags, native", [
    ("fpu vme avx2 avx512f avx512_vnni", False),
    ("fpu avx512f avx512_bf16 avx512_fp16", True),
    ("fpu avx512f amx_bf16 amx_tile amx_int8", True),
    ("fpu neon asimd", False),
])
def test_bfloat16_is_native_only_where_the_cpu_flags_say_so(tmp_path, flags, native):
    info = tmp_path / "cpuinfo"
    info.write_text(f"processor\t: 0\nmodel name\t: A CPU\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n", encoding="ascii")
    assert native_bfloat16(str(info)) is native
    assert native_bfloat16(str(tmp_path / "no-such-file")) is False


@pytest.mark.parametrize("native", [True, False])
def test_auto_follows_the_cpu_and_the_others_are_taken_as_said(monkeypatch, native):
    monkeypatch.setattr(embedding, "native_bfloat16", lambda: native)
    assert document_precision("auto") == ("bfloat16" if native else "float32")
    assert document_precision("float32") == "float32"
    assert document_precision("bfloat16") == "bfloat16"


@pytest.mark.parametrize("setting", ["fp16", "float16", "int8", "", "BFLOAT16", None, 32])
def test_any_other_precision_is_refused(setting):
    with pytest.raises(ValueError, match="auto, float32, bfloat16"):
        document_precision(setting)


@pytest.mark.parametrize("value, expected", [("", "auto"), ("BFloat16", "bfloat16"), (" float32 ", "float32")])
def test_the_setting_reads_the_environment(monkeypatch, value, expected):
    from qa.settings import Settings

    monkeypatch.setenv("QA_DOCUMENT_PRECISION", value)
    assert Settings().document_precision == expected


def test_a_wrong_setting_names_the_variable(monkeypatch):
    from qa.settings import Settings, SettingsError

    monkeypatch.setenv("QA_DOCUMENT_PRECISION", "half")
    with pytest.raises(SettingsError, match="QA_DOCUMENT_PRECISION must be one of auto, float32, bfloat16"):
        Settings()


@pytest.mark.slow
def test_reports_in_bfloat16_keep_their_vectors_and_questions_stay_float32():
    from test_bert import TEXTS

    from qa.index.embedding import load_embedder

    plain = load_embedder("m3e-small", batch_size=4, documents="float32")
    fast = load_embedder("m3e-small", batch_size=4, documents="bfloat16")
    texts = TEXTS * 2 + [t[:n] for t in TEXTS for n in (3, 9)]
    exact = plain.embed(texts)
    assert np.array_equal(plain.embed_documents(texts), exact)  # float32 reports: the questions' own path
    assert np.array_equal(fast.embed(texts), exact)  # questions in float32 whatever the reports' precision
    rounded = fast.embed_documents(texts)
    assert rounded.dtype == np.float32 and not np.array_equal(rounded, exact)
    assert np.allclose(np.linalg.norm(rounded, axis=1), 1.0, atol=1e-5)
    assert float((rounded * exact).sum(axis=1).min()) > 0.9995
