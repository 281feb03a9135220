"""Building sense indexes: from WordNet alone, annotated corpora, and custom senses.

    from wsd_service import BuildConfig, Encoder, Inventory
    from wsd_service.build import IndexBuilder
    IndexBuilder(Encoder(), Inventory(), BuildConfig(corpora=(Path("semcor/semcor"),))).build(out)

``wsd-service build-index`` does the same from the command line.
"""

from ._core.config import BuildConfig
from ._engine.build.builder import BuildReport, IndexBuilder
from ._engine.lexicon.custom_senses import CustomSense, read_custom_inventory
from ._engine.store.sense_index import SenseIndex, load_index

__all__ = [
    "BuildConfig",
    "BuildReport",
    "CustomSense",
    "IndexBuilder",
    "SenseIndex",
    "load_index",
    "read_custom_inventory",
]
