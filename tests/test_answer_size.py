"""The answer-size bounds never undercount the serialised answer, and are not far above it."""

from __future__ import annotations

import pytest

from wsd_service import Disambiguator
from wsd_service._core import convert
from wsd_service._core.documents import Document
from wsd_service._engine.query.answer_size import (
    disambiguation_bytes,
    embedding_bytes,
    widest_sense_bytes,
    widest_senses_bytes,
)

TEXTS = ["I went to the bank and withdrew some cash", "the river bank flooded " * 20]


@pytest.mark.parametrize("top_k", [1, 3, 50])
@pytest.mark.parametrize("include_glosses", [True, False])
def test_disambiguation_bound(disambiguator: Disambiguator, top_k: int, include_glosses: bool) -> None:
    documents = [Document(text=t) for t in TEXTS]
    prepared = disambiguator.pipeline.disambiguation(documents, top_k, include_glosses).tokens
    bound = disambiguation_bytes(prepared, disambiguator.pipeline.index, top_k, include_glosses)
    results = disambiguator.disambiguate_batch(documents, top_k=top_k, include_glosses=include_glosses)
    actual = sum(convert.document_result_to_proto(r, include_glosses).ByteSize() for r in results)
    # When every candidate is returned the bound is near exact; with fewer it assumes the
    # largest ones were, which with one sense per target can double the real size.
    assert actual <= bound <= (1.34 if top_k == 50 else 2.5) * actual
    # The quick bound, which served calls check first, never undercounts the exact one.
    widest = widest_sense_bytes(disambiguator.pipeline.index, include_glosses)
    assert bound <= widest_senses_bytes(prepared, widest, top_k)


@pytest.mark.parametrize("include_static", [True, False])
def test_embedding_bound(disambiguator: Disambiguator, include_static: bool) -> None:
    prepared = disambiguator.pipeline.embedding(Document(text=TEXTS[1]), (), include_static).tokens
    bound = embedding_bytes(prepared, disambiguator.encoder.dimension, include_static)
    embedding = disambiguator.embed(TEXTS[1], include_static=include_static)
    actual = convert.embedding_to_proto(embedding).ByteSize()
    assert actual <= bound <= 1.34 * actual
