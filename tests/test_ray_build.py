"""The index build on Ray Data gives the local build's vectors (``build-index --ray``)."""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from wsd_service import BuildConfig, Encoder, EncoderConfig, Inventory, WsdError
from wsd_service._core.manifest import MANIFEST_FILE, resolve_index_dir
from wsd_service._engine.encoding.encoder import default_model_dir
from wsd_service.build import IndexBuilder, load_index
from wsd_service.cli import main

ray = pytest.importorskip("ray")
from wsd_service._engine.build.ray_runner import connect, ray_encode  # noqa: E402  # needs ray


@pytest.fixture
def no_ray_auth(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # Ray 2.60 wants tokens by default
    yield
    ray.shutdown()


def _build(out: Path, corpus: Path, *extra: str) -> Path:
    args = ["build-index", "--corpus", str(corpus), "--lemmas", "bank,river,deposit"]
    assert main([*args, "--vectors", "fp32", "--quiet", "--out", str(out), *extra]) == 0
    return out


def _same_index(local: Path, remote: Path) -> None:
    here, there = load_index(local), load_index(remote)
    assert [r.key for r in here.rows] == [r.key for r in there.rows]
    assert [r.source for r in here.rows] == [r.source for r in there.rows]
    assert [r.count for r in here.rows] == [r.count for r in there.rows]
    difference = np.abs(here.vectors(0, len(here)) - there.vectors(0, len(there))).max()
    assert difference < 1e-5


@pytest.mark.slow
def test_a_local_ray_builds_the_local_vectors(tmp_path: Path, tiny_corpus: Path, no_ray_auth: None) -> None:
    local = _build(tmp_path / "local", tiny_corpus)
    # An encoder folder of its own, as ``train`` writes one (the stock weights: the same vectors).
    folder = tmp_path / "encoder"
    shutil.copytree(default_model_dir(), folder)
    (folder / "training.json").write_text('{"epochs": []}')
    remote = _build(tmp_path / "ray", tiny_corpus, "--ray", "--ray-actors", "1", "--encoder", str(folder))
    _same_index(local, remote)
    manifest = json.loads((resolve_index_dir(remote) / MANIFEST_FILE).read_text())
    assert manifest["build"]["ray"]["nodes"] == 1 and manifest["build"]["ray"]["actors"] == 1
    assert manifest["build"]["encoder_folder"] == str(folder) and manifest["build"]["encoder_training"]
    assert (
        manifest["corpora"] == json.loads((resolve_index_dir(local) / MANIFEST_FILE).read_text())["corpora"]
    )


@pytest.mark.slow
def test_a_three_node_cluster_builds_the_local_vectors(
    tmp_path: Path, tiny_corpus: Path, no_ray_auth: None
) -> None:
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1)
        local = _build(tmp_path / "local", tiny_corpus)
        remote = _build(tmp_path / "ray", tiny_corpus, "--ray", cluster.address)
        _same_index(local, remote)
        manifest = json.loads((resolve_index_dir(remote) / MANIFEST_FILE).read_text())
        assert manifest["build"]["ray"]["nodes"] == 3
    finally:
        ray.shutdown()
        cluster.shutdown()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("extra", [("--ray-actors", "2"), ("--ray", "--ray-actors", "0")])
def test_actors_need_ray_and_a_positive_count(
    tmp_path: Path, extra: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build-index", "--lemmas", "bank", "--out", str(tmp_path / "i"), *extra]) == 2
    assert "--ray-actors needs --ray and at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_a_failing_worker_fails_the_build_and_keeps_the_previous_index(
    tmp_path: Path, tiny_index: Path, encoder: Encoder, inventory: Inventory, no_ray_auth: None
) -> None:
    previous = tmp_path / "index"
    shutil.copytree(tiny_index, previous, symlinks=True)
    before = (resolve_index_dir(previous) / MANIFEST_FILE).read_text()
    connect("local")
    broken = EncoderConfig(model_dir=tmp_path / "not-on-the-workers")  # every actor fails to start
    runner = functools.partial(ray_encode, config=broken, dimension=encoder.dimension, actors=1)
    config = BuildConfig(lemmas=frozenset({"bank"}), use_examples=False, progress=False)
    with pytest.raises(WsdError, match=r"the Ray build failed: .*not-on-the-workers"):
        IndexBuilder(encoder, inventory, config, runner).build(previous)
    assert (resolve_index_dir(previous) / MANIFEST_FILE).read_text() == before
