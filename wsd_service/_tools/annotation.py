"""Batch annotation of large files, resumable: text, JSONL or CoNLL-U in; JSONL or CoNLL-U out.

Each input unit (a text line, a JSONL record, a CoNLL-U sentence) gives exactly one output record,
written in input order and flushed batch by batch. A restart counts the complete records already
in the output, drops a torn last one, and goes on from the next unit: nothing is redone or lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._core.config import DISAMBIGUATE_TOP_K
from .._core.documents import Document, InputToken, TargetResult, tagged_token
from .._core.errors import CorpusError
from .._core.interface import WsdApi
from .._engine.build.progress import progress
from .._engine.lexicon.tokeniser import tokenise
from .._util.chunks import chunked

InputFormat = Literal["text", "jsonl", "conllu"]
OutputFormat = Literal["jsonl", "conllu"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One input unit: where it came from, what to send, and (CoNLL-U) its original lines."""

    line: int  # 1-based line where it starts
    id: str
    document: Document
    conllu: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnnotateConfig:
    input_format: InputFormat = "text"
    output_format: OutputFormat = "jsonl"
    top_k: int = DISAMBIGUATE_TOP_K
    batch_size: int = 64  # units per engine call
    progress: bool = True


# -- reading ------------------------------------------------------------------------------


def read_units(path: Path, input_format: InputFormat) -> Iterator[Unit]:
    if input_format == "text":
        return _text_units(path)
    if input_format == "jsonl":
        return _jsonl_units(path)
    return _conllu_units(path)


def _text_units(path: Path) -> Iterator[Unit]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield Unit(number, str(number), Document(text=line.rstrip("\n")))


def _jsonl_units(path: Path) -> Iterator[Unit]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield Unit(number, str(record.get("id", number)), _json_document(record))
            except (ValueError, TypeError, AttributeError) as error:
                raise CorpusError(path, number, str(error)) from None


def _json_document(record: dict[str, Any]) -> Document:
    if isinstance(record.get("text"), str):
        return Document(text=record["text"])
    tokens = record.get("tokens")
    if not isinstance(tokens, list) or not tokens:
        raise ValueError('a record needs "text" (a string) or "tokens" (a list)')
    return Document(
        tokens=[
            InputToken(t) if isinstance(t, str) else InputToken(t["text"], t.get("lemma"), t.get("pos"))
            for t in tokens
        ]
    )


def _conllu_units(path: Path) -> Iterator[Unit]:
    lines: list[str] = []
    start = 1
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if line.strip():
                start = number if not lines else start
                lines.append(line)
            elif lines:
                yield _conllu_unit(path, start, lines)
                lines = []
    if lines:
        yield _conllu_unit(path, start, lines)


def _conllu_unit(path: Path, start: int, lines: list[str]) -> Unit:
    tokens = []
    sentence_id = str(start)
    for offset, line in enumerate(lines):
        if line.startswith("#"):
            if line.startswith("# sent_id"):
                sentence_id = line.split("=", 1)[-1].strip()
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            raise CorpusError(path, start + offset, "a CoNLL-U token line has 10 tab-separated fields")
        if not fields[0].isdigit():
            continue  # multi-word token ranges (1-2) and empty nodes (1.1) carry no word
        lemma, upos = (None if value == "_" else value for value in fields[2:4])
        tokens.append(tagged_token(fields[1], lemma, upos))
    if not tokens:
        raise CorpusError(path, start, "a CoNLL-U sentence without token lines")
    return Unit(start, sentence_id, Document(tokens=tokens), tuple(lines))


# -- writing ------------------------------------------------------------------------------


def _senses(target: TargetResult) -> list[dict[str, Any]]:
    return [{"key": s.key, "score": round(s.score, 4), "gloss": s.gloss} for s in target.senses]


def jsonl_record(unit: Unit, targets: list[TargetResult]) -> str:
    record = {
        "id": unit.id,
        "line": unit.line,
        "targets": [
            {
                "token_index": t.token_index,
                "text": t.text,
                "start": t.start,
                "end": t.end,
                "lemma": t.lemma,
                "pos": t.pos,
                "sense": t.best.key if t.best else None,
                "senses": _senses(t),
            }
            for t in targets
        ],
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def conllu_record(unit: Unit, targets: list[TargetResult]) -> str:
    """The sentence in CoNLL-U with ``WSD=<sense key>`` in the MISC column of each target."""
    if unit.conllu:
        return _conllu_with_senses(unit.conllu, targets)
    text = unit.document.text or ""
    words = tokenise(text)
    misc = ["_"] * len(words)
    for target in targets:
        if target.best is None or target.start is None:
            continue
        covered = [i for i, w in enumerate(words) if w.start >= target.start and w.end <= (target.end or 0)]
        for i in covered[:1]:
            misc[i] = f"WSD={target.best.key}" + (f"|WSDWords={len(covered)}" if len(covered) > 1 else "")
    lines = [f"# sent_id = {unit.id}", f"# text = {text}"]
    for number, (word, note) in enumerate(zip(words, misc, strict=True), 1):
        lines.append(f"{number}\t{word.text}\t_\t_\t_\t_\t_\t_\t_\t{note}")
    return "\n".join(lines) + "\n\n"


def _conllu_with_senses(lines: Sequence[str], targets: list[TargetResult]) -> str:
    senses = {t.token_index: t.best.key for t in targets if t.best}
    out = []
    word = -1
    for line in lines:
        fields = line.split("\t")
        if not line.startswith("#") and fields[0].isdigit():
            word += 1
            if word in senses:
                misc = [] if fields[9] == "_" else [fields[9]]
                fields[9] = "|".join([*misc, f"WSD={senses[word]}"])
                line = "\t".join(fields)
        out.append(line)
    return "\n".join(out) + "\n\n"


# -- resuming -----------------------------------------------------------------------------


def completed_records(path: Path, output_format: OutputFormat) -> int:
    """Complete records in ``path``; a torn last record is cut off so that it is redone."""
    if not path.is_file():
        return 0
    data = path.read_bytes()
    separator = b"\n" if output_format == "jsonl" else b"\n\n"
    end = data.rfind(separator) + len(separator) if separator in data else 0
    if end < len(data):
        with path.open("r+b") as handle:
            handle.truncate(end)
    return data[:end].count(separator)


# -- the job ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnotateReport:
    skipped: int  # units already in the output from an earlier run
    annotated: int


def annotate(api: WsdApi, source: Path, out: Path, config: AnnotateConfig) -> AnnotateReport:
    done = completed_records(out, config.output_format)
    total = sum(1 for _ in read_units(source, config.input_format))
    units = read_units(source, config.input_format)
    for _ in range(done):
        next(units, None)
    annotated = 0
    with out.open("a", encoding="utf-8") as handle, progress(total, "annotating", config.progress) as bar:
        bar.update(done)
        for batch in chunked(units, config.batch_size):
            handle.write("".join(_annotate_batch(api, batch, config, source)))
            handle.flush()
            os.fsync(handle.fileno())  # a record counted on restart is on disk
            annotated += len(batch)
            bar.update(len(batch))
    return AnnotateReport(done, annotated)


def _annotate_batch(api: WsdApi, batch: list[Unit], config: AnnotateConfig, source: Path) -> list[str]:
    """Output records of a batch; a unit the engine refuses gets an error record naming its line."""
    write = jsonl_record if config.output_format == "jsonl" else conllu_record
    results = api.disambiguate_stream([u.document for u in batch], top_k=config.top_k)
    return [
        write(unit, result.targets)
        if result.error is None
        else _error_record(unit, f"{source}:{unit.line}: {result.error}", config.output_format)
        for unit, result in zip(batch, results, strict=True)
    ]


def _error_record(unit: Unit, message: str, output_format: OutputFormat) -> str:
    if output_format == "jsonl":
        return json.dumps({"id": unit.id, "line": unit.line, "error": message}, ensure_ascii=False) + "\n"
    return f"# sent_id = {unit.id}\n# wsd_error = {message}\n\n"
