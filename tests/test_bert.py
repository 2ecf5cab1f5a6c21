"""``qa.index.bert`` runs the shipped BERT folder as transformers and sentence-transformers do, to the bit: the
encoder's hidden states, the embedder's vectors and the reader's logits and offsets (real model, slow); and it says
which folders it cannot run (fast)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.index.bert import BertFolder

LONG = "二〇二四年，全区地区生产总值增长6.2%，一般公共预算收入完成 1 2 3 . 4 亿元。" * 30  # past 512 tokens
TEXTS = ["历下2024年新增学位多少", "  那2023年呢？ ", "", "GDP增长5.2%", LONG, "新建改扩建中小学、幼儿园12所，新增学位7000余个。"]


@pytest.fixture(scope="module")
def folder():
    from qa.index.embedding import resolve_model

    return BertFolder(resolve_model("m3e-small"))


@pytest.mark.slow
def test_the_encoder_gives_transformers_hidden_states_exactly(folder):
    import torch

    from qa.index.bert import pad
    from qa.models.reader import load_encoder

    ours, theirs = folder.encoder(), load_encoder(folder.folder)
    tokenizer = folder.tokenizer()
    tokenizer.enable_truncation(512)
    for texts in (TEXTS[:1], TEXTS):  # nothing padded (no mask), then padded rows
        batch = pad(tokenizer.encode_batch(texts), range(len(texts)))
        with torch.inference_mode():
            a = ours(batch.input_ids, batch.attention_mask, batch.token_type_ids)
            b = theirs(input_ids=batch.input_ids, attention_mask=batch.attention_mask, token_type_ids=batch.token_type_ids).last_hidden_state
        assert torch.equal(a, b)


@pytest.mark.slow
def test_the_embedder_gives_sentence_transformers_vectors_exactly():
    from qa.index.embedding import BertEmbedder, SentenceEmbedder, load_embedder

    ours = load_embedder("m3e-small", batch_size=4)
    assert isinstance(ours, BertEmbedder) and ours.dimension == 512
    theirs = SentenceEmbedder("m3e-small", batch_size=4)
    texts = TEXTS * 2 + [t[:n] for t in TEXTS for n in (3, 9)]  # several batches, ties in length
    a, b = ours.embed(texts), theirs.embed(texts)
    assert a.dtype == np.float32 and a.shape == (len(texts), 512)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_the_reader_reads_as_it_did_through_transformers(folder, monkeypatch):
    from qa.models.reader import SpanReader, Window

    ours = SpanReader(folder.folder)
    monkeypatch.setattr(BertFolder, "supported", lambda self: False)  # the transformers path, for a model we cannot run
    theirs = SpanReader(folder.folder)
    windows = [Window("a", 0, TEXTS[5]), Window("b", 40, LONG[:700]), Window("c", 0, "短")]
    for question in ("历下2024年新增学位多少", "问" * 300):
        mine, reference = ours.read(question, windows), theirs.read(question, windows)
        assert len(mine) == len(reference) > len(windows)  # the long window was read in overlapping pieces
        for x, y in zip(mine, reference):
            assert x.window == y.window
            assert np.array_equal(x.offsets, y.offsets)
            assert np.array_equal(x.start_logits, y.start_logits) and np.array_equal(x.end_logits, y.end_logits)
            assert x.null == y.null


def write_folder(tmp_path, config: dict, files=("tokenizer.json", "pytorch_model.bin")):
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    for name in files:
        (tmp_path / name).write_bytes(b"x")
    return BertFolder(tmp_path)


BERT = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}


@pytest.mark.parametrize("config, files, supported", [
    (BERT, ("tokenizer.json", "pytorch_model.bin"), True),
    (BERT, ("tokenizer.json", "model.safetensors"), True),
    ({**BERT, "model_type": "xlm-roberta"}, ("tokenizer.json", "pytorch_model.bin"), False),
    ({**BERT, "hidden_act": "gelu_new"}, ("tokenizer.json", "pytorch_model.bin"), False),
    ({**BERT, "position_embedding_type": "relative_key"}, ("tokenizer.json", "pytorch_model.bin"), False),
    (BERT, ("pytorch_model.bin",), False),  # no fast tokenizer file
    (BERT, ("tokenizer.json",), False),  # no weights
    (BERT, ("tokenizer.json", "pytorch_model.bin", "modules.json"), False),  # sentence-transformers modules of its own
])
def test_only_a_plain_bert_folder_is_run_here(tmp_path, config, files, supported):
    assert write_folder(tmp_path, config, files).supported() is supported


def test_a_folder_without_a_readable_config_is_not_supported(tmp_path):
    assert not BertFolder(tmp_path).supported()
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    assert not BertFolder(tmp_path).supported()


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"], capture_output=True,
                         text=True, timeout=300, check=True, cwd=str(Path(__file__).resolve().parent.parent))
    return set(out.stdout.split())


def test_the_server_module_imports_neither_gradio_nor_the_models():
    """The API starts before the page (qa.server.pagemount) and before any model: importing the app's module must
    not import them (a helper the API shares with the page once pulled Gradio in)."""
    loaded = _modules_after("import qa.server.main")
    assert not {"gradio", "torch", "transformers", "sentence_transformers"} & loaded


@pytest.mark.slow
def test_loading_the_models_imports_neither_transformers_nor_sentence_transformers():
    loaded = _modules_after("from qa.answering.pipeline import load_reader\nfrom qa.index.embedding import load_embedder\n"
                            "load_embedder().embed(['问题']); load_reader()")
    assert "torch" in loaded and "qa.index.bert" in loaded
    assert not {"transformers", "sentence_transformers", "sklearn", "torch._dynamo"} & loaded


def test_encoders_of_one_folder_share_its_embedding_tables_only_when_equal(folder):
    """The embedder and both readers run m3e-small: one copy of its 43 MB word vectors, not three (the readers'
    int8 quantisation is done in place, so it copies nothing); a table that differs is never shared."""
    import torch

    from qa.index import bert
    from qa.index.embedding import load_embedder
    from qa.models.reader import DEFAULT_ADAPTER, GENERAL_ADAPTER, SpanReader

    def tables(model):
        return {n: p for n, p in model.named_parameters() if n.endswith("_embeddings.weight")}

    embedder = load_embedder("m3e-small")
    readers = [SpanReader(folder.folder, adapter) for adapter in (DEFAULT_ADAPTER, GENERAL_ADAPTER)]
    mine = tables(embedder._encoder)
    assert set(mine) == {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight"}
    for reader in readers:
        theirs = {n.removeprefix("encoder."): p for n, p in tables(reader.model).items()}
        assert {n: p.data_ptr() for n, p in theirs.items()} == {n: p.data_ptr() for n, p in mine.items()}
    # another table kept under the folder's name (another model there once): equal weights are loaded, not it
    key = (str(folder.folder.resolve()), "embeddings.word_embeddings.weight")
    kept = bert._TABLES[key]
    try:
        impostor = bert._TABLES[key] = kept + 1.0
        fresh = folder.encoder()
        assert torch.equal(fresh.embeddings.word_embeddings.weight, kept)
        assert fresh.embeddings.word_embeddings.weight.data_ptr() not in (impostor.data_ptr(), kept.data_ptr())
    finally:
        bert._TABLES[key] = kept
