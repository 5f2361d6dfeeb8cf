from __future__ import annotations

import random
from collections import Counter

import pytest

from uniner.annotate import (
    MENTION_REASONS,
    PASSAGE_REASONS,
    filter_answer,
    normalize_type,
    parse_tuple_list,
)
from uniner.corpus import Passage

TEXT = "Ada Lovelace met Charles Babbage in London in 1833. ada lovelace wrote notes."
PASSAGE = Passage(TEXT, "s", "0", 0, len(TEXT))
GOOD = [("Ada Lovelace", "person"), ("Charles Babbage", "person"), ("London", "city")]


@pytest.mark.parametrize(
    ("answer", "items", "repairs"),
    [
        ('[("a", "b")]', [("a", "b")], ()),
        ('[["a", "b"]]', [["a", "b"]], ()),
        ("```python\n[('a', 'b')]\n```", [("a", "b")], ()),
        ('Here: [("a", "b")] done.', [("a", "b")], ("trailing_text",)),
        ("[(“a”, “b”)]", [("a", "b")], ("smart_quotes",)),
        ('[("a", "b"), ("c", "d"', [("a", "b"), ("c", "d")], ("closed_brackets",)),
        ('[("a", "b"), ("c", "d', [("a", "b")], ("dropped_cut_item",)),
        ('[("a", "b"),', [("a", "b")], ("closed_brackets",)),
        ('("a", "b"), ("c", "d")', [("a", "b"), ("c", "d")], ("added_brackets", "closed_brackets")),
        ("[]", [], ()),
    ],
)
def test_parse_repairs(answer: str, items: list[object], repairs: tuple[str, ...]) -> None:
    parsed = parse_tuple_list(answer)
    assert (parsed.items, parsed.repairs) == (items, repairs)


@pytest.mark.parametrize(
    "answer", ["", "No entities here.", "{'a': 'b'}", "<html></html>", "x" * 300_000]
)
def test_unparseable(answer: str) -> None:
    assert parse_tuple_list(answer).items is None


def test_filter_grounds_exact_occurrences_then_case_insensitive_ones() -> None:
    result = filter_answer(PASSAGE, '[("Ada Lovelace", " Person "), ("LONDON", "City")]')
    assert result.record is not None
    # "ada lovelace" is not tagged: an exact match exists, so case-folded ones are not sought
    assert [(e.start, e.end, e.text, e.type) for e in result.record.entities] == [
        (0, 12, "Ada Lovelace", "person"),
        (36, 42, "London", "city"),
    ]
    assert result.record.types == ["person", "city"]
    assert result.record.id == PASSAGE.id


def test_filter_counts_every_drop_reason() -> None:
    answer = (
        '[("Ada Lovelace", "person"), ("London", "MISC"), ("Paris", "city"), (1833, "year"),'
        ' ("Москва", "city"), ("", "x"), ("London", "  "), ("Ada Lovelace", "PERSON"),'
        ' ("Lon", "city"), ("a", "b", "c"), "London", ("1833", "N/A")]'
    )
    result = filter_answer(PASSAGE, answer)
    assert result.mentions_proposed == 12
    assert result.mention_drops == Counter(
        {"excluded_type": 2, "not_in_passage": 2, "non_string": 1, "non_english": 1,
         "empty_mention": 1, "empty_type": 1, "duplicate": 1, "not_a_pair": 2}
    )  # fmt: skip
    assert result.record is not None and result.record.meta["mentions"] == [
        ["Ada Lovelace", "person"]
    ]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(None, "teacher_error"), ("I cannot.", "unparseable"), ("[]", "no_entities"),
     ('[("Paris", "city")]', "no_valid_mentions")],
)  # fmt: skip
def test_passage_drop_reasons(answer: str | None, reason: str) -> None:
    result = filter_answer(PASSAGE, answer)
    assert (result.record, result.passage_drop) == (None, reason)


def test_template_placeholders_copied_back_are_dropped() -> None:
    answer = '[("London", "type of entity 1"), ("entity 1", "city"), ("London", "Entity")]'
    result = filter_answer(PASSAGE, answer)
    assert (result.passage_drop, result.mention_drops) == (
        "no_valid_mentions",
        Counter({"template_echo": 3}),
    )


def test_dict_items_are_read_as_pairs() -> None:
    answer = (
        '[{"name": "London", "type_of_entity1": "City"},'
        ' {"type": "person", "entity": "Ada Lovelace"}, {"a": 1}]'
    )
    result = filter_answer(PASSAGE, answer)
    assert result.record is not None
    assert result.record.meta["mentions"] == [["London", "city"], ["Ada Lovelace", "person"]]
    assert result.mention_drops == Counter({"not_a_pair": 1})


def test_keep_empty_keeps_a_passage_without_mentions() -> None:
    result = filter_answer(PASSAGE, "[]", keep_empty=True)
    assert result.record is not None and result.record.entities == []


def test_normalize_type() -> None:
    assert normalize_type("  Person\t Name ") == "person name"


# ------------------------------------------------------------------ fuzz: 1,000 broken answers


def mutate(rng: random.Random) -> tuple[str, str]:
    """One malformed answer and the kind of damage done."""
    pairs = [list(p) for p in rng.sample(GOOD, rng.randint(1, 3))]
    kind = rng.choice(KINDS)
    if kind == "excluded_type":
        pairs[0][1] = rng.choice(["NA", "none", "MISC", "Else", "n/a"])
    elif kind == "not_in_passage":
        pairs[0][0] = rng.choice(["Paris", "Newton", "Babbag e", "Lovelace Ada"])
    elif kind == "non_string":
        pairs[0][rng.randint(0, 1)] = rng.choice([1833, None, 2.5, ["x"]])
    text = repr([tuple(p) for p in pairs]) if rng.random() < 0.5 else _as_json(pairs)
    if kind == "truncated":
        text = text[: rng.randint(1, len(text) - 1)]
    elif kind == "smart_quotes":
        text = text.replace('"', "“", 1).replace("'", "’")
    elif kind == "prose":
        text = (
            rng.choice(["Sure! ", "Output:\n", "```\n"])
            + text
            + rng.choice([" Hope.", "\n```", "!!"])
        )
    elif kind == "garbage":
        text = "".join(rng.choice("abc xyz.,;:!?\n{}<>=#") for _ in range(rng.randint(0, 80)))
    elif kind == "no_brackets":
        # one bare JSON pair '["a", "b"]' would read as a list of two mentions: use two or more
        text = _as_json([list(p) for p in GOOD])[1:-1]
    return text, kind


def _as_json(pairs: list[list[object]]) -> str:
    import json

    return json.dumps(pairs)


KINDS = ["excluded_type", "not_in_passage", "non_string", "truncated", "smart_quotes", "prose",
         "garbage", "no_brackets"]  # fmt: skip


def test_fuzz_thousand_malformed_answers_are_all_accounted_for() -> None:
    rng = random.Random(1234)
    kinds: Counter[str] = Counter()
    passage_drops: Counter[str] = Counter()
    for _ in range(1000):
        answer, kind = mutate(rng)
        kinds[kind] += 1
        result = filter_answer(PASSAGE, answer)
        kept = len(result.record.meta["mentions"]) if result.record else 0
        # every proposed item is either kept or counted under exactly one known reason
        assert result.mentions_proposed == kept + sum(result.mention_drops.values())
        assert set(result.mention_drops) <= set(MENTION_REASONS)
        assert (result.record is None) == (result.passage_drop is not None)
        if result.passage_drop:
            assert result.passage_drop in PASSAGE_REASONS
            passage_drops[result.passage_drop] += 1
        if kind in ("excluded_type", "not_in_passage", "non_string"):
            assert result.mention_drops[kind] == 1, answer
        if kind == "garbage":
            assert result.passage_drop == "unparseable" or result.mentions_proposed == 0, answer
        if kind in ("smart_quotes", "prose", "no_brackets"):
            assert result.record is not None and result.mention_drops.total() == 0, answer
    assert min(kinds.values()) >= 100
    assert passage_drops["unparseable"] >= kinds["garbage"] // 2
