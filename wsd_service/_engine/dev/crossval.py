"""k-fold cross-validation over an annotated corpus's documents: the dev protocol.

Each fold's sense vectors are built from the other folds' occurrences plus WordNet, by the
builder's own code (``IndexBuilder.assemble``), and the held fold is scored by
``evaluate``'s ranking code. Occurrences, glosses and examples are encoded once and cached, so
a trial of build and scoring options costs seconds, not a build.

WordNet's tag counts (the frequency prior) were counted on SemCor itself: each fold's senses
get them less the held fold's own gold counts, else the prior would know the answers.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..._core.arrays import Vector
from ..._core.config import BuildConfig
from ..._core.hashing import sha256_file
from ..._core.sense import Sense
from ..build.builder import IndexBuilder
from ..build.raganato import Corpus
from ..build.sources import EncodeJob, encode_jobs, example_jobs, gloss_jobs, known_keys
from ..disambiguator import Disambiguator
from ..encoding.encoder import Encoder
from ..lexicon.inventory import Inventory
from ..lexicon.relations import RelationGraph, relation_graph
from ..query.pipeline import Pipeline
from ..store.centroids import Centroids
from .corpus_vectors import Occurrences, encode_occurrences, occurrence_sums
from .evaluate import Evaluation, corpus_documents, evaluate
from .trial_cache import cached, load_centroids, load_occurrences, save_centroids, save_occurrences

_CHUNK = BuildConfig().chunk_size  # sentences per encode call, as a build's


@dataclass(frozen=True, slots=True)
class Encoded:
    """A corpus with its known gold keys and the vectors of its occurrences."""

    corpus: Corpus
    keys: dict[str, tuple[str, ...]]
    occurrences: Occurrences


class Material:
    """Everything a trial needs encoded, from the cache (``cache_dir``) or encoded once."""

    def __init__(
        self,
        encoder: Encoder,
        inventory: Inventory,
        cache_dir: Path,
        show: bool = True,
        lemmas: frozenset[str] | None = None,
    ) -> None:
        self.encoder = encoder
        self.inventory = inventory
        self.lemmas = lemmas  # only these lemmas' senses (None: every sense)
        self.cache_dir = cache_dir
        self._show = show
        self._senses: list[Sense] | None = None
        self._glosses: dict[str, Centroids] = {}
        self._examples: Centroids | None = None
        self._relations: RelationGraph | None = None

    def senses(self) -> list[Sense]:
        if self._senses is None:
            wanted = self.lemmas
            self._senses = [s for s in self.inventory.all_senses() if wanted is None or s.lemma in wanted]
        return self._senses

    def relations(self) -> RelationGraph:
        if self._relations is None:
            self._relations = relation_graph(self.inventory, [s.synset_id for s in self.senses()])
        return self._relations

    def corpus(self, corpus: Corpus) -> Encoded:
        digest = self._digest(sha256_file(corpus.data_path), sha256_file(corpus.gold_path))
        occurrences = cached(
            self.cache_dir / f"occurrences-{corpus.name}-{digest}.npz",
            lambda: encode_occurrences(corpus, self.encoder.encode, _CHUNK, self._show),
            save_occurrences,
            load_occurrences,
        )
        return Encoded(corpus, known_keys(corpus, self.inventory, Counter()), occurrences)

    def glosses(self, broader: bool) -> Centroids:
        kind = "glosses-broader" if broader else "glosses"
        if kind not in self._glosses:
            words = self.inventory.broader_words if broader else None
            self._glosses[kind] = self._sums(kind, lambda: gloss_jobs(self.senses(), words))
        return self._glosses[kind]

    def examples(self) -> Centroids:
        if self._examples is None:
            self._examples = self._sums("examples", lambda: example_jobs(self.senses(), self.inventory))
        return self._examples

    def _sums(self, kind: str, jobs: Callable[[], list[EncodeJob]]) -> Centroids:
        encoder = self.encoder
        return cached(
            self.cache_dir / f"{kind}-{self._digest()}.npz",
            lambda: encode_jobs(
                jobs(), encoder.encode, encoder.dimension, _CHUNK, f"encoding {kind}", self._show
            ),
            save_centroids,
            load_centroids,
        )

    def _digest(self, *parts: str) -> str:
        lemmas = sorted(self.lemmas) if self.lemmas is not None else None
        identity = json.dumps(
            [asdict(self.encoder.signature), self.encoder.config.max_word_pieces, lemmas, *parts]
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:16]


def document_folds(corpus: Corpus, k: int) -> list[set[int]]:
    """Sentence numbers of each fold: documents (sentence ids "DOC.sNNN") dealt in turn, so
    every fold mixes the corpus's parts (SemCor: brown1, brown2, and brownv's verbs only)."""
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {k}")
    documents = sorted({s.id.rpartition(".")[0] or s.id for s in corpus.sentences})
    if len(documents) < k:
        raise ValueError(f"{corpus.name} has {len(documents)} documents, fewer than {k} folds")
    fold_of = {document: number % k for number, document in enumerate(documents)}
    folds: list[set[int]] = [set() for _ in range(k)]
    for number, sentence in enumerate(corpus.sentences):
        folds[fold_of[sentence.id.rpartition(".")[0] or sentence.id]].add(number)
    return folds


class CrossValidation:
    """Trials of build options: k folds of ``training``, and optionally other corpora scored
    with vectors from all of it (e.g. semeval2007).

    ``wordnet_only`` trials the default index: no occurrence lends its vector, so the folds
    only hold out their part of the tag counts.
    """

    def __init__(self, material: Material, training: Encoded, k: int, wordnet_only: bool = False) -> None:
        self.material = material
        self.training = training
        self.folds = document_folds(training.corpus, k)
        self.wordnet_only = wordnet_only

    def fold(self, config: BuildConfig, fold: int) -> Evaluation:
        """Sense vectors from every fold but ``fold``, scored on ``fold``."""
        held = self.folds[fold]
        sentences = self.training.occurrences.sentences
        rows = np.flatnonzero([number not in held for number in sentences])
        corpus = self.training.corpus
        held_corpus = sub_corpus(corpus, held, f"{corpus.name}-fold{fold}")
        engine = self._engine(config, rows, Counter(k for keys in held_corpus.gold.values() for k in keys))
        return _evaluate(engine, held_corpus, self.training.occurrences)

    def other(self, config: BuildConfig, encoded: Encoded) -> Evaluation:
        """Sense vectors from all of the training corpus, scored on another corpus."""
        rows = np.arange(len(self.training.occurrences.instance_ids))
        return _evaluate(self._engine(config, rows, Counter()), encoded.corpus, encoded.occurrences)

    def _engine(
        self, config: BuildConfig, rows: np.ndarray[Any, Any], held_counts: Counter[str]
    ) -> Disambiguator:
        material = self.material
        config = config.complete(with_corpus=not self.wordnet_only)  # this index's kind's defaults
        rows = rows[:0] if self.wordnet_only else rows
        corpus = occurrence_sums(self.training.occurrences, self.training.keys, rows)
        sums = {
            "corpora": corpus,
            "glosses": material.glosses(config.gloss_broader),
            "examples": material.examples() if config.use_examples else Centroids(corpus.dimension),
        }
        senses = [
            replace(s, tag_count=max(0, s.tag_count - held_counts[s.key])) if s.key in held_counts else s
            for s in material.senses()
        ]
        options = config.options()
        relations = material.relations() if options.context_relations or options.gloss_relations else None
        builder = IndexBuilder(material.encoder, material.inventory, config, relations=relations)
        _, index = builder.assemble(senses, sums, [], time.time(), {})
        return Disambiguator(Pipeline(index, material.encoder, material.inventory))


def sub_corpus(corpus: Corpus, sentences: set[int], name: str) -> Corpus:
    """The ``sentences`` (numbers) of ``corpus`` with their gold keys, as a corpus ``name``."""
    chosen = [s for number, s in enumerate(corpus.sentences) if number in sentences]
    ids = {t.instance_id for s in chosen for t in s.tokens if t.instance_id}
    gold = {instance: keys for instance, keys in corpus.gold.items() if instance in ids}
    return Corpus(name, corpus.data_path, corpus.gold_path, chosen, gold)


def _evaluate(engine: Disambiguator, corpus: Corpus, occurrences: Occurrences) -> Evaluation:
    """``evaluate`` with the cached vectors in place of the encoder's: rows of the tokens that
    are not instances stay zero (ranking reads only the instances')."""
    _, instance_ids = corpus_documents(corpus)
    row_of = occurrences.row_of()
    dimension = int(occurrences.vectors.shape[1])

    def cached(words: list[list[str]]) -> list[Vector]:
        vectors = []
        for sentence, ids in zip(words, instance_ids, strict=True):
            matrix = np.zeros((len(sentence), dimension), dtype=np.float32)
            for position, instance in ids.items():
                matrix[position] = occurrences.vectors[row_of[instance]]
            vectors.append(matrix)
        return vectors

    return evaluate(engine, corpus, cached)


def summarise(evaluations: Sequence[Evaluation]) -> dict[str, Any]:
    """Mean, standard deviation, min and max of F1 over folds, overall and by POS."""
    groups: dict[str, list[float]] = {"ALL": [e.report.overall.f1 for e in evaluations]}
    for evaluation in evaluations:
        for pos, score in evaluation.report.by_pos.items():
            groups.setdefault(pos, []).append(score.f1)
    return {
        group: {
            "mean": round(float(np.mean(f1s)), 2),
            "std": round(float(np.std(f1s)), 2),
            "min": round(min(f1s), 2),
            "max": round(max(f1s), 2),
        }
        for group, f1s in groups.items()
    }
