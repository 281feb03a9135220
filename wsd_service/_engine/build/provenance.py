"""Provenance recorded in an index's manifest: corpora (with checksums) and the build itself."""

from __future__ import annotations

import platform
import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from ..._core.config import BuildConfig
from ..._core.hashing import sha256_file
from ..._core.manifest import ENCODER_FOLDER, Manifest
from ..._core.version import __version__
from ..encoding.encoder import Encoder
from ..encoding.training_record import read_training_record
from .compose import Composed
from .raganato import Corpus


def corpus_record(corpus: Corpus, sentences: int, occurrences: int, unknown: Counter[str]) -> dict[str, Any]:
    """What the index took from one corpus, and the checksums that identify it."""
    return {
        "name": corpus.name,
        "prefix": str(corpus.data_path.resolve()).removesuffix(".data.xml"),
        "data_sha256": sha256_file(corpus.data_path),
        "gold_sha256": sha256_file(corpus.gold_path),
        "sentences_encoded": sentences,
        "occurrences": occurrences,
        "unknown_keys": sum(unknown.values()),
    }


def encoder_provenance(encoder: Encoder) -> dict[str, Any]:
    """An encoder folder other than the default: where it is (queries load it from there) and,
    if ``wsd-service train`` made it, how."""
    if encoder.config.model_dir is None:
        return {}
    return {
        ENCODER_FOLDER: str(encoder.model_dir),
        "encoder_training": read_training_record(encoder.model_dir),
    }


def build_manifest(
    encoder: Encoder,
    config: BuildConfig,
    composed: Composed,
    corpora: list[dict[str, Any]],
    started: float,
    ran: dict[str, Any],
) -> Manifest:
    """The manifest of a build that started at ``started`` (``time.time()``) and ends now;
    ``ran`` says what encoded it when not this process (a Ray cluster's size)."""
    return Manifest(
        encoder=encoder.signature,
        dimension=int(composed.matrix.shape[1]),
        scoring=asdict(config.options().scoring),
        senses={"total": len(composed.rows), **dict(sorted(composed.sources.items()))},
        corpora=corpora,
        build={
            "seconds": round(time.time() - started, 1),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "wsd_service": __version__,
            "python": platform.python_version(),
            "options": {
                "use_examples": config.use_examples,
                "propagate": config.propagate,
                "keep_occurrences": config.keep_occurrences,
                "gloss_broader": config.gloss_broader,
                "context_relations": dict(config.options().context_relations),
                "gloss_relations": dict(config.options().gloss_relations),
                "vector_storage": config.vector_storage,
                "lemmas": sorted(config.lemmas) if config.lemmas else None,
            },
            **encoder_provenance(encoder),
            **ran,
        },
    )
