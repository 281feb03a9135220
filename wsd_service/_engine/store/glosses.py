"""Each index row's gloss, stored with the index: answers and their size bounds read them
without parsing WordNet on the request path.

One UTF-8 blob holds every distinct gloss once; each row has its (start, end) bytes in it.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..._core.manifest import GLOSS_SPANS_FILE, GLOSSES_FILE
from ..._core.sense import SenseRow
from ..._util.pages import populate
from ..lexicon.inventory import Inventory
from .mapped_arrays import mapped


class Glosses:
    def __init__(self, blob: bytes | mmap.mmap, spans: npt.NDArray[np.int64]) -> None:
        self._blob = blob
        self.spans = spans

    @classmethod
    def compute(cls, rows: Sequence[SenseRow], inventory: Inventory) -> Glosses:
        at: dict[str, tuple[int, int]] = {}
        parts: list[bytes] = []
        size = 0
        spans = np.zeros((len(rows), 2), dtype=np.int64)
        for number, row in enumerate(rows):
            sense = inventory.by_key(row.key)
            gloss = sense.gloss if sense else ""
            if gloss not in at:
                data = gloss.encode("utf-8")
                at[gloss] = (size, size + len(data))
                parts.append(data)
                size += len(data)
            spans[number] = at[gloss]
        return cls(b"".join(parts), spans)

    def texts(self, numbers: Sequence[int]) -> list[str]:
        """The glosses of rows ``numbers``, their spans read in one step."""
        return [self._blob[start:end].decode("utf-8") for start, end in self.spans[numbers].tolist()]

    def sizes(self, numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Each row's gloss length in UTF-8 bytes."""
        spans = self.spans[numbers]
        sizes: npt.NDArray[np.int64] = spans[:, 1] - spans[:, 0]
        return sizes

    def save(self, directory: Path) -> None:
        (directory / GLOSSES_FILE).write_bytes(bytes(self._blob))
        np.save(directory / GLOSS_SPANS_FILE, self.spans)

    @classmethod
    def load(cls, directory: Path) -> Glosses:
        """Memory-mapped read-only: worker processes share one copy in the page cache."""
        spans = mapped(directory / GLOSS_SPANS_FILE)
        with (directory / GLOSSES_FILE).open("rb") as handle:
            empty = handle.seek(0, 2) == 0  # mmap refuses an empty file
            blob = b"" if empty else mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        populate(np.frombuffer(blob, dtype=np.uint8))
        return cls(blob, spans)
