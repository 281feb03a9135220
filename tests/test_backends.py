"""Encoder backends: ONNX Runtime fp32 and int8 against PyTorch, and which index each may query."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from wsd_service import BuildConfig, Disambiguator, Encoder, EncoderConfig, Inventory, SenseIndexError
from wsd_service._core.environment import cache_dir
from wsd_service._core.manifest import FORMAT_VERSION, MANIFEST_FILE, read_manifest, resolve_index_dir
from wsd_service._engine.encoding.onnx_backend import bundle_dir
from wsd_service.build import IndexBuilder
from wsd_service.cli import main
from wsd_service.client import WsdClient

from .resident import resident_kb
from .server_process import start_serving

SENTENCES = [["I", "went", "to", "the", "bank", "and", "withdrew", "cash"], ["the", "river bank", "flooded"]]


@pytest.fixture(scope="module", autouse=True)
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("onnx-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WSD_CACHE_DIR", str(directory))
        yield directory


@pytest.fixture(scope="module")
def int8_encoder(onnx_cache: Path) -> Encoder:
    return Encoder(EncoderConfig(backend="onnx-int8"))


def _mean_cosine(left: list[np.ndarray], right: list[np.ndarray]) -> float:
    return float(np.mean([np.sum(a * b, axis=1).mean() for a, b in zip(left, right, strict=True)]))


def test_onnx_fp32_matches_torch(encoder: Encoder, onnx_cache: Path) -> None:
    onnx = Encoder(EncoderConfig(backend="onnx"))
    assert _mean_cosine(onnx.encode(SENTENCES), encoder.encode(SENTENCES)) > 0.9999
    two_layers = (-2, -1)
    assert _mean_cosine(onnx.encode(SENTENCES, two_layers), encoder.encode(SENTENCES, two_layers)) > 0.9999
    assert _mean_cosine(onnx.static_vectors(SENTENCES), encoder.static_vectors(SENTENCES)) > 0.9999


def test_onnx_int8_is_close_and_cached(encoder: Encoder, int8_encoder: Encoder, onnx_cache: Path) -> None:
    assert 0.9 < _mean_cosine(int8_encoder.encode(SENTENCES), encoder.encode(SENTENCES)) < 0.9999
    assert cache_dir() == onnx_cache
    [bundle] = onnx_cache.iterdir()  # one bundle (fp32 and int8) per model, nothing left over
    assert bundle == bundle_dir(encoder.weights_sha256)
    before = {p: p.stat().st_mtime_ns for p in bundle.iterdir()}
    assert {"model.onnx", "model-int8.onnx", "tokenizer.json", "embeddings.npy"} <= {p.name for p in before}
    Encoder(EncoderConfig(backend="onnx-int8"))  # the second load reuses the exported bundle
    assert {p: p.stat().st_mtime_ns for p in bundle.iterdir()} == before


def test_int8_weights_and_embedding_table_are_mapped_not_copied(int8_encoder: Encoder) -> None:
    # Workers share one copy of what they map; what they read they copy, each its own.
    bundle = bundle_dir(int8_encoder.weights_sha256)
    assert (bundle / "model-int8.onnx").stat().st_size < 2**20  # the graph; its weights beside it
    assert (bundle / "model-int8.weights").stat().st_size > 10 * 2**20
    fresh = Encoder(EncoderConfig(backend="onnx-int8"))
    assert resident_kb(bundle / "embeddings.npy") == 0  # only static vectors read it
    fresh.static_vectors(SENTENCES)
    assert resident_kb(bundle / "embeddings.npy") > 0


def test_index_records_backend_and_refuses_another(
    tmp_path: Path, encoder: Encoder, int8_encoder: Encoder, inventory: Inventory
) -> None:
    config = BuildConfig(lemmas=frozenset({"river"}), use_examples=False, progress=False)
    IndexBuilder(int8_encoder, inventory, config).build(tmp_path / "index")
    manifest = json.loads((resolve_index_dir(tmp_path / "index") / MANIFEST_FILE).read_text())
    assert manifest["encoder"]["backend"] == "onnx-int8"
    assert manifest["encoder"]["query_backends"] == ["onnx-int8"]  # int8-built vectors: int8 only
    with pytest.raises(
        SenseIndexError,
        match="built with encoder backend 'onnx-int8' and may be queried with onnx-int8 only"
        r" \(measured tolerance, BENCHMARKS.md\), but the encoder runs 'onnx'",
    ):
        Disambiguator.load(tmp_path / "index", encoder=encoder)
    # Without an explicit encoder the fastest allowed backend is loaded.
    assert Disambiguator.load(tmp_path / "index").encoder.backend == "onnx-int8"


def test_fp32_built_index_is_queried_with_int8_by_default(tiny_index: Path, encoder: Encoder) -> None:
    manifest = json.loads((resolve_index_dir(tiny_index) / MANIFEST_FILE).read_text())
    assert manifest["encoder"]["query_backends"] == ["onnx-int8", "onnx", "torch"]
    fast = Disambiguator.load(tiny_index)
    assert fast.encoder.backend == "onnx-int8"
    [bank] = [r for r in fast.disambiguate("I went to the bank and withdrew some cash") if r.lemma == "bank"]
    assert bank.senses[0].key == "bank%1:14:00::"
    assert Disambiguator.load(tiny_index, encoder=encoder).encoder.backend == "onnx"  # still allowed


def test_a_manifest_without_its_encoder_backends_is_refused(tmp_path: Path, tiny_index: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(resolve_index_dir(tiny_index), copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    del manifest["encoder"]["query_backends"]
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(SenseIndexError, match=r"unreadable manifest .*query_backends"):
        read_manifest(copy)


def test_an_index_of_another_format_is_refused_naming_it(tmp_path: Path, tiny_index: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(resolve_index_dir(tiny_index), copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["format_version"] = 1
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    refused = f"index format 1, this version reads {FORMAT_VERSION}; rebuild it"
    with pytest.raises(SenseIndexError, match=refused):
        read_manifest(copy)


def test_cli_names_unknown_backend(tiny_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["disambiguate", "--index", str(tiny_index), "--backend", "tpu", "x"])
    assert exit_info.value.code == 2
    assert "unknown encoder backend 'tpu'; choose one of torch, onnx, onnx-int8" in capsys.readouterr().err


def test_default_server_runs_int8_without_torch(tiny_index: Path) -> None:
    process, address = start_serving(tiny_index)
    try:
        with WsdClient(address) as client:
            assert client.index_info().encoder.backend == "onnx"  # built with fp32 vectors...
            results = client.disambiguate("I went to the bank and withdrew some cash")
            assert [r.senses[0].key for r in results if r.lemma == "bank"] == ["bank%1:14:00::"]
        maps = Path(f"/proc/{process.pid}/maps").read_text()
        assert "onnxruntime" in maps  # ...served by ONNX Runtime
        assert "libtorch" not in maps  # torch was never imported
    finally:
        process.terminate()
        process.wait(timeout=30)
