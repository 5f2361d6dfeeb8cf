"""The Hugging Face model card (README.md) a student carries: its front matter, its tables, and
its loading recipe, run as written with plain transformers + peft."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from uniner.checkpoints import default_adapter
from uniner.checkpoints.readme import EXAMPLE_TEXT, EXAMPLE_TYPE, gather, render_readme
from uniner.instruct import Conversation, write_conversations
from uniner.paths import DEFAULT_MODEL_HUB_ID
from uniner.prompts import DESCRIPTION_TEMPLATE_VERSION
from uniner.train import TrainConfig, train

# The card's example passage among the training conversations, so the student knows its answer.
CONVERSATIONS = [
    Conversation("a", EXAMPLE_TEXT, [(EXAMPLE_TYPE, ["Ada Lovelace"])]),
    Conversation("b", "Paris is in France.", [("country", ["France"])]),
    Conversation("c", "Paris is in France.", [(EXAMPLE_TYPE, [])]),
    Conversation("d", "Alan Turing studied in Cambridge.", [("city", ["Cambridge"])]),
]


def _front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    loaded = yaml.safe_load(card.split("---\n")[1])
    assert isinstance(loaded, dict)
    return loaded


def _python_blocks(card: str, heading: str) -> list[str]:
    section = card.split(f"## {heading}")[1].split("\n## ")[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


@pytest.fixture(scope="module")
def lora_student(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("card")
    data = root / "pile-ner" / "train.jsonl"  # the path names a source the card knows
    data.parent.mkdir()
    write_conversations(CONVERSATIONS, data)
    write_conversations(CONVERSATIONS[:1], data.parent / "dev.jsonl")
    config = TrainConfig(
        str(tiny_model_dir), data, root / "student", lora=True, learning_rate=1e-2,
        warmup_ratio=0.0, lr_scheduler="constant", batch_size=4, max_steps=60, save_steps=60,
        logging_steps=20, dev_score_queries=2, dtype="float32",
    )  # fmt: skip
    return train(config)


@pytest.mark.slow
def test_trained_student_card_loads_with_plain_transformers_and_peft(
    lora_student: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = (lora_student / "README.md").read_text()
    meta = _front_matter(card)
    assert meta["library_name"] == "peft"
    assert meta["license"] == "other"  # a local base: its licence is not known
    assert {"uniner", "lora", "named-entity-recognition"} <= set(meta["tags"])
    assert meta["datasets"] == ["Universal-NER/Pile-NER-type"]
    assert "base_model" not in meta  # a local folder is no hub id
    assert "| `train.jsonl` | cc-by-nc-4.0 | Pile-NER" in card
    assert "| lora_r | `16` |" in card and "| learning_rate | `0.01` |" in card
    assert "template version `uniner-prompts-1`" in card
    assert "F1 **100.0**" in card  # the dev score logged at the end of training
    assert json.loads((lora_student / "uniner.json").read_text())["adapter"] is True

    (snippet,) = _python_blocks(card, "Use it with plain transformers + peft")
    assert "uniner" not in snippet  # plain transformers + peft, nothing of ours
    monkeypatch.chdir(lora_student)  # the card says: run from this folder
    scope: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), scope)  # the card's own code, as written

    from uniner import NERModel
    from uniner.engine.options import ExtractOptions

    engine = NERModel.from_pretrained(lora_student, device="cpu", dtype="float32")
    (answer,) = engine.backend.answer(
        [EXAMPLE_TEXT], [EXAMPLE_TYPE], None, ExtractOptions(), batch_size=1, progress=False
    )[0]
    assert answer.text == '["Ada Lovelace"]'
    assert scope["answer"] == answer.text


def test_default_students_card_names_its_hub_base() -> None:
    adapter = default_adapter()
    if adapter is None:
        pytest.skip("this build ships no default adapter")
    card = render_readme(gather(adapter, name="uniner-default"))
    meta = _front_matter(card)
    assert meta["base_model"] == DEFAULT_MODEL_HUB_ID
    assert meta["base_model_relation"] == "adapter"
    assert meta["license"] == "apache-2.0"
    (snippet,) = _python_blocks(card, "Use it with plain transformers + peft")
    assert f'AutoModelForCausalLM.from_pretrained("{DEFAULT_MODEL_HUB_ID}"' in snippet
    assert "apply_chat_template(messages" in snippet
    # The shipped adapter carries its train config, so the card names its data.
    assert "| `train.jsonl` |" in card.split("## Training data")[1].split("##")[0]


def test_evaluation_results_become_the_card_s_table(tmp_path: Path) -> None:
    (tmp_path / "uniner.json").write_text(
        '{"style": "chat", "template_version": "uniner-prompts-1"}'
    )
    results = {
        "benchmark": "zero-shot",
        "averages": {"official": 0.25},
        "detail": {"CrossNER_AI": {"official": {"f1": 0.2}},
                   "mit-movie": {"official": {"f1": 0.3}}},
        "config": {"limit": 50},
    }  # fmt: skip
    (tmp_path / "results.json").write_text(json.dumps(results))
    card = render_readme(gather(tmp_path, evaluation=tmp_path / "results.json"))
    table = card.split("## Evaluation")[1].split("\n## ")[0]
    assert "`uniner eval` on `zero-shot`, first 50 passages of each set (F1, %):" in table
    assert "| CrossNER_AI | 20.0 |" in table and "| **average** | 25.0 |" in table
    assert _front_matter(card)["library_name"] == "transformers"


def test_the_dev_score_names_the_kept_checkpoint_s_step(tmp_path: Path) -> None:
    # The trainer re-scores the model it keeps after the last step (logged at step 4); with the
    # best checkpoint kept (step 2), the card names step 2.
    (tmp_path / "uniner.json").write_text('{"style": "chat"}')
    events = [
        {"step": 2, "dev_precision": 30.0, "dev_recall": 10.0, "dev_f1": 15.0},
        {"step": 4, "dev_precision": 20.0, "dev_recall": 5.0, "dev_f1": 8.0},
        {"step": 4, "dev_precision": 30.0, "dev_recall": 10.0, "dev_f1": 15.0},
    ]
    (tmp_path / "train_log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    assert "(step 4, " in render_readme(gather(tmp_path))  # no checkpoint state: the last step
    state = tmp_path / "checkpoints" / "checkpoint-4"
    state.mkdir(parents=True)
    best = {"global_step": 4, "best_model_checkpoint": str(tmp_path / "ck" / "checkpoint-2")}
    (state / "trainer_state.json").write_text(json.dumps(best))
    card = render_readme(gather(tmp_path))
    assert "Dev score during training (step 2, " in card and "F1 **15.0**" in card


def test_a_student_that_learnt_descriptions_says_how_to_ask_them(tmp_path: Path) -> None:
    (tmp_path / "uniner.json").write_text('{"style": "chat"}')
    assert "Description:" not in render_readme(gather(tmp_path))
    card = {"style": "chat", "description_template_version": DESCRIPTION_TEMPLATE_VERSION}
    (tmp_path / "uniner.json").write_text(json.dumps(card))
    template = render_readme(gather(tmp_path)).split("## Prompt template")[1].split("\n## ")[0]
    assert f"type descriptions (template `{DESCRIPTION_TEMPLATE_VERSION}`)" in template
    assert "`What describes <type> in the text? Description: <description>`" in template
