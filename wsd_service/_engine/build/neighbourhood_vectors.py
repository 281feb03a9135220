"""The try-again neighbourhoods of an index being assembled: for each sense, the mean row of
the senses of the synsets its synset is related to (hypernyms, hyponyms, similar, ...), each
half normalised, folded as ``store.neighbourhoods`` keeps them.

Each distinct vector is stored once: synsets whose only relation is the same synset (kinds
with one hypernym and nothing else, satellites of one adjective) have the same neighbourhood,
and a quarter of WordNet's are such repeats.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse

from ..._core.arrays import Vector
from ..._core.config import RELATION_GROUPS, SEMANTIC_GROUPS
from ..._core.sense import SenseRow
from ..._util.distinct_rows import distinct_rows
from ..lexicon.custom_senses import CUSTOM_SYNSET_PREFIX
from ..lexicon.inventory import Inventory
from ..store.neighbourhoods import Neighbourhoods
from ..store.sense_vectors import SenseVectors

_SYMBOLS = frozenset(symbol for group in SEMANTIC_GROUPS for symbol in RELATION_GROUPS[group])


def compute_neighbourhoods(
    rows: Sequence[SenseRow], vectors: SenseVectors, inventory: Inventory
) -> Neighbourhoods:
    """From an index's rows and their [context ; gloss] vectors as stored (fp16 or fp32, read
    a half at a time), kept at that precision. A related synset counts as often as WordNet
    points to it, and a sense as often as its synset lists its lemma."""
    nodes = _nodes(rows)
    members = _members(rows, nodes, inventory)
    pointers = _pointers(nodes, inventory)
    counts = pointers @ np.asarray(members.sum(axis=1)).ravel()
    has = counts > 0
    folded = np.zeros((int(has.sum()), vectors.dimension // 2), dtype=np.float32)
    for half in (vectors.context_half, vectors.gloss_half):  # one half's rows at a time
        sums = pointers @ (members @ half())
        folded += _unit(sums[has] / counts[has, None])
    stored, places = distinct_rows(folded.astype(vectors.dtype))
    slot_of_node = np.full(len(nodes), -1, dtype=np.int32)
    slot_of_node[has] = places
    node_of_row = np.asarray([nodes.get(row.synset_id, -1) for row in rows], dtype=np.int64)
    slots = np.where(node_of_row >= 0, slot_of_node[node_of_row], -1).astype(np.int32)
    return Neighbourhoods(stored, slots)


def _nodes(rows: Sequence[SenseRow]) -> dict[str, int]:
    """WordNet synsets of the rows, numbered (custom senses have no WordNet pointers)."""
    synsets = (row.synset_id for row in rows if not row.synset_id.startswith(CUSTOM_SYNSET_PREFIX))
    return {synset: number for number, synset in enumerate(dict.fromkeys(synsets))}


def _members(
    rows: Sequence[SenseRow], nodes: dict[str, int], inventory: Inventory
) -> scipy.sparse.csr_matrix:
    """Synsets by rows: how many times each synset lists the row's lemma."""
    sources, targets, weights = [], [], []
    for number, row in enumerate(rows):
        node = nodes.get(row.synset_id)
        if node is None:
            continue
        listed = sum(word.lower() == row.lemma for word, _ in inventory.synset(row.synset_id).words)
        if listed:
            sources.append(node)
            targets.append(number)
            weights.append(float(listed))
    return _sparse(sources, targets, weights, (len(nodes), len(rows)))


def _pointers(nodes: dict[str, int], inventory: Inventory) -> scipy.sparse.csr_matrix:
    """Synsets by synsets: how many times a synset points to another, the antonyms left out."""
    sources, targets = [], []
    for synset, node in nodes.items():
        for symbol, offset, pos in inventory.pointers(synset):
            target = nodes.get(f"{offset:08d}-{'a' if pos == 's' else pos}")
            if symbol in _SYMBOLS and target is not None:
                sources.append(node)
                targets.append(target)
    return _sparse(sources, targets, [1.0] * len(sources), (len(nodes), len(nodes)))


def _sparse(
    sources: list[int], targets: list[int], weights: list[float], shape: tuple[int, int]
) -> scipy.sparse.csr_matrix:
    """A sparse matrix whose repeated entries add up."""
    data = np.asarray(weights, dtype=np.float32)
    return scipy.sparse.csr_matrix((data, (sources, targets)), shape=shape)


def _unit(vectors: Vector) -> Vector:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vector = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0).astype(np.float32)
    return unit
