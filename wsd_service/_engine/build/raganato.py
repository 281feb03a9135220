"""Reader of the unified evaluation framework's format (Raganato et al., 2017).

A corpus is a pair ``PREFIX.data.xml`` + ``PREFIX.gold.key.txt``. Every problem is reported
with the file and line it was found at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from ..._core.errors import CorpusError


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # may contain spaces: a multi-word expression
    lemma: str
    pos: str  # universal tag as written in the file
    instance_id: str | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    id: str
    tokens: tuple[Token, ...]


@dataclass(slots=True)
class Corpus:
    name: str
    data_path: Path
    gold_path: Path
    sentences: list[Sentence] = field(default_factory=list)
    gold: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def instances(self) -> dict[str, Token]:
        return {t.instance_id: t for s in self.sentences for t in s.tokens if t.instance_id}


def corpus_paths(prefix: Path) -> tuple[Path, Path]:
    """``PREFIX.data.xml`` and ``PREFIX.gold.key.txt``; a folder ``D`` means ``D/D``."""
    prefix = Path(prefix)
    if prefix.is_dir():
        prefix = prefix / prefix.name
    return Path(f"{prefix}.data.xml"), Path(f"{prefix}.gold.key.txt")


def read_corpus(prefix: Path, *, require_gold: bool = True) -> Corpus:
    data_path, gold_path = corpus_paths(prefix)
    corpus = Corpus(data_path.name.removesuffix(".data.xml"), data_path, gold_path)
    corpus.sentences = _XmlReader(data_path).read()
    if require_gold or gold_path.exists():
        corpus.gold = read_gold(gold_path)
        _check_gold_matches(corpus)
    return corpus


def read_gold(path: Path) -> dict[str, tuple[str, ...]]:
    if not path.is_file():
        raise CorpusError(path, None, "gold key file not found")
    gold: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise CorpusError(path, number, f"instance {fields[0]!r} has no sense key")
            if fields[0] in gold:
                raise CorpusError(path, number, f"instance {fields[0]!r} appears twice")
            bad = [key for key in fields[1:] if "%" not in key]
            if bad:
                raise CorpusError(path, number, f"{bad[0]!r} is not a sense key (lemma%...)")
            gold[fields[0]] = tuple(fields[1:])
    return gold


def _check_gold_matches(corpus: Corpus) -> None:
    instances = corpus.instances()
    unknown = [i for i in corpus.gold if i not in instances]
    if unknown:
        raise CorpusError(
            corpus.gold_path,
            None,
            f"{len(unknown)} gold instances are not in the data file, e.g. {unknown[0]!r}",
        )


class _XmlReader:
    """Streaming expat reader that keeps line numbers for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sentences: list[Sentence] = []
        self._sentence_id: str | None = None
        self._tokens: list[Token] = []
        self._token: dict[str, str] | None = None
        self._text: list[str] = []
        self._ids: set[str] = set()
        self._parser = expat.ParserCreate()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._characters

    def read(self) -> list[Sentence]:
        if not self.path.is_file():
            raise CorpusError(self.path, None, "data file not found")
        try:
            with self.path.open("rb") as handle:
                self._parser.ParseFile(handle)
        except expat.ExpatError as error:
            raise CorpusError(
                self.path, error.lineno, f"malformed XML: {expat.errors.messages[error.code]}"
            ) from None
        if not self.sentences:
            raise CorpusError(self.path, None, "no <sentence> elements")
        return self.sentences

    def _fail(self, problem: str) -> CorpusError:
        return CorpusError(self.path, self._parser.CurrentLineNumber, problem)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "sentence":
            if self._sentence_id is not None:
                raise self._fail("<sentence> inside another <sentence>")
            self._sentence_id = attributes.get("id", f"line{self._parser.CurrentLineNumber}")
            self._tokens = []
        elif name in ("wf", "instance"):
            if self._sentence_id is None:
                raise self._fail(f"<{name}> outside a <sentence>")
            for required in ("lemma", "pos") + (("id",) if name == "instance" else ()):
                if not attributes.get(required):
                    raise self._fail(f"<{name}> has no {required} attribute")
            if name == "instance":
                if attributes["id"] in self._ids:
                    raise self._fail(f"instance id {attributes['id']!r} appears twice")
                self._ids.add(attributes["id"])
            self._token = {"kind": name, **attributes}
            self._text = []

    def _characters(self, data: str) -> None:
        if self._token is not None:
            self._text.append(data)

    def _end(self, name: str) -> None:
        if name in ("wf", "instance") and self._token is not None:
            text = " ".join("".join(self._text).split())
            if not text:
                raise self._fail(f"<{name}> has no text")
            token = self._token
            instance = token["id"] if token["kind"] == "instance" else None
            self._tokens.append(Token(text, token["lemma"], token["pos"], instance))
            self._token = None
        elif name == "sentence" and self._sentence_id is not None:
            if self._tokens:
                self.sentences.append(Sentence(self._sentence_id, tuple(self._tokens)))
            self._sentence_id = None
