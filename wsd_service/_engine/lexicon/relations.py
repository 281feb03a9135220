"""Relation enhancement of sense vectors (after SREF, Wang & Wang 2020; our own formulation).

A sense's vector is pulled toward the synsets WordNet relates its synset to: each half of a
row gets ``sum over relation groups of weight * mean(related synsets' vectors)`` added, and is
normalised again. A synset's vector is the mean of its senses' rows, so related senses seen
in the corpus lend their contexts to rare ones, and every sense's gloss is seen beside its
neighbours' (a hypernym's gloss often names what a terse one leaves out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from ..._core.arrays import Vector
from ..._core.config import RELATION_GROUPS
from .inventory import Inventory

_GROUP_OF = {symbol: group for group, symbols in RELATION_GROUPS.items() for symbol in symbols}


@dataclass(frozen=True, slots=True)
class RelationGraph:
    """Synsets (nodes) and, per relation group, a row-normalised adjacency: row i averages
    node i's related nodes in that group."""

    nodes: dict[str, int]  # synset id -> node number
    adjacency: dict[str, scipy.sparse.csr_matrix]


def relation_graph(inventory: Inventory, synset_ids: Sequence[str]) -> RelationGraph:
    """The relations among ``synset_ids`` (relations to synsets outside them are left out)."""
    nodes = {synset: number for number, synset in enumerate(dict.fromkeys(synset_ids))}
    edges: dict[str, tuple[list[int], list[int]]] = {group: ([], []) for group in RELATION_GROUPS}
    for synset_id, source in nodes.items():
        for symbol, offset, pos in inventory.pointers(synset_id):
            target = nodes.get(f"{offset:08d}-{'a' if pos == 's' else pos}")
            group = _GROUP_OF.get(symbol)
            if target is not None and group is not None and target != source:
                edges[group][0].append(source)
                edges[group][1].append(target)
    size = len(nodes)
    return RelationGraph(nodes, {group: _mean_adjacency(s, t, size) for group, (s, t) in edges.items()})


def _mean_adjacency(sources: list[int], targets: list[int], size: int) -> scipy.sparse.csr_matrix:
    ones = np.ones(len(sources), dtype=np.float32)
    adjacency = scipy.sparse.csr_matrix((ones, (sources, targets)), shape=(size, size))
    adjacency.data[:] = 1.0  # a pointer listed twice counts once
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    scale = scipy.sparse.diags(np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0))
    return (scale @ adjacency).tocsr()


def enhance(
    vectors: Vector, synset_ids: Sequence[str], graph: RelationGraph, weights: Mapping[str, float]
) -> Vector:
    """Unit ``vectors`` (one per sense of ``synset_ids``) each moved toward its synset's
    related synsets' mean vectors, weighted by relation group, and normalised again."""
    nodes = np.asarray([graph.nodes[s] for s in synset_ids])
    members = scipy.sparse.csr_matrix(
        (np.ones(len(nodes), dtype=np.float32), (nodes, np.arange(len(nodes)))),
        shape=(len(graph.nodes), len(nodes)),
    )
    counts = np.asarray(members.sum(axis=1)).ravel()
    synset_vectors = (members @ vectors) / np.maximum(counts, 1)[:, None]
    pull = np.zeros_like(synset_vectors)
    for group, weight in weights.items():
        if weight:
            pull += weight * (graph.adjacency[group] @ synset_vectors)
    enhanced: Vector = (vectors + pull[nodes]).astype(np.float32)
    enhanced /= np.maximum(np.linalg.norm(enhanced, axis=1, keepdims=True), 1e-12)
    return enhanced
