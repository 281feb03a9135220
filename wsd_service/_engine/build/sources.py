"""Where sense vectors come from: annotated corpora, WordNet glosses and usage examples.

Each source turns its material into encode jobs (words to encode and which word vectors to
keep under which sense key); ``encode_jobs`` runs them through any ``encode`` callable and sums
the kept vectors per key. Jobs are plain data, so another runner (a cluster) can encode them
elsewhere and combine the same sums.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..._core.arrays import Vector
from ..._core.sense import Sense
from ..lexicon.custom_senses import split_marked
from ..lexicon.inventory import Inventory
from ..store.centroids import Centroids, normalise
from ..store.occurrence_store import occurrence_key
from .progress import progress
from .raganato import Corpus

log = logging.getLogger(__name__)

# Word vectors (one row per word) for each sentence of a batch.
Encode = Callable[[list[list[str]]], Sequence[Vector]]


@dataclass(frozen=True, slots=True)
class EncodeJob:
    """Words to encode, and the (sense key, word position) vectors to keep from them.

    ``with_mean`` adds the sentence's mean vector to each kept vector (gloss vectors: the
    lemma in its definition, plus what the definition says as a whole).
    """

    words: tuple[str, ...]
    targets: tuple[tuple[str, int], ...]
    with_mean: bool = False

    def vectors(self, matrix: Vector) -> Iterator[tuple[str, Vector]]:
        mean = normalise(matrix.mean(axis=0)) if self.with_mean else None
        for key, position in self.targets:
            vector = matrix[position]
            yield key, vector if mean is None else normalise(vector + mean)


def encode_jobs(
    jobs: Sequence[EncodeJob], encode: Encode, dimension: int, chunk_size: int, label: str, show: bool
) -> Centroids:
    """Sums of the jobs' kept vectors by key, encoding shortest jobs first: sorting the whole
    job list rather than each chunk keeps padding, and so wasted encoder work, near zero."""
    sums = Centroids(dimension)
    order = sorted(range(len(jobs)), key=lambda i: sum(len(w) for w in jobs[i].words))
    with progress(total=len(jobs), label=label, enabled=show) as bar:
        for begin in range(0, len(order), chunk_size):
            chunk = [jobs[i] for i in order[begin : begin + chunk_size]]
            for job, matrix in zip(chunk, encode([list(j.words) for j in chunk]), strict=True):
                for key, vector in job.vectors(matrix):
                    sums.add(key, vector)
            bar.update(len(chunk))
    return sums


# -- corpora ------------------------------------------------------------------------------


def known_keys(corpus: Corpus, inventory: Inventory, unknown: Counter[str]) -> dict[str, tuple[str, ...]]:
    """Gold keys the inventory knows, by instance; unknown ones are counted, not fatal."""
    known: dict[str, tuple[str, ...]] = {}
    for instance, keys in corpus.gold.items():
        good = tuple(k for k in keys if inventory.by_key(k) is not None)
        unknown.update(k for k in keys if k not in good)
        if good:
            known[instance] = good
    if unknown:
        log.warning(
            "%s: %d gold keys are not in the inventory (e.g. %s)",
            corpus.gold_path,
            sum(unknown.values()),
            next(iter(unknown)),
        )
    return known


def corpus_jobs(
    corpus: Corpus, keys: Mapping[str, tuple[str, ...]], lemmas: Collection[str] | None
) -> list[EncodeJob]:
    """One job per sentence with an annotated occurrence (of the selected lemmas, if given),
    each occurrence kept under its own ``occurrence_key``: its vector is kept (kNN scoring) and
    the sense's centroid is the sum of its occurrences' (``by_sense``)."""
    jobs: list[EncodeJob] = []
    for sentence in corpus.sentences:
        targets = tuple(
            (occurrence_key(key, token.instance_id), position)
            for position, token in enumerate(sentence.tokens)
            if token.instance_id
            for key in keys.get(token.instance_id, ())
            if lemmas is None or key.partition("%")[0] in lemmas
        )
        if targets:
            jobs.append(EncodeJob(tuple(t.text for t in sentence.tokens), targets))
    return jobs


# -- WordNet and custom senses ----------------------------------------------------------


def gloss_jobs(
    senses: Sequence[Sense], broader: Callable[[Sense], list[str]] | None = None
) -> list[EncodeJob]:
    """One job per synset: "bank , cant , camber : a slope in the turn of a road", keeping
    each member sense's lemma (with the text's mean). ``broader``: words naming what the sense
    is a kind of, added after the definition ("; slope , incline , side")."""
    members: dict[str, list[Sense]] = {}
    for sense in senses:
        members.setdefault(sense.synset_id, []).append(sense)
    jobs: list[EncodeJob] = []
    for group in members.values():
        words, positions = _gloss_words(group[0])
        if broader is not None and (more := broader(group[0])):
            words += [";", *" , ".join(more).split()]
        targets = tuple((s.key, positions.get(s.lemma, 0)) for s in group)
        jobs.append(EncodeJob(tuple(words), targets, with_mean=True))
    return jobs


def example_jobs(senses: Sequence[Sense], inventory: Inventory) -> list[EncodeJob]:
    """One job per usage example (WordNet's, or a custom sense's marked ones) that shows the
    sense's lemma, keeping the lemma's vector."""
    return [
        EncodeJob(tuple(words), ((sense.key, at),))
        for sense in senses
        for words, at in _examples_of(sense, inventory)
    ]


def _examples_of(sense: Sense, inventory: Inventory) -> Iterator[tuple[list[str], int]]:
    if sense.custom:
        custom = next(c for c in inventory.custom if c.id == sense.key)
        for example in custom.examples:
            yield split_marked(example)
        return
    for example in sense.examples:
        words = example.split()
        at = _find_lemma(words, sense, inventory)
        if at is not None:
            yield _join_expression(words, at, len(sense.lemma.split("_")))


def _find_lemma(words: list[str], sense: Sense, inventory: Inventory) -> int | None:
    size = len(sense.lemma.split("_"))
    for start in range(len(words) - size + 1):
        form = " ".join(w.strip(".,;:!?()'\"") for w in words[start : start + size])
        if sense.lemma in inventory.lemmatise(form, sense.pos):
            return start
    return None


def _join_expression(words: list[str], start: int, size: int) -> tuple[list[str], int]:
    joined = [*words[:start], " ".join(words[start : start + size]), *words[start + size :]]
    return joined, start


def _gloss_words(sense: Sense) -> tuple[list[str], dict[str, int]]:
    """The gloss text's words and where each synonym stands in it."""
    words: list[str] = []
    positions: dict[str, int] = {}
    synonyms = (
        sense.synonyms
        if sense.lemma in {s.lower() for s in sense.synonyms}
        else (sense.lemma, *sense.synonyms)
    )
    for synonym in synonyms:
        if words:
            words.append(",")
        positions.setdefault(synonym.lower(), len(words))
        words.append(synonym.replace("_", " "))
    words.append(":")
    words.extend(sense.gloss.split() or [sense.lemma.replace("_", " ")])
    return words, positions
