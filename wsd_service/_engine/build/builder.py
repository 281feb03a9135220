"""Offline index builder: runs the vector sources through the encoder, composes, saves."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..._core.config import BuildConfig
from ..._core.manifest import CUSTOM_FILE, Manifest
from ..._core.sense import Sense
from ..encoding.encoder import Encoder
from ..lexicon.inventory import Inventory
from ..lexicon.relations import RelationGraph, enhance, relation_graph
from ..store.centroids import Centroids
from ..store.glosses import Glosses
from ..store.nearest_graph import nearest_file
from ..store.occurrence_store import OccurrenceIndex, by_sense
from ..store.sense_index import RankingTables, SenseIndex
from ..store.sense_vectors import SenseVectors
from .compose import Composed, Propagation, compose
from .neighbourhood_vectors import compute_neighbourhoods
from .provenance import build_manifest, corpus_record
from .raganato import read_corpus
from .sources import EncodeJob, corpus_jobs, encode_jobs, example_jobs, gloss_jobs, known_keys


@dataclass(slots=True)
class BuildReport:
    """What a build did; the CLI prints it, tests read it."""

    directory: Path
    manifest: Manifest
    unknown_keys: Counter[str] = field(default_factory=Counter)


# Runs every kind of encode job (corpora, glosses, examples) to per-key sums; also says what ran
# them, for the manifest. The local runner encodes here; ``ray_runner`` on a Ray cluster.
Runner = Callable[[Mapping[str, list[EncodeJob]]], tuple[dict[str, Centroids], dict[str, Any]]]


class IndexBuilder:
    """Builds a sense index from corpora (optional) and the inventory."""

    def __init__(
        self,
        encoder: Encoder,
        inventory: Inventory,
        config: BuildConfig,
        runner: Runner | None = None,
        relations: RelationGraph | None = None,
    ) -> None:
        self.encoder = encoder
        self.inventory = inventory
        self.config = config
        self._runner = runner or self._run_here
        self._relations = relations  # made on first use unless given (cross-validation shares one)

    def build(self, out: Path) -> BuildReport:
        started = time.time()
        senses = self._selected_senses()
        found, corpora, unknown = self._corpus_jobs(senses)
        examples = example_jobs(senses, self.inventory) if self.config.use_examples else []
        glosses = gloss_jobs(senses, self.inventory.broader_words if self.config.gloss_broader else None)
        sums, ran = self._runner({"corpora": found, "glosses": glosses, "examples": examples})
        composed, index = self.assemble(senses, sums, corpora, started, ran)
        extra = {CUSTOM_FILE: self.config.custom_inventory} if self.config.custom_inventory else {}
        with nearest_file(composed.matrix, index.manifest) as nearest:  # NearestSenses' graph
            directory = index.save(out, extra | nearest)
        return BuildReport(directory, index.manifest, unknown)

    def assemble(
        self,
        senses: list[Sense],
        sums: Mapping[str, Centroids],
        corpora: list[dict[str, Any]],
        started: float,
        ran: dict[str, Any],
    ) -> tuple[Composed, SenseIndex]:
        """The in-memory index of ``senses`` from the encoded sources' per-key sums (corpus
        occurrences, glosses, examples), and the rows it holds: what a build saves, and what
        cross-validation scores each fold on."""
        occurrences = sums["corpora"]
        corpus = by_sense(occurrences)
        propagation = Propagation(self.inventory, corpus) if self.config.propagate and len(corpus) else None
        composed = compose(senses, corpus, sums["glosses"], sums["examples"], propagation)
        self._enhance(composed)
        manifest = build_manifest(self.encoder, self.config, composed, corpora, started, ran)
        vectors = SenseVectors.store(composed.matrix, self.config.vector_storage)
        keep = self.config.keep_occurrences and len(occurrences)
        kept = OccurrenceIndex.from_occurrences(occurrences) if keep else None
        tables = self._tables(composed, vectors, kept, manifest)
        return composed, SenseIndex(manifest, composed.rows, vectors, None, tables)

    def _tables(
        self,
        composed: Composed,
        vectors: SenseVectors,
        occurrences: OccurrenceIndex | None,
        manifest: Manifest,
    ) -> RankingTables:
        """What ranking reads beside the vectors, its time recorded in the manifest; the
        neighbourhoods from the rows as stored (fp16 rows are what ranking scores)."""
        started = time.perf_counter()
        neighbourhoods = compute_neighbourhoods(composed.rows, vectors, self.inventory)
        tables = RankingTables(Glosses.compute(composed.rows, self.inventory), neighbourhoods, occurrences)
        manifest.build["ranking_tables"] = {"seconds": round(time.perf_counter() - started, 1)}
        return tables

    def _enhance(self, composed: Composed) -> None:
        """Relation enhancement of each half of the rows, in place (BuildConfig). Context
        vectors measured on the corpus keep their own: only borrowed ones are enhanced."""
        options = self.config.options()
        halves = ((0, options.context_relations), (1, options.gloss_relations))
        if not any(weights for _, weights in halves):
            return
        synsets = [row.synset_id for row in composed.rows]
        if self._relations is None:
            self._relations = relation_graph(self.inventory, synsets)
        dimension = composed.matrix.shape[1] // 2
        keep = np.asarray([row.source == "corpus" for row in composed.rows])
        for half, weights in halves:
            if weights:
                part = slice(half * dimension, (half + 1) * dimension)
                vectors = composed.matrix[:, part]
                enhanced = enhance(vectors, synsets, self._relations, dict(weights))
                if half == 0:
                    enhanced[keep] = vectors[keep]
                composed.matrix[:, part] = enhanced

    def _selected_senses(self) -> list[Sense]:
        wanted = self.config.lemmas
        return [s for s in self.inventory.all_senses() if wanted is None or s.lemma in wanted]

    def _corpus_jobs(self, senses: list[Sense]) -> tuple[list[EncodeJob], list[dict[str, Any]], Counter[str]]:
        """Every corpus's jobs, its manifest record and the gold keys the inventory lacks."""
        lemmas = None if self.config.lemmas is None else {s.lemma for s in senses}
        jobs: list[EncodeJob] = []
        records: list[dict[str, Any]] = []
        unknown: Counter[str] = Counter()
        for prefix in self.config.corpora:
            corpus = read_corpus(prefix)
            its_own: Counter[str] = Counter()  # this corpus's record and warning count only its keys
            found = corpus_jobs(corpus, known_keys(corpus, self.inventory, its_own), lemmas)
            records.append(corpus_record(corpus, len(found), sum(len(j.targets) for j in found), its_own))
            unknown.update(its_own)
            jobs.extend(found)
        return jobs, records, unknown

    def _run_here(self, jobs: Mapping[str, list[EncodeJob]]) -> tuple[dict[str, Centroids], dict[str, Any]]:
        encoder, config = self.encoder, self.config
        return {
            kind: encode_jobs(
                found,
                encoder.encode,
                encoder.dimension,
                config.chunk_size,
                f"encoding {kind}",
                config.progress,
            )
            for kind, found in jobs.items()
        }, {}
