"""Upper bounds on an answer's serialised size, known before anything is encoded.

A served answer over the message limit would be computed in full and then refused by gRPC; these
bounds let the call be refused up front, saying what to reduce. They follow the wire format
(field tags, length prefixes, varints at their widest) and assume the largest candidates win, so
they never undercount; measured within a third of the real size when every candidate is returned,
within 2.5x with top_k 1 (tests/test_answer_size.py).
"""

from __future__ import annotations

import numpy as np

from ..._core.documents import TargetResult
from ..._core.errors import LimitExceededError
from ..store.sense_index import SenseIndex
from .prepare import PreparedToken, candidate_rows

_TARGET_FIXED = 28  # token_index, pos, offsets, text / lemma prefixes, message header
_SENSE_FIXED = 20  # score (fixed32), source (an enum), key / synset / gloss prefixes, header
_WORD_FIXED = 24  # offsets, text prefix, vector headers, message header


def disambiguation_bytes(
    documents: list[list[PreparedToken]],
    index: SenseIndex,
    top_k: int,
    include_glosses: bool,
) -> int:
    """At most how many bytes the ranked senses of every target take: each target's ``top_k``
    widest candidates, found for every target of the call at once."""
    targets = [token for tokens in documents for token in tokens if token.target]
    if not targets:
        return 0
    flat, counts = candidate_rows(targets)
    sizes = _SENSE_FIXED + index.label_bytes[flat]
    if include_glosses:
        sizes = sizes + index.glosses.sizes(flat)
    owners = np.repeat(np.arange(len(targets)), counts)
    widest_first = sizes[np.lexsort((-sizes, owners))]  # by target, each target's widest first
    places = np.arange(len(flat)) - np.repeat(np.cumsum(counts) - counts, counts)
    return sum(_target_bytes(token) for token in targets) + int(widest_first[places < top_k].sum())


def _target_bytes(token: PreparedToken) -> int:
    """A target without its senses: the text and the longest lemma it may be given."""
    lemma = max((_utf8(lemma) for lemma, _ in token.candidates), default=_utf8(token.text))
    return _TARGET_FIXED + _utf8(token.text) + lemma


def widest_senses_bytes(documents: list[list[PreparedToken]], widest_sense: int, top_k: int) -> int:
    """At most how many bytes ``top_k`` senses of every target take, every sense as wide as
    ``widest_sense`` (``widest_sense_bytes``): NearestSenses may find any sense, and for ranked
    senses it is a bound quicker than ``disambiguation_bytes``."""
    return sum(_target_bytes(t) + top_k * widest_sense for tokens in documents for t in tokens if t.target)


def widest_sense_bytes(index: SenseIndex, include_gloss: bool) -> int:
    """The most one scored sense of the index takes on the wire."""
    if not len(index.label_bytes):
        return 0
    sizes = (
        index.label_bytes + index.glosses.sizes(np.arange(len(index.label_bytes)))
        if include_gloss
        else index.label_bytes
    )
    return _SENSE_FIXED + int(sizes.max())


def results_bytes(results: list[TargetResult]) -> int:
    """At most how many bytes ranked senses already found take."""
    return sum(
        _TARGET_FIXED
        + _utf8(r.text)
        + _utf8(r.lemma)
        + sum(_SENSE_FIXED + _utf8(s.key) + _utf8(s.synset_id) + _utf8(s.gloss) for s in r.senses)
        for r in results
    )


def embedding_bytes(tokens: list[PreparedToken], dimension: int, include_static: bool) -> int:
    """At most how many bytes the word vectors of one document take."""
    vectors = 4 * dimension * (2 if include_static else 1)
    return sum(_WORD_FIXED + _utf8(t.text) + vectors for t in tokens)


def check_answer(size: int, limit: int | None, reduce: str) -> None:
    """Refuse an answer bound to exceed ``limit`` bytes; ``reduce`` says what the caller can do."""
    if limit is not None and size > limit:
        raise LimitExceededError(
            f"the answer would take up to {size:,} bytes, over the {limit:,}-byte message limit; {reduce}"
        )


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))
