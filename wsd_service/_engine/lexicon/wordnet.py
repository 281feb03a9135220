"""Reader of the WordNet 3.0 database files (Debian's ``wordnet-base``).

Sense keys are derived from the data files as WordNet's ``grind`` does, because the Debian
package ships neither ``index.sense`` nor ``lexnames``, and NLTK's ``Lemma.key()`` picks the
wrong word when a synset holds two spellings of one lemma ("Earth 0 earth 2").
"""

from __future__ import annotations

import mmap
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..._core.environment import DEFAULT_WORDNET_DIR
from ..._core.errors import InventoryError
from ..._util.hashed_strings import HashedStrings

POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# ss_type digits used in sense keys; "s" (adjective satellite) shares the adjective files.
SS_TYPE = {"n": 1, "v": 2, "a": 3, "r": 4, "s": 5}

# lexnames(5WN), fixed for WordNet 3.0; the Debian package lacks the file.
LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
    "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
    "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant "
    "noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
    "noun.substance noun.time verb.body verb.change verb.cognition verb.communication "
    "verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
    "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
).split()

_ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")
_EXAMPLE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True, slots=True)
class Synset:
    """One synset of the data files."""

    offset: int
    pos: str  # n, v, a, r (satellites are "a" with ``satellite`` set)
    satellite: bool
    lexname: str
    lex_filenum: int
    words: tuple[tuple[str, int], ...]  # (lemma as written, lex_id)
    pointers: tuple[tuple[str, int, str], ...]  # (symbol, target offset, target pos)
    definition: str
    examples: tuple[str, ...]

    @property
    def synset_id(self) -> str:
        """Offset-POS identifier, e.g. ``09213565-n`` (the form ILI and OMW use)."""
        return f"{self.offset:08d}-{self.pos}"


@dataclass(frozen=True, slots=True)
class WordNetSense:
    """One (lemma, synset) pair with its WordNet sense key."""

    key: str
    lemma: str
    pos: str
    synset: Synset
    sense_number: int
    tag_count: int


def _parse_data_line(line: str, pos: str) -> Synset:
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    offset, lex_filenum, ss_type = int(fields[0]), int(fields[1]), fields[2]
    n_words = int(fields[3], 16)
    words = tuple(
        (_ADJ_MARKER.sub("", fields[4 + 2 * i]), int(fields[5 + 2 * i], 16)) for i in range(n_words)
    )
    at = 4 + 2 * n_words
    n_pointers = int(fields[at])
    pointers = tuple(
        (fields[at + 1 + 4 * i], int(fields[at + 2 + 4 * i]), fields[at + 3 + 4 * i])
        for i in range(n_pointers)
    )
    gloss = gloss.strip()
    examples = tuple(m.strip() for m in _EXAMPLE.findall(gloss))
    definition = gloss.split('"', 1)[0].strip().rstrip(";").strip()
    return Synset(
        offset=offset,
        pos=pos,
        satellite=ss_type == "s",
        lexname=LEXNAMES[lex_filenum],
        lex_filenum=lex_filenum,
        words=words,
        pointers=pointers,
        definition=definition,
        examples=examples,
    )


def _mapped(path: Path) -> mmap.mmap | bytes:
    if not path.stat().st_size:
        return b""  # mmap refuses an empty file
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _first_fields(lines: mmap.mmap | bytes) -> Iterator[tuple[str, int]]:
    """Each line's first field with where the line starts, in the file's order (an index file's
    licence header, its lines indented, and blank lines left out)."""
    start = 0
    while start < len(lines):
        end = _line_end(lines, start)
        if lines[start : start + 1] not in (b" ", b"\n"):
            yield _first_field(lines, start, end), start
        start = end + 1


def _line_end(lines: mmap.mmap | bytes, start: int) -> int:
    """Where the line that starts at ``start`` ends (the last line may have no newline)."""
    end = lines.find(b"\n", start)
    return len(lines) if end < 0 else end


def _first_field(lines: mmap.mmap | bytes, start: int, end: int) -> str:
    space = lines.find(b" ", start, end)
    return lines[start : end if space < 0 else space].decode("utf-8")


class _FirstField:
    """The first field of the line that starts at a byte offset."""

    def __init__(self, lines: mmap.mmap | bytes) -> None:
        self._lines = lines

    def __getitem__(self, start: int) -> str:
        return _first_field(self._lines, start, _line_end(self._lines, start))


class _KeyedLines:
    """A text file's lines, mapped, found by their first field (an index file's lemma, an
    exception list's inflected form, ``cntlist.rev``'s sense key): a line is read from the file
    when asked for, and where each starts is found through hashes (eight bytes a line; a dict of
    the parsed lines costs a process about a hundred)."""

    def __init__(self, path: Path) -> None:
        self._lines = _mapped(path)
        hashes, starts = array("q"), array("q")
        for key, start in _first_fields(self._lines):
            hashes.append(hash(key))
            starts.append(start)
        # Last line first: of two lines with one key, ``find`` gives the one given first, and the
        # later line is the one a dict read from the file would keep.
        self._starts = HashedStrings(
            np.frombuffer(hashes, dtype=np.int64)[::-1],
            _FirstField(self._lines),
            np.frombuffer(starts, dtype=np.int64)[::-1],
        )

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in _first_fields(self._lines))

    def __contains__(self, key: str) -> bool:
        return self._starts.find(key) is not None

    def fields(self, key: str) -> list[bytes]:
        """The fields of ``key``'s line (the key first; of two lines with one key, the later);
        none when no line has it."""
        start = self._starts.find(key)
        if start is None:
            return []
        return self._lines[start : _line_end(self._lines, start)].split()


class WordNetDatabase:
    """Random access to the WordNet database files, in WordNet's own sense order.

    The data files are addressed by byte offset (the synset offset), so only where the index
    files' lines start is read eagerly; a lemma's synsets and the synsets themselves are parsed on demand,
    the recent synsets cached.
    """

    def __init__(self, directory: Path = DEFAULT_WORDNET_DIR) -> None:
        self.directory = Path(directory)
        missing = [
            name
            for pos_name in POS_FILES.values()
            for name in (f"index.{pos_name}", f"data.{pos_name}", f"{pos_name}.exc")
            if not (self.directory / name).is_file()
        ]
        if missing:
            raise InventoryError(
                f"WordNet 3.0 database not found in {self.directory} (missing {', '.join(missing)});"
                " install Debian's wordnet-base or set WSD_WORDNET_DIR"
            )
        # Memory-mapped: worker processes share one copy in the page cache.
        self._data = {pos: _mapped(self.directory / f"data.{name}") for pos, name in POS_FILES.items()}
        self._index = {pos: _KeyedLines(self.directory / f"index.{name}") for pos, name in POS_FILES.items()}
        self._exceptions = {
            pos: _KeyedLines(self.directory / f"{name}.exc") for pos, name in POS_FILES.items()
        }
        counts = self.directory / "cntlist.rev"  # sense key, sense number, tag count
        self._tag_counts = _KeyedLines(counts) if counts.is_file() else None
        # Bounded: parsing is cheap (tens of microseconds) and a server that met every synset
        # would otherwise keep all 117,659 (measured: the larger part of its RSS growth).
        self.synset = lru_cache(maxsize=32768)(self._synset)

    def _synset(self, pos: str, offset: int) -> Synset:
        data = self._data[pos]
        end = data.find(b"\n", offset)
        return _parse_data_line(data[offset:end].decode("utf-8"), pos)

    def lemmas(self, pos: str) -> Iterator[str]:
        return iter(self._index[pos])

    def has_lemma(self, lemma: str, pos: str) -> bool:
        return lemma in self._index[pos]

    def exceptions(self, form: str, pos: str) -> list[str]:
        """The base forms an exception list gives an irregular inflected form (``.exc``)."""
        return [base.decode("utf-8") for base in self._exceptions[pos].fields(form)[1:]]

    def inflected_forms(self, pos: str) -> dict[str, list[str]]:
        """The exception list backwards: each base form with the irregular forms it is given for."""
        forms: dict[str, list[str]] = {}
        for form in self._exceptions[pos]:
            for base in self.exceptions(form, pos):
                forms.setdefault(base, []).append(form)
        return forms

    def tag_count(self, key: str) -> int:
        """How often SemCor and the other tagged texts use the sense (``cntlist.rev``; 0: never)."""
        fields = [] if self._tag_counts is None else self._tag_counts.fields(key)
        return int(fields[-1]) if fields else 0

    def senses(self, lemma: str, pos: str) -> list[WordNetSense]:
        """Senses of a lowercase, underscore-joined lemma in WordNet's sense order."""
        offsets = self._offsets(lemma, pos)
        senses = []
        for number, offset in enumerate(offsets, start=1):
            synset = self.synset(pos, offset)
            key = self._sense_key(lemma, synset)
            senses.append(WordNetSense(key, lemma, pos, synset, number, self.tag_count(key)))
        return senses

    def _offsets(self, lemma: str, pos: str) -> list[int]:
        """The lemma's synset offsets, read from its line of the index file (index(5WN): the
        line ends with one offset per synset)."""
        fields = self._index[pos].fields(lemma)
        return [int(field) for field in fields[-int(fields[2]) :]] if fields else []

    def _sense_key(self, lemma: str, synset: Synset) -> str:
        # The first spelling of the lemma in the synset is the one index.sense lists.
        lex_id = next(lid for word, lid in synset.words if word.lower() == lemma)
        ss_type = SS_TYPE["s" if synset.satellite else synset.pos]
        head = ":"
        if synset.satellite:
            head_offset = next(off for sym, off, _ in synset.pointers if sym == "&")
            head_word, head_id = self.synset("a", head_offset).words[0]
            head = f"{head_word.lower()}:{head_id:02d}"
        return f"{lemma}%{ss_type}:{synset.lex_filenum:02d}:{lex_id:02d}:{head}"
