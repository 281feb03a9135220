"""wsd-service plot: a PNG of the expected size, and the projected data checked."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from wsd_service.cli import main


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_from_the_index_corpus(tmp_path: Path, tiny_index: Path) -> None:
    png, data = tmp_path / "bank.png", tmp_path / "bank.json"
    # No --corpus: the corpus the index was built from, as its manifest records.
    assert main(["plot", "bank", "--index", str(tiny_index), "--out", str(png), "--data", str(data)]) == 0
    assert _png_size(png) == (1200, 600)
    space = json.loads(data.read_text())
    assert sorted(space["labels"]) == ["bank%1:14:00::"] * 2 + ["bank%1:17:01::"] * 2
    points = np.array(space["points"])
    assert points.shape == (4, 2) and np.isfinite(points).all()
    assert len(space["sense_keys"]) == 10 and np.array(space["sense_points"]).shape == (10, 2)
    assert 0 < space["explained_variance"][1] <= space["explained_variance"][0] <= 1
    assert space["sense_keys"][0] == "bank%1:17:01::"  # WordNet's order: the index's own rows


def test_plot_from_sentences_uses_predicted_senses(tmp_path: Path, tiny_index: Path) -> None:
    sentences = tmp_path / "sentences.txt"
    sentences.write_text(
        "I withdrew cash from the bank.\nWe sat on the bank of the river.\nThe bank closed.\n"
    )
    png, data = tmp_path / "s.png", tmp_path / "s.json"
    args = ["plot", "bank", "--index", str(tiny_index), "--sentences", str(sentences)]
    assert main([*args, "--out", str(png), "--data", str(data)]) == 0
    assert _png_size(png) == (1200, 600)
    space = json.loads(data.read_text())
    assert len(space["labels"]) == 3 and "predicted" in space["source"]


def test_plot_names_a_lemma_without_occurrences(tmp_path: Path, tiny_index: Path, capsys: object) -> None:
    assert (
        main(["plot", "river", "--pos", "VERB", "--index", str(tiny_index), "--out", str(tmp_path / "x.png")])
        == 2
    )
