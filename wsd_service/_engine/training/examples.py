"""What a training step sees: sentences with their annotated words, each word's candidate
senses as rows of one gloss matrix and the gold sense's place among them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._core.arrays import Vector
from ..._core.config import BuildConfig
from ..._core.sense import Sense, lemma_key
from ..build.raganato import Corpus, Sentence
from ..build.sources import Encode, encode_jobs, gloss_jobs, known_keys
from ..lexicon.inventory import Inventory
from ..store.centroids import Centroids

_CHUNK = BuildConfig().chunk_size  # gloss texts per encode call, as a build's


@dataclass(frozen=True, slots=True)
class Target:
    """One annotated word: its position, its candidates' gloss rows and the gold one's place."""

    position: int
    candidates: tuple[int, ...]
    gold: int


@dataclass(frozen=True, slots=True)
class Example:
    words: tuple[str, ...]
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """Examples to train on, examples to report on, and the senses their gloss rows are."""

    examples: list[Example]
    dev: list[Example]
    senses: list[Sense]  # gloss matrix row -> sense


def training_set(
    corpora: Sequence[Corpus],
    dev: Sequence[Corpus],
    inventory: Inventory,
    lemmas: frozenset[str] | None = None,
) -> TrainingSet:
    """Every sentence with an annotated word whose lemma has more than one candidate and whose
    first gold key is one of them (only ``lemmas``' words when given)."""
    rows = _Rows()
    examples = [e for corpus in corpora for e in _examples(corpus, inventory, lemmas, rows)]
    held = [e for corpus in dev for e in _examples(corpus, inventory, lemmas, rows)]
    return TrainingSet(examples, held, rows.senses)


class _Rows:
    """Gloss matrix rows, one per candidate sense met."""

    def __init__(self) -> None:
        self.senses: list[Sense] = []
        self._row_of: dict[str, int] = {}

    def of(self, sense: Sense) -> int:
        if sense.key not in self._row_of:
            self._row_of[sense.key] = len(self.senses)
            self.senses.append(sense)
        return self._row_of[sense.key]


def _examples(
    corpus: Corpus, inventory: Inventory, lemmas: frozenset[str] | None, rows: _Rows
) -> list[Example]:
    gold = known_keys(corpus, inventory, Counter())
    examples = []
    for sentence in corpus.sentences:
        targets = _targets(sentence, gold, inventory, lemmas, rows)
        if targets:
            examples.append(Example(tuple(t.text for t in sentence.tokens), tuple(targets)))
    return examples


def _targets(
    sentence: Sentence,
    gold: dict[str, tuple[str, ...]],
    inventory: Inventory,
    lemmas: frozenset[str] | None,
    rows: _Rows,
) -> list[Target]:
    targets = []
    for position, token in enumerate(sentence.tokens):
        keys = gold.get(token.instance_id or "", ())
        lemma = lemma_key(token.lemma)
        if not keys or (lemmas is not None and lemma not in lemmas):
            continue
        candidates = inventory.senses(lemma, token.pos)
        order = [s.key for s in candidates]
        if len(candidates) < 2 or keys[0] not in order:
            continue
        targets.append(Target(position, tuple(rows.of(s) for s in candidates), order.index(keys[0])))
    return targets


def gloss_matrix(senses: Sequence[Sense], encode: Encode, dimension: int, show: bool) -> Vector:
    """Each sense's gloss vector (the build's own gloss jobs), one row per sense."""
    sums = encode_jobs(gloss_jobs(senses), encode, dimension, _CHUNK, "encoding glosses", show)
    return gloss_rows(sums, senses)


def gloss_rows(glosses: Centroids, senses: Sequence[Sense]) -> Vector:
    """``senses``' rows of ``glosses`` (zero where a sense has none)."""
    zero = np.zeros(glosses.dimension, np.float32)
    rows = [glosses.centroid(s.key) for s in senses]
    return np.vstack([zero if row is None else row for row in rows]).astype(np.float32)
