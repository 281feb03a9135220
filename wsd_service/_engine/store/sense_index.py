"""The sense index on disk and in memory: the sense vectors, the sense table, and what ranking
reads beside them (each row's gloss, WordNet neighbourhood and frequency prior).

Rows are grouped by (lemma, POS), so a lemma's candidates are one contiguous range. Ranking
gathers the rows it needs straight from the memory-mapped arrays.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Numbers, SmallNumbers, Vector
from ..._core.errors import SenseIndexError
from ..._core.hashing import sha256_file
from ..._core.manifest import (
    CONTEXT_NUMBERS_FILE,
    CONTEXT_VECTORS_FILE,
    CURRENT_LINK,
    GLOSS_SPANS_FILE,
    GLOSS_VECTORS_FILE,
    GLOSSES_FILE,
    MANIFEST_FILE,
    NEAREST_FILE,
    NEIGHBOURHOOD_SLOTS_FILE,
    NEIGHBOURHOODS_FILE,
    OCCURRENCES_FILE,
    SENSES_FILE,
    EncoderSignature,
    Manifest,
    check_compatible,
    read_manifest,
    resolve_index_dir,
)
from ..._core.sense import SenseRow
from ..._util.durable import fsync_dir, fsync_tree
from .glosses import Glosses
from .neighbourhoods import Neighbourhoods
from .occurrence_store import OccurrenceIndex
from .sense_table import SenseTable
from .sense_vectors import SenseVectors

_VERSION_PREFIX = "wsd-index-"  # version folders; only these are ever deleted
_REQUIRED_FILES = (
    CONTEXT_VECTORS_FILE,
    CONTEXT_NUMBERS_FILE,
    GLOSS_VECTORS_FILE,
    SENSES_FILE,
    GLOSS_SPANS_FILE,
    GLOSSES_FILE,
    NEIGHBOURHOOD_SLOTS_FILE,
    NEIGHBOURHOODS_FILE,
    NEAREST_FILE,
)


class SenseIndex:
    """Sense vectors, the sense table and the ranking tables, read one lemma's range at a time."""

    def __init__(
        self,
        manifest: Manifest,
        rows: Sequence[SenseRow] | SenseTable,
        vectors: SenseVectors,
        directory: Path | None,
        tables: RankingTables,
    ) -> None:
        self.manifest = manifest
        self.rows = rows if isinstance(rows, SenseTable) else SenseTable(rows)
        self.directory = directory
        self._vectors = vectors
        self.occurrences = tables.occurrences  # corpus occurrence vectors, when the build kept them
        self.glosses = tables.glosses
        self.neighbourhoods = tables.neighbourhoods
        self.log_shares = self._log_shares()
        self.label_bytes = self.rows.label_bytes()
        self.occurrence_spans = self._occurrence_spans()

    @property
    def dimension(self) -> int:
        return self._vectors.dimension

    def __len__(self) -> int:
        return len(self.rows)

    def candidate_range(self, lemma: str, pos: str) -> tuple[int, int] | None:
        return self.rows.candidate_range(lemma, pos)

    def row_number(self, key: str) -> int | None:
        return self.rows.row_number(key)

    def vectors(self, start: int, end: int) -> Vector:
        """Rows ``start`` to ``end`` as float32."""
        return self._vectors.rows(slice(start, end))

    def rows_at(self, numbers: Numbers) -> Vector:
        """The rows ``numbers`` (anywhere in the index) as float32."""
        return self._vectors.rows(np.asarray(numbers, dtype=np.int64))

    def halves_at(self, numbers: Numbers) -> tuple[Vector, Vector]:
        """The context and gloss halves of the rows ``numbers`` as float32 (no row copied whole)."""
        return self._vectors.halves(np.asarray(numbers, dtype=np.int64))

    def _log_shares(self) -> npt.NDArray[np.float64]:
        """Each row's frequency prior: log((count + 1) / (its lemma's counts + its lemma's senses))."""
        counts = self.rows.counts().astype(np.float64)
        starts = self.rows.group_starts()
        if not len(starts):
            return counts
        sizes = np.diff(np.append(starts, len(counts)))
        totals = np.repeat(np.add.reduceat(counts, starts) + sizes, sizes)
        shares: npt.NDArray[np.float64] = np.log((counts + 1) / totals)
        return shares

    def _occurrence_spans(self) -> SmallNumbers:
        """Each row's range of occurrence vectors ((0, 0): none)."""
        spans = np.zeros((len(self.rows), 2), dtype=np.int32)
        if self.occurrences is not None:
            for number in range(len(self.rows)):
                spans[number] = self.occurrences.span(self.rows.key(number))
        return spans

    # -- persistence ----------------------------------------------------------------------

    def save(self, out: Path, extra_files: dict[str, Path] | None = None) -> Path:
        """Write atomically: a new version folder, then one rename of the ``current`` link.

        A crash at any point leaves the previous index in ``out`` loadable.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        version = Path(
            tempfile.mkdtemp(prefix=f"{_VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-", dir=out)
        )
        version.chmod(0o755)  # mkdtemp makes it private; an index is meant to be shared
        self._vectors.save(version)
        self.rows.write(version / SENSES_FILE)
        if self.occurrences is not None:
            self.occurrences.save(version)
        self.glosses.save(version)
        self.neighbourhoods.save(version)
        for name, source in (extra_files or {}).items():
            shutil.copyfile(source, version / name)
        self.manifest.files = {p.name: sha256_file(p) for p in sorted(version.iterdir())}
        (version / MANIFEST_FILE).write_text(self.manifest.to_json(), encoding="utf-8")
        fsync_tree(version)
        _swap_link(out, version.name)
        _remove_old_versions(out, keep=version.name)
        self.directory = version
        return version


def load_index(path: Path, expected: EncoderSignature | None = None) -> SenseIndex:
    """Load and verify an index; refuse one that is corrupt or built with another encoder."""
    directory = resolve_index_dir(path)
    manifest = read_manifest(path)
    _verify_files(directory, manifest)
    if expected is not None:
        check_compatible(manifest.encoder, expected, path)
    vectors = SenseVectors.load(directory)
    if vectors.dimension != manifest.dimension:
        raise SenseIndexError(
            f"{path}: vectors have dimension {vectors.dimension}, manifest says {manifest.dimension}"
        )
    rows = SenseTable.read(directory / SENSES_FILE)
    if len(rows) != len(vectors):
        raise SenseIndexError(f"{path}: {len(rows)} senses but {len(vectors)} vectors")
    occurrences = OccurrenceIndex.load(directory) if OCCURRENCES_FILE in manifest.files else None
    tables = RankingTables(Glosses.load(directory), Neighbourhoods.load(directory), occurrences)
    return SenseIndex(manifest, rows, vectors, directory, tables)


@dataclass(frozen=True, slots=True)
class RankingTables:
    """What ranking reads beside the sense vectors, computed when the index is assembled."""

    glosses: Glosses
    neighbourhoods: Neighbourhoods
    occurrences: OccurrenceIndex | None = None


def _verify_files(directory: Path, manifest: Manifest) -> None:
    for name, digest in manifest.files.items():
        file = directory / name
        if not file.is_file():
            raise SenseIndexError(f"{directory}: index file {name} is missing")
        if sha256_file(file) != digest:
            raise SenseIndexError(f"{directory}: index file {name} is corrupt (checksum mismatch)")
    for name in _REQUIRED_FILES:
        if name not in manifest.files:
            raise SenseIndexError(f"{directory}: manifest lists no {name}")


def _swap_link(out: Path, target: str) -> None:
    temporary = out / f".{CURRENT_LINK}.{os.getpid()}"
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(target)
    temporary.replace(out / CURRENT_LINK)  # rename(2): atomic on POSIX
    fsync_dir(out)


def _remove_old_versions(out: Path, keep: str) -> None:
    for entry in out.iterdir():
        if (
            entry.is_dir()
            and not entry.is_symlink()
            and entry.name.startswith(_VERSION_PREFIX)
            and entry.name != keep
        ):
            shutil.rmtree(entry, ignore_errors=True)
