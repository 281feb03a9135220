"""wsd-service: word sense disambiguation with contextual embeddings and per-sense centroids.

The engine knows nothing of transports; the CLI (and later the server) are adapters over it::

    from wsd_service import Disambiguator
    engine = Disambiguator.load("sense_index/default")
    for target in engine.disambiguate("I went to the bank and withdrew some cash."):
        print(target.text, target.best.key if target.best else None)
"""

__version__ = "0.1.0"

from ._builder import BuildReport, IndexBuilder
from ._config import BuildConfig, EncoderConfig, LimitsConfig, ScoringConfig
from ._custom import CustomSense, read_custom_inventory
from ._disambiguator import Disambiguator, Document, InputToken, SenseScore, TargetResult
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
    "TargetResult",
    "WsdError",
    "evaluate",
    "load_index",
    "read_corpus",
    "read_custom_inventory",
    "score",
]
