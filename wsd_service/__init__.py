"""wsd-service: word sense disambiguation with contextual embeddings and per-sense centroids.

What callers use is here; index building and evaluation live in ``wsd_service.build`` and
``wsd_service.evaluation``, the gRPC clients in ``wsd_service.client``::

    from wsd_service import Disambiguator
    engine = Disambiguator.load("sense_index/default")
    for target in engine.disambiguate("I went to the bank and withdrew some cash."):
        print(target.text, target.best.key if target.best else None)

``Disambiguator`` and the clients satisfy one interface, ``WsdApi``. Names are imported on first
use, so ``import wsd_service.client`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.version import __version__ as __version__

_EXPORTS = {
    "AsyncWsdApi": "_core.interface",
    "DocumentLike": "_core.interface",
    "WsdApi": "_core.interface",
    "BatcherConfig": "_core.config",
    "BuildConfig": "_core.config",
    "EncoderConfig": "_core.config",
    "LimitsConfig": "_core.config",
    "ScoringConfig": "_core.config",
    "ServerConfig": "_core.config",
    "ClientTls": "_core.credentials",
    "TlsConfig": "_core.credentials",
    "Document": "_core.documents",
    "Embedding": "_core.documents",
    "InputToken": "_core.documents",
    "SenseInfo": "_core.documents",
    "SenseScore": "_core.documents",
    "StreamResult": "_core.documents",
    "TargetResult": "_core.documents",
    "WordVector": "_core.documents",
    "CorpusError": "_core.errors",
    "DeadlineExpiredError": "_core.errors",
    "InputError": "_core.errors",
    "InventoryError": "_core.errors",
    "LimitExceededError": "_core.errors",
    "NotFoundError": "_core.errors",
    "OverloadedError": "_core.errors",
    "RemoteError": "_core.errors",
    "SenseIndexError": "_core.errors",
    "UnavailableError": "_core.errors",
    "WsdError": "_core.errors",
    "Manifest": "_core.manifest",
    "Sense": "_core.sense",
    "Disambiguator": "_engine.disambiguator",
    "Encoder": "_engine.encoder",
    "Inventory": "_engine.inventory",
    "WsdServer": "_serving.server",
}

__all__ = [
    "AsyncWsdApi",
    "BatcherConfig",
    "BuildConfig",
    "ClientTls",
    "CorpusError",
    "DeadlineExpiredError",
    "Disambiguator",
    "Document",
    "DocumentLike",
    "Embedding",
    "Encoder",
    "EncoderConfig",
    "InputError",
    "InputToken",
    "Inventory",
    "InventoryError",
    "LimitExceededError",
    "LimitsConfig",
    "Manifest",
    "NotFoundError",
    "OverloadedError",
    "RemoteError",
    "ScoringConfig",
    "Sense",
    "SenseIndexError",
    "SenseInfo",
    "SenseScore",
    "ServerConfig",
    "StreamResult",
    "TargetResult",
    "TlsConfig",
    "UnavailableError",
    "WordVector",
    "WsdApi",
    "WsdError",
    "WsdServer",
]

if TYPE_CHECKING:
    from ._core.config import (
        BatcherConfig,
        BuildConfig,
        EncoderConfig,
        LimitsConfig,
        ScoringConfig,
        ServerConfig,
    )
    from ._core.credentials import ClientTls, TlsConfig
    from ._core.documents import (
        Document,
        Embedding,
        InputToken,
        SenseInfo,
        SenseScore,
        StreamResult,
        TargetResult,
        WordVector,
    )
    from ._core.errors import (
        CorpusError,
        DeadlineExpiredError,
        InputError,
        InventoryError,
        LimitExceededError,
        NotFoundError,
        OverloadedError,
        RemoteError,
        SenseIndexError,
        UnavailableError,
        WsdError,
    )
    from ._core.interface import AsyncWsdApi, DocumentLike, WsdApi
    from ._core.manifest import Manifest
    from ._core.sense import Sense
    from ._engine.disambiguator import Disambiguator
    from ._engine.encoder import Encoder
    from ._engine.inventory import Inventory
    from ._serving.server import WsdServer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wsd_service' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
