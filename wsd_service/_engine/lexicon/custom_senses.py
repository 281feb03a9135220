"""User-defined senses read from a JSONL file.

One JSON object a line::

    {"id": "acme%widget", "lemma": "acme", "pos": "NOUN",
     "gloss": "the Acme Corp. product line",
     "examples": ["We ordered two [[acme]] units."]}

``gloss`` and/or ``examples`` must be given; each example marks its target word once with
``[[...]]``. Such senses are used exactly like WordNet's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..._core.errors import CorpusError
from ..._core.sense import Sense, lemma_key, normalise_pos

_MARK = re.compile(r"\[\[(.+?)\]\]")
_FIELDS = {"id", "lemma", "pos", "gloss", "examples"}

CUSTOM_SYNSET_PREFIX = "custom:"  # a custom sense is its own synset: "custom:<id>"


@dataclass(frozen=True, slots=True)
class CustomSense:
    id: str
    lemma: str  # lowercase, words joined by underscores
    pos: str  # NOUN, VERB, ADJ, ADV
    gloss: str
    examples: tuple[str, ...]  # with the target marked as [[...]]

    def as_sense(self, number: int) -> Sense:
        return Sense(
            key=self.id,
            lemma=self.lemma,
            pos=self.pos,
            synset_id=f"{CUSTOM_SYNSET_PREFIX}{self.id}",
            sense_number=number,
            tag_count=0,
            gloss=self.gloss,
            examples=tuple(_MARK.sub(r"\1", e) for e in self.examples),
            lexname="custom",
            synonyms=(self.lemma,),
            custom=True,
        )


def split_marked(example: str) -> tuple[list[str], int]:
    """Words of a marked example and the index of the marked target (its words joined)."""
    match = _MARK.search(example)
    if match is None:
        raise ValueError("no [[target]] marked")
    before = example[: match.start()].split()
    after = example[match.end() :].split()
    return [*before, " ".join(match.group(1).split()), *after], len(before)


def read_custom_inventory(path: Path) -> list[CustomSense]:
    path = Path(path)
    if not path.is_file():
        raise CorpusError(path, None, "custom inventory file not found")
    senses: list[CustomSense] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = _parse(line)
            except ValueError as error:
                raise CorpusError(path, number, str(error)) from None
            if record.id in seen:
                raise CorpusError(path, number, f"sense id {record.id!r} appears twice")
            seen.add(record.id)
            senses.append(record)
    if not senses:
        raise CorpusError(path, None, "no senses defined")
    return senses


def _parse(line: str) -> CustomSense:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    unknown = set(record) - _FIELDS
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r}")
    for name in ("id", "lemma", "pos"):
        if not isinstance(record.get(name), str) or not record[name].strip():
            raise ValueError(f"field {name!r} must be a non-empty string")
    pos = normalise_pos(record["pos"])
    if pos is None:
        raise ValueError(f"pos {record['pos']!r} is not one of NOUN, VERB, ADJ, ADV")
    gloss = record.get("gloss", "")
    examples = record.get("examples", [])
    if not isinstance(gloss, str) or not isinstance(examples, list):
        raise ValueError("'gloss' must be a string and 'examples' a list of strings")
    if not gloss.strip() and not examples:
        raise ValueError("a sense needs a 'gloss' or 'examples'")
    for example in examples:
        if not isinstance(example, str) or len(_MARK.findall(example)) != 1:
            raise ValueError("each example must be a string marking its target once as [[word]]")
    return CustomSense(record["id"].strip(), lemma_key(record["lemma"]), pos, gloss.strip(), tuple(examples))
