"""How much of a file this process holds in its page tables."""

from __future__ import annotations

import os
from pathlib import Path


def resident_kb(path: Path) -> int:
    """Kilobytes of ``path`` (its real path) mapped into this process's page tables."""
    wanted = os.fsencode(path.resolve())
    resident, current = 0, b""
    for line in Path("/proc/self/smaps").read_bytes().splitlines():
        fields = line.split()
        if b"-" in fields[0] and len(fields) >= 5:
            current = fields[5] if len(fields) > 5 else b""
        elif fields[0] == b"Rss:" and current == wanted:
            resident += int(fields[1])
    return resident
