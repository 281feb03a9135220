"""Small Raganato corpora written by the tests."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

TINY_LEMMAS = frozenset({"bank", "deposit", "river", "cash", "withdraw", "go", "picnic", "earth"})

_POS = {"1": "NOUN", "2": "VERB", "3": "ADJ", "4": "ADV", "5": "ADJ"}


def write_corpus(
    prefix: Path, sentences: Sequence[tuple[str, dict[str, str]]], *, per_document: int | None = None
) -> Path:
    """Sentences of space-separated words; ``keys`` maps a word as written to its gold key.
    ``per_document``: sentences per document (text), default all in one."""
    lines = ['<?xml version="1.0" encoding="UTF-8" ?>', '<corpus lang="en" source="test">']
    gold = []
    size = per_document or max(1, len(sentences))
    for s_number, (text, keys) in enumerate(sentences):
        document = f"d{s_number // size:03d}"
        if s_number % size == 0:
            lines += ["</text>"] if s_number else []
            lines.append(f'<text id="{document}">')
        lines.append(f'<sentence id="{document}.s{s_number:03d}">')
        for t_number, word in enumerate(text.split()):
            key = keys.get(word.lower())
            if key:
                instance = f"{document}.s{s_number:03d}.t{t_number:03d}"
                pos = _POS[key.partition("%")[2][0]]
                lines.append(
                    f"<instance id={quoteattr(instance)} lemma={quoteattr(key.partition('%')[0])}"
                    f" pos={quoteattr(pos)}>{escape(word)}</instance>"
                )
                gold.append(f"{instance} {key}")
            else:
                lines.append(f'<wf lemma={quoteattr(word.lower())} pos="X">{escape(word)}</wf>')
        lines.append("</sentence>")
    lines += ["</text>", "</corpus>"]
    prefix.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{prefix}.data.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(f"{prefix}.gold.key.txt").write_text("\n".join(gold) + "\n", encoding="utf-8")
    return prefix


def build_index_command(out: Path, lemmas: str, *, quiet: bool = True) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "wsd_service",
        "build-index",
        "--lemmas",
        lemmas,
        "--out",
        str(out),
    ]
    return [*command, "--quiet"] if quiet else command
