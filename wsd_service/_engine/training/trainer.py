"""The training loop: length-grouped batches in a seeded order, AdamW with a linear warm-up and
decay, checkpoints every few minutes, and per epoch the mean loss and the share of annotated
words whose gold sense scores highest, on the training set and on the dev set.

Everything that decides the result (weights, optimiser moments, the random state that drops
out units, the position in the epoch) is in the checkpoint, and the batches follow from the
seed alone, so on CPU a run resumed after ``kill -9`` ends with the weights an uninterrupted one
has (CUDA kernels may add in another order: the same up to rounding).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from ..._core.config import TrainConfig
from ..._core.errors import InputError
from ..._util.cpus import available_cpus
from ..encoding.encoder import Encoder
from .batches import batch_of, epoch_batches
from .checkpoint import CheckpointDir
from .examples import Example
from .objective import SenseObjective


@dataclass(frozen=True, slots=True)
class EpochFigures:
    """One epoch's figures; epoch 0 is the encoder before training (dev figures only)."""

    epoch: int
    loss: float | None  # mean cross-entropy over the epoch's batches
    accuracy: float | None  # share of training targets with the gold sense on top, as trained
    dev_loss: float | None
    dev_accuracy: float | None  # the same on the dev examples, after the epoch
    seconds: float


@dataclass(slots=True)
class _Progress:
    """Where a run is: saved in every checkpoint."""

    epoch: int = 0
    step: int = 0  # batches done in ``epoch``
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0  # training time before this process
    epochs: list[dict[str, Any]] = field(default_factory=list)
    resumed_at: list[int] = field(default_factory=list)  # the global step of each resumption


@dataclass(frozen=True, slots=True)
class Trained:
    epochs: list[EpochFigures]
    resumed_at: list[int]  # the global step where each resumed process started


def pick_device(wanted: str) -> torch.device:
    if wanted == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: this machine's torch sees no CUDA device")
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)


def check_unfrozen_layers(unfrozen_layers: int | None, layers: int) -> None:
    if unfrozen_layers is not None and not 1 <= unfrozen_layers <= layers:
        raise InputError(f"--unfrozen-layers must be 1 to {layers}, got {unfrozen_layers}")


def freeze_below(model: Any, unfrozen_layers: int | None) -> None:
    """Only the top ``unfrozen_layers`` transformer layers train (None: every weight)."""
    if unfrozen_layers is None:
        return
    layers = list(model.encoder.layer)
    trained = {id(p) for layer in layers[len(layers) - unfrozen_layers :] for p in layer.parameters()}
    for parameter in model.parameters():
        parameter.requires_grad_(id(parameter) in trained)


class Trainer:
    """Trains ``objective``'s model on ``examples``, checkpointing into ``checkpoints``."""

    def __init__(
        self,
        objective: SenseObjective,
        planner: Encoder,
        config: TrainConfig,
        checkpoints: CheckpointDir,
    ) -> None:
        self.objective = objective
        self.planner = planner
        self.config = config
        self.checkpoints = checkpoints
        self.optimiser = torch.optim.AdamW(self._groups(), lr=config.learning_rate)

    def _groups(self) -> list[dict[str, Any]]:
        """Weight decay on matrices only: not on biases, layer norms or the temperature."""
        trained = [p for p in self.objective.parameters() if p.requires_grad]
        return [
            {"params": [p for p in trained if p.dim() >= 2], "weight_decay": self.config.weight_decay},
            {"params": [p for p in trained if p.dim() < 2], "weight_decay": 0.0},
        ]

    def run(self, examples: Sequence[Example], dev: Sequence[Example]) -> Trained:
        if not examples:
            raise InputError("the corpora hold no annotated word with more than one candidate sense")
        config = self.config
        torch.set_num_threads(config.threads or available_cpus())
        torch.manual_seed(config.seed)
        per_epoch = len(epoch_batches(examples, config.batch_sentences, config.seed, 0))
        state = self._resume(per_epoch)
        if not state.epochs and state.step == 0 and dev:
            state.epochs.append(asdict(EpochFigures(0, None, None, *self.score(dev), 0.0)))
        total = per_epoch * config.epochs
        started = time.monotonic()
        saved = started
        with tqdm(
            total=total,
            initial=state.epoch * per_epoch + state.step,
            desc="training",
            unit="batch",
            disable=not config.progress,
        ) as bar:
            while state.epoch < config.epochs:
                batches = epoch_batches(examples, config.batch_sentences, config.seed, state.epoch)
                while state.step < len(batches):
                    chosen = [examples[n] for n in batches[state.step]]
                    self._step(chosen, state.epoch * per_epoch + state.step, total, state)
                    state.step += 1
                    bar.update(1)
                    bar.set_postfix(loss=f"{state.loss_sum / state.step:.3f}")
                    if time.monotonic() - saved >= config.checkpoint_minutes * 60:
                        self._save(state, started)
                        saved = time.monotonic()
                self._finish_epoch(state, dev, started)
                self._save(state, started)
                saved = time.monotonic()
        return Trained([EpochFigures(**figures) for figures in state.epochs], state.resumed_at)

    def _step(self, chosen: list[Example], step: int, total: int, state: _Progress) -> None:
        self.objective.train()
        for group in self.optimiser.param_groups:
            group["lr"] = self._rate(step, total)
        loss, correct = self.objective(batch_of(chosen, self.planner))
        self.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        parameters = [p for group in self.optimiser.param_groups for p in group["params"]]
        torch.nn.utils.clip_grad_norm_(parameters, self.config.max_grad_norm)
        self.optimiser.step()
        state.loss_sum += loss.item()
        state.correct += correct
        state.seen += sum(len(e.targets) for e in chosen)

    def _rate(self, step: int, total: int) -> float:
        warmup = max(1, int(total * self.config.warmup))
        if step < warmup:
            return self.config.learning_rate * (step + 1) / warmup
        return self.config.learning_rate * max(0.0, (total - step) / max(1, total - warmup))

    def _finish_epoch(self, state: _Progress, dev: Sequence[Example], started: float) -> None:
        dev_loss, dev_accuracy = self.score(dev) if dev else (None, None)
        seconds = state.seconds + time.monotonic() - started
        previous = sum(e["seconds"] for e in state.epochs)  # epoch 0 took none
        figures = EpochFigures(
            state.epoch + 1,
            round(state.loss_sum / max(1, state.step), 4),
            round(state.correct / max(1, state.seen), 4),
            dev_loss,
            dev_accuracy,
            round(seconds - previous, 1),
        )
        state.epochs.append(asdict(figures))
        state.epoch += 1
        state.step, state.loss_sum, state.correct, state.seen = 0, 0.0, 0, 0

    def score(self, examples: Sequence[Example]) -> tuple[float, float]:
        """Mean loss and top-1 share over ``examples``, nothing trained."""
        self.objective.eval()
        losses, correct, seen = [], 0, 0
        size = self.config.batch_sentences
        with torch.no_grad():
            for begin in range(0, len(examples), size):
                chosen = list(examples[begin : begin + size])
                loss, right = self.objective(batch_of(chosen, self.planner))
                losses.append(float(loss))
                correct += right
                seen += sum(len(e.targets) for e in chosen)
        return round(float(np.mean(losses)), 4), round(correct / max(1, seen), 4)

    def _resume(self, per_epoch: int) -> _Progress:
        saved = self.checkpoints.load()
        if saved is None:
            return _Progress()
        self.objective.load_state_dict(saved["objective"])
        self.optimiser.load_state_dict(saved["optimiser"])
        torch.set_rng_state(saved["rng"])
        if saved["cuda_rng"] is not None:
            torch.cuda.set_rng_state_all(saved["cuda_rng"])
        state = _Progress(**saved["progress"])
        state.resumed_at.append(state.epoch * per_epoch + state.step)
        return state

    def _save(self, state: _Progress, started: float) -> None:
        progress = asdict(state)
        progress["seconds"] = state.seconds + time.monotonic() - started
        self.checkpoints.save(
            {
                "objective": self.objective.state_dict(),
                "optimiser": self.optimiser.state_dict(),
                "rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
                "progress": progress,
            }
        )
