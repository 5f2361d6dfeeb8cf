"""Writing a benchmark result: JSON, a Markdown table, a PNG chart, the config and the errors."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from uniner.evaluation.results import BenchmarkResult
from uniner.evaluation.strict import StrictScore

RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
RESULTS_PNG = "results.png"
CONFIG_JSON = "config.json"


def write_report(result: BenchmarkResult, out_dir: str | Path) -> dict[str, Path]:
    """Write results.json, results.md, results.png, config.json and errors/<dataset>.json.

    Returns the paths written, by kind.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / RESULTS_JSON,
        "markdown": out / RESULTS_MD,
        "chart": out / RESULTS_PNG,
        "config": out / CONFIG_JSON,
    }
    _dump(paths["json"], result.to_dict())
    _dump(paths["config"], asdict(result.config))
    paths["markdown"].write_text(markdown_table(result), encoding="utf-8")
    plot_result(result, paths["chart"])
    for d in result.datasets:
        strict = d.scores.get("strict")
        if isinstance(strict, StrictScore):
            errors = {
                "false_positives": [asdict(e) for e in strict.false_positives],
                "false_negatives": [asdict(e) for e in strict.false_negatives],
            }
            _dump(out / "errors" / f"{d.name}.json", errors)
    return paths


def _dump(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _pct(value: float) -> str:
    return f"{100 * value:.2f}"


def markdown_table(result: BenchmarkResult) -> str:
    """Per-dataset, per-domain and average F1 (in %) under every metric, as Markdown."""
    metrics = list(result.config.metrics)
    head = f"| dataset | domain | passages | P ({result.primary}) | R ({result.primary}) | "
    head += " | ".join(f"F1 ({m})" for m in metrics) + " |"
    lines = [f"## {result.benchmark}", "", head, "|" + "---|" * (5 + len(metrics))]
    for d in result.datasets:
        main = d.scores[result.primary]
        f1s = " | ".join(_pct(d.f1(m)) for m in metrics)
        lines.append(
            f"| {d.name} | {d.domain} | {d.passages} | {_pct(main.precision)} | "
            f"{_pct(main.recall)} | {f1s} |"
        )
    averages = " | ".join(f"**{_pct(result.average(m))}**" for m in metrics)
    lines.append(f"| **average** | | | | | {averages} |")
    lines += ["", "| domain | " + " | ".join(f"F1 ({m})" for m in metrics) + " |"]
    lines.append("|" + "---|" * (1 + len(metrics)))
    per_metric = {m: result.domains(m) for m in metrics}
    for domain in per_metric[metrics[0]]:
        lines.append(
            f"| {domain} | " + " | ".join(_pct(per_metric[m][domain]) for m in metrics) + " |"
        )
    if result.missing:
        lines += ["", "Not scored (missing):", ""]
        lines += [f"- {name}: {why}" for name, why in result.missing.items()]
    return "\n".join(lines) + "\n"


def plot_result(result: BenchmarkResult, path: str | Path) -> Path:
    """A grouped bar chart of F1 per dataset (and the average) for each metric, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(result.config.metrics)
    names = [d.name for d in result.datasets] + ["average"]
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names)), 4))
    for k, metric in enumerate(metrics):
        values = [100 * d.f1(metric) for d in result.datasets] + [100 * result.average(metric)]
        xs = [i + (k - (len(metrics) - 1) / 2) * width for i in range(len(names))]
        ax.bar(xs, values, width, label=metric)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylabel("F1 (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{result.benchmark} ({result.config.model or 'model'})")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
