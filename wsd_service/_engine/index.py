"""The sense index on disk and in memory: a FAISS inner-product index of sense vectors.

Rows are grouped by (lemma, POS), so a lemma's candidates are one contiguous range and a
search restricted to them with ``IDSelectorRange`` touches only those rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from sys import intern
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from .._core.config import EncoderConfig, VectorStorage, parse_backend
from .._core.errors import SenseIndexError
from .encoder import Encoder

FORMAT_VERSION = 1
VECTORS_FILE = "vectors.faiss"
SENSES_FILE = "senses.tsv"
MANIFEST_FILE = "manifest.json"
CUSTOM_FILE = "custom_inventory.jsonl"
CURRENT_LINK = "current"
_VERSION_PREFIX = "wsd-index-"  # version folders; only these are ever deleted
_SENSE_COLUMNS = ("key", "lemma", "pos", "synset_id", "count", "source")

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SenseRow:
    """One row of the index: a sense and where its vector came from."""

    key: str
    lemma: str
    pos: str
    synset_id: str
    count: int  # corpus occurrences plus WordNet tag count: the frequency prior
    source: str  # corpus, propagated, gloss or custom


@dataclass(frozen=True, slots=True)
class EncoderSignature:
    """What must match between the encoder that built an index and the one querying it."""

    name: str
    weights_sha256: str
    layers: str
    dimension: int
    backend: str = "torch"  # absent from manifests written before backends existed

    def encoder_config(self) -> EncoderConfig:
        """The default encoder with the layers and backend this signature names."""
        try:
            layers = tuple(int(x) for x in self.layers.removeprefix("mean:").split(","))
            return EncoderConfig(layers=layers, backend=parse_backend(self.backend))
        except ValueError as error:
            raise SenseIndexError(f"index manifest: bad encoder entry ({error})") from None


@dataclass(slots=True)
class Manifest:
    encoder: EncoderSignature
    dimension: int
    scoring: dict[str, float]
    senses: dict[str, int]
    corpora: list[dict[str, Any]] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["encoder"] = EncoderSignature(**data["encoder"])
        return cls(**data)


class SenseIndex:
    """Sense vectors in FAISS plus the sense table, searched one lemma's range at a time."""

    def __init__(
        self, manifest: Manifest, rows: Sequence[SenseRow], vectors: Any, directory: Path | None
    ) -> None:
        self.manifest = manifest
        self.rows = list(rows)
        self.directory = directory
        self._faiss = vectors
        self._ranges: dict[tuple[str, str], tuple[int, int]] = {}
        self._row_of_key: dict[str, int] = {}
        for number, row in enumerate(self.rows):
            start, _ = self._ranges.get((row.lemma, row.pos), (number, number))
            if start != number and self._ranges[(row.lemma, row.pos)][1] != number:
                raise SenseIndexError(f"sense table rows of {row.lemma}/{row.pos} are not contiguous")
            self._ranges[(row.lemma, row.pos)] = (start, number + 1)
            self._row_of_key[row.key] = number

    @property
    def dimension(self) -> int:
        return int(self._faiss.d)

    def __len__(self) -> int:
        return len(self.rows)

    def candidate_range(self, lemma: str, pos: str) -> tuple[int, int] | None:
        return self._ranges.get((lemma, pos))

    def row_of(self, key: str) -> SenseRow | None:
        number = self._row_of_key.get(key)
        return None if number is None else self.rows[number]

    def vectors(self, start: int, end: int) -> Vector:
        """Rows ``start`` to ``end`` as float32, decoded from whatever the store holds."""
        decoded: Vector = self._faiss.reconstruct_n(start, end - start)
        return decoded

    def search(self, query: Vector, lemma: str, pos: str) -> list[tuple[SenseRow, float]]:
        """Inner products of ``query`` with every sense vector of (lemma, pos), best first."""
        span = self._ranges.get((lemma, pos))
        if span is None:
            return []
        start, end = span
        # A lemma has a handful of rows: decoding them and scoring exhaustively is exact and as
        # fast as a selector search on a flat index, which an fp16 index lacks (it scans all rows).
        scores = self.vectors(start, end) @ query.astype(np.float32)
        order = np.argsort(-scores, kind="stable")
        return [(self.rows[start + i], float(scores[i])) for i in order]

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
        faiss.write_index(self._faiss, str(version / VECTORS_FILE))
        _write_rows(version / SENSES_FILE, self.rows)
        for name, source in (extra_files or {}).items():
            shutil.copyfile(source, version / name)
        self.manifest.files = {p.name: sha256_file(p) for p in sorted(version.iterdir())}
        (version / MANIFEST_FILE).write_text(self.manifest.to_json(), encoding="utf-8")
        _fsync_tree(version)
        _swap_link(out, version.name)
        _remove_old_versions(out, keep=version.name)
        self.directory = version
        return version


def resolve_index_dir(path: Path) -> Path:
    """The folder holding an index: ``path/current`` when written by ``save``, else ``path``."""
    path = Path(path)
    link = path / CURRENT_LINK
    if link.is_symlink() or link.is_dir():
        return link.resolve()
    return path


def read_manifest(path: Path) -> Manifest:
    manifest_path = resolve_index_dir(path) / MANIFEST_FILE
    if not manifest_path.is_file():
        raise SenseIndexError(
            f"{path} holds no sense index ({MANIFEST_FILE} not found); build one with build-index"
        )
    try:
        return Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as error:
        raise SenseIndexError(f"{manifest_path}: unreadable manifest ({error})") from None


def load_index(
    path: Path, expected: EncoderSignature | None = None, *, allow_backend_mismatch: bool = False
) -> SenseIndex:
    """Load and verify an index; refuse one that is corrupt or built with another encoder."""
    directory = resolve_index_dir(path)
    manifest = read_manifest(path)
    if manifest.format_version != FORMAT_VERSION:
        raise SenseIndexError(
            f"{path}: index format {manifest.format_version}, this version reads {FORMAT_VERSION}"
        )
    _verify_files(directory, manifest)
    if expected is not None:
        check_compatible(manifest.encoder, expected, path, allow_backend_mismatch=allow_backend_mismatch)
    vectors = faiss.read_index(str(directory / VECTORS_FILE))
    if vectors.d != manifest.dimension:
        raise SenseIndexError(
            f"{path}: vectors have dimension {vectors.d}, manifest says {manifest.dimension}"
        )
    rows = _read_rows(directory / SENSES_FILE)
    if len(rows) != vectors.ntotal:
        raise SenseIndexError(f"{path}: {len(rows)} senses but {vectors.ntotal} vectors")
    return SenseIndex(manifest, rows, vectors, directory)


def check_compatible(
    built: EncoderSignature, current: EncoderSignature, path: Path, *, allow_backend_mismatch: bool = False
) -> None:
    """Refuse another encoder; another backend of the same weights only when explicitly allowed.

    Mixing backends shifts the vectors slightly (BENCHMARKS.md measures the F1 cost).
    """
    if built.backend != current.backend and not allow_backend_mismatch:
        raise SenseIndexError(
            f"{path} was built with encoder backend {built.backend!r} but the encoder runs"
            f" {current.backend!r}; use --backend {built.backend}, rebuild the index, or pass"
            " --allow-backend-mismatch (BENCHMARKS.md measures what mixing costs)"
        )
    for name in ("weights_sha256", "layers", "dimension"):
        have, want = getattr(built, name), getattr(current, name)
        if have != want:
            raise SenseIndexError(
                f"{path} was built with another encoder configuration: {name} is {have!r} in the index"
                f" but {want!r} in the loaded encoder ({current.name}); rebuild the index or load"
                f" the encoder it was built with ({built.name})"
            )


def encoder_signature(encoder: Encoder) -> EncoderSignature:
    return EncoderSignature(
        encoder.name, encoder.weights_sha256, encoder.layer_config, encoder.dimension, encoder.backend
    )


def new_vector_store(vectors: Vector, storage: VectorStorage) -> Any:
    """A FAISS index of ``vectors``: exact fp32, or fp16 codes at half the memory."""
    dimension = vectors.shape[1]
    index: Any = faiss.IndexFlatIP(dimension)
    if storage == "fp16":
        index = faiss.IndexScalarQuantizer(
            dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _verify_files(directory: Path, manifest: Manifest) -> None:
    for name, digest in manifest.files.items():
        file = directory / name
        if not file.is_file():
            raise SenseIndexError(f"{directory}: index file {name} is missing")
        if sha256_file(file) != digest:
            raise SenseIndexError(f"{directory}: index file {name} is corrupt (checksum mismatch)")
    for name in (VECTORS_FILE, SENSES_FILE):
        if name not in manifest.files:
            raise SenseIndexError(f"{directory}: manifest lists no {name}")


def _write_rows(path: Path, rows: Sequence[SenseRow]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(_SENSE_COLUMNS)
        for row in rows:
            writer.writerow((row.key, row.lemma, row.pos, row.synset_id, row.count, row.source))


def _read_rows(path: Path) -> list[SenseRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        if tuple(next(reader, ())) != _SENSE_COLUMNS:
            raise SenseIndexError(f"{path}: not a sense table")
        try:
            # Interned: neighbouring rows share lemma, POS and synset, and 200k rows add up.
            return [
                SenseRow(k, intern(lemma), intern(pos), intern(sid), int(count), intern(src))
                for k, lemma, pos, sid, count, src in reader
            ]
        except ValueError as error:
            raise SenseIndexError(f"{path}:{reader.line_num}: malformed row ({error})") from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(directory: Path) -> None:
    for file in directory.iterdir():
        with file.open("rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(directory)


def _swap_link(out: Path, target: str) -> None:
    temporary = out / f".{CURRENT_LINK}.{os.getpid()}"
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(target)
    temporary.replace(out / CURRENT_LINK)  # rename(2): atomic on POSIX
    _fsync_dir(out)


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_old_versions(out: Path, keep: str) -> None:
    for entry in out.iterdir():
        if (
            entry.is_dir()
            and not entry.is_symlink()
            and entry.name.startswith(_VERSION_PREFIX)
            and entry.name != keep
        ):
            shutil.rmtree(entry, ignore_errors=True)
