"""Sense-space plots: a lemma's occurrences projected to 2-D, coloured by sense, with the
index's sense vectors marked — the picture of "bank" by the river and "bank" with the money."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._core.arrays import Vector
from .._core.documents import Document, InputToken
from .._core.errors import InputError
from .._core.interface import DocumentLike, WsdApi
from .._engine.build.raganato import read_corpus

Occurrence = tuple[DocumentLike, int, str]  # the sentence, position of the word, its sense key
_MAX_OCCURRENCES = 400
_SIZE_INCHES, _DPI = (12.0, 6.0), 100


@dataclass(frozen=True, slots=True)
class SenseSpace:
    lemma: str
    pos: str
    source: str  # where the occurrences came from
    points: Vector  # (occurrences, 2)
    labels: list[str]  # the sense key of each occurrence
    sense_points: Vector  # (senses, 2): the index's context vectors
    sense_keys: list[str]
    glosses: dict[str, str]
    explained: tuple[float, float]  # variance share of the two axes

    def to_json(self) -> dict[str, object]:
        return {
            "lemma": self.lemma,
            "pos": self.pos,
            "source": self.source,
            "points": self.points.round(4).tolist(),
            "labels": self.labels,
            "sense_points": self.sense_points.round(4).tolist(),
            "sense_keys": self.sense_keys,
            "explained_variance": list(self.explained),
        }


def occurrences_for(
    api: WsdApi, lemma: str, pos: str, sentences: Path | None, corpora: Sequence[Path]
) -> tuple[list[Occurrence], str]:
    """From ``sentences`` if given, else the corpora (default: those the index was built from)."""
    if sentences is not None:
        return sentence_occurrences(api, sentences, lemma, pos), f"{sentences.name} (predicted senses)"
    built = [Path(c["prefix"]) for c in api.index_info().corpora if "prefix" in c]
    chosen = list(corpora) or [p for p in built if Path(f"{p}.data.xml").is_file()]
    if not chosen:
        raise InputError("give --sentences FILE or --corpus PREFIX: the index names no corpus here")
    return corpus_occurrences(chosen, lemma, pos), ", ".join(p.name for p in chosen) + " (gold senses)"


def corpus_occurrences(prefixes: Sequence[Path], lemma: str, pos: str) -> list[Occurrence]:
    """Annotated occurrences of ``lemma``/``pos``, each labelled with its first gold key."""
    found: list[Occurrence] = []
    for prefix in prefixes:
        corpus = read_corpus(prefix)
        for sentence in corpus.sentences:
            document = Document(tokens=[InputToken(t.text) for t in sentence.tokens])
            for position, token in enumerate(sentence.tokens):
                keys = corpus.gold.get(token.instance_id or "")
                if keys and token.lemma.lower() == lemma and token.pos == pos:
                    found.append((document, position, keys[0]))
    return _sample(found)


def sentence_occurrences(api: WsdApi, path: Path, lemma: str, pos: str) -> list[Occurrence]:
    """Occurrences in raw sentences (one per line), labelled with the engine's best sense."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    found: list[Occurrence] = []
    for line, targets in zip(lines, api.disambiguate_batch(lines), strict=True):
        found += [
            (line, t.token_index, t.best.key) for t in targets if t.lemma == lemma and t.pos == pos and t.best
        ]
    return _sample(found)


def _sample(found: list[Occurrence]) -> list[Occurrence]:
    return random.Random(0).sample(found, _MAX_OCCURRENCES) if len(found) > _MAX_OCCURRENCES else found


def sense_space(api: WsdApi, lemma: str, pos: str, occurrences: list[Occurrence], source: str) -> SenseSpace:
    if not occurrences:
        raise InputError(f"no occurrences of {lemma!r} as {pos} in {source}")
    senses = [
        info
        for info in api.lookup_senses(lemma, pos, include_vectors=True)
        if info.sense.lemma == lemma and info.vector is not None
    ]
    if not senses:
        raise InputError(f"the index has no senses of {lemma!r} as {pos}")
    # Embedding (the same tokenisation as disambiguation, so positions agree) one sentence at a time.
    vectors = np.stack([api.embed(document).words[at].contextual for document, at, _ in occurrences])
    sense_vectors = np.stack([info.vector[: vectors.shape[1]] for info in senses if info.vector is not None])
    # Axes fitted to the occurrences, so that far-off unused senses do not set the scale.
    projected, explained = _pca(vectors, np.vstack([vectors, sense_vectors]))
    return SenseSpace(
        lemma, pos, source, projected[: len(vectors)], [label for _, _, label in occurrences],
        projected[len(vectors) :], [info.sense.key for info in senses],
        {info.sense.key: info.sense.gloss for info in senses}, explained,
    )  # fmt: skip


def _pca(fit: Vector, matrix: Vector) -> tuple[Vector, tuple[float, float]]:
    """``matrix`` on the two principal axes of ``fit``, and the variance share of each."""
    mean = fit.mean(axis=0)
    _, singular, components = np.linalg.svd(fit - mean, full_matrices=False)
    variance = np.zeros(2)
    variance[: len(singular[:2])] = (singular**2 / max(float((singular**2).sum()), 1e-12))[:2]
    axes = np.zeros((2, fit.shape[1]), dtype=np.float32)
    axes[: len(components[:2])] = components[:2]
    projected: Vector = ((matrix - mean) @ axes.T).astype(np.float32)
    return projected, (float(variance[0]), float(variance[1]))


def draw(space: SenseSpace, out: Path) -> None:
    """Write the plot as a PNG of 1200 x 600 pixels."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=_SIZE_INCHES, dpi=_DPI)
    colours = plt.get_cmap("tab10")
    seen = [key for key in space.sense_keys if key in set(space.labels)]
    for number, key in enumerate(seen):
        mine = np.array([label == key for label in space.labels])
        colour = colours(number % 10)
        label = f"{key} ({int(mine.sum())}): {_short(space.glosses.get(key, ''))}"
        xs, ys = space.points[mine].T
        axes.scatter(xs, ys, s=18, alpha=0.6, color=colour, label=label)
        x, y = space.sense_points[space.sense_keys.index(key)]
        axes.scatter([x], [y], marker="*", s=320, color=colour, edgecolors="black", linewidths=0.8)
    others = [i for i, key in enumerate(space.sense_keys) if key not in seen]
    if others:
        xs, ys = space.sense_points[others].T
        label = f"senses without occurrences here ({len(others)})"
        axes.scatter(xs, ys, marker="*", s=160, color="lightgrey", edgecolors="grey", label=label)
    figure.suptitle(f"Sense space of '{space.lemma}' ({space.pos}): {len(space.labels)} occurrences",
                    x=0.07, ha="left", fontsize=13)  # fmt: skip
    axes.set_title(f"dots: contextual vectors from {space.source}; stars: the index's sense vectors",
                   loc="left", fontsize=9)  # fmt: skip
    axes.set_xlabel(f"first principal component ({100 * space.explained[0]:.0f} % of variance)")
    axes.set_ylabel(f"second principal component ({100 * space.explained[1]:.0f} % of variance)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    figure.subplots_adjust(left=0.07, right=0.58, top=0.92, bottom=0.1)
    figure.savefig(out, dpi=_DPI)
    plt.close(figure)


def _short(gloss: str, limit: int = 48) -> str:
    return gloss if len(gloss) <= limit else gloss[: limit - 1].rstrip() + "…"
