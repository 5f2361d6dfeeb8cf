"""How many threads torch computes with: what the process may really use, or what you set.

torch's default counts the physical cores it sees on the machine. A process often may use
fewer: its affinity mask (``taskset``, ``docker --cpuset-cpus``) or a cgroup CPU quota
(``docker --cpus 1.5``, Kubernetes limits, systemd ``CPUQuota``) grants it less. With more
threads than CPUs the threads wait on each other at every parallel region: on a 2-core machine
beside one busy process the engine ran 2.7x slower with torch's 2 threads than with 1 (issue
30). The rule, in :func:`set_threads` and nowhere else:

1. a count you give (``set_threads(n)``, ``NERModel.from_pretrained(threads=n)``,
   ``uniner extract|serve|eval --threads N``) is used;
2. else a count you set before is kept: ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` (torch
   reads them at start), or a ``torch.set_num_threads`` call (seen as a count that differs
   from torch's default, or from the count uniner set last);
3. else the CPUs the process may use, :func:`usable_cpus` (the affinity mask, the cgroup quota
   rounded down, at least 1), but never more than torch's default: torch counts physical
   cores and leaves hyper-threads out on purpose.

>>> from uniner.threads import set_threads
>>> set_threads().describe()  # doctest: +SKIP
'1 thread (the CPU quota; 2 CPUs in the affinity mask, quota 1.5)'
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# Where the cgroup file systems are mounted, and the file naming this process's cgroups.
CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")
CPU_ROOT = Path("/sys/devices/system/cpu")
Source = Literal[
    "argument",  # set_threads(n), threads=n, --threads N
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "torch.set_num_threads",  # set by the caller before uniner looked
    "cpu quota",  # rule 3, bounded by the cgroup quota
    "affinity",  # rule 3, bounded by the affinity mask
    "physical cores",  # rule 3, bounded by torch's default
    "torch default",  # reported only: no rule has run (current_threads)
]
# The variables torch reads its count from at start: a user's setting.
USER_ENV: tuple[Source, ...] = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class ThreadChoice:
    """torch's intra-op thread count, why it is that, and what the process may use.

    Attributes:
        threads: the count torch computes with.
        source: which rule gave it (see the module docstring).
        cpus: the CPUs in the affinity mask.
        quota: the cgroup CPU quota in CPUs (``1.5``), None when there is none.
    """

    threads: int
    source: Source
    cpus: int
    quota: float | None

    def describe(self) -> str:
        """One line for logs, e.g. ``1 thread (the CPU quota; 2 CPUs in the affinity mask,
        quota 1.5)``."""
        count = f"{self.threads} thread{'s' if self.threads != 1 else ''}"
        quota = "no quota" if self.quota is None else f"quota {self.quota:g}"
        cpus = f"{self.cpus} CPU{'s' if self.cpus != 1 else ''} in the affinity mask"
        return f"{count} ({_REASONS.get(self.source, self.source)}; {cpus}, {quota})"


# How describe() names a source that is not a setting's own name.
_REASONS = {
    "argument": "asked for",
    "cpu quota": "the CPU quota",
    "affinity": "the affinity mask",
    "physical cores": "torch's count of physical cores",
}

# The last choice set_threads applied: a later count that differs from it was set by the caller.
_applied: ThreadChoice | None = None


def set_threads(n: int | None = None) -> ThreadChoice:
    """Set torch's thread count by the module's rule and return the choice.

    Args:
        n: the count to use; None picks one (a count set by the user is kept).

    Raises:
        ValueError: ``n`` is not a positive int.
    """
    global _applied
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"threads must be a positive int, got {n!r}")
    import torch

    choice = thread_choice(n)
    if choice.threads != torch.get_num_threads():
        torch.set_num_threads(choice.threads)
    if choice.source not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "torch.set_num_threads"):
        _applied = choice
    return choice


def thread_choice(n: int | None = None) -> ThreadChoice:
    """What :func:`set_threads` would choose, without changing anything."""
    import torch

    cpus = affinity_cpus()
    quota = cpu_quota()
    current = torch.get_num_threads()
    if n is not None:
        return ThreadChoice(n, "argument", cpus, quota)
    if _applied is not None:
        same = current == _applied.threads
        return _applied if same else ThreadChoice(current, "torch.set_num_threads", cpus, quota)
    for name in USER_ENV:
        if os.environ.get(name, "").strip():
            return ThreadChoice(current, name, cpus, quota)
    default = torch_default_threads()
    if current != default:
        return ThreadChoice(current, "torch.set_num_threads", cpus, quota)
    usable = usable_cpus()
    if usable >= default:
        return ThreadChoice(default, "physical cores", cpus, quota)
    bound: Source = "cpu quota" if quota is not None and math.floor(quota) < cpus else "affinity"
    return ThreadChoice(usable, bound, cpus, quota)


def current_threads() -> ThreadChoice:
    """torch's count now and where it comes from, for reports; changes nothing."""
    import torch

    choice = thread_choice()
    current = torch.get_num_threads()
    if choice.threads == current:
        return choice
    return ThreadChoice(current, "torch default", choice.cpus, choice.quota)


def usable_cpus() -> int:
    """The CPUs this process may keep busy: the affinity mask's, bounded by the cgroup quota
    (rounded down), at least 1."""
    cpus = affinity_cpus()
    quota = cpu_quota()
    if quota is not None:
        cpus = min(cpus, math.floor(quota))
    return max(1, cpus)


def affinity_cpus() -> int:
    """The CPUs in this process's affinity mask (every CPU where the OS has no masks)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_quota(root: Path | None = None, self_cgroup: Path | None = None) -> float | None:
    """The cgroup CPU quota in CPUs (``quota / period``), None where there is none.

    Reads cgroup v2's ``cpu.max`` (``"150000 100000"``, ``"max 100000"``) or cgroup v1's
    ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (-1: none) in this process's cgroup and every
    cgroup above it up to the mount (each level's quota binds); the smallest wins. A file that
    is missing or unreadable counts as no quota.
    """
    root = CGROUP_ROOT if root is None else root
    paths = _own_cgroups(SELF_CGROUP if self_cgroup is None else self_cgroup)
    found: list[float] = []
    if (root / "cgroup.controllers").is_file():  # cgroup v2: one unified hierarchy
        for folder in _up_to(root, paths.get("", "/")):
            found.extend(_v2_quota(folder / "cpu.max"))
    else:
        for mount in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
            if (root / mount).is_dir():
                for folder in _up_to(root / mount, paths.get("cpu", "/")):
                    found.extend(_v1_quota(folder))
                break
    return min(found) if found else None


def torch_default_threads() -> int:
    """The count torch starts with when no variable sets it: the physical cores of the present
    CPUs (distinct package and core ids, as torch's cpuinfo counts them), whatever the masks."""
    cores: set[tuple[str, str]] = set()
    for cpu in _present_cpus():
        topology = CPU_ROOT / f"cpu{cpu}" / "topology"
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return os.cpu_count() or 1
        cores.add((package, core))
    return len(cores) or os.cpu_count() or 1


def _present_cpus() -> list[int]:
    """The CPU numbers in ``/sys/devices/system/cpu/present`` (``"0-3,6"``)."""
    try:
        text = (CPU_ROOT / "present").read_text().strip()
    except OSError:
        return []
    numbers: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


def _own_cgroups(path: Path) -> dict[str, str]:
    """Controller -> this process's cgroup path under it (``""``: the v2 hierarchy)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    paths: dict[str, str] = {}
    for line in lines:
        _, _, rest = line.partition(":")
        controllers, _, where = rest.partition(":")
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = where
    return paths


def _up_to(mount: Path, cgroup: str) -> list[Path]:
    """``mount/cgroup`` and every folder above it up to ``mount``, those that exist. In a
    container the mount is often the container's own cgroup, under another path."""
    folder = mount / cgroup.strip("/")
    chain = [folder, *folder.parents]
    return [p for p in chain if (p == mount or mount in p.parents) and p.is_dir()]


def _v2_quota(path: Path) -> list[float]:
    try:
        quota, _, period = path.read_text().strip().partition(" ")
        if quota == "max":
            return []
        return [int(quota) / int(period or 100_000)]
    except (OSError, ValueError, ZeroDivisionError):
        return []


def _v1_quota(folder: Path) -> list[float]:
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
        return [quota / period] if quota > 0 and period > 0 else []
    except (OSError, ValueError):
        return []
