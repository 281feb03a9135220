"""Command line: ``wsd-service build-index | crossval | evaluate | disambiguate | nearest | serve | ...``.

A thin adapter: it parses arguments into config objects, calls the engine and prints.
Engine errors become one-line messages on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ._core.config import (
    BACKENDS,
    CORPUS_DEFAULTS,
    NEAREST_TOP_K,
    RELATION_GROUPS,
    WORDNET_ONLY_DEFAULTS,
    BackendName,
    BatcherConfig,
    BuildConfig,
    EncoderConfig,
    LimitsConfig,
    ServerConfig,
    parse_backend,
)
from ._core.environment import DEFAULT_INDEX_DIR
from ._core.errors import WsdError
from ._core.paths import DEFAULT_TARGET, DEFAULT_TIMEOUT
from ._util.logs import configure as configure_logging


def _layers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must be comma-separated integers, got {text!r}") from None


def _backend(text: str) -> BackendName:
    try:
        return parse_backend(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_encoder_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("encoder")
    group.add_argument("--encoder", type=Path, help="Hugging Face encoder folder (default: all-MiniLM-L6-v2)")
    group.add_argument(
        "--layers",
        type=_layers,
        help="hidden layers to average (0: embeddings), e.g. --layers=-4,-3,-2,-1;"
        " default: -1 to build, the index's own layers to query",
    )
    defaults = EncoderConfig()
    group.add_argument(
        "--batch-size", type=int, help=f"windows per forward pass at most (default {defaults.batch_size})"
    )
    group.add_argument(
        "--batch-tokens",
        type=int,
        help=f"padded pieces per forward pass at most (default {defaults.batch_tokens})",
    )
    group.add_argument("--threads", type=int, help="encoder threads (default: torch's choice)")
    group.add_argument(
        "--backend",
        type=_backend,
        help=f"encoder backend: {', '.join(BACKENDS)} (BENCHMARKS.md compares them); default:"
        " onnx (fp32) to build, the fastest backend the index allows to query (onnx-int8 for"
        " fp32-built indexes)",
    )


def _relation_weights(text: str) -> tuple[tuple[str, float], ...]:

    pairs: list[tuple[str, float]] = []
    if text.strip() == "none":
        return ()
    for item in filter(None, (part.strip() for part in text.split(","))):
        group, _, weight = item.partition("=")
        if group not in RELATION_GROUPS:
            known = ", ".join(RELATION_GROUPS)
            raise argparse.ArgumentTypeError(f"unknown relation group {group!r}; choose from {known}")
        try:
            pairs.append((group, float(weight or 1.0)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item!r}: the weight must be a number") from None
    return tuple(pairs)


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    """What the sense vectors are made of and how they are scored: build-index and crossval."""
    group = parser.add_argument_group("sense vectors")
    group.add_argument("--no-examples", action="store_true", help="ignore WordNet usage examples")
    group.add_argument("--no-propagation", action="store_true", help="no synset/hypernym/lexname fill")
    corpus, wordnet = CORPUS_DEFAULTS.scoring, WORDNET_ONLY_DEFAULTS.scoring
    for option, kind, what in (
        ("prior-weight", float, "weight of the sense-frequency prior"),
        ("gloss-weight", float, "weight of the gloss half of the sense vectors"),
        (
            "occurrence-weight",
            float,
            "weight of the similarity to the nearest corpus occurrence (kNN)",
        ),
        ("occurrence-k", int, "nearest occurrences averaged for that similarity"),
        (
            "try-again-weight",
            float,
            "weight of the neighbourhoods when the top two are compared again",
        ),
    ):
        name = option.replace("-", "_")
        group.add_argument(
            f"--{option}",
            type=kind,
            help=f"{what}, stored in the index (default {getattr(corpus, name)} with a corpus,"
            f" {getattr(wordnet, name)} without)",
        )
    group.add_argument(
        "--gloss-broader", action="store_true", help="gloss texts also name the sense's hypernyms"
    )
    group.add_argument(
        "--no-occurrences",
        action="store_true",
        help="keep no corpus occurrence vectors in the index (no kNN; smaller)",
    )
    for half in ("context", "gloss"):
        group.add_argument(
            f"--{half}-relations",
            type=_relation_weights,
            metavar="GROUP=W,...",
            help=f"move each sense's {half} vector toward its related synsets' mean, by relation"
            " group (hypernym, hyponym, similar, derivation, ...); 'none' for no enhancement"
            ' (default: README "Accuracy")',
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wsd-service", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build-index", help="build a sense index")
    build.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        metavar="PREFIX",
        help="Raganato pair PREFIX.data.xml + PREFIX.gold.key.txt (repeatable)",
    )
    build.add_argument("--inventory", type=Path, help="JSONL file of custom senses")
    build.add_argument("--lemmas", help="comma-separated lemmas: build a small index of only these")
    _add_build_options(build)
    build.add_argument(
        "--vectors",
        choices=("fp16", "fp32"),
        default=BuildConfig().vector_storage,
        help="how sense vectors are stored: fp16 (half the memory, default) or fp32",
    )
    build.add_argument("--out", type=Path, default=DEFAULT_INDEX_DIR, help="index folder")
    build.add_argument("--quiet", action="store_true", help="no progress bars")
    build.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="encode on Ray Data: a local Ray when no ADDRESS is given, else join that cluster"
        " ('auto' or host:port); needs the [ray] extra",
    )
    build.add_argument("--ray-actors", type=int, help="encoder actors on Ray (default: one per cluster CPU)")
    _add_encoder_options(build)

    crossval = commands.add_parser(
        "crossval", help="k-fold cross-validation of build options over a corpus's documents"
    )
    crossval.add_argument("corpus", type=Path, metavar="PREFIX", help="annotated corpus to fold (SemCor)")
    crossval.add_argument(
        "--dev",
        type=Path,
        action="append",
        default=[],
        metavar="PREFIX",
        help="also score this corpus with vectors from all of PREFIX (repeatable)",
    )
    crossval.add_argument("--folds", type=int, default=5, help="folds of documents (default 5)")
    crossval.add_argument("--lemmas", help="comma-separated lemmas: only their senses (a quick trial)")
    crossval.add_argument(
        "--cache",
        type=Path,
        help="where encoded occurrences, glosses and examples are kept (default: WSD_CACHE_DIR/crossval)",
    )
    crossval.add_argument(
        "--wordnet-only",
        action="store_true",
        help="sense vectors from WordNet alone, as the default index (the folds hold out tag counts)",
    )
    crossval.add_argument("--json", action="store_true", help="print one JSON object")
    crossval.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_build_options(crossval)
    _add_encoder_options(crossval)

    evaluate = commands.add_parser("evaluate", help="P/R/F1 on Raganato corpora")
    evaluate.add_argument("prefixes", type=Path, nargs="+", metavar="PREFIX")
    evaluate.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--predictions", type=Path, metavar="OUT", help="write instance-id key lines")
    evaluate.add_argument("--prior-weight", type=float, help="override the index's scoring")
    evaluate.add_argument("--gloss-weight", type=float, help="override the index's scoring")
    evaluate.add_argument("--occurrence-weight", type=float, help="override the index's scoring")
    evaluate.add_argument("--try-again-weight", type=float, help="override the index's scoring")
    _add_encoder_options(evaluate)

    query = commands.add_parser("disambiguate", help="disambiguate a text with a local index")
    query.add_argument("text")
    query.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR)
    query.add_argument("--top-k", type=int, default=3)
    query.add_argument("--json", action="store_true")
    _add_encoder_options(query)

    serve = commands.add_parser("serve", help="run the gRPC server (wsd.v1.WsdService)")
    serve.add_argument(
        "--index", type=Path, help="index folder (default: the default index, built if missing)"
    )
    server, limits, batcher = ServerConfig(), LimitsConfig(), BatcherConfig()
    serve.add_argument("--host", default=server.host, help="address to bind (0.0.0.0: every interface)")
    serve.add_argument("--port", type=int, default=server.port)
    serve.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on this port")
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port"
        " (default: one per core this process may use, cgroup quota included)",
    )
    serve.add_argument(
        "--encoder-slots",
        type=int,
        default=batcher.slots,
        help="batches each worker encodes at once, one thread each (default: one per core)",
    )
    serve.add_argument(
        "--max-batch", type=int, default=batcher.max_batch_sentences, help="sentences per encoder batch"
    )
    serve.add_argument(
        "--max-wait-ms",
        type=float,
        default=batcher.max_wait * 1000,
        help="wait for a batch to fill (0: never wait)",
    )
    serve.add_argument(
        "--max-queue",
        type=int,
        default=batcher.max_queue_sentences,
        help="sentences waiting before RESOURCE_EXHAUSTED",
    )
    serve.add_argument(
        "--max-documents", type=int, default=limits.max_documents, help="documents per request"
    )
    serve.add_argument("--max-words", type=int, default=limits.max_words, help="words per request")
    serve.add_argument("--max-chars", type=int, default=limits.max_chars, help="characters per text")
    serve.add_argument("--max-message-bytes", type=int, default=server.max_message_bytes)
    serve.add_argument(
        "--grace", type=float, default=server.grace_seconds, help="seconds to drain on SIGTERM"
    )
    serve.add_argument(
        "--drain-delay",
        type=float,
        default=server.drain_delay,
        help="seconds of NOT_SERVING health before new calls are refused on SIGTERM",
    )
    serve.add_argument(
        "--max-connection-age",
        type=float,
        default=server.max_connection_age,
        help="seconds before a client connection is closed (gracefully) so clients re-resolve and rebalance",
    )
    serve.add_argument("--log-json", action="store_true", help="structured JSON-lines logs")
    access = serve.add_argument_group("access control")
    access.add_argument("--tls-cert", type=Path, help="server certificate (PEM); with --tls-key: TLS")
    access.add_argument("--tls-key", type=Path, help="server private key (PEM)")
    access.add_argument("--tls-client-ca", type=Path, help="require client certificates signed by this CA")
    access.add_argument("--token-file", type=Path, help="accepted bearer tokens, one per line")
    _add_encoder_options(serve)

    annotate = commands.add_parser("annotate", help="annotate a large file (resumable), locally or remotely")
    annotate.add_argument("input", type=Path, help="one text per line, JSONL records, or CoNLL-U")
    annotate.add_argument(
        "--format", choices=("text", "jsonl", "conllu"), help="input format (default: by suffix)"
    )
    annotate.add_argument("--out", type=Path, required=True, help="output file; rerun to resume it")
    annotate.add_argument("--out-format", choices=("jsonl", "conllu"), help="default: by suffix, else jsonl")
    where = annotate.add_mutually_exclusive_group()
    where.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, help="local index")
    where.add_argument("--server", help="HOST:PORT of a running server instead of a local index")
    annotate.add_argument("--token-file", type=Path, help="bearer token for --server")
    annotate.add_argument("--top-k", type=int, default=1)
    annotate.add_argument("--batch", type=int, default=64, help="texts per engine call")
    annotate.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_encoder_options(annotate)

    plot = commands.add_parser("plot", help="draw a lemma's occurrences and sense vectors in 2-D")
    plot.add_argument("lemma")
    plot.add_argument("--pos", choices=("NOUN", "VERB", "ADJ", "ADV"), default="NOUN")
    plot.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR)
    plot.add_argument("--sentences", type=Path, help="raw sentences, one per line (labels: predicted)")
    plot.add_argument(
        "--corpus", type=Path, action="append", default=[], metavar="PREFIX",
        help="annotated corpus (labels: gold); default: the corpora the index was built from",
    )  # fmt: skip
    plot.add_argument("--out", type=Path, required=True, help="PNG file")
    plot.add_argument("--data", type=Path, help="also write the projected points and labels as JSON")
    _add_encoder_options(plot)

    client = commands.add_parser("query", help="ask a running server and print its senses")
    client.add_argument("text")
    client.add_argument(
        "--server", default=DEFAULT_TARGET, help="gRPC target: HOST:PORT, dns:///HOST:PORT, ..."
    )
    client.add_argument("--top-k", type=int, default=3)
    client.add_argument("--json", action="store_true")
    _add_client_options(client)

    nearest = commands.add_parser(
        "nearest", help="the nearest senses of every word across the whole inventory (open vocabulary)"
    )
    nearest.add_argument("text")
    where = nearest.add_mutually_exclusive_group()
    where.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, help="local index")
    where.add_argument("--server", help="gRPC target of a running server instead of a local index")
    nearest.add_argument("--top-k", type=int, default=NEAREST_TOP_K)
    nearest.add_argument("--json", action="store_true")
    _add_client_options(nearest)
    _add_encoder_options(nearest)
    return parser


def _add_client_options(parser: argparse.ArgumentParser) -> None:
    """How a command reaches a server: timeout, TLS and token."""
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per call")
    parser.add_argument("--tls-ca", type=Path, help="connect over TLS, trusting this CA (PEM)")
    parser.add_argument("--tls", action="store_true", help="connect over TLS, trusting the system's CAs")
    parser.add_argument("--tls-cert", type=Path, help="client certificate (PEM), for mutual TLS")
    parser.add_argument("--tls-key", type=Path, help="client private key (PEM)")
    parser.add_argument("--token-file", type=Path, help="file whose first token is sent as Bearer")


# command -> (module under _tools, function); imported on use, so that ``query`` loads no engine.
_COMMANDS = {
    "build-index": ("commands", "build_index"),
    "evaluate": ("commands", "evaluate"),
    "crossval": ("crossval", "crossval"),
    "disambiguate": ("commands", "disambiguate"),
    "annotate": ("commands", "annotate"),
    "plot": ("commands", "plot"),
    "serve": ("serve", "serve"),
    "query": ("query", "query"),
    "nearest": ("nearest", "nearest"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.verbose or args.command == "serve", getattr(args, "log_json", False))
    try:
        module, function = _COMMANDS[args.command]
        command: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(f"._tools.{module}", __package__), function
        )
        return command(args)
    except WsdError as error:
        print(f"wsd-service {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"wsd-service {args.command}: interrupted", file=sys.stderr)
        return 130
