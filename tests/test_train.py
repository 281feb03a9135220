"""``wsd-service train`` on a tiny corpus: the loss falls, frozen layers stay put, the output is
an encoder folder every backend loads, a killed run resumes to the same weights, and bad input
is named while any previous output is kept."""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from wsd_service import BuildConfig, Disambiguator, Encoder, EncoderConfig, Inventory
from wsd_service._core.config import TrainConfig
from wsd_service._core.errors import InputError, WsdError
from wsd_service._core.manifest import read_manifest
from wsd_service._engine.build.raganato import read_corpus
from wsd_service._engine.encoding.encoder import default_model_dir
from wsd_service._engine.encoding.torch_backend import load_hugging_face
from wsd_service._engine.training.batches import batch_of
from wsd_service._engine.training.checkpoint import CheckpointDir
from wsd_service._engine.training.examples import Example, Target, gloss_matrix, training_set
from wsd_service._engine.training.fine_tune import checkpoint_dir, fine_tune
from wsd_service._engine.training.objective import SenseObjective
from wsd_service._engine.training.state_file import load_state
from wsd_service._engine.training.trainer import Trainer
from wsd_service.build import IndexBuilder

from .conftest import TINY_SENTENCES
from .corpora import write_corpus
from .waiting import wait_until

QUICK = TrainConfig(epochs=2, batch_sentences=2, learning_rate=1e-4, progress=False)
WEIGHTS = "model.safetensors"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("train") / "tiny", TINY_SENTENCES)


def _train(corpus: Path, out: Path, config: TrainConfig = QUICK) -> dict[str, Any]:
    return fine_tune(
        default_model_dir(), [read_corpus(corpus)], [read_corpus(corpus)], out, config, Inventory()
    )


def _command(corpus: Path, out: Path, *options: str) -> list[str]:
    return [
        sys.executable, "-m", "wsd_service", "train", "--corpus", str(corpus), "--out", str(out),
        "--epochs", "4", "--batch-sentences", "2", "--learning-rate", "1e-4", "--checkpoint-minutes", "0",
        *options,
    ]  # fmt: skip


def test_a_training_step_lowers_the_loss(tiny: Path, inventory: Inventory, tmp_path: Path) -> None:
    planner = Encoder(EncoderConfig(backend="torch"))
    examples = training_set([read_corpus(tiny)], [], inventory)
    glosses = gloss_matrix(examples.senses, planner.encode, planner.dimension, False)
    model, _ = load_hugging_face(planner.model_dir)
    objective = SenseObjective(model, torch.from_numpy(glosses), planner.layers, QUICK.temperature)
    config = replace(QUICK, epochs=1, batch_sentences=len(examples.examples))
    trainer = Trainer(objective, planner, config, CheckpointDir(tmp_path / "checkpoint"))
    before, _ = trainer.score(examples.examples)
    untrained, epoch = trainer.run(examples.examples, examples.examples).epochs
    assert untrained.epoch == 0 and untrained.dev_loss == before
    assert epoch.dev_loss is not None and epoch.dev_loss < before
    assert trainer.score(examples.examples)[0] == epoch.dev_loss


def test_trained_word_vectors_are_pooled_as_the_encoder_pools_them(inventory: Inventory) -> None:
    """Windows (a sentence longer than one), pieces and multi-word tokens: the vectors the loss
    sees, in eval mode, are the encoder's own."""
    planner = Encoder(EncoderConfig(backend="torch", max_length=16))
    words = ("The", "old", "river bank", "was", "unbelievably", "muddy") * 4 + ("after", "the", "rain", ".")
    positions = (2, 4, 14, 26)
    example = Example(words, tuple(Target(p, (0, 1), 0) for p in positions))
    model, _ = load_hugging_face(planner.model_dir)
    objective = SenseObjective(model.eval(), torch.zeros(2, planner.dimension), planner.layers, 10.0)
    with torch.no_grad():
        trained_view = objective.word_vectors(batch_of([example], planner)).numpy()
    assert len(planner.windows([list(words)])[0]) > 1
    assert np.allclose(trained_view, planner.encode([list(words)])[0][list(positions)], atol=1e-5)


def test_frozen_layers_stay_bit_identical(tiny: Path, tmp_path: Path) -> None:
    record = _train(tiny, tmp_path / "out", replace(QUICK, unfrozen_layers=1))
    base = load_file(default_model_dir() / WEIGHTS)
    trained = load_file(tmp_path / "out" / WEIGHTS)
    top = "encoder.layer.5."
    assert set(trained) <= set(base)  # the base file may also hold buffers, not weights
    assert all(torch.equal(base[name], tensor) for name, tensor in trained.items() if top not in name)
    assert any(not torch.equal(base[name], tensor) for name, tensor in trained.items() if top in name)
    assert record["options"]["unfrozen_layers"] == 1


@pytest.mark.slow
def test_the_output_is_an_encoder_folder_every_backend_loads_and_an_index_names(
    tiny: Path, tmp_path: Path, inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSD_CACHE_DIR", str(tmp_path / "cache"))  # this run's own ONNX export
    out = tmp_path / "trained"
    _train(tiny, out)
    record = json.loads((out / "training.json").read_text())
    assert record["base_encoder"]["weights_sha256"] == Encoder(EncoderConfig(backend="torch")).weights_sha256
    assert [e["epoch"] for e in record["epochs"]] == [0, 1, 2]
    assert {"loss", "accuracy", "dev_loss", "dev_accuracy", "seconds"} <= set(record["epochs"][1])
    assert record["corpora"][0]["data_sha256"] and record["training_seconds"] > 0
    assert not checkpoint_dir(out).exists()
    words = [["The", "bank", "of", "the", "river", "."]]
    torch_vectors = Encoder(EncoderConfig(model_dir=out, backend="torch")).encode(words)[0]
    onnx = Encoder(EncoderConfig(model_dir=out, backend="onnx"))
    base_vectors = Encoder(EncoderConfig(backend="torch")).encode(words)[0]
    assert np.allclose(torch_vectors, onnx.encode(words)[0], atol=1e-4)
    assert not np.allclose(torch_vectors, base_vectors, atol=1e-3)
    # An index built with it records the folder and its training; queries load it from there.
    index = tmp_path / "index"
    config = BuildConfig(corpora=(tiny,), lemmas=frozenset({"bank"}), use_examples=False, progress=False)
    IndexBuilder(onnx, inventory, config).build(index)
    manifest = read_manifest(index)
    assert manifest.build["encoder_training"] == record
    assert manifest.encoder_config() == replace(
        manifest.encoder.encoder_config(), model_dir=out.resolve(), backend="onnx-int8"
    )
    engine = Disambiguator.load(index)
    assert engine.encoder.model_dir == out.resolve()
    [bank] = [t for t in engine.disambiguate("The bank of the river .") if t.text == "bank"]
    assert bank.senses
    # Moved, the folder is named; given again, it is used.
    moved = out.rename(tmp_path / "moved")
    with pytest.raises(WsdError, match=str(out.resolve())):
        Disambiguator.load(index)
    assert Disambiguator.load(index, replace(manifest.encoder_config(), model_dir=moved)).disambiguate("bank")


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(tiny: Path, tmp_path: Path) -> None:
    uninterrupted = _command(tiny, tmp_path / "whole", "--quiet", "--checkpoint-minutes", "5")
    subprocess.run(uninterrupted, check=True, capture_output=True)
    out = tmp_path / "resumed"
    state = checkpoint_dir(out) / "checkpoint.safetensors"
    process = subprocess.Popen(_command(tiny, out, "--quiet"), stderr=subprocess.PIPE)
    try:
        wait_until(lambda: state.exists() or process.poll() is not None, "a first checkpoint")
        assert process.poll() is None, "the run ended before it could be killed"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not out.exists()
    progress = load_state(state)["progress"]
    killed_at = progress["epoch"] * 2 + progress["step"]  # two steps an epoch
    subprocess.run(_command(tiny, out, "--quiet"), check=True, capture_output=True)
    assert json.loads((out / "training.json").read_text())["resumed_at_steps"] == [killed_at]
    whole, resumed = load_file(tmp_path / "whole" / WEIGHTS), load_file(out / WEIGHTS)
    assert whole.keys() == resumed.keys()
    assert all(torch.allclose(resumed[name], tensor, atol=1e-6) for name, tensor in whole.items())


def test_a_checkpoint_of_another_run_is_refused_naming_what_differs(tmp_path: Path) -> None:
    run = {"options": {"seed": 1, "epochs": 1}, "corpora": ["a"]}
    CheckpointDir(tmp_path).claim(run)
    CheckpointDir(tmp_path).claim(run)  # the same run resumes
    with pytest.raises(InputError, match=r"another training run \(corpora, seed differ\)"):
        CheckpointDir(tmp_path).claim({"options": {"seed": 7, "epochs": 1}, "corpora": ["b"]})


def test_bad_input_is_named_and_the_previous_output_kept(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept").write_text("previous output")
    broken = tmp_path / "broken"
    Path(f"{broken}.data.xml").write_text('<corpus lang="en">\n<text id="d">\n<sentence id="d.s0">\n')
    Path(f"{broken}.gold.key.txt").write_text("")
    failed = subprocess.run(_command(broken, out, "--quiet"), capture_output=True, text=True)
    assert failed.returncode == 2 and "broken.data.xml" in failed.stderr
    not_an_encoder = subprocess.run(
        _command(tiny, out, "--quiet", "--encoder", str(tmp_path)), capture_output=True, text=True
    )
    assert not_an_encoder.returncode == 2 and "config.json" in not_an_encoder.stderr
    assert (out / "kept").read_text() == "previous output"


def test_a_full_disk_keeps_the_previous_output(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept").write_text("previous output")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("transformers.PreTrainedModel.save_pretrained", full)
    with pytest.raises(WsdError, match="no space left"):
        _train(tiny, out, replace(QUICK, epochs=1))
    assert (out / "kept").read_text() == "previous output"
    assert not out.with_name("out.writing").exists()


def test_cuda_asked_for_where_there_is_none(tiny: Path, tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(WsdError, match="no CUDA"):
        _train(tiny, tmp_path / "out", replace(QUICK, device="cuda"))
