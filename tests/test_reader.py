"""The span reader: decoding over stub logits, the adapter file and its base check, LoRA merging (a tiny random BERT)."""
import numpy as np
import pytest

from qa.models.reader import ReaderLoadError, Window, span_score, top_spans, window_logits


def _piece(text: str, start_at: dict[int, float], end_at: dict[int, float], *, doc_start: int = 100, null: float = 0.0):
    """One character per token, logits -5 except where given."""
    n = len(text)
    offsets = np.array([[i, i + 1] for i in range(n)])
    start = np.full(n, -5.0)
    end = np.full(n, -5.0)
    for i, v in start_at.items():
        start[i] = v
    for i, v in end_at.items():
        end[i] = v
    return window_logits(Window("doc", doc_start, text), offsets, start, end, null / 2, null / 2)


TEXT = "今年计划新建中小学校5所，新增学位7000余个。"


def test_best_span_is_the_outer_product_maximum_mapped_to_document_offsets():
    a = TEXT.index("7000")
    piece = _piece(TEXT, {a: 6.0, 10: 2.0}, {a + 5: 5.0, 11: 3.0})
    best = top_spans([piece], n=3)[0]
    assert best.text == "7000余个"
    assert (best.start, best.end) == (100 + a, 100 + a + 6)
    assert best.score == pytest.approx(11.0)


def test_an_end_before_the_start_is_never_decoded():
    piece = _piece(TEXT, {12: 9.0}, {3: 9.0, 14: 1.0})
    spans = top_spans([piece], n=5)
    assert spans and all(s.start <= s.end for s in spans)
    assert top_spans([piece], n=1)[0].text == TEXT[12:15]


def test_spans_longer_than_the_limit_are_not_proposed():
    piece = _piece(TEXT, {0: 9.0}, {len(TEXT) - 1: 9.0, 3: 1.0})
    spans = top_spans([piece], n=5, max_chars=10)
    assert spans and all(len(s.text) <= 10 for s in spans)
    assert len(top_spans([piece], n=1)[0].text) > 10  # without the limit, the longest span is the best


def test_the_reader_scores_a_span_it_did_not_propose_and_not_one_it_did_not_read():
    a = TEXT.index("5所")
    piece = _piece(TEXT, {a: 4.0}, {a + 1: 3.0})
    scored = span_score([piece], "doc", 100 + a, 100 + a + 2)
    assert scored.text == "5所" and scored.score == pytest.approx(7.0)
    assert span_score([piece], "doc", 10, 12) is None  # before the window
    assert span_score([piece], "other", 100 + a, 100 + a + 2) is None


def test_log_probabilities_include_the_no_answer_position():
    piece = _piece("甲乙", {0: 0.0}, {1: 0.0}, null=2 * 50.0)  # no answer is overwhelmingly likely
    assert top_spans([piece], n=1)[0].log_prob < -40


# ---------------------------------------------------------------------------------------------------------------
# the adapter file, on a tiny random BERT (no download: the config is made here)


@pytest.fixture
def tiny_base(tmp_path):
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=60, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)
    import torch

    torch.manual_seed(0)
    model = BertModel(config, add_pooling_layer=False)
    folder = tmp_path / "base"
    model.save_pretrained(folder)
    return folder


def _adapter(tiny_base, tmp_path):
    import torch

    from qa.models.reader import base_fingerprint, build_span_model, load_encoder
    from qa.training.reader_train import Recipe, add_lora, save_adapter

    encoder = load_encoder(tiny_base)
    fingerprint = base_fingerprint(encoder.state_dict())
    names = add_lora(encoder, 4, 8, 0.0)
    model = build_span_model(encoder).eval()
    torch.manual_seed(1)
    with torch.no_grad():
        for name in names:
            layer = encoder.get_submodule(name)
            layer.B.normal_(0, 0.5)
    path = tmp_path / "adapter.safetensors"
    save_adapter(path, model, names, Recipe(lora_rank=4, lora_alpha=8), fingerprint, {"name": "test"})
    return path, model


def test_merged_adapter_computes_what_the_lora_model_computed(tiny_base, tmp_path):
    import torch

    from qa.models.reader import apply_adapter, build_span_model, load_encoder, read_adapter

    path, lora_model = _adapter(tiny_base, tmp_path)
    tensors, meta = read_adapter(path)
    encoder = load_encoder(tiny_base)
    apply_adapter(encoder, tensors, meta)
    merged = build_span_model(encoder, tensors["head.weight"], tensors["head.bias"]).eval()
    ids = torch.randint(1, 60, (2, 12))
    mask, types = torch.ones_like(ids), torch.zeros_like(ids)
    with torch.no_grad():
        a = lora_model(ids, mask, types)[0]
        b = merged(ids, mask, types)[0]
    # the file holds fp16 weights: equal to the trained model's to fp16 precision
    assert torch.allclose(a, b, atol=2e-2)
    assert not torch.allclose(b, build_span_model(load_encoder(tiny_base), tensors["head.weight"], tensors["head.bias"]).eval()(ids, mask, types)[0], atol=1e-3)


def test_an_adapter_trained_on_another_base_is_refused(tiny_base, tmp_path):
    import torch

    from qa.models.reader import apply_adapter, load_encoder, read_adapter

    path, _ = _adapter(tiny_base, tmp_path)
    tensors, meta = read_adapter(path)
    other = load_encoder(tiny_base)
    with torch.no_grad():
        other.embeddings.word_embeddings.weight[3] += 1.0
    with pytest.raises(ReaderLoadError, match="another base model"):
        apply_adapter(other, tensors, meta)


def test_missing_or_foreign_weight_files_are_refused_with_their_name(tmp_path):
    from safetensors.torch import save_file
    import torch

    from qa.models.reader import read_adapter

    with pytest.raises(ReaderLoadError, match="no reader weights"):
        read_adapter(tmp_path / "absent.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ReaderLoadError, match="junk.safetensors"):
        read_adapter(junk)
    other = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(2)}, str(other), metadata={"format": "something-else"})
    with pytest.raises(ReaderLoadError, match="not a reader adapter"):
        read_adapter(other)
