from __future__ import annotations

import random
from collections import Counter

import pytest

from uniner.instruct import (
    BuildConfig,
    Conversation,
    NegativeSampler,
    build_conversations,
    length_check,
    split_train_dev,
)
from uniner.types import AnnotatedText, Entity


def _record(text: str, spans: list[tuple[str, str]], **kw: object) -> AnnotatedText:
    entities = []
    for mention, type_ in spans:
        start = text.index(mention)
        entities.append(Entity.from_span(text, start, start + len(mention), type_))
    return AnnotatedText(text, entities, **kw)  # type: ignore[arg-type]


def test_one_conversation_per_passage_mentions_in_first_appearance_order() -> None:
    text = "Bob met Ada. Ada met Bob in Paris."
    rec = _record(text, [("Bob", "person"), ("Ada", "person"), ("Paris", "city")])
    rec.entities.append(Entity.from_span(text, 13, 16, "person"))  # second "Ada"
    [conv] = build_conversations([rec], negatives="none", shuffle_types=False)
    assert conv.answers == [("person", ["Bob", "Ada"]), ("city", ["Paris"])]
    assert conv.to_official()["conversations"] == [
        {"from": "human", "value": "Text: Bob met Ada. Ada met Bob in Paris."},
        {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes person in the text?"},
        {"from": "gpt", "value": '["Bob", "Ada"]'},
        {"from": "human", "value": "What describes city in the text?"},
        {"from": "gpt", "value": '["Paris"]'},
    ]


def test_negatives_are_absent_types_with_empty_answers_and_seeded() -> None:
    records = [
        _record("Ada", [("Ada", "person")]),
        _record("Paris", [("Paris", "city")]),
        _record("IBM", [("IBM", "company")]),
    ]
    first = build_conversations(records, negatives="uniform", n_negatives=2, seed=3)
    again = build_conversations(records, negatives="uniform", n_negatives=2, seed=3)
    assert [c.answers for c in first] == [c.answers for c in again]
    for conv, own in zip(first, ["person", "city", "company"], strict=True):
        assert sorted(conv.types) == ["city", "company", "person"]
        assert all(m == [] for t, m in conv.answers if t != own)


def test_negative_sampling_follows_type_frequencies() -> None:
    # Frequencies 60/30/10 over types absent from the passage: a chi-square goodness-of-fit
    # test at 2 degrees of freedom (critical value 9.21 at p = 0.01), fixed seed.
    frequencies = {"person": 60, "city": 30, "award": 10, "own": 5}
    sampler = NegativeSampler(frequencies, "frequency")
    rng = random.Random(1234)
    draws = Counter(t for _ in range(3000) for t in sampler.sample(["own"], 1, rng))
    expected = {"person": 1800, "city": 900, "award": 300}
    chi2 = sum((draws[t] - e) ** 2 / e for t, e in expected.items())
    assert set(draws) == set(expected)
    assert chi2 < 9.21, (draws, chi2)
    uniform = NegativeSampler(frequencies, "uniform")
    flat = Counter(t for _ in range(3000) for t in uniform.sample(["own"], 1, rng))
    assert sum((flat[t] - 1000) ** 2 / 1000 for t in expected) < 9.21, flat


def test_sampler_returns_every_absent_type_when_too_few_and_none_for_none() -> None:
    sampler = NegativeSampler({"a": 1, "b": 2, "c": 3}, "frequency")
    assert sorted(sampler.sample(["a"], 5, random.Random(0))) == ["b", "c"]
    assert NegativeSampler({"a": 1}, "none").sample([], 3, random.Random(0)) == []
    with pytest.raises(ValueError, match="'often'"):
        NegativeSampler({"a": 1}, "often")  # type: ignore[arg-type]


def test_dataset_specific_template_round_trips() -> None:
    rec = _record("Lakers won.", [("Lakers", "organisation")], types=["organisation", "person"])
    [conv] = build_conversations([rec], dataset_specific="conll2003", shuffle_types=False)
    official = conv.to_official()
    assert official["conversations"][0]["value"] == "Dataset: conll2003 \nText: Lakers won."
    back = Conversation.from_official(official)
    assert (back.dataset, back.text, back.answers) == (
        "conll2003",
        "Lakers won.",
        [("organisation", ["Lakers"]), ("person", [])],
    )
    assert back.to_official() == official


def test_label_negatives_bounds_a_supervised_passage_s_empty_questions() -> None:
    labels = ["person", "location", "organisation", "misc"]
    rec = _record("Ada met Bob.", [("Ada", "person"), ("Bob", "person")], types=labels)
    [every] = build_conversations([rec], dataset_specific="gum")
    assert sorted(every.types) == sorted(labels)  # the paper's: every label, three of them []
    asked = [build_conversations([rec], dataset_specific="gum", label_negatives=1, seed=s)[0]
             for s in range(20)]  # fmt: skip
    for conv in asked:
        empty = [t for t, m in conv.answers if not m]
        assert dict(conv.answers)["person"] == ["Ada", "Bob"] and len(empty) == 1
        assert empty[0] in labels[1:]
    assert len({t for c in asked for t, m in c.answers if not m}) > 1  # a sample, not the first
    [none] = build_conversations([rec], dataset_specific="gum", label_negatives=0)
    assert none.answers == [("person", ["Ada", "Bob"])]
    with pytest.raises(ValueError, match="label_negatives"):
        BuildConfig(label_negatives=-1)


def test_dataset_specific_true_needs_record_names() -> None:
    with pytest.raises(ValueError, match="dataset name"):
        build_conversations([_record("x", [])], dataset_specific=True)


def test_long_passage_is_split_never_cut() -> None:
    words = [f"w{i}" for i in range(200)]
    text = " ".join(words)
    rec = _record(text, [("w10 w11", "thing"), ("w150", "thing")], id="long")
    fits = length_check(120)  # ~360 characters per conversation
    convs = build_conversations([rec], negatives="none", fits=fits)
    assert len(convs) > 1
    assert all(fits(c) for c in convs)
    assert [c.id for c in convs] == [f"long#{k}" for k in range(len(convs))]
    # Every word is in exactly one piece, in order, and the mentions stay whole.
    assert " ".join(c.text for c in convs).split() == words
    found = [m for c in convs for _, ms in c.answers for m in ms]
    assert found == ["w10 w11", "w150"]


def test_many_types_split_over_conversations_of_the_same_passage() -> None:
    types = [f"type number {i}" for i in range(30)]
    rec = AnnotatedText("A short text.", [], types=types)
    convs = build_conversations([rec], negatives="none", fits=length_check(100))
    assert len(convs) > 1 and {c.text for c in convs} == {"A short text."}
    assert sorted(t for c in convs for t in c.types) == sorted(types)


def test_train_dev_split_keeps_passages_whole() -> None:
    records = [AnnotatedText(f"text {i}", [], types=["a", "b"]) for i in range(20)]
    convs = build_conversations(records, negatives="none")
    train, dev = split_train_dev(convs, 20, BuildConfig(dev_fraction=0.1))
    dev_sources = {c.meta["source"] for c in dev}
    assert len(dev_sources) == 2
    assert not dev_sources & {c.meta["source"] for c in train}
    assert len(train) + len(dev) == len(convs)


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="-1"):
        BuildConfig(n_negatives=-1)
    with pytest.raises(ValueError, match=r"1\.5"):
        BuildConfig(dev_fraction=1.5)


# ---------------------------------------------------------------- type descriptions


def test_a_seeded_share_of_questions_carries_descriptions() -> None:
    from uniner.data.conversations import Conversation
    from uniner.entity_types import EntityType

    records = [_record(f"Ada met Bob in Rome {i}.", [("Ada", "person"), ("Rome", "city")])
               for i in range(40)]  # fmt: skip
    descriptions = {"person": "a human being", "city": "a town"}
    plain = build_conversations(records, negatives="none", seed=1)
    described = build_conversations(records, negatives="none", seed=1, descriptions=descriptions)
    # The same passages, questions, order and answers: only descriptions are added.
    assert [c.answers for c in described] == [c.answers for c in plain]
    assert all(c.descriptions == {} for c in plain)
    carried = [(t, d) for c in described for t, d in c.descriptions.items()]
    assert all(descriptions[t] == d for t, d in carried)
    assert 25 <= len(carried) <= 55  # about half of the 80 questions
    again = build_conversations(records, negatives="none", seed=1, descriptions=descriptions)
    assert [c.descriptions for c in again] == [c.descriptions for c in described]
    every = build_conversations(
        records[:1], negatives="none", descriptions=descriptions, definition_share=1.0
    )
    [conv] = every
    turns = {t.content for t in conv.turns()}
    assert "What describes person in the text? Description: a human being" in turns
    assert conv.turns()[2].content == conv.to_official()["conversations"][2]["value"]
    # Written and read back, the descriptions are kept.
    assert Conversation.from_official(conv.to_official()).descriptions == descriptions
    assert conv.asked("person") == EntityType("person", "a human being")
    none = build_conversations(records[:5], descriptions=descriptions, definition_share=0.0)
    assert all(c.descriptions == {} for c in none)
    with pytest.raises(ValueError, match=r"definition_share must be in \[0, 1\], got 1.5"):
        build_conversations(records, definition_share=1.5)


def test_descriptions_count_in_the_length_limit() -> None:
    rec = _record("Ada met Bob in Rome.", [("Ada", "person"), ("Rome", "city")])
    long = {"person": "a human being " * 7, "city": "a town " * 14}
    fits = length_check(120)
    short = build_conversations([rec], negatives="none", fits=fits)
    split = build_conversations(
        [rec], negatives="none", fits=fits, descriptions=long, definition_share=1.0
    )
    assert (len(short), len(split)) == (1, 2)
    assert [c.descriptions for c in split] in (
        [{"person": long["person"].strip()}, {"city": long["city"].strip()}],
        [{"city": long["city"].strip()}, {"person": long["person"].strip()}],
    )
