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


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def markdown_table(result: BenchmarkResult) -> str:
    """The run as Markdown: which passages, then F1 (in %) under every metric.

    A multi-domain benchmark leads with the paper's figure, F1 per domain and the domain
    average (each domain the mean of its datasets), then the datasets; otherwise the datasets
    come first. Averages read ``n/a`` when nothing was scored, and a note names the missing
    datasets of a partial benchmark.
    """
    lines = [f"## {result.benchmark}", "", _selection_line(result), ""]
    datasets, domains = _dataset_table(result), _domain_table(result)
    if result.multi_domain:
        lines += ["### By domain", "", *domains, "", "### By dataset", "", *datasets]
    else:
        lines += [*datasets, "", *domains]
    lines += _notes(result)
    return "\n".join(lines) + "\n"


def _selection_line(result: BenchmarkResult) -> str:
    selection = result.config.selection()
    if selection["method"] == "sample":
        return (
            f"Passages: a random sample of {selection['n']} per dataset (seed "
            f"{selection['seed']}; `--sample {selection['n']} --seed {selection['seed']}`)."
        )
    if selection["method"] == "first":
        return f"Passages: the first {selection['n']} of each dataset (`--limit {selection['n']}`)."
    return "Passages: all."


def _dataset_table(result: BenchmarkResult) -> list[str]:
    metrics = list(result.config.metrics)
    head = f"| dataset | domain | passages | P ({result.primary}) | R ({result.primary}) | "
    head += " | ".join(f"F1 ({m})" for m in metrics) + " |"
    lines = [head, "|" + "---|" * (5 + len(metrics))]
    for d in result.datasets:
        main = d.scores[result.primary]
        f1s = " | ".join(_pct(d.f1(m)) for m in metrics)
        passages = str(d.passages)
        if d.available is not None and d.available != d.passages:
            passages += f" of {d.available}"
        lines.append(
            f"| {d.name} | {d.domain} | {passages} | {_pct(main.precision)} | "
            f"{_pct(main.recall)} | {f1s} |"
        )
    averages = " | ".join(f"**{_pct(result.average(m))}**" for m in metrics)
    mark = f"partial: {len(result.missing)} missing" if result.partial else ""
    lines.append(f"| **average** | {mark} | | | | {averages} |")
    return lines


def _domain_table(result: BenchmarkResult) -> list[str]:
    metrics = list(result.config.metrics)
    lines = ["| domain | datasets | " + " | ".join(f"F1 ({m})" for m in metrics) + " |"]
    lines.append("|" + "---|" * (2 + len(metrics)))
    per_metric = {m: result.domains(m) for m in metrics}
    for domain, names in result.domain_datasets().items():
        f1s = " | ".join(_pct(per_metric[m][domain]) for m in metrics)
        lines.append(f"| {domain} | {', '.join(names)} | {f1s} |")
    averages = " | ".join(f"**{_pct(result.domain_average(m))}**" for m in metrics)
    n = len(per_metric[metrics[0]])
    count = f"{n} domain" if n == 1 else f"{n} domains"
    if result.partial:
        count += f"; partial: {len(result.missing)} missing"
    lines.append(f"| **domain average** | {count} | {averages} |")
    return lines


def _notes(result: BenchmarkResult) -> list[str]:
    lines: list[str] = []
    if not result.datasets:
        lines += ["", "Nothing was scored: no average (n/a)."]
    elif result.partial:
        scored, total = len(result.datasets), len(result.datasets) + len(result.missing)
        lines += [
            "",
            f"**Partial**: the averages cover {scored} of the benchmark's {total} datasets; "
            f"not scored: {', '.join(result.missing)}.",
        ]
    if result.missing:
        lines += ["", "Not scored (missing):", ""]
        lines += [f"- {name}: {why}" for name, why in result.missing.items()]
    skipped = result.skipped_lines()
    if skipped:
        lines += ["", "Malformed lines left out (`--skip-malformed`):", ""]
        lines += [f"- {name}: {n}" for name, n in skipped.items()]
    elif result.config.skip_malformed:
        lines += ["", "Malformed lines left out (`--skip-malformed`): none."]
    return lines


def plot_result(result: BenchmarkResult, path: str | Path) -> Path:
    """A grouped bar chart of F1 for each metric, as PNG: per dataset and the average, and
    for a multi-domain benchmark first per domain and the domain average."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics: list[str] = list(result.config.metrics)
    panels: list[tuple[str, list[str], dict[str, list[float]]]] = []  # (title, bars, F1s)
    if result.multi_domain:
        names = [*result.domains(), "domain average"]
        values = {
            m: [*result.domains(m).values(), _or_nan(result.domain_average(m))] for m in metrics
        }
        panels.append(("by domain", names, values))
    names = [d.name for d in result.datasets] + ["average"]
    values = {m: [d.f1(m) for d in result.datasets] + [_or_nan(result.average(m))] for m in metrics}
    panels.append(("by dataset", names, values))
    width = 0.8 / len(metrics)
    longest = max(len(names) for _, names, _ in panels)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(max(6.0, 1.1 * longest), 4 * len(panels)), squeeze=False
    )
    for ax, (panel, names, by_metric) in zip(axes[:, 0], panels, strict=True):
        for k, metric in enumerate(metrics):
            xs = [i + (k - (len(metrics) - 1) / 2) * width for i in range(len(names))]
            ax.bar(xs, [100 * v for v in by_metric[metric]], width, label=metric)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_ylabel("F1 (%)")
        ax.set_ylim(0, 100)
        ax.legend()
        if len(panels) > 1:
            ax.set_title(panel)
    title = f"{result.benchmark} ({result.config.model or 'model'})"
    if not result.datasets:
        title += ": nothing scored"
    elif result.partial:
        title += f": partial, {len(result.missing)} missing"
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _or_nan(value: float | None) -> float:
    """A bar's height; NaN (no bar) for an average of nothing."""
    return float("nan") if value is None else value
