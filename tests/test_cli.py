from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wsd_service import BatcherConfig, BuildConfig, Encoder, Inventory, LimitsConfig
from wsd_service._core.config import ClientConfig
from wsd_service._core.credentials import ClientTls, read_token, read_tokens
from wsd_service._tools.client_options import client_config
from wsd_service._tools.engines import engine
from wsd_service._tools.serve import server_config
from wsd_service.build import IndexBuilder
from wsd_service.cli import build_parser, main
from wsd_service.client import WsdClient

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


# Each command that talks to a server, with the arguments it needs besides the client options.
CLIENT_COMMANDS = {
    "query": ["query", "the bank"],
    "nearest": ["nearest", "the bank"],
    "annotate": ["annotate", "in.txt", "--out", "out.jsonl"],
    "plot": ["plot", "bank", "--out", "bank.png"],
}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def test_the_commands_that_take_a_server_take_every_client_option() -> None:
    commands = _subcommands(build_parser())
    talking = {name for name, parser in commands.items() if "--server" in _options(parser)}
    assert talking == set(CLIENT_COMMANDS)
    client = {"--server", "--timeout", "--tls-ca", "--tls", "--tls-cert", "--tls-key", "--token-file"}
    assert all(client <= _options(commands[name]) for name in talking)


@pytest.mark.parametrize("command", CLIENT_COMMANDS)
def test_client_options_make_the_client_config(command: str, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("the-token\n")
    options = ["--server", "wsd:50051", "--tls-ca", "ca.crt", "--token-file", str(tokens), "--timeout", "7.5"]
    config = client_config(build_parser().parse_args([*CLIENT_COMMANDS[command], *options]))
    assert config == ClientConfig("wsd:50051", 7.5, ClientTls(Path("ca.crt")), "the-token")
    assert "the-token" not in repr(config)


def test_the_client_timeout_defaults_to_the_client_config() -> None:
    default = ClientConfig().timeout
    assert client_config(build_parser().parse_args(["query", "the bank"])).timeout == default
    with WsdClient("127.0.0.1:1") as client:
        assert client.timeout == default


def test_a_remote_annotate_call_gets_the_timeout_for_each_text_of_its_batch() -> None:
    command = [*CLIENT_COMMANDS["annotate"], "--server", "127.0.0.1:1", "--timeout", "2", "--batch", "8"]
    args = build_parser().parse_args(command)
    with engine(args, texts_per_call=args.batch) as api:
        assert isinstance(api, WsdClient) and api.timeout == 16


def test_bad_client_options_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nearest", "the bank", "--index", str(tmp_path), "--token-file", "t", "--tls"]) == 2
    assert "--tls, --token-file: only with --server" in capsys.readouterr().err
    assert main(["query", "the bank", "--tls-cert", "client.crt"]) == 2
    assert "mutual TLS needs both --tls-cert and --tls-key" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["query", "the bank", "--timeout", "0"])
    assert "argument --timeout: must be a positive number of seconds, got '0'" in capsys.readouterr().err


def test_building_the_parser_and_the_supervisor_loads_no_engine() -> None:
    # Nor numpy, gRPC or the metrics library: serve's supervising process would hold them for
    # nothing (numpy alone 8 MB); only its workers use them.
    probe = (
        "import sys; import wsd_service.cli as cli; cli.build_parser(); "
        "import wsd_service._tools.serve, wsd_service._serving.supervisor; "
        "print(sorted(m for m in sys.modules if m.startswith('wsd_service._engine') or m in"
        " ('torch', 'transformers', 'faiss', 'onnxruntime', 'numpy', 'grpc', 'prometheus_client')))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
