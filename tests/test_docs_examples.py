"""Every example in README.md and docs/*.md runs, or is marked and checked as far as it can be.

A fenced ``python``, ``bash`` or ``sh`` block runs unless an HTML comment on the line just
before its fence says otherwise:

* ``<!-- example: parse -->`` for real commands that take too long here (training, full
  evaluations) or need the reader's own files or servers: every ``uniner ...`` command line
  must parse with the current CLI (nothing runs), every program a shell block names by a path
  (``scripts/...``, ``.venv/bin/...``) must exist, and ``bash -n`` must accept the block; a
  Python block must compile and its ``import`` statements must run (a renamed function fails).
* ``<!-- example: skip gpu -->`` / ``<!-- example: skip network -->``: not checked at all.

A running Python block is a script (``>>>`` prompts are not supported, and are refused): it
runs with the repository's venv in a fresh process whose working directory is a temporary
``work/`` folder next to a link to ``../shared``, so ``../shared/data`` paths resolve and its
outputs stay out of the checkout. A running shell block runs under ``bash -euo pipefail`` from
the repository root, ``.venv/bin`` first on PATH. Both run with ``HF_HUB_OFFLINE=1``. Blocks
that read ``../shared/data`` skip, saying so, when it is absent. Blocks of any other language
(``json``, ``text``, ``yaml``, none) are output and are not run.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = {"python": "python", "bash": "bash", "sh": "bash"}
SKIP_REASONS = {"gpu", "network"}
SHARED = ROOT.parent / "shared"
VENV_BIN = ROOT / ".venv" / "bin"

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*example:\s*(?P<spec>.*?)\s*-->\s*$")
PREFIXES = {"time", "exec", "do", "then", "else", "!", "{"}  # words before a command


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its marker (``run`` when unmarked)."""

    path: Path  # relative to the repository
    line: int  # 1-based line of the opening fence
    lang: str
    mode: str  # run | parse | skip
    reason: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def read_blocks(path: Path, root: Path = ROOT) -> tuple[list[Block], list[str]]:
    """The fenced blocks of one Markdown file, and the problems found with its markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    where = path.relative_to(root)
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        marker = MARKER.match(lines[i])
        if marker and not (i + 1 < len(lines) and FENCE.match(lines[i + 1])):
            problems.append(f"{where}:{i + 1}: a marker must be on the line just before a fence")
        if not fence:
            i += 1
            continue
        indent, lang = fence["indent"], fence["lang"]
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            problems.append(f"{where}:{i + 1}: the fence is never closed")
        body = [
            line[len(indent) :] if line.startswith(indent) else line for line in lines[i + 1 : end]
        ]
        spec = MARKER.match(lines[i - 1]) if i else None
        mode, reason = "run", ""
        if spec:
            words = spec["spec"].split()
            mode, reason = words[0], " ".join(words[1:])
            if lang not in RUNNABLE:
                problems.append(f"{where}:{i + 1}: a marker on a ```{lang} block, which never runs")
            if mode == "skip" and reason not in SKIP_REASONS:
                wanted = sorted(SKIP_REASONS)
                problems.append(f"{where}:{i + 1}: skip needs a reason in {wanted}, got {reason!r}")
            elif mode == "parse" and reason:
                problems.append(f"{where}:{i + 1}: parse takes no argument, got {reason!r}")
            elif mode not in {"skip", "parse"}:
                problems.append(f"{where}:{i + 1}: unknown marker {spec['spec']!r}")
        if lang in RUNNABLE:
            blocks.append(Block(where, i + 1, RUNNABLE[lang], mode, reason, "\n".join(body) + "\n"))
        i = end + 1
    return blocks, problems


def all_blocks() -> list[Block]:
    return [block for path in DOCS for block in read_blocks(path)[0]]


BLOCKS = all_blocks()


def params(mode: str) -> list[object]:
    marks = {"run": [pytest.mark.slow]}.get(mode, [])
    return [
        pytest.param(b, id=b.id, marks=marks + ([pytest.mark.data] if reads_shared(b) else []))
        for b in BLOCKS
        if b.mode == mode
    ]


def reads_shared(block: Block) -> bool:
    return "../shared/data" in block.code


def env() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HF_HUB_OFFLINE": "1",
    }


def python() -> str:
    venv_python = VENV_BIN / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


# ---------------------------------------------------------------- shell commands


def commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script, as words: continuation lines joined, comments,
    operators and leading ``VAR=value`` / ``time`` / ``do`` ... dropped; a ``$( ... )`` is a
    command of its own and one word, ``$(...)``, of the command around it."""
    found: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        outer: list[list[str]] = []  # the commands a $( ... ) interrupted
        current: list[str] = []
        for word in [*lexer, ";"]:
            if word == "(" and current and current[-1] == "$":
                outer.append([*current[:-1], "$(...)"])
                current = []
            elif set(word) <= set(";&|()"):
                while current and (re.match(r"^\w+=", current[0]) or current[0] in PREFIXES):
                    current.pop(0)
                if current:
                    found.append(current)
                current = outer.pop() if word == ")" and outer else []
            else:
                current.append(word)
    return found


def uniner_args(words: list[str]) -> list[str] | None:
    """The arguments given to the ``uniner`` CLI by one command, or None if it runs none:
    ``uniner ...``, ``.venv/bin/uniner ...``, or ``... -m uniner ...``."""
    if Path(words[0]).name == "uniner":
        return words[1:]
    for k in range(len(words) - 1):
        if words[k] == "-m" and words[k + 1] == "uniner":
            return words[k + 2 :]
    return None


def program_exists(program: str) -> bool:
    """A program named by a path (``scripts/demo``, ``.venv/bin/python``) exists and runs.
    Bare names (``pip``, ``curl``, ``ollama``) are the reader's to install and not checked."""
    if "/" not in program:
        return True
    path = Path(program) if Path(program).is_absolute() else ROOT / program
    return path.is_file() and os.access(path, os.X_OK)


def parse_error(args: list[str]) -> str | None:
    """What argparse says about ``uniner ARGS``, or None when they parse."""
    from uniner.cli import build_parser

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(args)
    except SystemExit as exit_:
        if exit_.code:
            return stderr.getvalue().strip().splitlines()[-1]
    return None


# ---------------------------------------------------------------- the tests


def test_the_docs_hold_examples_and_every_marker_is_well_formed() -> None:
    problems = [p for path in DOCS for p in read_blocks(path)[1]]
    assert problems == []
    assert {b.id for b in BLOCKS if b.mode == "run"}, "no example runs"
    for block in BLOCKS:
        if block.lang == "python":
            prompts = [ln for ln in block.code.splitlines() if ln.lstrip().startswith(">>>")]
            assert not prompts, f"{block.id}: write the example as a script, not >>> prompts"


def test_the_marker_reader_sees_what_a_reader_sees(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "x.md"
    doc.write_text(
        "```bash\necho run\n```\n<!-- example: parse -->\n```python\nimport os\n```\n"
        "- item\n\n  <!-- example: skip gpu -->\n  ```sh\n  nvidia-smi\n  ```\n"
        "```json\n{}\n```\n<!-- example: skip cloudy -->\n```bash\nx\n```\n"
        "<!-- example: parse -->\n\ntext\n"
    )
    blocks, problems = read_blocks(doc, tmp_path)
    assert [(b.line, b.lang, b.mode, b.reason, b.code) for b in blocks] == [
        (1, "bash", "run", "", "echo run\n"),
        (5, "python", "parse", "", "import os\n"),
        (11, "bash", "skip", "gpu", "nvidia-smi\n"),
        (18, "bash", "skip", "cloudy", "x\n"),
    ]
    assert problems == [
        "docs/x.md:18: skip needs a reason in ['gpu', 'network'], got 'cloudy'",
        "docs/x.md:21: a marker must be on the line just before a fence",
    ]


def test_shell_commands_are_split_as_the_shell_splits_them() -> None:
    script = (
        "time .venv/bin/uniner eval --benchmark universal \\\n    --out runs/u   # a comment\n"
        "A=1 python -m llama_cpp.server --model $(python -c 'print(1)') --port 1 &\n"
        "accelerate launch -m uniner train --lora && echo done | tee x\n"
        "for i in 0 1; do uniner extract -t person --shard $i/2 & done; wait\n"
    )
    assert commands(script) == [
        [".venv/bin/uniner", "eval", "--benchmark", "universal", "--out", "runs/u"],
        ["python", "-c", "print(1)"],
        ["python", "-m", "llama_cpp.server", "--model", "$(...)", "--port", "1"],
        ["accelerate", "launch", "-m", "uniner", "train", "--lora"],
        ["echo", "done"],
        ["tee", "x"],
        ["for", "i", "in", "0", "1"],
        ["uniner", "extract", "-t", "person", "--shard", "$i/2"],
        ["done"],
        ["wait"],
    ]
    assert uniner_args(commands(script)[0]) == [
        "eval",
        "--benchmark",
        "universal",
        "--out",
        "runs/u",
    ]
    assert uniner_args(commands(script)[3]) == ["train", "--lora"]
    assert uniner_args(["pip", "install", "uniner[serve]"]) is None
    assert parse_error(["eval", "--benchmark", "x", "--no-such-option"]) is not None
    assert parse_error(["score", "--example"]) is None


@pytest.mark.parametrize("block", params("parse"))
def test_a_parse_only_example_is_still_valid(block: Block) -> None:
    if block.lang == "python":
        tree = ast.parse(block.code, filename=block.id)  # a SyntaxError fails the test
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    importlib.import_module(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        importlib.import_module(f"{node.module}.{alias.name}")
        return
    syntax = subprocess.run(["bash", "-n"], input=block.code, capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    problems = []
    for words in commands(block.code):
        args = uniner_args(words)
        if args is not None:
            if error := parse_error(args):
                problems.append(f"uniner {shlex.join(args)}: {error}")
        elif not program_exists(words[0]):
            problems.append(f"{words[0]}: no such program")
    assert problems == [], block.id


@pytest.mark.parametrize("block", params("run"))
def test_an_example_runs(block: Block, tmp_path: Path) -> None:
    if reads_shared(block) and not (SHARED / "data").is_dir():
        pytest.skip(f"{block.id} reads ../shared/data, which is absent")
    if block.lang == "python":
        work = tmp_path / "work"
        work.mkdir()
        if SHARED.is_dir():
            (tmp_path / "shared").symlink_to(SHARED)
        script = work / "example.py"
        script.write_text(block.code)
        argv, cwd = [python(), str(script)], work
    else:
        script = tmp_path / "example.sh"
        script.write_text(block.code)
        argv, cwd = ["bash", "-euo", "pipefail", str(script)], ROOT
    done = subprocess.run(
        argv, cwd=cwd, env=env(), capture_output=True, text=True, timeout=1200, check=False
    )
    assert done.returncode == 0, f"{block.id} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("block", params("skip"))
def test_a_skipped_example_says_why(block: Block) -> None:
    pytest.skip(f"{block.id}: needs {block.reason}")
