"""torch's thread count: the cgroup quota reader, the rule, and the flag that reaches torch."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from uniner import threads
from uniner.cli import build_parser, main
from uniner.engine import NERModel
from uniner.threads import ThreadChoice, cpu_quota, set_threads, usable_cpus


def _v2(tmp_path: Path, files: dict[str, str], own: str = "/") -> tuple[Path, Path]:
    """A cgroup v2 mount under ``tmp_path`` with ``cpu.max`` files at the given folders."""
    root = tmp_path / "cgroup"
    root.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory\n")
    for folder, text in files.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "cpu.max").write_text(text + "\n")
    self_cgroup = tmp_path / "self-cgroup"
    self_cgroup.write_text(f"0::{own}\n")
    return root, self_cgroup


def _v1(tmp_path: Path, quota: str, period: str = "100000", mount: str = "cpu") -> Path:
    root = tmp_path / "cgroup"
    (root / mount).mkdir(parents=True)
    (root / mount / "cpu.cfs_quota_us").write_text(quota + "\n")
    (root / mount / "cpu.cfs_period_us").write_text(period + "\n")
    return root


@pytest.mark.parametrize(
    ("text", "quota"),
    [("max 100000", None), ("150000 100000", 1.5), ("50000 100000", 0.5), ("200000", 2.0)],
)
def test_cgroup_v2_cpu_max(tmp_path: Path, text: str, quota: float | None) -> None:
    root, own = _v2(tmp_path, {".": text})
    assert cpu_quota(root, own) == quota


def test_cgroup_v2_every_level_above_the_process_binds(tmp_path: Path) -> None:
    files = {".": "max 100000", "job": "250000 100000", "job/step": "max 100000"}
    root, own = _v2(tmp_path, files, own="/job/step")
    assert cpu_quota(root, own) == 2.5
    # In a container the mount is the container's own cgroup: its path outside is not there.
    root_only, elsewhere = _v2(tmp_path / "container", {".": "150000 100000"}, own="/docker/ab12")
    assert cpu_quota(root_only, elsewhere) == 1.5


@pytest.mark.parametrize(
    ("quota", "mount", "expected"),
    [("150000", "cpu", 1.5), ("-1", "cpu", None), ("300000", "cpu,cpuacct", 3.0)],
)
def test_cgroup_v1_cfs_files(
    tmp_path: Path, quota: str, mount: str, expected: float | None
) -> None:
    root = _v1(tmp_path, quota, mount=mount)
    own = tmp_path / "self-cgroup"
    own.write_text(f"4:{mount}:/\n3:memory:/job\n0::/\n")
    assert cpu_quota(root, own) == expected


def test_missing_or_bad_cgroup_files_mean_no_quota(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path / "absent", tmp_path / "absent-self") is None
    root, own = _v2(tmp_path, {".": "lots 100000"})
    assert cpu_quota(root, own) is None
    assert cpu_quota(_v1(tmp_path / "v1", "150000", period="0"), own) is None


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A pretend machine: 4 CPUs in the affinity mask, torch's default 4, no variable set, no
    quota until the test writes ``cpu.max`` in the folder yielded; torch's count and the
    module's memory are restored afterwards."""
    root, own = _v2(tmp_path, {})
    monkeypatch.setattr(threads, "CGROUP_ROOT", root)
    monkeypatch.setattr(threads, "SELF_CGROUP", own)
    monkeypatch.setattr(threads, "affinity_cpus", lambda: 4)
    monkeypatch.setattr(threads, "torch_default_threads", lambda: 4)
    monkeypatch.setattr(threads, "_applied", None)
    for name in threads.USER_ENV:
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        yield root
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("cpu_max", "usable"),
    [(None, 4), ("max 100000", 4), ("150000 100000", 1), ("50000 100000", 1), ("250000", 2)],
)
def test_usable_cpus_is_the_quota_rounded_down(
    machine: Path, cpu_max: str | None, usable: int
) -> None:
    if cpu_max is not None:
        (machine / "cpu.max").write_text(cpu_max)
    assert usable_cpus() == usable


def test_the_quota_sets_torch_and_a_later_user_setting_is_kept(machine: Path) -> None:
    (machine / "cpu.max").write_text("150000 100000")
    chosen = set_threads()
    assert chosen == ThreadChoice(1, "cpu quota", 4, 1.5)
    assert torch.get_num_threads() == 1
    assert chosen.describe() == "1 thread (the CPU quota; 4 CPUs in the affinity mask, quota 1.5)"
    assert set_threads() == chosen  # a second engine in the process keeps it
    torch.set_num_threads(3)
    assert set_threads() == ThreadChoice(3, "torch.set_num_threads", 4, 1.5)
    assert torch.get_num_threads() == 3


def test_the_affinity_mask_bounds_torch(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "affinity_cpus", lambda: 2)
    assert set_threads() == ThreadChoice(2, "affinity", 2, None)
    assert torch.get_num_threads() == 2


def test_never_more_than_torch_counts_physical_cores(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(threads, "torch_default_threads", lambda: 2)
    torch.set_num_threads(2)
    assert set_threads() == ThreadChoice(2, "physical cores", 4, None)


@pytest.mark.parametrize("name", ["OMP_NUM_THREADS", "MKL_NUM_THREADS"])
def test_a_count_the_user_set_is_never_overridden(
    machine: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (machine / "cpu.max").write_text("100000 100000")
    monkeypatch.setenv(name, "4")
    assert set_threads() == ThreadChoice(4, name, 4, 1.0)  # type: ignore[arg-type]
    assert torch.get_num_threads() == 4
    monkeypatch.delenv(name)
    torch.set_num_threads(3)  # before uniner looked: differs from torch's default
    assert set_threads() == ThreadChoice(3, "torch.set_num_threads", 4, 1.0)
    assert torch.get_num_threads() == 3


def test_an_explicit_count_wins_and_bad_ones_are_refused(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert set_threads(2) == ThreadChoice(2, "argument", 4, None)
    assert torch.get_num_threads() == 2
    assert set_threads() == ThreadChoice(2, "argument", 4, None)
    for bad in (0, -1, True, 1.5, "2"):
        with pytest.raises(ValueError, match=f"threads must be a positive int, got {bad!r}"):
            set_threads(bad)  # type: ignore[arg-type]


def test_model_info_says_the_choice(machine: Path, tiny_model_dir: Path) -> None:
    model = NERModel.from_pretrained(tiny_model_dir, device="cpu", threads=1)
    info = model.info()
    assert (info["device"], info["threads"], info["threads_from"]) == ("cpu", 1, "argument")
    assert torch.get_num_threads() == 1


def test_the_flag_is_on_every_command_that_loads_the_engine(capsys: pytest.CaptureFixture) -> None:  # type: ignore[type-arg]
    parser = build_parser()
    for command in (["extract", "Ada"], ["serve"], ["eval"]):
        assert parser.parse_args([*command, "--threads", "2"]).threads == 2
        assert parser.parse_args(command).threads is None
        with pytest.raises(SystemExit):
            parser.parse_args([*command, "--threads", "0"])
    assert "threads must be a positive int, got '0'" in capsys.readouterr().err


def test_serve_and_eval_pass_the_flag_on(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uniner.serve.server

    seen: list[int] = []
    monkeypatch.setattr(
        uniner.serve.server, "serve", lambda config: seen.append(torch.get_num_threads())
    )
    assert main(["serve", "--threads", "3"]) == 0
    assert seen == [3]

    class Loaded(Exception):
        pass

    def loading(*args: object, threads: int | None = None, **kwargs: object) -> None:
        raise Loaded(threads)

    monkeypatch.setattr(NERModel, "from_pretrained", loading)
    with pytest.raises(Loaded, match=r"^2$"):
        main(["eval", "--model", "m", "--threads", "2"])


def _extract_threads(model: Path, *flag: str) -> tuple[int, str]:
    """torch's count in a ``uniner extract`` process with ``OMP_NUM_THREADS=1``, and its
    source (torch caps the variable at the cores, so it cannot be more than 1 everywhere)."""
    script = (
        "import sys, torch\n"
        "from uniner.cli import main\n"
        "from uniner.threads import current_threads\n"
        "code = main(sys.argv[1:])\n"
        "print('THREADS', torch.get_num_threads(), current_threads().source)\n"
        "sys.exit(code)\n"
    )
    args = ["extract", "Ada met Bob.", "-t", "person", "--model", str(model)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args, "--max-new-tokens", "2", *flag],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    _, count, source = done.stdout.strip().splitlines()[-1].split(" ", 2)
    return int(count), source


def test_the_flag_reaches_torch_and_the_variable_is_kept(tiny_model_dir: Path) -> None:
    assert _extract_threads(tiny_model_dir, "--threads", "2") == (2, "argument")
    assert _extract_threads(tiny_model_dir) == (1, "OMP_NUM_THREADS")
