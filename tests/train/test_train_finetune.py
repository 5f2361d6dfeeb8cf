"""``uniner.train.finetune``: the split, the checks before any model loads, the adapter
continued from its own weights, before/after scores; on the tiny model and the real default."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from finetune_data import SENTENCES, make_adapter, write_conll
from uniner.errors import DataFormatError
from uniner.train import TrainConfig
from uniner.train.finetune import FinetuneConfig, finetune, split_data
from uniner.train.model import adapter_to_continue, base_model_name, load_model


@pytest.fixture(scope="module")
def adapter(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_adapter(tiny_model_dir, tmp_path_factory.mktemp("tiny-student"))


@pytest.fixture
def conll(tmp_path: Path) -> Path:
    return write_conll(tmp_path / "ours.conll")


@pytest.fixture
def no_model_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any model load fails the test: the error under test must come before one."""
    from transformers import AutoModelForCausalLM

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", refuse)


def test_split_is_seeded_disjoint_and_dataset_specific(conll: Path, tmp_path: Path) -> None:
    config = FinetuneConfig([conll], tmp_path / "out", dev_fraction=0.25, label_map="conll2003")
    split = split_data(config)
    assert split.dataset == "ours"  # the file's name
    assert (len(split.train), len(split.dev)) == (9, 3)
    train_texts = {r.text for r in split.train}
    dev_texts = {r.text for r in split.dev}
    assert not train_texts & dev_texts
    assert len(train_texts | dev_texts) == len(SENTENCES)
    # The conversations are the passages', asked with the template "Dataset: ours".
    assert {c.text for c in split.dev_conversations} == dev_texts
    assert {c.text for c in split.train_conversations} == train_texts
    assert {c.dataset for c in split.train_conversations} == {"ours"}
    assert split.dev[0].types == ["person", "location"]  # the label map applied
    # Seeded: the same seed holds out the same passages, another seed others.
    assert [r.text for r in split_data(config).dev] == [r.text for r in split.dev]
    other = split_data(replace(config, seed=1))
    assert {r.text for r in other.dev} != dev_texts
    # A smaller training sample keeps the dev split.
    few = split_data(replace(config, max_train=4))
    assert [r.text for r in few.dev] == [r.text for r in split.dev]
    assert len(few.train) == 4 and {r.text for r in few.train} < train_texts
    assert {c.text for c in few.train_conversations} == {r.text for r in few.train}
    named = split_data(replace(config, dataset="gum"))
    assert {c.dataset for c in named.dev_conversations} == {"gum"}


def test_split_leaves_out_repeated_passages(tmp_path: Path) -> None:
    conll = write_conll(tmp_path / "twice.conll", SENTENCES + SENTENCES[:3])
    split = split_data(FinetuneConfig([conll], tmp_path / "out"))
    assert split.duplicates == 3
    assert len(split.train) + len(split.dev) == len(SENTENCES)


@pytest.mark.usefixtures("no_model_loads")
def test_bad_input_is_refused_before_any_model_loads(conll: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="at least one annotated data file"):
        FinetuneConfig([], out)
    with pytest.raises(FileNotFoundError, match=r"data file not found: .*missing\.conll"):
        FinetuneConfig([tmp_path / "missing.conll"], out)
    with pytest.raises(ValueError, match="'nowhere' is no folder"):
        FinetuneConfig([conll], out, source="nowhere")
    with pytest.raises(ValueError, match="neither a LoRA adapter"):
        FinetuneConfig([conll], out, source=str(tmp_path))
    with pytest.raises(ValueError, match="dev_fraction must be in \\(0, 1\\), got 0"):
        FinetuneConfig([conll], out, dev_fraction=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        FinetuneConfig([conll], out, batch_size=0)
    plain = tmp_path / "plain.conll"
    plain.write_text("Nothing\tO\nhere\tO\n\nNor\tO\nthere\tO\n")
    with pytest.raises(DataFormatError, match=r"plain\.conll: no annotated entity in its 2"):
        finetune(FinetuneConfig([conll, plain], out))
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    with pytest.raises(DataFormatError, match=r"empty\.jsonl: the file is empty"):
        finetune(FinetuneConfig([empty], out))
    one = write_conll(tmp_path / "one.conll", SENTENCES[:1])
    with pytest.raises(ValueError, match="needs at least two"):
        finetune(FinetuneConfig([one], out))
    assert not out.exists()


def test_a_continued_adapter_starts_from_its_own_weights(
    adapter: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    config = TrainConfig(
        str(adapter), tmp_path / "t.jsonl", tmp_path / "o", lora=True, dtype="float32"
    )
    model = load_model(config, str(adapter))
    saved = load_file(adapter / "adapter_model.safetensors")
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert len(trainable) == len(saved) > 0  # the adapter's weights train, nothing else
    for name, weight in saved.items():
        live = trainable[name.replace(".weight", ".default.weight")]
        assert live.detach().equal(weight)
    assert base_model_name(config, str(adapter)) == str(tiny_model_dir.resolve())
    assert adapter_to_continue(str(tiny_model_dir)) is None  # merged weights: a new adapter


def test_finetune_continues_the_adapter_and_scores_before_and_after(
    adapter: Path, tiny_model_dir: Path, conll: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    # A learning rate that moves nothing: the result is the source adapter itself (a new
    # adapter would start with one factor zero), so its dev score is the source's.
    config = FinetuneConfig(
        [conll],
        tmp_path / "out",
        source=str(adapter),
        max_steps=2,
        learning_rate=1e-12,
        dtype="float32",
        dev_fraction=0.25,
        dev_score_queries=2,
    )
    result = finetune(config)
    out = tmp_path / "out"
    before = load_file(adapter / "adapter_model.safetensors")
    after = load_file(out / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    for name in before:
        assert after[name].allclose(before[name], atol=1e-6)
    assert result.before is not None and result.before == result.after
    assert (result.dataset, result.train_passages, result.dev_passages) == ("ours", 9, 3)
    assert result.after.gold == 6  # the dev passages' mentions
    written = json.loads((out / "finetune_result.json").read_text())
    assert written == result.to_dict()
    assert written["before"]["f1"] == written["after"]["f1"]
    assert json.loads((out / "uniner.json").read_text())["base_model"] == str(
        tiny_model_dir.resolve()
    )
    settings = json.loads((out / "finetune_config.json").read_text())
    assert settings["source"] == str(adapter)
    assert settings["train_config"]["model"] == str(adapter)
    assert settings["train_config"]["best_metric"] == "dev_f1"
    # The dev split is kept for re-scoring, and the trainer evaluated on it.
    dev = (out / "data" / "dev_passages.jsonl").read_text().splitlines()
    assert len(dev) == 3
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert any("dev_f1" in event for event in log)


@pytest.mark.slow
def test_finetune_continues_the_shipped_default(smollm2_dir: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from uniner.checkpoints import default_adapter

    shipped = default_adapter()
    assert shipped is not None
    conll = write_conll(tmp_path / "ours.conll", SENTENCES[:6])
    config = FinetuneConfig(
        [conll],
        tmp_path / "out",
        max_steps=1,
        learning_rate=1e-12,
        dev_fraction=0.2,
        dev_score_queries=1,
        label_map="conll2003",
    )
    result = finetune(config)
    source = load_file(shipped / "adapter_model.safetensors")
    trained = load_file(tmp_path / "out" / "adapter_model.safetensors")
    assert source.keys() == trained.keys()
    for name in source:
        assert trained[name].allclose(source[name].float(), atol=1e-6)
    # The shipped student, scored twice on the same passages with the same weights.
    assert result.before is not None and result.before.f1 == result.after.f1
    assert result.dev_passages == 1 and result.train_passages == 5
    card = json.loads((tmp_path / "out" / "uniner.json").read_text())
    assert card["base_model"] == str(smollm2_dir.resolve())
    # The new adapter names the base it was trained over (the shipped one names the hub id).
    settings = json.loads((tmp_path / "out" / "adapter_config.json").read_text())
    assert settings["base_model_name_or_path"] == str(smollm2_dir)
