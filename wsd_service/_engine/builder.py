"""Offline index builder: corpus centroids, WordNet-derived vectors, propagation, FAISS."""

from __future__ import annotations

import logging
import platform
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._core.config import BuildConfig, EncoderConfig
from .._core.hashing import sha256_file
from .._core.manifest import CUSTOM_FILE, Manifest
from .._core.raganato import Corpus, read_corpus
from .._core.sense import Sense, SenseRow
from .._core.version import __version__
from .custom import split_marked
from .encoder import Encoder
from .index import SenseIndex, new_vector_store
from .inventory import Inventory
from .progress import progress
from .vectors import Centroids, Vector, group_centroids, normalise

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BuildReport:
    """What a build did; the CLI prints it, tests read it."""

    directory: Path
    manifest: Manifest
    unknown_keys: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Occurrences:
    """Contextual vectors of annotated occurrences, by sense key."""

    centroids: Centroids
    corpora: list[dict[str, Any]] = field(default_factory=list)
    unknown_keys: Counter[str] = field(default_factory=Counter)


class IndexBuilder:
    """Builds a sense index from corpora (optional) and the inventory."""

    def __init__(self, encoder: Encoder, inventory: Inventory, config: BuildConfig) -> None:
        self.encoder = encoder
        self.inventory = inventory
        self.config = config
        self._dimension = encoder.dimension

    def build(self, out: Path) -> BuildReport:
        started = time.time()
        senses = self._selected_senses()
        occurrences = self._corpus_occurrences(senses)
        glosses = self._gloss_vectors(senses)
        examples = self._example_vectors(senses) if self.config.use_examples else Centroids(self._dimension)
        rows, vectors, sources = self._compose(senses, occurrences.centroids, glosses, examples)
        manifest = Manifest(
            encoder=self.encoder.signature,
            dimension=int(vectors.shape[1]),
            scoring=asdict(self.config.scoring),
            senses={"total": len(rows), **dict(sorted(sources.items()))},
            corpora=occurrences.corpora,
            build={
                "seconds": round(time.time() - started, 1),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "wsd_service": __version__,
                "python": platform.python_version(),
                "options": {
                    "use_examples": self.config.use_examples,
                    "propagate": self.config.propagate,
                    "vector_storage": self.config.vector_storage,
                    "lemmas": sorted(self.config.lemmas) if self.config.lemmas else None,
                },
            },
        )
        index = SenseIndex(manifest, rows, new_vector_store(vectors, self.config.vector_storage), None)
        extra = {CUSTOM_FILE: self.config.custom_inventory} if self.config.custom_inventory else {}
        directory = index.save(out, extra)
        return BuildReport(directory, manifest, occurrences.unknown_keys)

    def _selected_senses(self) -> list[Sense]:
        wanted = self.config.lemmas
        return [s for s in self.inventory.all_senses() if wanted is None or s.lemma in wanted]

    # -- corpus -----------------------------------------------------------------------------

    def _corpus_occurrences(self, senses: Sequence[Sense]) -> _Occurrences:
        result = _Occurrences(Centroids(self._dimension))
        lemmas = None if self.config.lemmas is None else {s.lemma for s in senses}
        for prefix in self.config.corpora:
            corpus = read_corpus(prefix)
            unknown: Counter[str] = Counter()  # this corpus's own: its record and warning say so
            keys = self._known_keys(corpus, unknown)
            result.unknown_keys.update(unknown)
            sentences = [
                s
                for s in corpus.sentences
                if any(
                    t.instance_id in keys and (lemmas is None or _key_lemma(keys[t.instance_id][0]) in lemmas)
                    for t in s.tokens
                )
            ]
            words = [[t.text for t in s.tokens] for s in sentences]
            used = 0
            for position, vectors in self._encode(words, f"encoding {corpus.name}"):
                for token, vector in zip(sentences[position].tokens, vectors, strict=True):
                    for key in keys.get(token.instance_id or "", ()):
                        result.centroids.add(key, vector)
                        used += 1
            result.corpora.append(_corpus_record(corpus, len(sentences), used, unknown))
        return result

    def _known_keys(self, corpus: Corpus, unknown: Counter[str]) -> dict[str, tuple[str, ...]]:
        """Gold keys the inventory knows, by instance; unknown ones are counted, not fatal."""
        known: dict[str, tuple[str, ...]] = {}
        for instance, keys in corpus.gold.items():
            good = tuple(k for k in keys if self._key_exists(k))
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

    def _key_exists(self, key: str) -> bool:
        return self.inventory.by_key(key) is not None

    # -- WordNet and custom senses ------------------------------------------------------

    def _gloss_vectors(self, senses: Sequence[Sense]) -> dict[str, Vector]:
        """Per sense: the lemma's vector in "synonyms : definition" plus the text's mean."""
        texts: dict[str, tuple[list[str], dict[str, int]]] = {}
        for sense in senses:
            if sense.synset_id not in texts:
                texts[sense.synset_id] = _gloss_words(sense)
        ids = list(texts)
        members: dict[str, list[Sense]] = {}
        for sense in senses:
            members.setdefault(sense.synset_id, []).append(sense)
        vectors: dict[str, Vector] = {}
        for position, matrix in self._encode([texts[i][0] for i in ids], "encoding glosses"):
            mean = normalise(matrix.mean(axis=0))
            positions = texts[ids[position]][1]
            for sense in members[ids[position]]:
                vectors[sense.key] = normalise(matrix[positions.get(sense.lemma, 0)] + mean)
        return vectors

    def _example_vectors(self, senses: Sequence[Sense]) -> Centroids:
        """Vectors of the lemma in WordNet's usage examples (and custom marked examples)."""
        found: list[tuple[str, list[str], int]] = []
        for sense in senses:
            for example in self._examples_of(sense):
                found.append((sense.key, *example))
        centroids = Centroids(self._dimension)
        for position, matrix in self._encode([words for _, words, _ in found], "encoding examples"):
            key, _, at = found[position]
            centroids.add(key, matrix[at])
        return centroids

    def _examples_of(self, sense: Sense) -> Iterator[tuple[list[str], int]]:
        if sense.custom:
            custom = next(c for c in self.inventory.custom if c.id == sense.key)
            for example in custom.examples:
                yield split_marked(example)
            return
        for example in sense.examples:
            words = example.split()
            at = self._find_lemma(words, sense)
            if at is not None:
                yield _join_expression(words, at, len(sense.lemma.split("_")))

    def _find_lemma(self, words: list[str], sense: Sense) -> int | None:
        size = len(sense.lemma.split("_"))
        for start in range(len(words) - size + 1):
            form = " ".join(w.strip(".,;:!?()'\"") for w in words[start : start + size])
            if sense.lemma in self.inventory.lemmatise(form, sense.pos):
                return start
        return None

    # -- composition ----------------------------------------------------------------------

    def _compose(
        self,
        senses: Sequence[Sense],
        corpus: Centroids,
        glosses: dict[str, Vector],
        examples: Centroids,
    ) -> tuple[list[SenseRow], np.ndarray[Any, np.dtype[np.float32]], Counter[str]]:
        """Each row is [context vector ; gloss vector], both unit length.

        The query is [v ; gloss_weight * v], so a score is cos(v, context) plus the weighted
        cos(v, gloss), as in LMMS' concatenated sense embeddings.
        """
        propagated = _Propagation(self.inventory, corpus) if self.config.propagate and len(corpus) else None
        rows: list[SenseRow] = []
        matrix = np.zeros((len(senses), 2 * self._dimension), dtype=np.float32)
        sources: Counter[str] = Counter()
        for number, sense in enumerate(senses):
            context, source = self._context_vector(sense, corpus, examples, propagated)
            if context is None:
                context, source = glosses[sense.key], "gloss"
            source = "custom" if sense.custom else source
            sources[source] += 1
            matrix[number, : self._dimension] = context
            matrix[number, self._dimension :] = glosses[sense.key]
            count = corpus.count(sense.key) + sense.tag_count
            rows.append(SenseRow(sense.key, sense.lemma, sense.pos, sense.synset_id, count, source))
        return rows, matrix, sources

    @staticmethod
    def _context_vector(
        sense: Sense, corpus: Centroids, examples: Centroids, propagated: _Propagation | None
    ) -> tuple[Vector | None, str]:
        vector = corpus.centroid(sense.key)
        if vector is not None:
            return vector, "corpus"
        vector = examples.centroid(sense.key)
        if vector is not None:
            return vector, "gloss"
        if propagated is not None and not sense.custom:
            return propagated.vector(sense), "propagated"
        return None, "gloss"

    def _encode(self, sentences: list[list[str]], label: str) -> Iterator[tuple[int, Vector]]:
        """(position, word vectors) pairs, shortest sentences first: sorting the whole job
        rather than each chunk keeps padding, and so wasted encoder work, near zero."""
        order = sorted(range(len(sentences)), key=lambda i: sum(len(w) for w in sentences[i]))
        chunk = self.config.chunk_size
        with progress(total=len(sentences), label=label, enabled=self.config.progress) as bar:
            for begin in range(0, len(order), chunk):
                positions = order[begin : begin + chunk]
                yield from zip(positions, self.encoder.encode([sentences[i] for i in positions]), strict=True)
                bar.update(len(positions))


def build_default_index(out: Path, encoder_config: EncoderConfig | None = None) -> BuildReport:
    """The index a fresh install serves: WordNet only, default options."""
    return IndexBuilder(Encoder(encoder_config), Inventory(), BuildConfig()).build(out)


class _Propagation:
    """Synset, then hypernym, then lexname centroids of the corpus-attested senses."""

    def __init__(self, inventory: Inventory, corpus: Centroids) -> None:
        self._inventory = inventory
        synset_of: dict[str, str] = {}
        lexname_of: dict[str, str] = {}
        for key in corpus:
            sense = inventory.by_key(key)
            if sense is not None:
                synset_of[key], lexname_of[key] = sense.synset_id, sense.lexname
        self._synsets = group_centroids(corpus, synset_of)
        self._lexnames = group_centroids(corpus, lexname_of)

    def vector(self, sense: Sense) -> Vector | None:
        vector = self._synsets.centroid(sense.synset_id)
        if vector is not None:
            return vector
        synset = self._inventory.synset(sense.synset_id)
        parents = [
            v
            for symbol, offset, pos in synset.pointers
            if symbol in ("@", "@i")
            if (v := self._synsets.centroid(f"{offset:08d}-{pos}")) is not None
        ]
        if parents:
            return normalise(np.mean(parents, axis=0))
        return self._lexnames.centroid(sense.lexname)


def _key_lemma(key: str) -> str:
    return key.partition("%")[0]


def _gloss_words(sense: Sense) -> tuple[list[str], dict[str, int]]:
    """ "bank , cant , camber : a slope in the turn of a road": words and synonym positions."""
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


def _join_expression(words: list[str], start: int, size: int) -> tuple[list[str], int]:
    joined = [*words[:start], " ".join(words[start : start + size]), *words[start + size :]]
    return joined, start


def _corpus_record(corpus: Corpus, sentences: int, used: int, unknown: Counter[str]) -> dict[str, Any]:
    return {
        "name": corpus.name,
        "prefix": str(corpus.data_path.resolve()).removesuffix(".data.xml"),
        "data_sha256": sha256_file(corpus.data_path),
        "gold_sha256": sha256_file(corpus.gold_path),
        "sentences_encoded": sentences,
        "occurrences": used,
        "unknown_keys": sum(unknown.values()),
    }
