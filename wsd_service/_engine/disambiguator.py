"""Disambiguation: contextual vectors of target words against their candidates' sense vectors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .._core.config import EncoderConfig, LimitsConfig, ScoringConfig
from .._core.documents import Document, InputToken, SenseScore, TargetResult
from .._core.errors import InputError, LimitExceededError, shown
from .._core.sense import POS_TAGS, lemma_key, normalise_pos
from .custom import read_custom_inventory
from .encoder import Encoder
from .index import CUSTOM_FILE, SenseIndex, SenseRow, encoder_signature, load_index, read_manifest
from .inventory import Inventory
from .text import DETERMINERS, STOPWORDS, ExpressionFinder, tokenise
from .vectors import Vector
from .wordnet import DEFAULT_WORDNET_DIR, WordNetDatabase


@dataclass(slots=True)
class PreparedToken:
    """A token after tokenisation and candidate lookup."""

    text: str
    start: int | None
    end: int | None
    candidates: list[tuple[str, str]]  # (lemma, POS) pairs to search
    target: bool


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Documents after tokenisation, candidate lookup and encoding."""

    tokens: list[list[PreparedToken]]
    vectors: list[Vector]


def words_of(prepared: list[list[PreparedToken]]) -> list[list[str]]:
    """The encoder's input for prepared documents."""
    return [[t.text for t in tokens] for tokens in prepared]


class Disambiguator:
    """The engine's entry point: ``Disambiguator.load(index_dir).disambiguate("...")``."""

    def __init__(
        self,
        index: SenseIndex,
        encoder: Encoder,
        inventory: Inventory,
        scoring: ScoringConfig | None = None,
        limits: LimitsConfig | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.inventory = inventory
        self.scoring = scoring or ScoringConfig(**index.manifest.scoring)
        self.limits = limits or LimitsConfig()
        self._expressions = ExpressionFinder(inventory)
        dim = encoder.dimension
        if index.dimension != 2 * dim:
            raise InputError(f"index dimension {index.dimension} does not fit encoder dimension {dim}")

    @classmethod
    def load(
        cls,
        index_dir: Path,
        encoder_config: EncoderConfig | None = None,
        *,
        encoder: Encoder | None = None,
        wordnet_dir: Path = DEFAULT_WORDNET_DIR,
        scoring: ScoringConfig | None = None,
        limits: LimitsConfig | None = None,
        allow_backend_mismatch: bool = False,
    ) -> Disambiguator:
        """Load an index and an encoder; refuse a mismatched pair.

        With neither ``encoder`` nor ``encoder_config``, the default encoder is loaded with the
        layers and backend the index was built with.
        """
        if encoder is None:
            encoder = Encoder(encoder_config or read_manifest(index_dir).encoder.encoder_config())
        index = load_index(
            index_dir, encoder_signature(encoder), allow_backend_mismatch=allow_backend_mismatch
        )
        custom_path = index.directory / CUSTOM_FILE if index.directory else None
        custom = read_custom_inventory(custom_path) if custom_path and custom_path.is_file() else []
        inventory = Inventory(WordNetDatabase(wordnet_dir), custom)
        return cls(index, encoder, inventory, scoring, limits)

    # -- public API -----------------------------------------------------------------------

    def disambiguate(
        self,
        text: str | None = None,
        *,
        tokens: Sequence[InputToken] | None = None,
        targets: Sequence[int] | None = None,
        top_k: int = 1,
    ) -> list[TargetResult]:
        """Ranked senses for every target of one text or token list."""
        return self.disambiguate_batch([Document(text, tokens, targets)], top_k=top_k)[0]

    def disambiguate_batch(
        self, documents: Sequence[Document], *, top_k: int = 1
    ) -> list[list[TargetResult]]:
        """Several documents in one encoder pass (length-sorted batches inside the encoder)."""
        self._check_top_k(top_k)
        return self.rank(self.encode_documents(documents), top_k=top_k)

    def prepare(
        self, documents: Sequence[Document], *, max_words: int | None = None
    ) -> list[list[PreparedToken]]:
        """Tokens, candidates and targets of each document; checks input and limits."""
        prepared = [self._prepare(number, d) for number, d in enumerate(documents)]
        total = sum(len(tokens) for tokens in prepared)
        limit = self.limits.max_words if max_words is None else max_words
        if total > limit:
            raise LimitExceededError(f"{total} words in one call; the limit is {limit}")
        return prepared

    def encode_documents(
        self, documents: Sequence[Document], *, max_words: int | None = None
    ) -> EncodedBatch:
        """First half of disambiguation: prepared tokens and their contextual vectors."""
        prepared = self.prepare(documents, max_words=max_words)
        return EncodedBatch(prepared, self.encoder.encode(words_of(prepared)))

    def rank(self, batch: EncodedBatch, *, top_k: int = 1) -> list[list[TargetResult]]:
        """Second half: score every target's candidates; cheap, so weights can be re-tuned."""
        self._check_top_k(top_k)
        return [
            self._rank(tokens, matrix, top_k)
            for tokens, matrix in zip(batch.tokens, batch.vectors, strict=True)
        ]

    def _check_top_k(self, top_k: int) -> None:
        if not 1 <= top_k <= self.limits.max_top_k:
            raise InputError(f"top_k must be between 1 and {self.limits.max_top_k}, got {top_k}")

    # -- preparation ----------------------------------------------------------------------

    def _prepare(self, number: int, document: Document) -> list[PreparedToken]:
        where = f"document {number}"
        if (document.text is None) == (document.tokens is None):
            raise InputError(f"{where}: give either text or tokens")
        if document.text is not None:
            tokens = self._from_text(document.text, where)
        else:
            tokens = self._from_tokens(document.tokens or (), where)
        if document.targets is not None:
            self._apply_targets(tokens, document.targets, where)
        return tokens

    def _from_text(self, text: str, where: str) -> list[PreparedToken]:
        if len(text) > self.limits.max_chars:
            raise LimitExceededError(
                f"{where}: text has {len(text)} characters; the limit is {self.limits.max_chars}"
            )
        if not text.strip():
            raise InputError(f"{where}: text is empty")
        pieces = tokenise(text)
        if len(pieces) > self.limits.max_words:
            raise LimitExceededError(f"{where}: {len(pieces)} words; the limit is {self.limits.max_words}")
        tokens: list[PreparedToken] = []
        previous = ""
        for piece in self._expressions.join(pieces):
            candidates = self._candidates(piece.text, None, None)
            if previous in DETERMINERS:  # "the bank": a noun or an adjective, not a verb
                candidates = [c for c in candidates if c[1] in ("NOUN", "ADJ")] or candidates
            target = bool(candidates) and piece.text.lower() not in STOPWORDS
            tokens.append(PreparedToken(piece.text, piece.start, piece.end, candidates, target))
            previous = piece.text.lower()
        return tokens

    def _from_tokens(self, given: Sequence[InputToken], where: str) -> list[PreparedToken]:
        if not given:
            raise InputError(f"{where}: tokens are empty")
        if len(given) > self.limits.max_words:
            raise LimitExceededError(f"{where}: {len(given)} tokens; the limit is {self.limits.max_words}")
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
            candidates = self._candidates(token.text, token.lemma, token.pos)
            default = bool(candidates) and token.text.lower() not in STOPWORDS
            target = default if token.target is None else token.target
            tokens.append(PreparedToken(token.text, None, None, candidates, target))
        return tokens

    @staticmethod
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

    def _candidates(self, text: str, lemma: str | None, pos: str | None) -> list[tuple[str, str]]:
        """(lemma, POS) pairs to search: the caller's, else WordNet's morphology over POS."""
        tags = [normalise_pos(pos)] if pos and pos.strip() else list(POS_TAGS)
        pairs: list[tuple[str, str]] = []
        for tag in tags:
            if tag is None:
                continue
            lemmas = [lemma_key(lemma)] if lemma else self.inventory.lemmatise(text, tag)
            pairs.extend((name, tag) for name in lemmas if self.index.candidate_range(name, tag))
        return pairs

    # -- ranking --------------------------------------------------------------------------

    def _rank(self, tokens: list[PreparedToken], matrix: Vector, top_k: int) -> list[TargetResult]:
        results = []
        for position, (token, vector) in enumerate(zip(tokens, matrix, strict=True)):
            if not token.target:
                continue
            scored = self._score(vector, token.candidates)
            lemma, pos = token.candidates[0] if token.candidates else (lemma_key(token.text), "")
            if scored:
                lemma, pos = scored[0][0].lemma, scored[0][0].pos
            senses = [self._sense_score(row, score) for row, score in scored[:top_k]]
            results.append(TargetResult(position, token.text, lemma, pos, token.start, token.end, senses))
        return results

    def _score(self, vector: Vector, candidates: list[tuple[str, str]]) -> list[tuple[SenseRow, float]]:
        query = np.concatenate([vector, self.scoring.gloss_weight * vector]).astype(np.float32)
        found = [hit for lemma, pos in candidates for hit in self.index.search(query, lemma, pos)]
        if self.scoring.prior_weight:
            found = self._with_prior(found)
        return sorted(found, key=lambda hit: -hit[1])

    def _with_prior(self, found: list[tuple[SenseRow, float]]) -> list[tuple[SenseRow, float]]:
        """Adds weight * log of the sense's smoothed share of its lemma's occurrences."""
        totals: dict[tuple[str, str], tuple[int, int]] = {}
        for row, _ in found:
            count, senses = totals.get((row.lemma, row.pos), (0, 0))
            totals[(row.lemma, row.pos)] = (count + row.count, senses + 1)
        weight = self.scoring.prior_weight
        rescored = []
        for row, score in found:
            count, senses = totals[(row.lemma, row.pos)]
            rescored.append((row, score + weight * math.log((row.count + 1) / (count + senses))))
        return rescored

    def _sense_score(self, row: SenseRow, score: float) -> SenseScore:
        sense = self.inventory.by_key(row.key)
        gloss = sense.gloss if sense else ""
        return SenseScore(row.key, row.synset_id, round(score, 6), gloss, row.source)

    def with_scoring(self, scoring: ScoringConfig) -> Disambiguator:
        """The same engine with other scoring weights (used to tune on a dev set)."""
        clone = Disambiguator.__new__(Disambiguator)
        for name in ("index", "encoder", "inventory", "limits", "_expressions"):
            setattr(clone, name, getattr(self, name))
        clone.scoring = replace(scoring)
        return clone
