"""wsd-service: word sense disambiguation with contextual embeddings and per-sense centroids.

What callers use is here; index building and evaluation live in ``wsd_service.build`` and
``wsd_service.evaluation``, the gRPC clients in ``wsd_service.client``::

    from wsd_service import Disambiguator
    engine = Disambiguator.load("sense_index/default")
    for target in engine.disambiguate("I went to the bank and withdrew some cash."):
        print(target.text, target.best.key if target.best else None)

``Disambiguator`` and the clients satisfy one interface, ``WsdApi``. The engine and the server
are imported on first use, so ``import wsd_service.client`` loads no model runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.config import BatcherConfig as BatcherConfig
from ._core.config import BuildConfig as BuildConfig
from ._core.config import EncoderConfig as EncoderConfig
from ._core.config import LimitsConfig as LimitsConfig
from ._core.config import ScoringConfig as ScoringConfig
from ._core.config import ServerConfig as ServerConfig
from ._core.credentials import ClientTls as ClientTls
from ._core.credentials import TlsConfig as TlsConfig
from ._core.documents import Document as Document
from ._core.documents import Embedding as Embedding
from ._core.documents import InputToken as InputToken
from ._core.documents import SenseInfo as SenseInfo
from ._core.documents import SenseScore as SenseScore
from ._core.documents import StreamResult as StreamResult
from ._core.documents import TargetResult as TargetResult
from ._core.documents import WordVector as WordVector
from ._core.errors import CorpusError as CorpusError
from ._core.errors import DeadlineExpiredError as DeadlineExpiredError
from ._core.errors import InputError as InputError
from ._core.errors import InventoryError as InventoryError
from ._core.errors import LimitExceededError as LimitExceededError
from ._core.errors import NotFoundError as NotFoundError
from ._core.errors import OverloadedError as OverloadedError
from ._core.errors import RemoteError as RemoteError
from ._core.errors import SenseIndexError as SenseIndexError
from ._core.errors import UnavailableError as UnavailableError
from ._core.errors import WsdError as WsdError
from ._core.interface import AsyncWsdApi as AsyncWsdApi
from ._core.interface import DocumentLike as DocumentLike
from ._core.interface import WsdApi as WsdApi
from ._core.manifest import Manifest as Manifest
from ._core.sense import Sense as Sense
from ._core.version import __version__ as __version__

# Loaded on first use; type checkers read the imports below, the interpreter the table.
if TYPE_CHECKING:
    from ._engine.disambiguator import Disambiguator as Disambiguator
    from ._engine.encoding.encoder import Encoder as Encoder
    from ._engine.lexicon.inventory import Inventory as Inventory
    from ._serving.server import WsdServer as WsdServer

_ON_FIRST_USE = {
    "Disambiguator": "._engine.disambiguator",
    "Encoder": "._engine.encoding.encoder",
    "Inventory": "._engine.lexicon.inventory",
    "WsdServer": "._serving.server",
}


def __getattr__(name: str) -> Any:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module 'wsd_service' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
