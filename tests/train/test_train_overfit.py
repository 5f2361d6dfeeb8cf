from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from uniner.instruct import Conversation, write_conversations
from uniner.train import TrainConfig, train
from uniner.train.dev_score import dev_questions, engine_answers, greedy_answers, official_scores

# One question each: the engine asks one type per prompt, so these are exactly what it sees.
CONVERSATIONS = [
    Conversation("a", "Ada Lovelace lived in London.", [("person", ["Ada Lovelace"])]),
    Conversation("b", "Paris is in France.", [("country", ["France"])]),
    Conversation("c", "Paris is in France.", [("person", [])]),
    Conversation("d", "Alan Turing studied in Cambridge.", [("city", ["Cambridge"])]),
]


def _config(tmp_path: Path, model: Path, **overrides: Any) -> TrainConfig:
    data = tmp_path / "data" / "train.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    write_conversations(CONVERSATIONS, data)
    write_conversations(CONVERSATIONS[:1], data.parent / "dev.jsonl")
    options: dict[str, Any] = {
        "learning_rate": 1e-2,
        "warmup_ratio": 0.0,
        "lr_scheduler": "constant",
        "batch_size": 4,
        "logging_steps": 5,
        "dev_score_queries": 2,
        "dtype": "float32",
        **overrides,
    }
    return TrainConfig(str(model), data, tmp_path / "out", **options)


@pytest.mark.slow
def test_overfit_tiny_model_reproduces_its_conversations(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    config = _config(tmp_path, tiny_model_dir, max_steps=60, save_steps=60)
    out = train(config)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    questions = dev_questions(CONVERSATIONS, tokenizer, "chat", limit=10)
    answers = greedy_answers(model, tokenizer, [q.prompt for q in questions], "chat")
    assert [a.removesuffix("<|im_end|>").strip() for a in answers] == [q.gold for q in questions]
    # The dev score's decoder (the engine's) gives the same answers.
    assert engine_answers(model, tokenizer, questions, "chat") == [q.gold for q in questions]
    meta = json.loads((out / "uniner.json").read_text())
    assert meta == {
        "style": "chat",
        "template_version": "uniner-prompts-1",
        "base_model": str(tiny_model_dir.resolve()),
        "adapter": False,
    }
    events = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    losses = [e["loss"] for e in events if "loss" in e]
    assert losses[-1] < losses[0] / 5
    assert events[-1]["dev_f1"] == 100.0
    assert (out / "loss.png").is_file()


@pytest.mark.slow
def test_a_stopped_and_resumed_run_trains_as_an_uninterrupted_one(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # A cosine schedule with warm-up: a resume that rebuilt it differently would show in the
    # learning rates and losses of steps 3-6.
    schedule = {"lora": True, "max_steps": 6, "save_steps": 2, "logging_steps": 1}
    schedule |= {"lr_scheduler": "cosine", "warmup_ratio": 0.2, "learning_rate": 5e-2}
    whole = train(_config(tmp_path / "whole", tiny_model_dir, **schedule))
    split = tmp_path / "split"
    first = train(_config(split, tiny_model_dir, stop_at_step=2, **schedule))
    assert (first / "checkpoints" / "checkpoint-2").is_dir()
    assert not (first / "adapter_config.json").is_file()  # not finished: nothing saved as done
    train(_config(split, tiny_model_dir, **schedule))
    assert _steps(first) == _steps(whole)
    assert _steps(whole)[-1][0] == 6
    from safetensors.torch import load_file

    a = load_file(whole / "adapter_model.safetensors")
    b = load_file(first / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch_equal(a[k], b[k]) for k in a)
    assert json.loads((first / "uniner.json").read_text())["adapter"] is True


def test_resuming_under_another_schedule_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    config = _config(tmp_path, tiny_model_dir, max_steps=4, save_steps=2)
    from uniner.train.resume import check_schedule

    check_schedule(config, resuming=False)
    check_schedule(config, resuming=True)  # the same options: fine
    longer = _config(tmp_path, tiny_model_dir, max_steps=8, save_steps=2)
    with pytest.raises(ValueError, match=r"max_steps: 4 -> 8"):
        check_schedule(longer, resuming=True)


def _steps(out: Path) -> list[tuple[int, float, float]]:
    """(step, learning rate, loss) of every logged training step."""
    events = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    return [(e["step"], e["learning_rate"], round(e["loss"], 6)) for e in events if "loss" in e]


def torch_equal(a: Any, b: Any) -> bool:
    import torch

    return bool(torch.equal(a, b))


@pytest.mark.slow
def test_early_stopping_stops_when_the_dev_score_stops_improving(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # A learning rate too small to change a greedy answer: the dev F1 of the first evaluation
    # is never beaten, so a patience of 1 stops at the second (step 4 of 20).
    still = {"learning_rate": 1e-12, "best_metric": "dev_f1", "early_stopping_patience": 1}
    out = train(_config(tmp_path, tiny_model_dir, max_steps=20, save_steps=2, **still))
    events = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    scored = [e["step"] for e in events if "dev_f1" in e]
    assert scored[:2] == [2, 4] and max(e["step"] for e in events) == 4


def test_official_scores_normalise_and_count_micro() -> None:
    scores = official_scores(['["The Beatles", "Paris"]', "[]"], ['["beatles"] extra', '["x"]'])
    assert scores == pytest.approx({"precision": 50.0, "recall": 50.0, "f1": 50.0})
    assert official_scores(['["a"]'], ["not json"])["f1"] == 0.0


def test_config_validates_and_defaults(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        TrainConfig("m", tmp_path / "t.jsonl", tmp_path / "o", batch_size=0)
    with pytest.raises(ValueError, match="'float16'"):
        TrainConfig("m", tmp_path / "t.jsonl", tmp_path / "o", dtype="float16")  # type: ignore[arg-type]
    assert TrainConfig("m", "t.jsonl", "o").lr == 2e-5
    assert TrainConfig("m", "t.jsonl", "o", qlora=True).lr == 2e-4


def test_a_student_trained_with_descriptions_names_their_template(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    described = Conversation(
        "e",
        "Aspirin eases pain.",
        [("drug", ["Aspirin"])],
        descriptions={"drug": "a medication"},
    )
    config = _config(tmp_path, tiny_model_dir, max_steps=1, save_steps=1)
    write_conversations([*CONVERSATIONS, described], config.data)
    card = json.loads((train(config) / "uniner.json").read_text())
    assert card["description_template_version"] == "uniner-descriptions-1"


def test_the_final_dev_score_is_the_ending_models_logged_one() -> None:
    from types import SimpleNamespace

    from uniner.train.trainer import final_dev_score

    history = [
        {"step": 2, "dev_f1": 40.0, "dev_precision": 50.0, "epoch": 0.5},
        {"step": 2, "eval_loss": 0.3},
        {"step": 4, "dev_f1": 30.0, "dev_precision": 35.0, "epoch": 1.0},
        {"step": 5, "loss": 0.1},
    ]
    best = SimpleNamespace(best_model_checkpoint="out/checkpoints/checkpoint-2", global_step=5)
    assert final_dev_score(SimpleNamespace(**vars(best), log_history=history)) == {
        "dev_f1": 40.0,
        "dev_precision": 50.0,
    }
    last = SimpleNamespace(best_model_checkpoint=None, global_step=4, log_history=history)
    assert final_dev_score(last) == {"dev_f1": 30.0, "dev_precision": 35.0}
    unscored = SimpleNamespace(best_model_checkpoint=None, global_step=5, log_history=history)
    assert final_dev_score(unscored) is None
