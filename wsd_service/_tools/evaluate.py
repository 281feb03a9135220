"""``wsd-service evaluate``: precision, recall and F1 of a local index on Raganato corpora."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .._core.environment import DEFAULT_INDEX_DIR
from .encoder_options import add_encoder_options
from .engines import local_engine
from .registration import Commands
from .vector_options import add_scoring_overrides

if TYPE_CHECKING:
    from .._engine.dev.evaluate import Evaluation


def register(commands: Commands) -> None:
    parser = commands.add_parser("evaluate", help="P/R/F1 on Raganato corpora")
    parser.add_argument("prefixes", type=Path, nargs="+", metavar="PREFIX")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--predictions", type=Path, metavar="OUT", help="write instance-id key lines")
    add_scoring_overrides(parser)
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._engine.build.raganato import read_corpus
    from .._engine.dev.evaluate import evaluate

    corpora = [read_corpus(prefix) for prefix in args.prefixes]
    disambiguator = local_engine(args)
    results = [evaluate(disambiguator, corpus) for corpus in corpora]
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
