"""How much of a file this process holds in its page tables."""

from __future__ import annotations

from pathlib import Path


def resident_kb(path: Path) -> int:
    """Kilobytes of ``path`` (its real path) mapped into this process's page tables."""
    resident, current = 0, ""
    for line in Path("/proc/self/smaps").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:
            current = fields[5] if len(fields) > 5 else ""
        elif fields[0] == "Rss:" and current == str(path.resolve()):
            resident += int(fields[1])
    return resident
