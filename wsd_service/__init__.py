"""wsd-service: word sense disambiguation with contextual embeddings and per-sense centroids.

The engine knows nothing of transports; the CLI, the gRPC server and the clients are adapters::

    from wsd_service import Disambiguator
    engine = Disambiguator.load("sense_index/default")
    for target in engine.disambiguate("I went to the bank and withdrew some cash."):
        print(target.text, target.best.key if target.best else None)

Names are imported on first use, so ``wsd_service.client`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.version import __version__ as __version__

_EXPORTS = {
    "BuildConfig": "_core.config",
    "EncoderConfig": "_core.config",
    "LimitsConfig": "_core.config",
    "ScoringConfig": "_core.config",
    "BuildReport": "_engine.builder",
    "IndexBuilder": "_engine.builder",
    "CustomSense": "_engine.custom",
    "read_custom_inventory": "_engine.custom",
    "Disambiguator": "_engine.disambiguator",
    "Document": "_core.documents",
    "InputToken": "_core.documents",
    "SenseScore": "_core.documents",
    "TargetResult": "_core.documents",
    "Encoder": "_engine.encoder",
    "CorpusError": "_core.errors",
    "InputError": "_core.errors",
    "InventoryError": "_core.errors",
    "LimitExceededError": "_core.errors",
    "SenseIndexError": "_core.errors",
    "WsdError": "_core.errors",
    "Evaluation": "_engine.evaluate",
    "evaluate": "_engine.evaluate",
    "Manifest": "_engine.index",
    "SenseIndex": "_engine.index",
    "load_index": "_engine.index",
    "Inventory": "_engine.inventory",
    "Corpus": "_core.raganato",
    "read_corpus": "_core.raganato",
    "Report": "_core.scorer",
    "Score": "_core.scorer",
    "score": "_core.scorer",
    "Sense": "_core.sense",
    "ServerConfig": "_serving.server",
    "TlsConfig": "_core.credentials",
    "WsdServer": "_serving.server",
}

__all__ = [
    "BuildConfig",
    "BuildReport",
    "Corpus",
    "CorpusError",
    "CustomSense",
    "Disambiguator",
    "Document",
    "Encoder",
    "EncoderConfig",
    "Evaluation",
    "IndexBuilder",
    "InputError",
    "InputToken",
    "Inventory",
    "InventoryError",
    "LimitExceededError",
    "LimitsConfig",
    "Manifest",
    "Report",
    "Score",
    "ScoringConfig",
    "Sense",
    "SenseIndex",
    "SenseIndexError",
    "SenseScore",
    "ServerConfig",
    "TargetResult",
    "TlsConfig",
    "WsdError",
    "WsdServer",
    "evaluate",
    "load_index",
    "read_corpus",
    "read_custom_inventory",
    "score",
]

if TYPE_CHECKING:
    from ._core.config import BuildConfig, EncoderConfig, LimitsConfig, ScoringConfig
    from ._core.credentials import TlsConfig
    from ._core.documents import Document, InputToken, SenseScore, TargetResult
    from ._core.errors import (
        CorpusError,
        InputError,
        InventoryError,
        LimitExceededError,
        SenseIndexError,
        WsdError,
    )
    from ._core.raganato import Corpus, read_corpus
    from ._core.scorer import Report, Score, score
    from ._core.sense import Sense
    from ._engine.builder import BuildReport, IndexBuilder
    from ._engine.custom import CustomSense, read_custom_inventory
    from ._engine.disambiguator import Disambiguator
    from ._engine.encoder import Encoder
    from ._engine.evaluate import Evaluation, evaluate
    from ._engine.index import Manifest, SenseIndex, load_index
    from ._engine.inventory import Inventory
    from ._serving.server import ServerConfig, WsdServer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wsd_service' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
