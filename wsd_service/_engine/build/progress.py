"""Progress bars with ETA for long offline jobs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from tqdm import tqdm


class Progress(Protocol):
    def update(self, n: int) -> object: ...


@contextmanager
def progress(total: int, label: str, enabled: bool = True) -> Iterator[Progress]:
    with tqdm(total=total, desc=label, unit="seq", disable=not enabled or total == 0, smoothing=0.1) as bar:
        yield bar
