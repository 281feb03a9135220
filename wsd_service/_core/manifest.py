"""An index's manifest: what built it, how to score with it, and the checksums of its files.

Torch-free, so that clients and tools can read an index's identity without the engine.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .config import FASTEST_FIRST, EncoderConfig, ScoringConfig, parse_backend
from .errors import SenseIndexError

FORMAT_VERSION = 4  # the on-disk layout this version reads and writes
# the rows [context ; gloss]: each distinct context half once, each row's context number, and
# each row's gloss half
CONTEXT_VECTORS_FILE = "context_vectors.npy"
CONTEXT_NUMBERS_FILE = "context_numbers.npy"
GLOSS_VECTORS_FILE = "gloss_vectors.npy"
SENSES_FILE = "senses.tsv"
MANIFEST_FILE = "manifest.json"
CUSTOM_FILE = "custom_inventory.jsonl"
# corpus occurrence vectors grouped by sense, and each sense's range of them (kNN); optional
OCCURRENCES_FILE = "occurrences.npy"
OCCURRENCE_RANGES_FILE = "occurrences.tsv"
# each row's gloss (a UTF-8 blob and each row's byte span in it), and each synset's folded
# WordNet neighbourhood with each row's slot in them (try-again)
GLOSSES_FILE = "glosses.bin"
GLOSS_SPANS_FILE = "gloss_spans.npy"
NEIGHBOURHOODS_FILE = "neighbourhoods.npy"
NEIGHBOURHOOD_SLOTS_FILE = "neighbourhood_slots.npy"
NEAREST_FILE = "nearest.faiss"  # the approximate index of every row (NearestSenses)
CURRENT_LINK = "current"
ENCODER_FOLDER = "encoder_folder"  # in ``build``: the encoder folder, when not the default one


@dataclass(frozen=True, slots=True)
class EncoderSignature:
    """What must match between the encoder that built an index and the one querying it."""

    name: str
    weights_sha256: str
    layers: str  # "mean:6": the hidden layers averaged, as stored in manifest.json
    dimension: int
    backend: str
    query_backends: tuple[str, ...]  # backends that may query the index's vectors, fastest first

    @property
    def layer_indexes(self) -> tuple[int, ...]:
        try:
            return tuple(int(x) for x in self.layers.removeprefix("mean:").split(","))
        except ValueError:
            raise SenseIndexError(f"index manifest: bad encoder layers {self.layers!r}") from None

    def encoder_config(self) -> EncoderConfig:
        """The default encoder with these layers and the fastest backend allowed to query."""
        fastest = next((b for b in FASTEST_FIRST if b in self.query_backends), self.backend)
        try:
            return EncoderConfig(layers=self.layer_indexes, backend=parse_backend(fastest))
        except ValueError as error:
            raise SenseIndexError(f"index manifest: bad encoder entry ({error})") from None


def layer_text(layers: tuple[int, ...]) -> str:
    """The manifest's spelling of a layer selection."""
    return "mean:" + ",".join(str(layer) for layer in layers)


@dataclass(slots=True)
class Manifest:
    """manifest.json of an index; ``senses`` counts rows by vector source, plus "total"."""

    encoder: EncoderSignature
    dimension: int
    scoring: dict[str, Any]  # ScoringConfig's fields
    senses: dict[str, int]
    corpora: list[dict[str, Any]] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def scoring_config(self) -> ScoringConfig:
        """The scoring stored at build time; a field this version does not know is ignored."""
        known = {f.name for f in fields(ScoringConfig)}
        return ScoringConfig(**{name: value for name, value in self.scoring.items() if name in known})

    def encoder_config(self) -> EncoderConfig:
        """The encoder to query this index with: the folder that built it (when not the default
        one), its layers and the fastest backend allowed to query."""
        config = self.encoder.encoder_config()
        folder = self.build.get(ENCODER_FOLDER)
        return replace(config, model_dir=Path(folder)) if folder else config

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise SenseIndexError(
                f"index format {version}, this version reads {FORMAT_VERSION}; rebuild it with build-index"
            )
        encoder = data["encoder"]
        data["encoder"] = EncoderSignature(**encoder | {"query_backends": tuple(encoder["query_backends"])})
        return cls(**data)


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
    except SenseIndexError as error:
        raise SenseIndexError(f"{path}: {error}") from None
    except (ValueError, TypeError, KeyError) as error:
        raise SenseIndexError(f"{manifest_path}: unreadable manifest ({error})") from None


def check_compatible(built: EncoderSignature, current: EncoderSignature, path: Path) -> None:
    """Refuse another encoder, and a backend the index does not allow to query it.

    Backends shift the vectors slightly; the manifest states which ones stay within the
    measured tolerance (BENCHMARKS.md).
    """
    if current.backend not in built.query_backends:
        allowed = ", ".join(built.query_backends)
        raise SenseIndexError(
            f"{path} was built with encoder backend {built.backend!r} and may be queried with"
            f" {allowed} only (measured tolerance, BENCHMARKS.md), but the encoder runs"
            f" {current.backend!r}; use --backend {built.query_backends[0]} or rebuild the index"
        )
    for name in ("weights_sha256", "layers", "dimension"):
        have, want = getattr(built, name), getattr(current, name)
        if have != want:
            raise SenseIndexError(
                f"{path} was built with another encoder configuration: {name} is {have!r} in the index"
                f" but {want!r} in the loaded encoder ({current.name}); rebuild the index or load"
                f" the encoder it was built with ({built.name})"
            )
