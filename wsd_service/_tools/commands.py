"""What each CLI command does, over the engine."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from .._core.config import BuildConfig, EncoderConfig, ScoringConfig
from .._core.credentials import ClientTls, TlsConfig, read_token, read_tokens
from .._core.documents import BatchEngine, TargetResult
from .._core.errors import InputError
from .._core.raganato import read_corpus
from .._engine.builder import IndexBuilder
from .._engine.custom import read_custom_inventory
from .._engine.disambiguator import Disambiguator
from .._engine.encoder import Encoder
from .._engine.evaluate import Evaluation
from .._engine.evaluate import evaluate as evaluate_corpus
from .._engine.index import read_manifest
from .._engine.inventory import Inventory


def build_index(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    started = time.time()
    config = _build_config(args)
    custom = read_custom_inventory(config.custom_inventory) if config.custom_inventory else []
    builder = IndexBuilder(Encoder(encoder_config), Inventory(custom=custom), config)
    report = builder.build(args.out)
    senses = ", ".join(f"{name} {count}" for name, count in report.manifest.senses.items())
    print(f"index written to {args.out} ({report.directory.name}) in {time.time() - started:.1f} s: {senses}")
    if report.unknown_keys:
        top = ", ".join(key for key, _ in report.unknown_keys.most_common(5))
        print(f"{sum(report.unknown_keys.values())} gold keys not in the inventory were skipped (e.g. {top})")
    return 0


def _build_config(args: argparse.Namespace) -> BuildConfig:
    lemmas = None
    if args.lemmas:
        lemmas = frozenset("_".join(x.lower().split()) for x in args.lemmas.split(",") if x.strip())
    return BuildConfig(
        corpora=tuple(args.corpus),
        custom_inventory=args.inventory,
        lemmas=lemmas,
        use_examples=not args.no_examples,
        propagate=not args.no_propagation,
        vector_storage=args.vectors,
        scoring=ScoringConfig(prior_weight=args.prior_weight, gloss_weight=args.gloss_weight),
        progress=not args.quiet,
    )


def _index_encoder(args: argparse.Namespace, encoder_config: EncoderConfig) -> EncoderConfig:
    """The encoder options given, with the index's layers and backend where none were given."""
    built = read_manifest(args.index).encoder.encoder_config()
    return replace(
        encoder_config,
        layers=built.layers if args.layers is None else encoder_config.layers,
        backend=args.backend or built.backend,
    )


def _load(args: argparse.Namespace, encoder_config: EncoderConfig) -> Disambiguator:
    disambiguator = Disambiguator.load(
        args.index,
        _index_encoder(args, encoder_config),
        allow_backend_mismatch=args.allow_backend_mismatch,
    )
    overrides = {
        name: value
        for name in ("prior_weight", "gloss_weight")
        if (value := getattr(args, name, None)) is not None
    }
    return (
        disambiguator.with_scoring(replace(disambiguator.scoring, **overrides))
        if overrides
        else disambiguator
    )


def evaluate(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    corpora = [read_corpus(prefix) for prefix in args.prefixes]
    disambiguator = _load(args, encoder_config)
    results = [evaluate_corpus(disambiguator, corpus) for corpus in corpora]
    if args.predictions:
        _write_predictions(args.predictions, results)
    if args.json:
        print(json.dumps({"datasets": {r.corpus: _as_dict(r) for r in results}}, indent=2))
    else:
        _print_table(results)
    return 0


def _as_dict(result: Evaluation) -> dict[str, object]:
    return {
        **result.report.overall.as_dict(),
        "by_pos": {pos: score.as_dict() for pos, score in result.report.by_pos.items()},
    }


def _print_table(results: list[Evaluation]) -> None:
    print(f"{'dataset':<16} {'group':<6} {'P':>6} {'R':>6} {'F1':>6} {'cover':>6} {'n':>7}")
    for result in results:
        groups = [("ALL", result.report.overall), *result.report.by_pos.items()]
        for group, score in groups:
            print(
                f"{result.corpus:<16} {group:<6} {score.precision:6.1f} {score.recall:6.1f} "
                f"{score.f1:6.1f} {score.coverage:6.1f} {score.instances:7d}"
            )


def _write_predictions(path: Path, results: list[Evaluation]) -> None:
    lines = [f"{i} {key}\n" for r in results for i, key in sorted(r.predictions.items())]
    path.write_text("".join(lines), encoding="utf-8")


def disambiguate(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    disambiguator = _load(args, encoder_config)
    results = disambiguator.disambiguate(args.text, top_k=args.top_k)
    _print_results(results, args.json)
    return 0


def _print_results(results: list[TargetResult], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
        return
    if not results:
        print("no word of this text has senses in the index", file=sys.stderr)
    print(f"{'word':<16} {'#':>2} {'score':>7} {'sense key':<28} {'source':<10} gloss")
    for result in results:
        for rank, sense in enumerate(result.senses, start=1):
            word = result.text if rank == 1 else ""
            gloss = sense.gloss[:60]
            print(f"{word:<16} {rank:>2} {sense.score:7.3f} {sense.key:<28} {sense.source:<10} {gloss}")
        if not result.senses:
            print(f"{result.text:<16}  - (no senses)")


def serve(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    from .._serving.batcher import BatcherConfig
    from .._serving.engine import ServiceLimits
    from .._serving.server import ServerConfig, serve_forever

    given = (args.encoder, args.layers, args.backend, args.threads)
    explicit = any(option is not None for option in given)
    if explicit and args.index is not None:
        encoder_config = _index_encoder(args, encoder_config)
    config = ServerConfig(
        index=args.index,
        host=args.host,
        port=args.port,
        encoder=encoder_config if explicit else None,
        allow_backend_mismatch=args.allow_backend_mismatch,
        limits=ServiceLimits(args.max_documents, args.max_words, args.max_chars),
        batcher=BatcherConfig(args.max_batch, args.max_wait_ms / 1000, args.max_queue),
        max_message_bytes=args.max_message_bytes,
        metrics_port=args.metrics_port,
        grace_seconds=args.grace,
        drain_delay=args.drain_delay,
        tls=_server_tls(args),
        tokens=read_tokens(args.token_file) if args.token_file else frozenset(),
    )
    asyncio.run(serve_forever(config))
    return 0


def _server_tls(args: argparse.Namespace) -> TlsConfig | None:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InputError("TLS needs both --tls-cert and --tls-key")
    if args.tls_cert is None:
        if args.tls_client_ca is not None:
            raise InputError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    return TlsConfig(args.tls_cert, args.tls_key, args.tls_client_ca)


def query(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    from ..client import WsdClient

    secure = args.tls or args.tls_ca or args.tls_cert
    tls = ClientTls(args.tls_ca, args.tls_cert, args.tls_key) if secure else None
    token = read_token(args.token_file) if args.token_file else None
    with WsdClient(args.server, timeout=args.timeout, tls=tls, token=token) as client:
        results = client.disambiguate(args.text, top_k=args.top_k)
    _print_results(results, args.json)
    return 0


def annotate(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    from .annotate import AnnotateConfig, InputFormat, OutputFormat
    from .annotate import annotate as annotate_file

    suffix = args.input.suffix
    input_format: InputFormat = args.format or (
        "jsonl" if suffix == ".jsonl" else "conllu" if suffix == ".conllu" else "text"
    )
    output_format: OutputFormat = args.out_format or ("conllu" if args.out.suffix == ".conllu" else "jsonl")
    if not args.input.is_file():
        raise InputError(f"{args.input}: no such file")
    config = AnnotateConfig(input_format, output_format, args.top_k, args.batch, not args.quiet)
    report = annotate_file(_batch_engine(args, encoder_config), args.input, args.out, config)
    resumed = f" (resumed after {report.skipped} already written)" if report.skipped else ""
    print(f"annotated {report.annotated} into {args.out}{resumed}", file=sys.stderr)
    return 0


def _batch_engine(args: argparse.Namespace, encoder_config: EncoderConfig) -> BatchEngine:
    if args.server:
        from ..client import WsdClient

        token = read_token(args.token_file) if args.token_file else None
        return WsdClient(args.server, timeout=600, token=token)
    return _load(args, encoder_config)


def plot(args: argparse.Namespace, encoder_config: EncoderConfig) -> int:
    from .plot import draw, occurrences_for, sense_space

    engine = _load(args, encoder_config)
    lemma = "_".join(args.lemma.lower().split())
    occurrences, source = occurrences_for(engine, lemma, args.pos, args.sentences, args.corpus)
    space = sense_space(engine, lemma, args.pos, occurrences, source)
    draw(space, args.out)
    if args.data:
        args.data.write_text(json.dumps(space.to_json(), indent=1), encoding="utf-8")
    print(f"{args.out}: {len(space.labels)} occurrences, {len(set(space.labels))} senses", file=sys.stderr)
    return 0
