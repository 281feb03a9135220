"""What callers send and get back: plain data, shared by the engine and the clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class InputToken:
    """A token given by the caller; lemma and POS are optional, as is the target flag."""

    text: str
    lemma: str | None = None
    pos: str | None = None
    target: bool | None = None  # None: decided by the document's default


# Universal POS tags (spaCy, CoNLL-U) that have WordNet senses; other tags are never targets.
_UPOS_TO_WORDNET = {"NOUN": "NOUN", "PROPN": "NOUN", "VERB": "VERB", "ADJ": "ADJ", "ADV": "ADV"}


def tagged_token(text: str, lemma: str | None, upos: str | None) -> InputToken:
    """A token from a tagged pipeline: its lemma and POS are used, a function word is no target."""
    pos = _UPOS_TO_WORDNET.get(upos) if upos else None
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


class BatchEngine(Protocol):
    """The local engine and the remote client alike: documents in, ranked senses out."""

    def disambiguate_batch(
        self, documents: Sequence[Document], *, top_k: int
    ) -> list[list[TargetResult]]: ...
