"""Every quirk of the released UniversalNER scorer, against hand-computed expectations."""

from __future__ import annotations

import pytest

from uniner.evaluation import normalize_answer, official_response, official_score, parse_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Beatles", "beatles"),
        ("A.I.", "ai"),
        ("an apple", "apple"),
        ("Theatre", "theatre"),  # "the" only as a whole word
        ("the-matrix", "thematrix"),  # punctuation goes first, so "the" is no longer a word
        ("A-Team", "ateam"),
        ("U.S.-led  coalition ", "usled coalition"),
        ("Café—Bar", "café—bar"),  # only ASCII punctuation is removed
        ("the", ""),
        ("Rock and  the   Roll", "rock and roll"),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('["Paris", "Rome"]', ["paris", "rome"]),
        ('["Paris"] is my answer', ["paris"]),  # text after the list is ignored
        ('Answer: ["Paris"]', []),  # re.match: only at the very start
        (' ["Paris"]', []),  # even a leading space
        ('["a]b", "c"]', []),  # non-greedy: '["a]' is not JSON
        ('["x",\n"y"]', []),  # '.' does not cross a newline: no match
        ("['Paris']", []),  # not JSON
        ('["Paris", 3]', []),  # a non-string item fails the whole answer
        ('["Paris", null]', []),
        ('[["a", "b"]]', []),  # nested lists never survive the regex
        ('["Paris", "paris", "PARIS."]', ["paris"]),  # de-duplicated, first kept
        ('["the", "a"]', [""]),  # both normalise to ""
        ("[]", []),
        ("", []),
        ("Paris", []),
    ],
)
def test_parse_answer(answer: str, expected: list[str]) -> None:
    assert parse_answer(answer) == expected


def test_official_response_is_the_released_post_processing() -> None:
    assert official_response(' ["Ada"]\n') == '["Ada"]'
    assert official_response('x ASSISTANT: ["Ada"] ') == '["Ada"]'


def test_counts_and_epsilons_by_hand() -> None:
    golds = ['["Paris", "Rome"]', '["The Beatles"]', "[]", '["U.S. Navy", "US Navy"]']
    preds = ['["paris", "Berlin"]', 'Sure: ["Beatles"]', '["x"]', '["us navy"]']
    # record 1: gold {paris, rome}, pred {paris, berlin} -> correct 1, predicted 2, gold 2
    # record 2: the prediction has leading text -> []   -> 0, 0, 1
    # record 3: gold empty                              -> 0, 1, 0
    # record 4: gold de-duplicates to {us navy}         -> 1, 1, 1
    score = official_score(preds, golds)
    assert (score.correct, score.predicted, score.gold, score.records) == (2, 4, 4, 4)
    precision = 2 / (4 + 1e-10)
    recall = 2 / (4 + 1e-10)
    assert score.precision == pytest.approx(precision, abs=1e-12)
    assert score.recall == pytest.approx(recall, abs=1e-12)
    assert score.f1 == pytest.approx(
        2 * precision * recall / (precision + recall + 1e-10), abs=1e-12
    )
    assert score.f1 == pytest.approx(0.49999999993750000, abs=1e-9)


def test_unequal_precision_and_recall_by_hand() -> None:
    score = official_score(['["a1", "b1", "c1"]', '["d1"]'], ['["A1"]', '["d1", "e1"]'])
    # correct 2 (a1, d1), predicted 4, gold 3
    assert (score.correct, score.predicted, score.gold) == (2, 4, 3)
    assert score.precision == pytest.approx(0.5, abs=1e-9)
    assert score.recall == pytest.approx(2 / 3, abs=1e-9)
    assert score.f1 == pytest.approx(4 / 7, abs=1e-9)


def test_self_score_is_one_minus_the_epsilon_terms() -> None:
    answers = ['["Ada", "Bob"]', "[]", '["Rome"]']
    score = official_score(answers, answers)
    assert score.f1 == pytest.approx(1.0, abs=1e-9)
    assert score.f1 < 1.0  # the 1e-10 terms are kept, as released


def test_nothing_anywhere_is_zero_not_a_crash() -> None:
    score = official_score(["[]", "junk"], ["[]", "[]"])
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="1 predictions but 2 gold answers"):
        official_score(["[]"], ["[]", "[]"])
