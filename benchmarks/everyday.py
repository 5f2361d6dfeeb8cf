"""What a student finds in everyday sentences: people, places, dates, money, products.

Sixteen sentences of the kinds a new user tries first (news, finance, medicine, sport, law,
film, travel, shopping), each with the mentions a person would expect, asked about the types
those mentions have plus ``organization`` and ``location``. For each model it prints, per
kind of mention, how many of the expected ones it found (exact text and type), a Markdown
table of every sentence, and last one JSON line.

    .venv/bin/python benchmarks/everyday.py                          # the embedded default
    .venv/bin/python benchmarks/everyday.py --adapter runs/ref4/student-main --label new
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

# (sentence, [(mention, type), ...]): what a person expects the student to find.
SENTENCES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Ada Lovelace worked with Charles Babbage at the University of London in 1843.",
        [
            ("Ada Lovelace", "person"),
            ("Charles Babbage", "person"),
            ("University of London", "organization"),
            ("1843", "date"),
        ],
    ),
    (
        "Microsoft agreed to buy Activision Blizzard for $69 billion in January 2022.",
        [
            ("Microsoft", "organization"),
            ("Activision Blizzard", "organization"),
            ("$69 billion", "money"),
            ("January 2022", "date"),
        ],
    ),
    (
        "Shares of Tesla fell 4% on Monday after Elon Musk sold stock worth $7 billion.",
        [
            ("Tesla", "organization"),
            ("4%", "percentage"),
            ("Monday", "date"),
            ("Elon Musk", "person"),
            ("$7 billion", "money"),
        ],
    ),
    (
        "The patient took 500 mg of ibuprofen twice a day for 12 weeks.",
        [("500 mg", "quantity"), ("ibuprofen", "drug"), ("12 weeks", "duration")],
    ),
    (
        "Lionel Messi scored twice as Argentina beat France in the 2022 World Cup final in Qatar.",
        [
            ("Lionel Messi", "person"),
            ("Argentina", "country"),
            ("France", "country"),
            ("2022 World Cup", "event"),
            ("Qatar", "country"),
        ],
    ),
    (
        "The Supreme Court ruled in Roe v. Wade on January 22, 1973.",
        [
            ("Supreme Court", "organization"),
            ("Roe v. Wade", "court case"),
            ("January 22, 1973", "date"),
        ],
    ),
    (
        "Christopher Nolan directed Oppenheimer, starring Cillian Murphy, released in July 2023.",
        [
            ("Christopher Nolan", "person"),
            ("Oppenheimer", "movie"),
            ("Cillian Murphy", "person"),
            ("July 2023", "date"),
        ],
    ),
    (
        "We flew from Paris to Tokyo with Air France and stayed three nights at the Park Hyatt.",
        [
            ("Paris", "city"),
            ("Tokyo", "city"),
            ("Air France", "organization"),
            ("three nights", "duration"),
            ("Park Hyatt", "hotel"),
        ],
    ),
    (
        "Apple unveiled the iPhone 15 in Cupertino on September 12, priced at $799.",
        [
            ("Apple", "organization"),
            ("iPhone 15", "product"),
            ("Cupertino", "city"),
            ("September 12", "date"),
            ("$799", "money"),
        ],
    ),
    (
        "Inflation in Germany rose to 6.1% in May, the Federal Statistical Office said.",
        [
            ("Germany", "country"),
            ("6.1%", "percentage"),
            ("May", "date"),
            ("Federal Statistical Office", "organization"),
        ],
    ),
    (
        "Marie Curie won the Nobel Prize in Chemistry in 1911 for discovering radium.",
        [
            ("Marie Curie", "person"),
            ("Nobel Prize in Chemistry", "award"),
            ("1911", "date"),
            ("radium", "chemical element"),
        ],
    ),
    (
        "Amazon will open a warehouse in Ohio next year, creating 1,500 jobs.",
        [
            ("Amazon", "organization"),
            ("Ohio", "location"),
            ("next year", "date"),
            ("1,500", "number"),
        ],
    ),
    (
        "Barack Obama was born in Honolulu, Hawaii, on August 4, 1961.",
        [
            ("Barack Obama", "person"),
            ("Honolulu", "city"),
            ("Hawaii", "location"),
            ("August 4, 1961", "date"),
        ],
    ),
    (
        "The Toyota Corolla costs about 25,000 euros in Spain.",
        [("Toyota Corolla", "product"), ("25,000 euros", "money"), ("Spain", "country")],
    ),
    (
        "Pfizer reported revenue of $100 billion for 2022, up 23% from a year earlier.",
        [
            ("Pfizer", "organization"),
            ("$100 billion", "money"),
            ("2022", "date"),
            ("23%", "percentage"),
        ],
    ),
    (
        "Taylor Swift played three shows at Wembley Stadium in London in June.",
        [
            ("Taylor Swift", "person"),
            ("Wembley Stadium", "location"),
            ("London", "city"),
            ("June", "date"),
        ],
    ),
]
# Kinds of mention for the summary: type -> kind.
KINDS = {
    "date": "dates",
    "money": "money",
    "percentage": "percentages",
    "duration": "durations",
    "quantity": "numbers",
    "number": "numbers",
    "person": "people",
    "city": "places",
    "country": "places",
    "location": "places",
    "organization": "organizations",
    "product": "products",
}


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="base model (default: embedded)")
    parser.add_argument("--adapter", default=None, help="a LoRA adapter over --model")
    parser.add_argument("--label", default="default", help="the model's name in the output")
    return parser.parse_args()


def score(model: Any) -> dict[str, Any]:
    """Per sentence what was found and missed, and per kind found / expected."""
    found: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    rows = []
    for text, gold in SENTENCES:
        types = sorted({t for _, t in gold} | {"organization", "location"})
        got = {(e.text, e.type) for e in model.extract(text, types)}
        hits = [g for g in gold if g in got]
        for mention, entity_type in gold:
            kind = KINDS.get(entity_type, "other")
            expected[kind] += 1
            found[kind] += (mention, entity_type) in hits
        rows.append(
            {
                "text": text,
                "found": hits,
                "missed": [g for g in gold if g not in hits],
                "extra": sorted(got - set(gold)),
            }
        )
    return {
        "by_kind": {k: [found[k], expected[k]] for k in sorted(expected)},
        "found": sum(found.values()),
        "expected": sum(expected.values()),
        "rows": rows,
    }


def main() -> None:
    args = _args()
    from uniner import NERModel

    if args.model is None and args.adapter is None:
        model = NERModel.from_pretrained()
    else:
        model = NERModel.from_pretrained(args.model, adapter=args.adapter)
    result = score(model)
    print("| sentence | found | missed |\n|---|---|---|")
    for row in result["rows"]:
        found = ", ".join(f"{m} ({t})" for m, t in row["found"]) or "—"
        missed = ", ".join(f"{m} ({t})" for m, t in row["missed"]) or "—"
        print(f"| {row['text']} | {found} | {missed} |")
    print(
        json.dumps(
            {
                "label": args.label,
                "found": result["found"],
                "expected": result["expected"],
                "by_kind": result["by_kind"],
            }
        )
    )


if __name__ == "__main__":
    main()
