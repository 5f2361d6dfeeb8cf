from __future__ import annotations

from uniner.prompts import list_end, parse_answer


def texts(answer: str) -> list[str]:
    return [m.text for m in parse_answer(answer).mentions]


def test_parses_a_plain_json_list() -> None:
    parsed = parse_answer('["Ada Lovelace", "Charles Babbage"]')
    assert [m.text for m in parsed.mentions] == ["Ada Lovelace", "Charles Babbage"]
    assert parsed.complete
    assert [(m.start, m.end) for m in parsed.mentions] == [(1, 15), (17, 34)]


def test_is_lenient_about_prose_escapes_and_non_strings() -> None:
    assert texts('Sure: ["a", 3, "b\\"c"] and more ["x"]') == ["a", 'b"c']
    assert texts('["caf\\u00e9", " spaced "]') == ["café", "spaced"]
    assert texts("no list here") == []
    assert texts("[]") == []


def test_a_cut_off_list_keeps_its_complete_strings() -> None:
    parsed = parse_answer('["one", "two", "thr')
    assert [m.text for m in parsed.mentions] == ["one", "two"]
    assert not parsed.complete


def test_list_end_ignores_brackets_inside_strings() -> None:
    assert list_end('["a]b", "c"] tail') == 12
    assert list_end('["a", "b"') is None
    assert list_end("prose") is None
    assert list_end('x [["a"]]') == 9
