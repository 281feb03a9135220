from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsd_service import BatcherConfig, BuildConfig, Encoder, Inventory, LimitsConfig
from wsd_service._core.credentials import read_token, read_tokens
from wsd_service._tools.serve import server_config
from wsd_service.build import IndexBuilder
from wsd_service.cli import build_parser, main

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


def test_encoder_options_given_alone_reach_the_server(tiny_index: Path) -> None:
    args = build_parser().parse_args(["serve", "--index", str(tiny_index), "--batch-size", "8"])
    encoder = server_config(args).encoder
    assert encoder is not None and encoder.batch_size == 8 and encoder.layers == (6,)  # the index's layers
    assert server_config(build_parser().parse_args(["serve", "--index", str(tiny_index)])).encoder is None


def test_cli_defaults_are_the_config_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.max_documents, args.max_words, args.max_chars) == (256, 10_000, 1_000_000)
    config = server_config(args)
    assert config.limits == LimitsConfig() and config.batcher == BatcherConfig()
    assert (config.port, config.grace_seconds, config.drain_delay) == (50051, 10.0, 1.0)


def test_a_clients_token_is_the_first_in_its_file(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("# comment\nzulu-token\nalpha-token\n")
    assert read_token(tokens) == "zulu-token"
    assert read_tokens(tokens) == {"zulu-token", "alpha-token"}


def test_unknown_keys_are_counted_per_corpus(tmp_path: Path, encoder: Encoder, inventory: Inventory) -> None:
    unknown = write_corpus(tmp_path / "a", [("Money sits in the bank .", {"bank": "bank%1:99:99::"})])
    clean = write_corpus(tmp_path / "b", [("The bank lent money .", {"bank": "bank%1:14:00::"})])
    config = BuildConfig(corpora=(unknown, clean), lemmas=frozenset({"bank"}), progress=False)
    report = IndexBuilder(encoder, inventory, config).build(tmp_path / "index")
    assert [c["unknown_keys"] for c in report.manifest.corpora] == [1, 0]
    assert sum(report.unknown_keys.values()) == 1
