"""The wheel holds the package data and works once installed, away from the checkout.

``scripts/test`` builds the sdist and wheel (``python -m build``, the wheel made from the sdist,
so both are checked) and passes the wheel in ``UNINER_WHEEL``; run alone, this test builds its
own. It installs the wheel, without dependencies, into a fresh venv that borrows the dependencies
of the repository's venv but not its editable uniner, then uses the bundled resources there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "uniner"
# What a working install must find beside the code (pyproject's package-data).
DATA_DIRS = ("resources", "serve/static")

CHECK = """
import json, sys
from pathlib import Path
import uniner
from uniner.checkpoints.resolve import default_adapter
from uniner.evaluation.benchmarks import get_benchmark
from uniner.paths import resources

here = Path(uniner.__file__).resolve()
adapter = default_adapter()
print(json.dumps({
    "installed_in_venv": here.is_relative_to(Path(sys.prefix).resolve()),
    "adapter": adapter is not None and (adapter / "adapter_model.safetensors").is_file(),
    "zero_shot": len(get_benchmark("zero-shot").datasets),
    "examples": sorted(p.name for p in (resources() / "examples").iterdir()),
}))
"""


def package_data() -> list[str]:
    """The data files of the source package, as wheel paths (``uniner/resources/...``)."""
    found = []
    for folder in DATA_DIRS:
        for path in sorted((PACKAGE / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found.append(path.relative_to(PACKAGE.parent).as_posix())
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if given := os.environ.get("UNINER_WHEEL"):
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the venv's pinned setuptools and wheel, nothing fetched.
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"python -m build failed (pip install build?):\n{done.stderr}"
    (found,) = out.glob("uniner-*.whl")
    return found


@pytest.mark.slow
def test_the_wheel_holds_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = package_data()
    assert "uniner/resources/default_adapter/adapter_model.safetensors" in data
    assert "uniner/resources/benchmarks/benchmarks.yaml" in data
    assert [name for name in data if name not in names] == []
    assert "uniner/py.typed" in names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "uniner = uniner.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow
def test_the_wheel_installs_and_finds_its_resources(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies, from the repository's venv: a path in a .pth goes after the venv's own
    # site-packages, and the .pth files there (the editable uniner) are not read.
    Path(site, "borrowed-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run([*install, "--no-deps", "--no-index", str(wheel)], check=True)

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    check = subprocess.run(
        [str(python), "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout) == {
        "installed_in_venv": True,
        "adapter": True,
        "zero_shot": 7,
        "examples": ["README.md", "gold.json", "predictions.json"],
    }
    # The console script, on the bundled example files.
    score = subprocess.run(
        [str(venv / "bin" / "uniner"), "score", "--example", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert score.returncode == 0, score.stderr
    result = json.loads(score.stdout)
    assert (result["correct"], result["predicted"], result["gold"]) == (8, 10, 9)
