"""``wsd-service train``: fine-tune an encoder folder for senses on annotated corpora."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, get_args

from .._core.config import Device, TrainConfig
from .corpus_options import add_corpus_option
from .registration import Commands
from .vector_options import lemma_set

# Options named as TrainConfig's fields: given, they override its defaults.
_OPTIONS = (
    "epochs",
    "learning_rate",
    "batch_sentences",
    "max_pieces",
    "unfrozen_layers",
    "seed",
    "device",
    "threads",
    "checkpoint_minutes",
    "lemmas",
)


def register(commands: Commands) -> None:
    defaults = TrainConfig()
    parser = commands.add_parser(
        "train",
        help="fine-tune an encoder for senses (then: build-index --encoder OUT)",
        description="Fine-tune the context encoder so that each annotated word's vector scores its"
        " gold sense's gloss above its lemma's other senses; writes a new encoder folder. A run"
        " stopped or killed resumes when the same command is run again.",
    )
    add_corpus_option(
        parser,
        "--corpus",
        "Raganato pair PREFIX.data.xml + PREFIX.gold.key.txt to train on (repeatable)",
        required=True,
    )
    add_corpus_option(parser, "--dev", "Raganato pair scored after each epoch, not trained on (repeatable)")
    parser.add_argument(
        "--encoder", type=Path, metavar="DIR", help="encoder folder to start from (default: all-MiniLM-L6-v2)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="the trained encoder folder to write"
    )
    parser.add_argument(
        "--epochs", metavar="N", type=int, help=f"passes over the corpora (default {defaults.epochs})"
    )
    parser.add_argument(
        "--learning-rate",
        metavar="RATE",
        type=float,
        help=f"peak AdamW learning rate (default {defaults.learning_rate})",
    )
    parser.add_argument(
        "--batch-sentences",
        metavar="N",
        type=int,
        help=f"sentences per step (default {defaults.batch_sentences})",
    )
    parser.add_argument(
        "--max-pieces",
        metavar="N",
        type=int,
        help=f"word pieces per window while training (default {defaults.max_pieces})",
    )
    parser.add_argument(
        "--unfrozen-layers",
        metavar="N",
        type=int,
        help="train only the top N transformer layers (default: all of it)",
    )
    parser.add_argument(
        "--seed", metavar="N", type=int, help=f"seed of the batch order and dropout (default {defaults.seed})"
    )
    parser.add_argument(
        "--device",
        choices=get_args(Device),
        help=f"where to train (default {defaults.device}: CUDA when present)",
    )
    parser.add_argument(
        "--threads", metavar="N", type=int, help="CPU threads (default: every CPU this process may use)"
    )
    parser.add_argument(
        "--checkpoint-minutes",
        metavar="MINUTES",
        type=float,
        help=f"minutes between checkpoints (default {defaults.checkpoint_minutes}; 0: every step)",
    )
    parser.add_argument(
        "--lemmas", type=lemma_set, help="train on these lemmas' words only (comma-separated)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def train_config(args: argparse.Namespace) -> TrainConfig:
    given: dict[str, Any] = {
        name: getattr(args, name) for name in _OPTIONS if getattr(args, name) is not None
    }
    return TrainConfig(**given, progress=not args.quiet)


def run(args: argparse.Namespace) -> int:
    from .._engine.build.raganato import read_corpus
    from .._engine.encoding.encoder import default_model_dir
    from .._engine.lexicon.inventory import Inventory
    from .._engine.training.fine_tune import fine_tune

    config = train_config(args)
    corpora = [read_corpus(prefix) for prefix in args.corpus]
    dev = [read_corpus(prefix) for prefix in args.dev]
    base = args.encoder or default_model_dir()
    record = fine_tune(base, corpora, dev, args.out, config, Inventory())
    print(f"trained encoder written to {args.out} in {record['training_seconds']:.0f} s of training")
    for figures in record["epochs"]:
        print(_epoch_line(figures))
    return 0


def _epoch_line(figures: dict[str, Any]) -> str:
    """epoch 1: training loss 1.247, gold on top 56.7 %; dev loss 1.384, gold on top 54.1 %; 877 s"""
    parts = []
    for name, loss, accuracy in (
        ("training", figures["loss"], figures["accuracy"]),
        ("dev", figures["dev_loss"], figures["dev_accuracy"]),
    ):
        if loss is not None:
            parts.append(f"{name} loss {loss:.3f}, gold on top {100 * accuracy:.1f} %")
    return f"epoch {figures['epoch']}: {'; '.join(parts)}; {figures['seconds']:.0f} s"
