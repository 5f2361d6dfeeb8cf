"""Load test of ``uniner serve``: N concurrent clients on loopback, then the bad-input corpus.

For each client count, every client posts ``/extract`` in a loop for ``--duration`` seconds;
the script prints requests/s, mentions/s, p50/p99 latency, non-2xx answers and the server's
mean batch size. Then it sends the bad-input corpus (``tests/serve/bad_inputs.py``): every case
must get a 4xx, never a 5xx, and ``/health`` must still answer ``ok``. The exit status is 1
when a bad input got anything but a 4xx or the server is unhealthy after.

    # start a server in this process (the model is loaded once)
    python benchmarks/load_serve.py --model PATH --clients 1 4 16 --duration 30
    # or measure a server that is already running
    python benchmarks/load_serve.py --url http://127.0.0.1:8000 --clients 1 4 16
    # the server alone, no model (a dictionary extractor): HTTP and batching overhead
    python benchmarks/load_serve.py --gazetteer --clients 1 4 16
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from uniner.engine.options import REQUEST_OPTIONS

# The bad-input corpus is the server tests' own (tests/serve/bad_inputs.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "serve"))
from bad_inputs import send_bad_requests

TEXTS = [
    "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine in 1843.",
    "Grace Hopper joined the Eckert-Mauchly Computer Corporation in Philadelphia in 1949.",
    "Marie Curie won the Nobel Prize in Chemistry in 1911 for her work in Paris.",
    "The Python Software Foundation released Python 3.12 in October 2023.",
]
TYPES = ["person", "organization", "location", "date"]


@dataclass
class LoadResult:
    """One load level's figures."""

    clients: int
    seconds: float
    requests: int
    mentions: int
    non_2xx: int
    errors: int
    p50_ms: float
    p99_ms: float
    mean_batch_size: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def mentions_per_s(self) -> float:
        return self.mentions / self.seconds

    def row(self) -> str:
        return (
            f"| {self.clients:>7} | {self.requests:>8} | {self.requests_per_s:>8.2f} | "
            f"{self.mentions_per_s:>10.2f} | {self.p50_ms:>8.0f} | {self.p99_ms:>8.0f} | "
            f"{self.non_2xx + self.errors:>7} | {self.mean_batch_size:>10.2f} |"
        )


HEADER = (
    "| clients | requests |    req/s | mentions/s |  p50 ms |  p99 ms | non-2xx | mean batch |\n"
    "|--------:|---------:|---------:|-----------:|--------:|--------:|--------:|-----------:|"
)


def run_clients(
    url: str, clients: int, duration: float, types: list[str], options: dict[str, bool]
) -> LoadResult:
    """``clients`` threads post /extract in a loop until ``duration`` seconds have passed."""
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"mentions": 0, "non_2xx": 0, "errors": 0}
    stop_at = time.monotonic() + duration

    def client(index: int) -> None:
        with httpx.Client(base_url=url, timeout=max(duration * 4, 120)) as http:
            turn = index
            while time.monotonic() < stop_at:
                body = {"text": TEXTS[turn % len(TEXTS)], "types": types, **options}
                turn += 1
                started = time.perf_counter()
                try:
                    response = http.post("/extract", json=body)
                except httpx.HTTPError:
                    with lock:
                        counts["errors"] += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                ok = response.is_success
                found = len(response.json()["entities"]) if ok else 0
                with lock:
                    latencies.append(elapsed)
                    counts["mentions"] += found
                    counts["non_2xx"] += 0 if ok else 1

    before = _batcher(url)
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started  # includes the requests in flight at the deadline
    after = _batcher(url)
    batches = after.get("batches", 0) - before.get("batches", 0)
    items = after.get("items", 0) - before.get("items", 0)
    return LoadResult(
        clients=clients,
        seconds=seconds,
        requests=len(latencies),
        mentions=counts["mentions"],
        non_2xx=counts["non_2xx"],
        errors=counts["errors"],
        p50_ms=_percentile(latencies, 50),
        p99_ms=_percentile(latencies, 99),
        mean_batch_size=items / batches if batches else 0.0,
        latencies_ms=latencies,
    )


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _batcher(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/health", timeout=30).json().get("batcher", {}))


def check_bad_inputs(url: str) -> bool:
    """Send the corpus; print a summary and every answer that is not a 4xx."""
    with httpx.Client(base_url=url, timeout=60) as http:
        answers = send_bad_requests(http)
        health = http.get("/health")
    wrong = [a for a in answers if not a.ok]
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    print(f"\nbad inputs: {len(answers)} cases, statuses {dict(sorted(statuses.items()))}")
    for answer in wrong:
        print(f"  NOT 4xx: {answer.name}: {answer.status} {answer.detail}")
    healthy = health.status_code == 200 and health.json().get("status") == "ok"
    print(f"server healthy after: {healthy}")
    return not wrong and healthy


@contextmanager
def server_for(args: argparse.Namespace) -> Iterator[str]:
    """The URL to load: ``--url``, or a server started here around the chosen model."""
    if args.url:
        yield args.url.rstrip("/")
        return
    from uniner.serve.app import create_app
    from uniner.serve.config import ServeConfig
    from uniner.serve.server import running

    config = ServeConfig(
        max_batch_size=args.max_batch_size,
        max_wait_ms=args.max_wait_ms,
        request_timeout_s=args.request_timeout_s,
    )
    if args.gazetteer:
        from uniner.serve.gazetteer import GazetteerModel

        names = {"person": ["Ada Lovelace", "Charles Babbage", "Grace Hopper", "Marie Curie"]}
        model: Any = GazetteerModel(names)
    else:
        from uniner.engine import NERModel

        options = {"max_new_tokens": args.max_new_tokens}
        model = NERModel.from_pretrained(args.model, device=args.device, **options)
    print(f"model: {json.dumps(model.info())}")
    with running(create_app(model, config)) as url:
        yield url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="a running server")
    source.add_argument("--model", help="start a server here with this model")
    source.add_argument("--gazetteer", action="store_true", help="start one with no model")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--types", nargs="+", default=TYPES)
    parser.add_argument("--device", default=None)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--max-batch-size", type=int, default=8)
    parser.add_argument("--max-wait-ms", type=float, default=10.0)
    parser.add_argument("--request-timeout-s", type=float, default=600.0)
    parser.add_argument(
        "--option", action="append", default=[], choices=REQUEST_OPTIONS,
        help="engine option to set true in every request (repeatable)",
    )  # fmt: skip
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    options = dict.fromkeys(args.option, True)
    with server_for(args) as url:
        warm_up = {"text": TEXTS[0], "types": args.types, **options}
        httpx.post(f"{url}/extract", json=warm_up, timeout=args.request_timeout_s)
        print(f"{len(args.types)} types per request, options {options or 'none'}, "
              f"{args.duration:g} s per level\n{HEADER}")  # fmt: skip
        results = []
        for clients in args.clients:
            results.append(run_clients(url, clients, args.duration, args.types, options))
            print(results[-1].row(), flush=True)
        passed = check_bad_inputs(url)
    if args.json:
        rows = [{**asdict(r), "latencies_ms": None} for r in results]
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"args": vars(args), "results": rows, "bad_inputs_ok": passed}, out, indent=2)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
