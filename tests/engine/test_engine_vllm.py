"""The vLLM backend: its glue on this machine, the real engine only on a CUDA GPU.

Without vLLM, a stand-in ``vllm`` module (:class:`FakeLLM`) runs vLLM's offline API over the
tiny transformers model: greedy, stop strings and stop ids as vLLM applies them, one
log-probability per chosen token. It checks that :class:`VLLMBackend` asks for exactly the
transformers path's prompts, loads with prefix caching on, and turns what it gets back into the
same Predictions. ``test_real_vllm_matches_the_transformers_fast_path`` is the one that runs
real vLLM (marked ``gpu``; skipped without vLLM or CUDA).
"""

from __future__ import annotations

import json
import math
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import torch

from uniner.cli import main
from uniner.engine import NERModel
from uniner.engine.backends.vllm import (
    Completion,
    VLLMBackend,
    completion_of,
    decode_queries,
    query_prompts,
)
from uniner.engine.decoding import generate_naive
from uniner.engine.queries import encode_passage
from uniner.engine.stopping import StopRule
from uniner.engine.vllm_backend import VLLMModel
from uniner.errors import MissingDependencyError
from uniner.types import Entity

TEXTS = [
    "Ada Lovelace met Charles Babbage in London. Ada wrote notes in London.",
    "Zoë lives in Reykjavík.",
    "",
    " ".join(f"Sentence {i} says Ada visited London." for i in range(12)),
]
TYPES = ["person", "city", "year"]
LONG = {"window_tokens": 48, "window_overlap": 8}  # the last text needs several windows


# ---------------------------------------------------------------- a stand-in for vllm


@dataclass
class FakeSamplingParams:
    """The SamplingParams fields the backend sets (a typo in a name fails here too)."""

    temperature: float = 1.0
    max_tokens: int = 16
    stop: list[str] = field(default_factory=list)
    stop_token_ids: list[int] = field(default_factory=list)
    ignore_eos: bool = False
    include_stop_str_in_output: bool = False
    logprobs: int | None = None
    skip_special_tokens: bool = True


@dataclass
class FakeLoRARequest:
    lora_name: str
    lora_int_id: int
    lora_path: str


class FakeLLM:
    """``vllm.LLM`` over a transformers model, decoding one prompt at a time, no cache."""

    script: str | None = None  # when set, every request is answered with this text

    def __init__(self, model: str, **kwargs: Any) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.kwargs = {"model": model, **kwargs}
        dtype = getattr(torch, kwargs.get("dtype", "float32"))
        self.hf = AutoModelForCausalLM.from_pretrained(model, dtype=dtype).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(kwargs.get("tokenizer") or model)
        config = types.SimpleNamespace(
            max_model_len=self.hf.config.max_position_embeddings, dtype=dtype
        )
        self.llm_engine = types.SimpleNamespace(model_config=config)
        self.calls: list[tuple[list[list[int]], list[FakeSamplingParams], Any]] = []

    def generate(
        self,
        prompts: Sequence[dict[str, list[int]]],
        sampling_params: Sequence[FakeSamplingParams],
        *,
        use_tqdm: bool = True,
        lora_request: Any = None,
    ) -> list[Any]:
        ids = [p["prompt_token_ids"] for p in prompts]
        self.calls.append((ids, list(sampling_params), lora_request))
        return [
            types.SimpleNamespace(outputs=[self._complete(p, sp)])
            for p, sp in zip(ids, sampling_params, strict=True)
        ]

    @torch.inference_mode()
    def _complete(self, prompt: list[int], sp: FakeSamplingParams) -> Any:
        assert sp.temperature == 0.0 and sp.logprobs == 0
        tokens: list[int] = []
        steps: list[dict[int, Any]] = []
        for token, logprob in self._greedy(prompt, sp.max_tokens):
            tokens.append(token)
            steps.append({token: types.SimpleNamespace(logprob=logprob)})
            text = self.tokenizer.decode(tokens, skip_special_tokens=sp.skip_special_tokens)
            eos = not sp.ignore_eos and token == self.tokenizer.eos_token_id
            if eos or token in sp.stop_token_ids or any(s in text for s in sp.stop):
                break
        return types.SimpleNamespace(token_ids=tokens, logprobs=steps)

    def _greedy(self, prompt: list[int], max_tokens: int) -> Iterator[tuple[int, float]]:
        if self.script is not None:  # a fixed answer, each token at probability 1/2
            answer = self.tokenizer.encode(self.script, add_special_tokens=False)
            yield from ((t, math.log(0.5)) for t in answer[:max_tokens])
            return
        tokens: list[int] = []
        for _ in range(max_tokens):
            logits = self.hf(torch.tensor([prompt + tokens])).logits[0, -1]
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            token = int(logprobs.argmax())
            tokens.append(token)
            yield token, float(logprobs[token])


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeLLM]]:
    """Install the stand-in as ``vllm``; yields the list of engines it builds."""
    built: list[FakeLLM] = []

    def make_llm(**kwargs: Any) -> FakeLLM:
        built.append(FakeLLM(**kwargs))
        return built[-1]

    module = types.ModuleType("vllm")
    module.LLM = make_llm  # type: ignore[attr-defined]
    module.SamplingParams = FakeSamplingParams  # type: ignore[attr-defined]
    lora = types.ModuleType("vllm.lora")
    request = types.ModuleType("vllm.lora.request")
    request.LoRARequest = FakeLoRARequest  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", module)
    monkeypatch.setitem(sys.modules, "vllm.lora", lora)
    monkeypatch.setitem(sys.modules, "vllm.lora.request", request)
    yield built


# ---------------------------------------------------------------- the glue, without vLLM


@pytest.fixture(scope="module")
def lively_model_dir(
    smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory, tiny_llama: Any
) -> Path:
    """A tiny random Llama whose answers differ by text and type (``tiny_model_dir``'s are
    all newlines), so that a prompt sent in the wrong order changes the result."""
    out = tmp_path_factory.mktemp("lively-llama")
    return tiny_llama(smollm2_dir, out, seed=1, initializer_range=0.2)


def test_same_predictions_as_the_transformers_path(
    fake_vllm: list[FakeLLM], lively_model_dir: Path
) -> None:
    reference = NERModel.from_pretrained(lively_model_dir, device="cpu", dtype="float32")
    model = NERModel.from_pretrained(lively_model_dir, backend="vllm", dtype="float32")
    assert isinstance(model.backend, VLLMBackend)
    [llm] = fake_vllm
    assert llm.kwargs["enable_prefix_caching"] is True
    assert llm.kwargs["dtype"] == "float32" and "enable_lora" not in llm.kwargs
    assert model.style == reference.style == "chat"

    got = model.predict(TEXTS, TYPES, max_new_tokens=12, **LONG)
    want = reference.predict(TEXTS, TYPES, max_new_tokens=12, batch_size=3, **LONG)
    assert len(want[3].meta["windows"]) > 2
    assert len({a for p in want for a in p.answers.values()}) > 6  # answers differ
    for g, w in zip(got, want, strict=True):
        assert (g.text, g.answers, g.meta) == (w.text, w.answers, w.meta)
        assert g.entities == w.entities
        assert [e.score for e in g.entities] == pytest.approx([e.score for e in w.entities])

    # All (window, type) queries went to vLLM together, as the naive path's exact prompt ids.
    prompts, params, lora = llm.calls[0]
    windows = [w for p in want for w in p.meta["windows"]]
    assert len(prompts) == len(windows) * len(TYPES)
    text_of = [t for t, p in zip(TEXTS, want, strict=True) for _ in p.meta["windows"]]
    expected = []
    for text, (start, end) in zip(text_of, windows, strict=True):
        encoded = encode_passage(reference.tokenizer, reference.style, text[start:end], TYPES)
        expected.extend(encoded.full(k) for k in range(len(TYPES)))
    assert prompts == expected
    assert lora is None
    assert {p.max_tokens for p in params} == {12}
    assert params[0].ignore_eos  # the model's own EOS list must not stop it early...
    assert set(params[0].stop_token_ids) == StopRule(reference.tokenizer).eos_ids  # ...these do


def test_answers_become_grounded_scored_entities(
    fake_vllm: list[FakeLLM], tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FakeLLM, "script", '["Ada Lovelace", "London", "Rome"]<|im_end|>')
    model = NERModel.from_pretrained(tiny_model_dir, backend="vllm", dtype="float32")
    text = TEXTS[0]
    [pred] = model.predict([text], ["person"], keep_ungrounded=True)
    assert pred.answers == {"person": '["Ada Lovelace", "London", "Rome"]'}
    assert pred.entities == [
        Entity(0, 12, "Ada Lovelace", "person"),
        Entity(36, 42, "London", "person"),
        Entity(63, 69, "London", "person"),
    ]
    assert [e.score for e in pred.entities] == pytest.approx([0.5, 0.5, 0.5])
    assert pred.meta["ungrounded_mentions"] == [{"type": "person", "text": "Rome"}]
    assert pred.meta["truncated"] == 0


def test_query_prompts_are_passage_major(tiny_ner: NERModel) -> None:
    passages = ["Ada met Bob.", "Paris."]
    prompts = query_prompts(tiny_ner.tokenizer, tiny_ner.style, passages, ["person", "city"])
    expected = [
        encode_passage(tiny_ner.tokenizer, tiny_ner.style, p, ["person", "city"]).full(k)
        for p in passages
        for k in range(2)
    ]
    assert prompts == expected


PROMPT_LEN = 3


class ScriptedEngine:
    """Answers every prompt with one fixed token sequence, stopping as vLLM would."""

    def __init__(self, tokenizer: Any, answer: list[int], stop: Sequence[str]) -> None:
        self.tokenizer = tokenizer
        self.answer = answer
        self.stop = stop
        self.rounds: list[list[int]] = []  # tokens already written, per request, per round

    def __call__(
        self, prompts: Sequence[Sequence[int]], budgets: Sequence[int]
    ) -> list[Completion]:
        out = []
        for prompt, budget in zip(prompts, budgets, strict=True):
            done = len(prompt) - PROMPT_LEN
            self.rounds.append([done])
            tokens: list[int] = []
            for token in self.answer[done : done + budget]:
                tokens.append(token)
                if any(s in self.tokenizer.decode(tokens) for s in self.stop):
                    break
            out.append(Completion(tokens, [-0.5 - done - i for i in range(len(tokens))]))
        return out


def test_a_bracket_inside_a_string_does_not_end_the_answer(tiny_ner: NERModel) -> None:
    tokenizer = tiny_ner.tokenizer
    stop = StopRule(tokenizer)
    answer = tokenizer.encode('["a]b", "c"] and more prose', add_special_tokens=False)
    engine = ScriptedEngine(tokenizer, answer, ["]"])
    [gen] = decode_queries(engine, [[1] * PROMPT_LEN], stop, max_new_tokens=40)
    assert stop.answer(gen.tokens) == '["a]b", "c"]'
    assert tokenizer.decode(gen.tokens).endswith('"]')  # nothing past the closing token
    assert gen.finished
    assert len(engine.rounds) == 2  # stopped at the first "]", resumed once
    assert gen.logprobs == [-0.5 - i for i in range(len(gen.tokens))]  # in order, none lost


def test_an_engine_that_overshoots_is_cut_where_the_answer_ends(tiny_ner: NERModel) -> None:
    tokenizer = tiny_ner.tokenizer
    stop = StopRule(tokenizer)
    answer = tokenizer.encode('["Ada"] then more', add_special_tokens=False)
    engine = ScriptedEngine(tokenizer, answer, [])  # no stop strings: runs to the budget
    [gen] = decode_queries(engine, [[1] * PROMPT_LEN], stop, max_new_tokens=40)
    assert tokenizer.decode(gen.tokens) == '["Ada"]'
    assert gen.finished and len(gen.logprobs) == len(gen.tokens)


def test_an_open_answer_stops_at_max_new_tokens(tiny_ner: NERModel) -> None:
    tokenizer = tiny_ner.tokenizer
    stop = StopRule(tokenizer)
    answer = tokenizer.encode('["a]", "b]", "c]", "d"]', add_special_tokens=False)
    engine = ScriptedEngine(tokenizer, answer, ["]"])
    [gen] = decode_queries(engine, [[1] * PROMPT_LEN], stop, max_new_tokens=6)
    assert gen.tokens == answer[:6] and not gen.finished


def test_completion_of_reads_vllm_outputs() -> None:
    output = types.SimpleNamespace(
        token_ids=(5, 7),
        logprobs=[
            {5: types.SimpleNamespace(logprob=-0.25)},
            {9: types.SimpleNamespace(logprob=-0.1), 7: types.SimpleNamespace(logprob=-2.0)},
        ],
    )
    assert completion_of(output) == Completion([5, 7], [-0.25, -2.0])
    with pytest.raises(RuntimeError, match="logprobs=0"):
        completion_of(types.SimpleNamespace(token_ids=[5], logprobs=None))


def test_lora_adapter_goes_to_vllm_per_request(
    fake_vllm: list[FakeLLM], tiny_model_dir: Path, tmp_path: Path
) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    config = LoraConfig(r=12, target_modules=["q_proj", "v_proj"])
    get_peft_model(base, config).save_pretrained(tmp_path / "adapter")

    model = NERModel.from_pretrained(tmp_path / "adapter", backend="vllm", dtype="float32")
    [llm] = fake_vllm
    assert llm.kwargs["model"] == str(tiny_model_dir)
    assert llm.kwargs["enable_lora"] is True and llm.kwargs["max_lora_rank"] == 16
    assert model.info()["adapter"] == str(tmp_path / "adapter")
    model.predict(["Ada met Bob."], ["person"], max_new_tokens=2)
    lora = llm.calls[0][2]
    assert lora == FakeLoRARequest("uniner", 1, str(tmp_path / "adapter"))


def test_info_and_options_the_backend_cannot_honour(
    fake_vllm: list[FakeLLM], tiny_model_dir: Path
) -> None:
    model = NERModel.from_pretrained(tiny_model_dir, backend="vllm", dtype="float32")
    assert model.info() == {
        "name": str(tiny_model_dir),
        "adapter": None,
        "style": "chat",
        "max_length": 2048,
        "device": "cuda",
        "dtype": "float32",
        "backend": "vllm",
        "description_template_version": None,
    }
    with pytest.raises(ValueError, match="constrained decoding needs backend='transformers'"):
        model.extract("Ada.", ["person"], constrained=True)
    with pytest.raises(ValueError, match="decoder='naive' needs backend='transformers'"):
        model.extract("Ada.", ["person"], decoder="naive")
    with pytest.raises(ValueError, match="batch_invariant=True needs backend='transformers'"):
        model.extract("Ada.", ["person"], batch_invariant=True)
    with pytest.raises(ValueError, match="runs on CUDA, got device='cpu'"):
        NERModel.from_pretrained(tiny_model_dir, backend="vllm", device="cpu")
    # The old VLLMModel(llm, tokenizer, style=...) still wraps an LLM built by hand.
    wrapped = VLLMModel(model.model, model.tokenizer, style="chat")
    assert isinstance(wrapped, NERModel) and isinstance(wrapped.backend, VLLMBackend)


def test_unknown_backend_is_a_plain_value_error(tiny_model_dir: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown backend 'onnx'; choose one of"):
        NERModel.from_pretrained(tiny_model_dir, backend="onnx")  # type: ignore[arg-type]


def test_missing_vllm_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if not installed, even where it is
    with pytest.raises(MissingDependencyError, match=r"pip install 'uniner\[vllm\]'"):
        NERModel.from_pretrained(tiny_model_dir, backend="vllm")
    argv = ["extract", "--backend", "vllm", "--model", str(tiny_model_dir), "-t", "x", "Ada."]
    assert main(argv) == 2
    assert "pip install 'uniner[vllm]'" in capsys.readouterr().err


def test_cli_extract_backend_vllm(
    fake_vllm: list[FakeLLM],
    tiny_model_dir: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(FakeLLM, "script", '["Ada"]')
    argv = ["extract", "--model", str(tiny_model_dir), "-t", "person", "--backend", "vllm"]
    assert main([*argv, "Ada lives in Paris."]) == 0
    assert len(fake_vllm) == 1 and len(fake_vllm[0].calls) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {
        "text": "Ada lives in Paris.",
        "entities": [{"start": 0, "end": 3, "text": "Ada", "type": "person", "score": 0.5}],
    }
    # Without --backend, the transformers path answers (no new vLLM engine).
    assert main([*argv[:-2], "--max-new-tokens", "2", "Ada lives in Paris."]) == 0
    assert len(fake_vllm) == 1
    assert json.loads(capsys.readouterr().out)["text"] == "Ada lives in Paris."


# ---------------------------------------------------------------- real vLLM, on a GPU


def _window_answers(pred: Any) -> list[dict[str, str]]:
    if not pred.meta["windows"]:
        return []
    return pred.meta.get("window_answers") or [pred.answers]


@pytest.mark.gpu
@pytest.mark.slow
def test_real_vllm_matches_the_transformers_fast_path(smollm2_dir: Path) -> None:
    pytest.importorskip("vllm")
    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a CUDA device")
    texts = [
        "Geoffrey Hinton worked at Google in Toronto. Hinton later left Google.",
        "Guido van Rossum created Python at CWI in Amsterdam.",
        " ".join(f"In {1990 + i}, Ada Lovelace visited London and Paris." for i in range(30)),
    ]
    types_ = ["person", "organisation", "city", "programming language", "year"]
    options = {"max_new_tokens": 32, "window_tokens": 128, "window_overlap": 16}
    fast = NERModel.from_pretrained(smollm2_dir, backend="vllm", dtype="float32")
    assert isinstance(fast.backend, VLLMBackend) and fast.info()["backend"] == "vllm"
    reference = NERModel.from_pretrained(smollm2_dir, device="cuda", dtype="float32")
    got = fast.predict(texts, types_, **options)
    want = reference.predict(texts, types_, **options)
    assert len(want[2].meta["windows"]) > 1
    near_ties = []
    for text, g, w in zip(texts, got, want, strict=True):
        assert g.meta["windows"] == w.meta["windows"]
        pairs = zip(_window_answers(g), _window_answers(w), w.meta["windows"], strict=True)
        for g_answers, w_answers, (start, end) in pairs:
            encoded = encode_passage(reference.tokenizer, reference.style, text[start:end], types_)
            for k, entity_type in enumerate(types_):
                if g_answers[entity_type] == w_answers[entity_type]:
                    continue
                naive = generate_naive(
                    reference.model,
                    reference.tokenizer,
                    encoded.full(k),
                    max_new_tokens=options["max_new_tokens"],
                )
                near_ties.append(min(naive.margins))
        if g.meta == w.meta and g.answers == w.answers:
            assert g.entities == w.entities
            scores = [e.score for e in w.entities]
            assert [e.score for e in g.entities] == pytest.approx(scores, abs=1e-3)
    # A difference is only acceptable where the naive reference was at a logit near-tie.
    assert all(margin < 1e-3 for margin in near_ties), near_ties


def test_serve_passes_the_backend_to_the_engine(
    monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path, fake_vllm: list[FakeLLM]
) -> None:
    from uniner.serve.config import ServeConfig
    from uniner.serve.server import build_app

    build_app(ServeConfig(model=str(tiny_model_dir), backend="vllm"))
    assert len(fake_vllm) == 1  # the app's model is a vLLM engine
    build_app(ServeConfig(model=str(tiny_model_dir)))
    assert len(fake_vllm) == 1  # the default backend stays transformers
