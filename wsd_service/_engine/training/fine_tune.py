"""Fine-tuning an encoder folder for senses, from annotated corpora to a new encoder folder."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from ..._core.arrays import Vector
from ..._core.config import EncoderConfig, TrainConfig
from ..._core.errors import WsdError
from ..._core.hashing import sha256_file
from ..._core.sense import Sense
from ..build.raganato import Corpus
from ..encoding.encoder import Encoder
from ..encoding.torch_backend import load_hugging_face
from ..lexicon.inventory import Inventory
from .checkpoint import CheckpointDir
from .encoder_folder import write_encoder_folder
from .examples import TrainingSet, gloss_matrix, training_set
from .objective import SenseObjective
from .trainer import Trained, Trainer, check_unfrozen_layers, freeze_below, pick_device

# Gloss vectors of these senses, one row each, from the base encoder.
GlossSource = Callable[[Sequence[Sense]], Vector]
_NOT_IDENTITY = ("progress", "threads", "checkpoint_minutes")  # options that do not change the result


def checkpoint_dir(out: Path) -> Path:
    """Where a run writing ``out`` keeps its checkpoint until the output is written."""
    return out.with_name(out.name + ".training")


def fine_tune(
    base: Path,
    corpora: Sequence[Corpus],
    dev: Sequence[Corpus],
    out: Path,
    config: TrainConfig,
    inventory: Inventory,
    glosses: GlossSource | None = None,
) -> dict[str, Any]:
    """Train ``base``'s context encoder on ``corpora`` and write it to ``out``; the record that
    ``out/training.json`` holds is returned. A run interrupted earlier with the same inputs and
    options resumes from its checkpoint. ``glosses``: where the fixed gloss vectors come from
    (default: the base encoder encodes the glosses now)."""
    device = pick_device(config.device)
    planner = Encoder(
        EncoderConfig(model_dir=base, backend="torch", max_length=config.max_pieces, threads=config.threads)
    )
    check_unfrozen_layers(config.unfrozen_layers, planner.num_layers)
    examples = training_set(corpora, dev, inventory, config.lemmas)
    identity = _identity(planner, corpora, dev, config, "given" if glosses else "base encoder")
    checkpoints = CheckpointDir(checkpoint_dir(out))
    checkpoints.claim(identity)
    started = time.monotonic()
    if glosses is None:
        matrix = gloss_matrix(examples.senses, planner.encode, planner.dimension, config.progress)
    else:
        matrix = glosses(examples.senses)
    gloss_seconds = time.monotonic() - started
    model = _trainable_model(base, config)
    objective = SenseObjective(model, torch.from_numpy(matrix), planner.layers, config.temperature)
    trained = Trainer(objective.to(device), planner, config, checkpoints).run(examples.examples, examples.dev)
    record = _record(identity, planner, str(device), examples, trained, gloss_seconds)
    write_encoder_folder(model.to("cpu"), planner.model_dir, out, record)
    shutil.rmtree(checkpoints.path, ignore_errors=True)
    return record


def _record(
    identity: dict[str, Any],
    planner: Encoder,
    device: str,
    examples: TrainingSet,
    trained: Trained,
    gloss_seconds: float,
) -> dict[str, Any]:
    """``training.json``: the run's identity, what it saw and what it measured."""
    return {
        **identity,
        "layers": list(planner.layers),
        "device": device,
        "sentences": len(examples.examples),
        "targets": sum(len(e.targets) for e in examples.examples),
        "dev_targets": sum(len(e.targets) for e in examples.dev),
        "epochs": [asdict(f) for f in trained.epochs],  # from epoch 0 (untrained) with a dev set
        "resumed_at_steps": trained.resumed_at,
        "gloss_seconds": round(gloss_seconds, 1),
        "training_seconds": round(sum(f.seconds for f in trained.epochs), 1),
    }


def _trainable_model(base: Path, config: TrainConfig) -> Any:
    try:
        model, _ = load_hugging_face(base)
    except (OSError, ValueError) as error:
        raise WsdError(f"encoder folder {base}: cannot load its weights ({error})") from error
    freeze_below(model, config.unfrozen_layers)
    return model


def _identity(
    planner: Encoder, corpora: Sequence[Corpus], dev: Sequence[Corpus], config: TrainConfig, glosses: str
) -> dict[str, Any]:
    """What decides a run's result: a checkpoint resumes only a run with the same identity."""
    options = asdict(replace(config, lemmas=None))
    for name in _NOT_IDENTITY:
        options.pop(name)
    options["lemmas"] = sorted(config.lemmas) if config.lemmas is not None else None
    return {
        "base_encoder": {"name": planner.name, "weights_sha256": planner.weights_sha256},
        "corpora": [_corpus_record(c) for c in corpora],
        "dev": [_corpus_record(c) for c in dev],
        "options": options,
        "glosses": glosses,
    }


def _corpus_record(corpus: Corpus) -> dict[str, str]:
    """The files, and the annotated words taken from them (a corpus may be part of its files)."""
    taken = sorted(f"{i} {' '.join(corpus.gold.get(i, ()))}" for i in corpus.instances())
    return {
        "name": corpus.name,
        "data_sha256": sha256_file(corpus.data_path),
        "gold_sha256": sha256_file(corpus.gold_path),
        "instances_sha256": hashlib.sha256("\n".join(taken).encode()).hexdigest(),
    }
