"""Preparation: documents to tokens with their candidate (lemma, POS) pairs and target flags.

Checks the input and the size limits; knows nothing of vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._core.arrays import Numbers
from ..._core.config import LimitsConfig
from ..._core.documents import Document, InputToken
from ..._core.errors import InputError, LimitExceededError, shown
from ..._core.sense import POS_TAGS, lemma_key, normalise_pos
from ..lexicon.inventory import Inventory
from ..lexicon.tokeniser import DETERMINERS, STOPWORDS, ExpressionFinder, tokenise
from ..store.sense_index import SenseIndex


@dataclass(slots=True)
class PreparedToken:
    """A token after tokenisation and candidate lookup."""

    text: str
    start: int | None
    end: int | None
    candidates: list[tuple[str, str]]  # (lemma, POS) pairs to search
    spans: list[tuple[int, int]]  # each pair's rows in the index
    target: bool


def word_count(tokens: list[PreparedToken]) -> int:
    """Words the encoder sees: a token holding spaces ("river bank") is several."""
    return sum(len(t.text.split()) for t in tokens)


def words_of(prepared: list[list[PreparedToken]]) -> list[list[str]]:
    """The encoder's input for prepared documents."""
    return [[t.text for t in tokens] for tokens in prepared]


def candidate_rows(tokens: Sequence[PreparedToken]) -> tuple[Numbers, Numbers]:
    """Every candidate row of ``tokens``, token after token, and how many rows each token has:
    built for all tokens at once from their spans."""
    spans = np.array([span for token in tokens for span in token.spans], dtype=np.int64).reshape(-1, 2)
    lengths = spans[:, 1] - spans[:, 0]
    shifts = spans[:, 0] - (np.cumsum(lengths) - lengths)  # each span's first row less its place
    rows: Numbers = np.arange(int(lengths.sum())) + np.repeat(shifts, lengths)
    owners = np.repeat(np.arange(len(tokens)), [len(token.spans) for token in tokens])
    counts: Numbers = np.bincount(owners, weights=lengths, minlength=len(tokens)).astype(np.int64)
    return rows, counts


class Preparer:
    """Tokenises text (WordNet expressions joined) or takes tokens, and finds their candidates."""

    def __init__(self, index: SenseIndex, inventory: Inventory, limits: LimitsConfig) -> None:
        self._index = index
        self._inventory = inventory
        self._limits = limits
        self._expressions = ExpressionFinder(inventory)

    def prepare(
        self, documents: Sequence[Document], *, max_words: int | None = None, open_vocabulary: bool = False
    ) -> list[list[PreparedToken]]:
        """Tokens, candidates and targets of each document; checks input and limits.

        By default a target is a word with candidates that is not a stopword; with
        ``open_vocabulary`` (NearestSenses), any word that is not a stopword or punctuation.
        """
        prepared = [self._document(number, d, open_vocabulary) for number, d in enumerate(documents)]
        total = sum(word_count(tokens) for tokens in prepared)
        limit = self._limits.max_words if max_words is None else max_words
        if total > limit:
            raise LimitExceededError(f"{total} words in one call; the limit is {limit}")
        return prepared

    def _document(self, number: int, document: Document, open_vocabulary: bool) -> list[PreparedToken]:
        where = f"document {number}"
        if (document.text is None) == (document.tokens is None):
            raise InputError(f"{where}: give either text or tokens")
        if document.text is not None:
            tokens = self._from_text(document.text, where, open_vocabulary)
        else:
            tokens = self._from_tokens(document.tokens or (), where, open_vocabulary)
        if document.targets is not None:
            _apply_targets(tokens, document.targets, where)
        return tokens

    def _from_text(self, text: str, where: str, open_vocabulary: bool) -> list[PreparedToken]:
        if len(text) > self._limits.max_chars:
            raise LimitExceededError(
                f"{where}: text has {len(text)} characters; the limit is {self._limits.max_chars}"
            )
        if not text.strip():
            raise InputError(f"{where}: text is empty")
        pieces = tokenise(text)
        if len(pieces) > self._limits.max_words:
            raise LimitExceededError(f"{where}: {len(pieces)} words; the limit is {self._limits.max_words}")
        tokens: list[PreparedToken] = []
        previous = ""
        for piece in self._expressions.join(pieces):
            found = self._candidates(piece.text, None, None)
            if previous in DETERMINERS:  # "the bank": a noun or an adjective, not a verb
                found = [c for c in found if c[0][1] in ("NOUN", "ADJ")] or found
            candidates, spans = [pair for pair, _ in found], [span for _, span in found]
            target = _default_target(piece.text, candidates, open_vocabulary)
            tokens.append(PreparedToken(piece.text, piece.start, piece.end, candidates, spans, target))
            previous = piece.text.lower()
        return tokens

    def _from_tokens(
        self, given: Sequence[InputToken], where: str, open_vocabulary: bool
    ) -> list[PreparedToken]:
        if not given:
            raise InputError(f"{where}: tokens are empty")
        words = sum(len((token.text or "").split()) for token in given)
        if words > self._limits.max_words:
            raise LimitExceededError(
                f"{where}: {words} words (token texts split at spaces); the limit is {self._limits.max_words}"
            )
        tokens = []
        for position, token in enumerate(given):
            if not token.text or not token.text.strip():
                raise InputError(f"{where}: token {position} has no text")
            if (
                token.pos is not None
                and token.pos.strip()
                and normalise_pos(token.pos) is None
                and token.target
            ):
                raise InputError(
                    f"{where}: token {position} is a target but POS {shown(token.pos)} has no senses"
                )
            found = self._candidates(token.text, token.lemma, token.pos)
            candidates, spans = [pair for pair, _ in found], [span for _, span in found]
            default = _default_target(token.text, candidates, open_vocabulary)
            target = default if token.target is None else token.target
            tokens.append(PreparedToken(token.text, None, None, candidates, spans, target))
        return tokens

    def _candidates(
        self, text: str, lemma: str | None, pos: str | None
    ) -> list[tuple[tuple[str, str], tuple[int, int]]]:
        """(lemma, POS) pairs to search, with their rows: the caller's, else WordNet's
        morphology over POS."""
        found: list[tuple[tuple[str, str], tuple[int, int]]] = []
        for tag, names in self._lemmas(text, lemma, pos):
            for name in names:
                span = self._index.candidate_range(name, tag)
                if span:
                    found.append(((name, tag), span))
        return found

    def _lemmas(self, text: str, lemma: str | None, pos: str | None) -> Sequence[tuple[str, Sequence[str]]]:
        """The lemmas to search by POS: the caller's lemma, else the inventory's for the form."""
        given = pos.strip() if pos else ""
        tag = normalise_pos(given) if given else None
        if given and tag is None:
            return ()  # a POS without senses
        tags = [tag] if tag else list(POS_TAGS)
        if lemma:
            return [(each, [lemma_key(lemma)]) for each in tags]
        return [(tag, self._inventory.lemmatise(text, tag))] if tag else self._inventory.lemmas_by_pos(text)


def _default_target(text: str, candidates: list[tuple[str, str]], open_vocabulary: bool) -> bool:
    """Whether a word is a target unless the caller says: not a stopword, and it has candidates
    (open vocabulary: it is a word at all, not punctuation)."""
    wanted = bool(candidates) or (open_vocabulary and any(c.isalnum() for c in text))
    return wanted and text.lower() not in STOPWORDS


def _apply_targets(tokens: list[PreparedToken], targets: Sequence[int], where: str) -> None:
    for index in targets:
        if not 0 <= index < len(tokens):
            raise InputError(f"{where}: target index {index} is out of range (0..{len(tokens) - 1})")
    wanted = set(targets)
    if len(wanted) < len(targets):
        repeated = next(i for i in targets if targets.count(i) > 1)
        raise InputError(f"{where}: target index {repeated} is repeated")
    for position, token in enumerate(tokens):
        token.target = position in wanted
