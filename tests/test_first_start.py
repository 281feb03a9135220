"""First start: the default index is built by a child process whose failure names its cause."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from wsd_service import EncoderConfig, SenseIndexError
from wsd_service._core.manifest import FORMAT_VERSION, MANIFEST_FILE, resolve_index_dir
from wsd_service._serving.first_start import build_command, build_in_child, ensure_default_index


def test_the_child_builds_fp32_vectors_with_the_servers_encoder(tmp_path: Path) -> None:
    command = build_command(tmp_path / "index", EncoderConfig(model_dir=tmp_path, layers=(-2, -1), threads=1))
    assert command[1:5] == ["-m", "wsd_service", "build-index", "--out"]
    assert "--backend" not in command and EncoderConfig().backend == "onnx"  # the build default
    assert "--layers=-2,-1" in command and command[command.index("--encoder") + 1] == str(tmp_path)


def test_a_failed_build_is_an_error_that_says_why(tmp_path: Path) -> None:
    broken = EncoderConfig(model_dir=tmp_path / "no-such-encoder")
    with pytest.raises(
        SenseIndexError, match=r"failed \(exit status 2\):.*no-such-encoder has no config.json"
    ):
        asyncio.run(build_in_child(tmp_path / "index", broken))
    assert not (tmp_path / "index").exists()


def test_an_existing_index_is_not_rebuilt(tiny_index: Path) -> None:
    broken = EncoderConfig(model_dir=Path("/no-such-encoder"))  # would fail if it were built
    asyncio.run(ensure_default_index(tiny_index, broken))


def test_an_index_of_an_older_format_is_rebuilt(tmp_path: Path, tiny_index: Path) -> None:
    old = tmp_path / "default"
    shutil.copytree(resolve_index_dir(tiny_index), old)
    manifest = json.loads((old / MANIFEST_FILE).read_text())
    (old / MANIFEST_FILE).write_text(json.dumps(manifest | {"format_version": FORMAT_VERSION - 1}))
    broken = EncoderConfig(model_dir=tmp_path / "no-such-encoder")  # the rebuild shows it was tried
    with pytest.raises(SenseIndexError, match="no-such-encoder"):
        asyncio.run(ensure_default_index(old, broken))
