"""Every benchmark runs at a tiny size, so the scripts do not rot (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TINY_SENTENCES
from .corpora import write_corpus

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "wsd"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data/wsd is not beside the checkout")


def _run(*args: str, cache: Path | None = None) -> str:
    env = os.environ | ({"WSD_CACHE_DIR": str(cache)} if cache else {})
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode == 3 and "ptrace" in done.stderr:
        pytest.skip("py-spy may not attach to processes here (no ptrace permission)")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_encoder_ceiling_smoke(tmp_path: Path) -> None:
    out = _run(
        "benchmarks/encoder_ceiling.py", "--corpus", "semeval2007", "--limit", "8", "--repeats", "1",
        "--backends", "torch", "onnx-int8", cache=tmp_path,
    )  # fmt: skip
    assert "machine:" in out and "x torch" in out.split("onnx-int8")[1]


@pytest.mark.slow
def test_service_load_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/service_load.py", "--index", str(tiny_index), "--requests", "8", "--clients", "1", "2",
        "--idle", "3",
    )  # fmt: skip
    assert "clients" in out and "idle, one 20-word sentence" in out


@pytest.mark.slow
def test_http_vs_grpc_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/http_vs_grpc.py", "--index", str(tiny_index), "--sentences", "4", "--clients", "2",
        "--idle", "3", "--serve-args", "--workers 1",
    )  # fmt: skip
    assert "HTTP / gRPC words/s" in out and "errors 0" in out


@pytest.mark.slow
def test_http_frameworks_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/http_frameworks.py", "--index", str(tiny_index), "--sentences", "4", "--clients", "2",
        "--idle", "3",
    )  # fmt: skip
    assert "aiohttp" in out and "starlette+uvicorn" in out


def _fold_trial(script: str, tmp_path: Path, *extra: str) -> str:
    """A dev-protocol script on two folds of a four-document corpus, one epoch."""
    prefix = write_corpus(tmp_path / "c", TINY_SENTENCES, per_document=1)
    return _run(
        script, "--training", str(prefix), "--dev", str(prefix), "--folds", "2", "--epochs", "1",
        "--cache", str(tmp_path / "cache"), "--lemmas", "bank,deposit,river", *extra,
    )  # fmt: skip


@pytest.mark.slow  # the dev protocol's scripts: run before reporting their figures
def test_linear_map_smoke(tmp_path: Path) -> None:
    out = _fold_trial("benchmarks/linear_map.py", tmp_path)
    assert "loss per epoch" in out and "linear map" in out and "frozen" in out


@pytest.mark.slow
def test_train_encoder_smoke(tmp_path: Path) -> None:
    extra = ("--out", str(tmp_path / "trained"), "--both", "--backend", "torch")
    out = _fold_trial("benchmarks/train_encoder.py", tmp_path, *extra)
    assert "frozen" in out and "trained, corpus side" in out and "trained, both sides" in out


@pytest.mark.slow
def test_index_build_smoke(tmp_path: Path) -> None:
    out = _run(
        "benchmarks/index_build.py", "--out", str(tmp_path / "index"), "--lemmas", "bank", "--no-examples"
    )
    assert "build time / encoder ceiling time" in out and "peak RSS" in out


@pytest.mark.slow
def test_profile_service_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/profile_service.py", "--index", str(tiny_index), "--seconds", "2", "--clients", "2"
    )
    assert "encoder thread busy" in out and "encoder forward pass" in out


@pytest.mark.slow
def test_served_cpu_smoke(tiny_index: Path) -> None:
    sizes = ("--sentences", "6", "--warmup", "2", "--clients", "2")
    out = _run("benchmarks/served_cpu.py", "--index", str(tiny_index), *sizes)
    parts = ("event loops", "encoder slots", "load generator", "ceiling on the")
    assert all(part in out for part in parts), out


@pytest.mark.slow
def test_soak_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/soak.py", "--index", str(tiny_index), "--seconds", "3", "--interval", "1",
        "--clients", "4", "--overload-seconds", "2", "--overload-clients", "32", "--max-rss-growth", "10",
    )  # fmt: skip
    assert "errors 0;" in out and "overload codes" in out and out.rstrip().endswith("PASS")


@pytest.mark.slow
def test_server_memory_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/server_memory.py", "--index", str(tiny_index), "--requests", "20", "--clients", "2"
    )
    assert "RSS after loading" in out
    assert "after 20 requests (2 clients, 0 errors): RSS" in out and "PSS" in out, out


@pytest.mark.slow
def test_overload_smoke(tiny_index: Path) -> None:
    out = _run("benchmarks/overload.py", "--index", str(tiny_index), "--seconds", "2", "--clients", "16")
    assert "16 clients, no deadline" in out and "goodput under overload" in out


def test_nearest_senses_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/nearest_senses.py", "--index", str(tiny_index), "--sentences", "2", "--alternatives"
    )
    assert "recall@10 1.000" in out and "(default)" in out and "IVF" in out and "private +" in out


@pytest.mark.slow
def test_first_start_smoke() -> None:
    """A fresh clone, its own venv and the default index: minutes, hence slow."""
    out = _run("benchmarks/first_start.py")
    assert "to SERVING" in out and "normal start to SERVING" in out


def test_ranking_cost_smoke(tiny_index: Path) -> None:
    out = _run(
        "benchmarks/ranking_cost.py", "--index", str(tiny_index), "--repeats", "1",
        str(DATA / "semeval2007" / "semeval2007"), "--text", str(DATA / "semeval2007" / "semeval2007"),
        "--sentences", "20",
    )  # fmt: skip
    assert "kNN occurrences" in out and "occurrences.npy" in out
    assert "unseen text, first pass" in out and "unseen text, second pass" in out


def test_user_speed_smoke(tiny_index: Path, tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    out = _run(
        "benchmarks/user_speed.py", "--index", str(tiny_index), "--sentences", "4", "--warmup", "2",
        "--clients", "1", "2", "--channels", "1", "2", "--idle", "3", "--json", str(figures),
    )  # fmt: skip
    assert "channels clients  words/s  x fp32  x int8  p50 ms  p99 ms errors" in out
    for line in ("bare encoders: fp32 torch", "second pass over the same text (1 channel, 2 clients)",
                 "idle p50", "process tree after the load: PSS", "semeval2007 F1:"):  # fmt: skip
        assert line in out
    [served] = json.loads(figures.read_text())["indexes"]
    assert len(served["cells"]) == 4 and all(cell["errors"] == 0 for cell in served["cells"])


@pytest.mark.slow
def test_stage_costs_smoke(tiny_index: Path) -> None:
    out = _run("benchmarks/stage_costs.py", "--index", str(tiny_index), "--sentences", "16")
    assert "unseen sentences" in out and "ranking" in out and "encoding" in out
