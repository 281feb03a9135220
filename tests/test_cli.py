from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsd_service.cli import main

from .corpora import write_corpus


def test_evaluate_json_reports_scores_per_dataset_and_pos(
    tiny_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = write_corpus(
        tmp_path / "dev",
        [
            ("Money sits in the bank .", {"bank": "bank%1:14:00::"}),
            ("The river flooded .", {"river": "river%1:17:00::"}),
        ],
    )
    predictions = tmp_path / "pred.txt"
    code = main(
        [
            "evaluate",
            "--index",
            str(tiny_index),
            str(prefix),
            "--json",
            "--predictions",
            str(predictions),
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    dev = report["datasets"]["dev"]
    assert dev["instances"] == 2 and dev["f1"] == 100.0
    assert set(dev["by_pos"]) == {"NOUN"}
    assert {"precision", "recall", "f1", "coverage", "instances"} <= set(dev)
    assert predictions.read_text().splitlines()[0].split() == ["d000.s000.t004", "bank%1:14:00::"]


def test_cli_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--index", str(tmp_path), str(tmp_path / "missing")]) == 2
    assert "missing.data.xml: data file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    assert main(["build-index", "--inventory", str(bad), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "bad.jsonl:1: not valid JSON" in capsys.readouterr().err


def test_disambiguate_command_prints_a_table(tiny_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["disambiguate", "--index", str(tiny_index), "I withdrew cash from the bank."]) == 0
    out = capsys.readouterr().out
    assert "bank%1:14:00::" in out and "withdraw%2:" in out


def test_serve_without_an_index_exits_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--index", str(tmp_path / "none"), "--port", "0"]) == 2
    assert "holds no sense index" in capsys.readouterr().err
