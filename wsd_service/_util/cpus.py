"""How many CPUs this process may really use: affinity and the cgroup's CPU quota."""

from __future__ import annotations

import math
import os
from pathlib import Path

_CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"


def available_cpus(cpu_max: Path = _CGROUP_CPU_MAX) -> int:
    """CPUs in this process's affinity mask, capped by a cgroup v2 quota (containers), at least 1."""
    cpus = len(os.sched_getaffinity(0))
    quota = _cgroup_quota(cpu_max)
    return max(1, min(cpus, quota) if quota else cpus)


def _cgroup_quota(cpu_max: Path) -> int | None:
    try:
        quota, period = cpu_max.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return math.ceil(int(quota) / int(period))
    except (ValueError, ZeroDivisionError):
        return None
