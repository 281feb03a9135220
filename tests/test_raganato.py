from __future__ import annotations

from pathlib import Path

import pytest

from wsd_service import CorpusError
from wsd_service.evaluation import read_corpus

from .corpora import write_corpus

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en" source="t">\n<text id="d0">\n'


def _write(tmp_path: Path, body: str, gold: str) -> Path:
    prefix = tmp_path / "c"
    Path(f"{prefix}.data.xml").write_text(XML_HEAD + body + "</text>\n</corpus>\n", encoding="utf-8")
    Path(f"{prefix}.gold.key.txt").write_text(gold, encoding="utf-8")
    return prefix


def test_reads_sentences_instances_and_multiword_tokens(tmp_path: Path) -> None:
    prefix = _write(
        tmp_path,
        '<sentence id="d0.s0">\n<wf lemma="it" pos="PRON">It</wf>\n'
        '<instance id="d0.s0.t0" lemma="take_place" pos="VERB">took  place</instance>\n'
        '<wf lemma="." pos=".">.</wf>\n</sentence>\n',
        "d0.s0.t0 take_place%2:30:00:: happen%2:30:00::\n",
    )
    corpus = read_corpus(prefix)
    assert corpus.name == "c"
    [sentence] = corpus.sentences
    assert [t.text for t in sentence.tokens] == ["It", "took place", "."]
    assert sentence.tokens[1].instance_id == "d0.s0.t0"
    assert corpus.gold == {"d0.s0.t0": ("take_place%2:30:00::", "happen%2:30:00::")}


def test_a_folder_names_its_own_prefix(tmp_path: Path) -> None:
    write_corpus(tmp_path / "mini" / "mini", [("the bank", {"bank": "bank%1:14:00::"})])
    assert read_corpus(tmp_path / "mini").name == "mini"


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        (
            '<sentence id="s">\n<wf lemma="a" pos="X">a</wf>\n<wf lemma="b">b</wf>\n</sentence>\n',
            6,
            "no pos",
        ),
        (
            '<sentence id="s">\n<instance lemma="a" pos="NOUN">a</instance>\n</sentence>\n',
            5,
            "no id",
        ),
        ('<sentence id="s">\n<wf lemma="a" pos="X">a</wf>\n</sentenc>\n', 6, "malformed XML"),
        ('<wf lemma="a" pos="X">a</wf>\n', 4, "outside a <sentence>"),
        ('<sentence id="s">\n<wf lemma="a" pos="X"> </wf>\n</sentence>\n', 5, "has no text"),
    ],
)
def test_malformed_data_names_file_and_line(tmp_path: Path, body: str, line: int, problem: str) -> None:
    prefix = _write(tmp_path, body, "")
    with pytest.raises(CorpusError) as caught:
        read_corpus(prefix)
    assert f"c.data.xml:{line}:" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("gold", "line", "problem"),
    [
        ("d0.s0.t0\n", 1, "has no sense key"),
        ("d0.s0.t0 bank%1:14:00::\nd0.s0.t0 bank%1:14:00::\n", 2, "appears twice"),
        ("\nd0.s0.t0 bank\n", 2, "is not a sense key"),
    ],
)
def test_malformed_gold_names_file_and_line(tmp_path: Path, gold: str, line: int, problem: str) -> None:
    body = '<sentence id="s">\n<instance id="d0.s0.t0" lemma="bank" pos="NOUN">bank</instance>\n</sentence>\n'
    with pytest.raises(CorpusError, match=rf"c\.gold\.key\.txt:{line}: .*{problem}"):
        read_corpus(_write(tmp_path, body, gold))


def test_missing_files_and_unknown_instances(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="data file not found"):
        read_corpus(tmp_path / "nothing")
    body = '<sentence id="s">\n<instance id="i1" lemma="bank" pos="NOUN">bank</instance>\n</sentence>\n'
    with pytest.raises(CorpusError, match="not in the data file"):
        read_corpus(_write(tmp_path, body, "i1 bank%1:14:00::\ni2 bank%1:14:00::\n"))
