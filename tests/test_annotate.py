"""wsd-service annotate: formats, local and remote, error records, and resuming after a kill."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wsd_service import BatcherConfig, EncoderConfig, ServerConfig
from wsd_service.cli import main

from .server_thread import ServerThread

LINES = [
    "She deposited the cheque at the bank .",
    "",
    "They fished from the bank of the river .",
    "The bank raised its interest rates .",
]

CONLLU = """# sent_id = s1
# text = They banked the cash
1\tThey\tthey\tPRON\t_\t_\t_\t_\t_\t_
2-3\tbanked\t_\t_\t_\t_\t_\t_\t_\t_
2\tbank\tbank\tVERB\t_\t_\t_\t_\t_\tSpaceAfter=No
3\ted\t_\tPART\t_\t_\t_\t_\t_\t_
4\tthe\tthe\tDET\t_\t_\t_\t_\t_\t_
5\tcash\tcash\tNOUN\t_\t_\t_\t_\t_\t_

"""


def _annotate(*args: str) -> int:
    return main(["annotate", *args, "--quiet"])


def test_text_to_jsonl_and_conllu(tmp_path: Path, tiny_index: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(LINES) + "\n")
    assert _annotate(str(source), "--out", str(tmp_path / "out.jsonl"), "--index", str(tiny_index)) == 0
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["line"] for r in records] == [1, 3, 4]
    banks = [t["sense"] for r in records for t in r["targets"] if t["text"] == "bank"]
    assert banks == ["bank%1:14:00::", "bank%1:17:01::", "bank%1:14:00::"]
    assert _annotate(str(source), "--out", str(tmp_path / "out.conllu"), "--index", str(tiny_index)) == 0
    sentences = (tmp_path / "out.conllu").read_text().split("\n\n")
    assert "7\tbank\t_\t_\t_\t_\t_\t_\t_\tWSD=bank%1:14:00::" in sentences[0].splitlines()


def test_conllu_in_conllu_out_uses_lemma_and_pos(tmp_path: Path, tiny_index: Path) -> None:
    source = tmp_path / "in.conllu"
    source.write_text(CONLLU)
    assert _annotate(str(source), "--out", str(tmp_path / "out.conllu"), "--index", str(tiny_index)) == 0
    lines = (tmp_path / "out.conllu").read_text().splitlines()
    assert lines[:3] == CONLLU.splitlines()[:3]  # comments and the range line pass through
    bank = next(line for line in lines if line.startswith("2\tbank"))
    assert bank.split("\t")[9].startswith("SpaceAfter=No|WSD=bank%2:")
    assert next(line for line in lines if line.startswith("4\tthe")).endswith("\t_")  # DET: no target


def test_bad_records_are_reported_with_file_and_line(
    tmp_path: Path, tiny_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    records = [{"id": "a", "text": "the bank"}, {"id": "b", "text": "   "}, {"id": "c", "tokens": ["river"]}]
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert _annotate(str(source), "--out", str(tmp_path / "out.jsonl"), "--index", str(tiny_index)) == 0
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in written] == ["a", "b", "c"]
    assert written[1]["error"] == f"{source}:2: document 0: text is empty"
    assert written[2]["targets"][0]["sense"] == "river%1:17:00::"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "the bank"}\n{"text": \n')
    assert _annotate(str(broken), "--out", str(tmp_path / "b.jsonl"), "--index", str(tiny_index)) == 2
    assert f"{broken}:2:" in capsys.readouterr().err


def test_remote_gives_the_same_output(tmp_path: Path, tiny_index: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(LINES) + "\n")
    # An fp32 backend on both sides: int8 vectors shift slightly with their batch neighbours,
    # and the server batches differently from a local run. Patient: this compares answers, and
    # a busy machine's first torch batch may keep the queue standing past the default second.
    patient = BatcherConfig(standing_timeout=60.0)
    config = ServerConfig(index=tiny_index, port=0, encoder=EncoderConfig(backend="torch"), batcher=patient)
    thread = ServerThread(config).start()
    try:
        assert (
            _annotate(str(source), "--out", str(tmp_path / "remote.jsonl"), "--server", thread.address) == 0
        )
    finally:
        thread.stop()
    local = ("--out", str(tmp_path / "local.jsonl"), "--index", str(tiny_index), "--backend", "torch")
    assert _annotate(str(source), *local) == 0
    assert (tmp_path / "remote.jsonl").read_text() == (tmp_path / "local.jsonl").read_text()


def test_interrupted_then_resumed_equals_one_run(tmp_path: Path, tiny_index: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"{LINES[n % 4] or 'The bank.'} Number {n} .\n" for n in range(120)))
    whole, resumed = tmp_path / "whole.jsonl", tmp_path / "resumed.jsonl"
    assert _annotate(str(source), "--out", str(whole), "--index", str(tiny_index), "--batch", "4") == 0
    command = [sys.executable, "-m", "wsd_service", "annotate", str(source), "--out", str(resumed),
               "--index", str(tiny_index), "--batch", "4", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not resumed.is_file() or resumed.read_text().count("\n") < 12:
        assert time.time() < deadline and process.poll() is None, "annotate ended before it was killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with resumed.open("a") as handle:
        handle.write('{"id": "torn')  # a record cut short by the kill
    assert _annotate(str(source), "--out", str(resumed), "--index", str(tiny_index), "--batch", "4") == 0
    assert resumed.read_text() == whole.read_text()


def test_a_refused_record_is_an_error_record_locally_and_remotely(tmp_path: Path, tiny_index: Path) -> None:
    source = tmp_path / "in.jsonl"
    records = [
        {"id": "a", "text": "The river bank."},
        {"id": "b", "text": "   "},
        {"id": "c", "text": "Cash."},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    thread = ServerThread(ServerConfig(index=tiny_index, port=0)).start()
    try:
        remote = tmp_path / "remote.jsonl"
        assert _annotate(str(source), "--out", str(remote), "--server", thread.address) == 0
    finally:
        thread.stop()
    local = tmp_path / "local.jsonl"
    assert _annotate(str(source), "--out", str(local), "--index", str(tiny_index)) == 0
    written = [json.loads(line) for line in remote.read_text().splitlines()]
    assert [r["id"] for r in written] == ["a", "b", "c"]
    assert "error" not in written[0] and "error" not in written[2]
    assert written[1]["error"].startswith(f"{source}:2: ") and "text is empty" in written[1]["error"]
    assert remote.read_text() == local.read_text()
