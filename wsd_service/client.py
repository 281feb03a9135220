"""Python clients of a wsd-service server, blocking and asyncio: ``WsdApi`` over gRPC.

    from wsd_service.client import WsdClient
    with WsdClient("127.0.0.1:50051") as client:
        for target in client.disambiguate("I went to the bank and withdrew some cash."):
            print(target.text, target.best.key if target.best else None)

The same methods, results and exceptions as the local engine (``wsd_service.Disambiguator``),
and no torch, transformers, faiss or onnxruntime: importing this module is light.
"""

from ._core.credentials import ClientTls
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
    DeadlineExpiredError,
    InputError,
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
from ._remote.clients import AsyncWsdClient, WsdClient

__all__ = [
    "AsyncWsdApi",
    "AsyncWsdClient",
    "ClientTls",
    "DeadlineExpiredError",
    "Document",
    "DocumentLike",
    "Embedding",
    "InputError",
    "InputToken",
    "LimitExceededError",
    "Manifest",
    "NotFoundError",
    "OverloadedError",
    "RemoteError",
    "SenseIndexError",
    "SenseInfo",
    "SenseScore",
    "StreamResult",
    "TargetResult",
    "UnavailableError",
    "WordVector",
    "WsdApi",
    "WsdClient",
    "WsdError",
]
