"""What callers send and get back: plain data, shared by the engine and the clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import WsdError
from .sense import Sense, normalise_pos

if TYPE_CHECKING:
    from .arrays import Vector


@dataclass(frozen=True, slots=True)
class InputToken:
    """A token given by the caller; lemma and POS are optional, as is the target flag."""

    text: str
    lemma: str | None = None
    pos: str | None = None
    target: bool | None = None  # None: decided by the document's default


def tagged_token(text: str, lemma: str | None, upos: str | None) -> InputToken:
    """A token from a tagged pipeline (spaCy, CoNLL-U): its lemma and POS are used; a word whose
    universal tag has no senses (DET, ADP, ...) is no target."""
    pos = normalise_pos(upos) if upos else None
    return InputToken(text, lemma or None, pos, False if upos and pos is None else None)


@dataclass(frozen=True, slots=True)
class Document:
    """Raw text, or tokens; ``targets`` (token indexes) overrides the default targets."""

    text: str | None = None
    tokens: Sequence[InputToken] | None = None
    targets: Sequence[int] | None = None


@dataclass(frozen=True, slots=True)
class SenseScore:
    key: str
    synset_id: str
    score: float
    gloss: str
    source: str  # corpus, propagated, gloss or custom


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The ranked senses of one target token."""

    token_index: int
    text: str
    lemma: str
    pos: str
    start: int | None  # character span in the input text (raw text input only)
    end: int | None
    senses: list[SenseScore] = field(default_factory=list)

    @property
    def best(self) -> SenseScore | None:
        return self.senses[0] if self.senses else None


@dataclass(frozen=True, slots=True)
class StreamResult:
    """One document's answer in a stream: its targets, or why it was refused."""

    targets: list[TargetResult] = field(default_factory=list)
    error: WsdError | None = None


@dataclass(frozen=True, slots=True)
class WordVector:
    """One word's vectors; offsets in code points of the text (None for token input)."""

    text: str
    start: int | None
    end: int | None
    contextual: Vector  # unit length
    static: Vector | None  # the input-embedding vector, when asked for


@dataclass(frozen=True, slots=True)
class Embedding:
    """Every word's vectors, and the hidden layers averaged (non-negative; 0: input embeddings)."""

    layers: tuple[int, ...]
    words: list[WordVector]


@dataclass(frozen=True, slots=True)
class SenseInfo:
    """A sense of the inventory and what the index holds for it."""

    sense: Sense
    source: str  # corpus, gloss, propagated or custom; "" when the index holds no vector
    vector: Vector | None = None  # the index's [context ; gloss] row, when asked for

    @property
    def has_corpus_vector(self) -> bool:
        return self.source == "corpus"
