"""GGUF export of a tiny Llama with SmolLM2's tokenizer: names, types, tokenizer metadata, and
llama.cpp computing the logits transformers computes from the written file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import gguf
import numpy as np
import pytest

from uniner.cli import main
from uniner.export import Quant, export_gguf
from uniner.export.architectures import architecture_of
from uniner.export.vocab import ADD_BOS, CHAT_TEMPLATE, vocabulary_source
from uniner.export.writer import STYLE_KEY, TEMPLATE_KEY
from uniner.paths import smollm2_gguf
from uniner.prompts import TEMPLATE_VERSION

PROMPT = "<|im_start|>user\nText: Ada Lovelace was born in London.<|im_end|>\n"


@pytest.fixture(scope="module")
def tiny(
    tiny_llama: Callable[..., Path], smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    # Large initial weights: attention that is not uniform, so a wrong q/k layout shows.
    out = tmp_path_factory.mktemp("tiny-export")
    return tiny_llama(smollm2_dir, out / "model", seed=1, initializer_range=0.2)


@pytest.fixture(scope="module")
def exported(tiny: Path) -> dict[str, Path]:
    quants: tuple[Quant, ...] = ("f16", "q8_0")
    return {q: export_gguf(tiny, tiny.parent / f"tiny-{q}.gguf", quant=q) for q in quants}


def _field(reader: gguf.GGUFReader, key: str) -> object:
    return reader.fields[key].contents()


def test_tensors_have_llama_cpp_names_and_types(exported: dict[str, Path]) -> None:
    layer = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
             "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]  # fmt: skip
    expected = {"token_embd.weight", "output_norm.weight"}
    expected |= {f"blk.{i}.{part}.weight" for i in range(2) for part in layer}
    for quant, matrix_type in (("f16", "F16"), ("q8_0", "Q8_0")):
        reader = gguf.GGUFReader(exported[quant])
        types = {t.name: t.tensor_type.name for t in reader.tensors}
        assert set(types) == expected  # tied output layer: llama.cpp reuses token_embd
        assert {n: t for n, t in types.items() if n.endswith("norm.weight")} == {
            n: "F32" for n in expected if n.endswith("norm.weight")
        }
        assert {t for n, t in types.items() if not n.endswith("norm.weight")} == {matrix_type}
        shapes = {t.name: [int(x) for x in t.shape] for t in reader.tensors}
        assert shapes["blk.0.attn_k.weight"] == [64, 32]  # (in, out) in GGUF's order; 2 kv heads
        assert _field(reader, "general.architecture") == "llama"
        assert _field(reader, "llama.block_count") == 2
        assert _field(reader, "llama.attention.head_count_kv") == 2


def test_tokenizer_metadata_is_the_base_gguf_s_with_the_students_template(
    exported: dict[str, Path], tiny: Path
) -> None:
    from transformers import AutoTokenizer

    shipped = smollm2_gguf()
    assert shipped is not None
    base, written = gguf.GGUFReader(shipped), gguf.GGUFReader(exported["f16"])
    copied = [
        k for k in base.fields if k.startswith("tokenizer.") and k not in (CHAT_TEMPLATE, ADD_BOS)
    ]
    assert "tokenizer.ggml.pre" in copied and "tokenizer.ggml.merges" in copied
    for key in copied:
        assert _field(written, key) == _field(base, key), key
    assert _field(written, CHAT_TEMPLATE) == AutoTokenizer.from_pretrained(tiny).chat_template
    assert _field(written, ADD_BOS) is False  # the chat template writes its own tokens
    assert _field(written, STYLE_KEY) == "chat"
    assert _field(written, TEMPLATE_KEY) == TEMPLATE_VERSION


def test_llama_cpp_computes_the_logits_of_transformers(
    exported: dict[str, Path], tiny: Path
) -> None:
    import torch
    from llama_cpp import Llama
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    ids = tokenizer(PROMPT, add_special_tokens=False)["input_ids"]
    model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32).eval()
    with torch.no_grad():
        expected = model(torch.tensor([ids])).logits[0].numpy()
    # (max |difference| / spread of the logits; a q/k layout that is not llama.cpp's is off by
    # about 5 spreads, and 25% of the argmaxes agree.)
    for quant, tolerance, agreement in (("f16", 0.05, 0.95), ("q8_0", 1.0, 0.6)):
        llm = Llama(model_path=str(exported[quant]), n_ctx=128, n_threads=1, logits_all=True,
                    verbose=False)  # fmt: skip
        assert llm.tokenize(PROMPT.encode(), add_bos=False, special=True) == ids
        llm.eval(ids)
        got = np.asarray(llm.scores[: len(ids)])
        error = float(np.abs(got - expected).max()) / float(expected.std())
        assert error < tolerance, quant  # measured: f16 0.014, q8_0 0.28
        assert (got.argmax(-1) == expected.argmax(-1)).mean() >= agreement, quant  # 1.0, 0.81
        llm.close()


def test_card_is_written_beside_the_file_and_never_over_a_foreign_readme(
    exported: dict[str, Path], tiny: Path
) -> None:
    card = (tiny.parent / "README.md").read_text()
    front = card.split("---\n")[1]
    assert "library_name: gguf" in front and "- gguf" in front
    assert "tiny-q8_0.gguf" in card or "tiny-f16.gguf" in card
    foreign = tiny.parent / "elsewhere"
    foreign.mkdir()
    (foreign / "README.md").write_text("# my project\n")
    out = export_gguf(tiny, foreign / "student.gguf")
    assert (foreign / "README.md").read_text() == "# my project\n"
    assert "library_name: gguf" in (foreign / "student.README.md").read_text()
    assert out == foreign / "student.gguf"


def test_uniner_loads_the_exported_file_back(
    exported: dict[str, Path], tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNINER_CACHE", str(tmp_path))
    from uniner import NERModel

    original = NERModel.from_pretrained(tiny, device="cpu", dtype="float32")
    loaded = NERModel.from_pretrained(exported["f16"], device="cpu", dtype="float32")
    from uniner.checkpoints import ModelCard
    from uniner.checkpoints.gguf import converted_dir

    card = ModelCard.load(converted_dir(exported["f16"]))  # the file's uniner.* keys, kept
    assert card is not None and (card.style, card.template_version) == ("chat", TEMPLATE_VERSION)
    ids = original.tokenizer(PROMPT, add_special_tokens=False, return_tensors="pt")["input_ids"]
    assert loaded.tokenizer(PROMPT, add_special_tokens=False)["input_ids"] == ids[0].tolist()
    import torch

    with torch.no_grad():
        a = original.model(ids).logits[0]
        b = loaded.model(ids).logits[0]
    assert torch.equal(a.argmax(-1), b.argmax(-1))
    assert float((a - b).abs().max()) / float(a.std()) < 0.02


def test_unsupported_architectures_are_refused_by_name(
    smollm2_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig

    with pytest.raises(
        ValueError,
        match=r"cannot export GPT2LMHeadModel to GGUF: uniner writes only LlamaForCausalLM",
    ):
        architecture_of(GPT2Config(architectures=["GPT2LMHeadModel"]))
    biased = LlamaConfig(architectures=["LlamaForCausalLM"], attention_bias=True, hidden_act="gelu")
    with pytest.raises(ValueError, match=r"attention biases, activation 'gelu' are not written"):
        architecture_of(biased)
    from transformers import AutoTokenizer

    folder = tmp_path / "gpt2"
    config = GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=49152, n_positions=32)
    GPT2LMHeadModel(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(smollm2_dir).save_pretrained(folder)
    assert main(["export", str(folder), "--gguf", str(tmp_path / "x.gguf")]) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("uniner: error: cannot export GPT2LMHeadModel to GGUF")
    assert not (tmp_path / "x.gguf").exists()


def test_a_gguf_with_other_tokens_is_not_taken_for_the_tokenizer(
    tmp_path: Path, tiny: Path
) -> None:
    from transformers import AutoTokenizer

    other = tmp_path / "other.gguf"
    writer = gguf.GGUFWriter(other, "llama")
    writer.add_token_list(["a", "b"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    with pytest.raises(
        ValueError, match=r"other\.gguf \(other tokens\); .*missing\.gguf \(no such file\)"
    ):
        vocabulary_source(tokenizer, [other, tmp_path / "missing.gguf"], student="tiny")


def test_cli_exports_and_reports_bad_quant(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["export", str(tiny), "--gguf", str(tmp_path / "x.gguf"), "--quant", "q4"])
    assert main(["export", str(tiny), "--gguf", str(tmp_path / "x.gguf"), "--no-card"]) == 0
    assert f"wrote {tmp_path / 'x.gguf'} (f16," in capsys.readouterr().out
    assert not (tmp_path / "README.md").exists()
    assert (
        json.loads(
            json.dumps(gguf.GGUFReader(tmp_path / "x.gguf").fields["llama.vocab_size"].contents())
        )
        == 49152
    )
