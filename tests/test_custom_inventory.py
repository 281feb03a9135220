from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsd_service import BuildConfig, CorpusError, Disambiguator, Document, Encoder, Inventory
from wsd_service.build import IndexBuilder, read_custom_inventory

SENSES = [
    {
        "id": "python%snake",
        "lemma": "python",
        "pos": "NOUN",
        "gloss": "a large snake that crushes its prey",
        "examples": ["The [[python]] coiled around the branch in the jungle."],
    },
    {
        "id": "python%language",
        "lemma": "python",
        "pos": "NOUN",
        "gloss": "a programming language for writing software",
        "examples": ["She wrote the script in [[Python]] and ran the unit tests."],
    },
    {
        "id": "kubectl%tool",
        "lemma": "kubectl",
        "pos": "NOUN",
        "gloss": "the command line tool of Kubernetes",
    },
]


def _write(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_custom_senses_end_to_end(tmp_path: Path, encoder: Encoder) -> None:
    inventory_file = _write(tmp_path / "custom.jsonl", list(SENSES))
    custom = read_custom_inventory(inventory_file)
    inventory = Inventory(custom=custom)
    assert [s.key for s in inventory.senses("python", "NOUN")][-2:] == [
        "python%snake",
        "python%language",
    ]
    config = BuildConfig(
        custom_inventory=inventory_file, lemmas=frozenset({"python", "kubectl"}), progress=False
    )
    IndexBuilder(encoder, inventory, config).build(tmp_path / "index")
    # The index carries its custom inventory: loading needs nothing else.
    engine = Disambiguator.load(tmp_path / "index", encoder=encoder)
    [code] = [
        r
        for r in engine.disambiguate("I debugged the Python code and fixed the software bug.")
        if r.lemma == "python"
    ]
    assert code.best is not None and code.best.key == "python%language"
    assert code.best.source == "custom"
    assert code.best.gloss == "a programming language for writing software"
    [snake] = [
        r for r in engine.disambiguate("A python swallowed the goat in the jungle.") if r.lemma == "python"
    ]
    assert snake.best is not None and snake.best.key == "python%snake"
    [tool] = engine.disambiguate(Document("Run kubectl to list the pods.", targets=[1]))
    assert tool.best is not None and tool.best.key == "kubectl%tool"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"id": "x", "lemma": "x", "pos": "DET", "gloss": "g"}', "pos 'DET' is not one of"),
        (
            '{"id": "x", "lemma": "", "pos": "NOUN", "gloss": "g"}',
            "field 'lemma' must be a non-empty string",
        ),
        ('{"id": "x", "lemma": "x", "pos": "NOUN"}', "needs a 'gloss' or 'examples'"),
        (
            '{"id": "x", "lemma": "x", "pos": "NOUN", "examples": ["no mark"]}',
            r"marking its target once",
        ),
        (
            '{"id": "x", "lemma": "x", "pos": "NOUN", "gloss": "g", "colour": 1}',
            "unknown field 'colour'",
        ),
    ],
)
def test_malformed_custom_inventory_names_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(SENSES[0]) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"bad\.jsonl:3: .*{problem}"):
        read_custom_inventory(path)


def test_duplicate_and_empty_inventories(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"dup\.jsonl:2: sense id 'python%snake' appears twice"):
        read_custom_inventory(_write(tmp_path / "dup.jsonl", [SENSES[0], SENSES[0]]))
    with pytest.raises(CorpusError, match="no senses defined"):
        read_custom_inventory(_write(tmp_path / "empty.jsonl", []))
