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

__version__ = "0.1.0"

_EXPORTS = {
    "BuildConfig": "_config",
    "EncoderConfig": "_config",
    "LimitsConfig": "_config",
    "ScoringConfig": "_config",
    "BuildReport": "_builder",
    "IndexBuilder": "_builder",
    "CustomSense": "_custom",
    "read_custom_inventory": "_custom",
    "Disambiguator": "_disambiguator",
    "Document": "_documents",
    "InputToken": "_documents",
    "SenseScore": "_documents",
    "TargetResult": "_documents",
    "Encoder": "_encoder",
    "CorpusError": "_errors",
    "InputError": "_errors",
    "InventoryError": "_errors",
    "LimitExceededError": "_errors",
    "SenseIndexError": "_errors",
    "WsdError": "_errors",
    "Evaluation": "_evaluate",
    "evaluate": "_evaluate",
    "Manifest": "_index",
    "SenseIndex": "_index",
    "load_index": "_index",
    "Inventory": "_inventory",
    "Corpus": "_raganato",
    "read_corpus": "_raganato",
    "Report": "_scorer",
    "Score": "_scorer",
    "score": "_scorer",
    "Sense": "_sense",
    "ServerConfig": "_server",
    "TlsConfig": "_access",
    "WsdServer": "_server",
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
    from ._access import TlsConfig
    from ._builder import BuildReport, IndexBuilder
    from ._config import BuildConfig, EncoderConfig, LimitsConfig, ScoringConfig
    from ._custom import CustomSense, read_custom_inventory
    from ._disambiguator import Disambiguator
    from ._documents import Document, InputToken, SenseScore, TargetResult
    from ._encoder import Encoder
    from ._errors import (
        CorpusError,
        InputError,
        InventoryError,
        LimitExceededError,
        SenseIndexError,
        WsdError,
    )
    from ._evaluate import Evaluation, evaluate
    from ._index import Manifest, SenseIndex, load_index
    from ._inventory import Inventory
    from ._raganato import Corpus, read_corpus
    from ._scorer import Report, Score, score
    from ._sense import Sense
    from ._server import ServerConfig, WsdServer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wsd_service' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
