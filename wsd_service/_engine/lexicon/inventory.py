"""The sense inventory: WordNet 3.0 plus user-defined senses, with WordNet's morphology."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from ..._core.environment import DEFAULT_WORDNET_DIR
from ..._core.errors import InputError, shown
from ..._core.sense import POS_TAGS, Sense, lemma_key, normalise_pos
from ..._util.hashed_strings import hash32
from .custom_senses import CUSTOM_SYNSET_PREFIX, CustomSense
from .wordnet import Synset, WordNetDatabase

_SS_TYPE_TAGS = {"1": "NOUN", "2": "VERB", "3": "ADJ", "4": "ADV", "5": "ADJ"}

# Words whose lemmas (under every POS at once) and expression reach are kept: about 5.6 MB when
# full, and five lookups in six hit over running text (BENCHMARKS.md, memory).
_WORDS_CACHED = 8192

# morphy(7WN) detachment rules
_SUFFIX_RULES = {
    "n": (
        ("s", ""),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "v": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


class Inventory:
    """Senses by lemma and POS in WordNet's order, custom senses after WordNet's own."""

    def __init__(
        self,
        wordnet: WordNetDatabase | None = None,
        custom: Sequence[CustomSense] = (),
    ) -> None:
        self.wordnet = wordnet or WordNetDatabase(DEFAULT_WORDNET_DIR)
        self.custom = tuple(custom)
        self._custom: dict[tuple[str, str], list[CustomSense]] = {}
        for sense in self.custom:
            self._custom.setdefault((sense.lemma, sense.pos), []).append(sense)
        # The first words of multi-word lemmas by POS, each with its longest lemma's word count:
        # most tokens start none, and the others are tried only as far as their lemmas reach.
        self._expression_words: dict[str, dict[str, int]] = {tag: {} for tag in POS_TAGS}
        # Multi-word lemmas by POS, each once per word with that word left out (``lemmatise``),
        # and their first two words as morphy may find them inflected (``may_start_expression``),
        # hashed and sorted: sets of their 300,000 hashes would cost a process 20 MB, these 1.2.
        # Read in one stream, each lemma's strings let go at once: holding them all while
        # building left 17 MB of freed memory the allocator could not give back.
        frames = {tag: array("I") for tag in POS_TAGS}
        pairs = array("I")  # of any POS
        inflections = {
            letter: _Inflections(letter, self.wordnet.inflected_forms(letter)) for letter in POS_TAGS.values()
        }
        self._max_words = 1
        for lemma, tag in self._lemmas():
            words = lemma.split("_")
            self._max_words = max(self._max_words, len(words))
            if len(words) > 1:
                longest = self._expression_words[tag]
                longest[words[0]] = max(longest.get(words[0], 0), len(words))
                frames[tag].extend(_frame(words, position) for position in range(len(words)))
                pairs.extend(inflections[POS_TAGS[tag]].pairs(words[0], words[1]))
        self._frames = {tag: _sorted(hashes) for tag, hashes in frames.items()}
        self._pairs = _sorted(pairs)
        # The few irregular forms whose base is itself several words ("comics": comic_strip)
        # shift a lemma's words against the run's: a run with one is always tried.
        self._spanning = frozenset(form for each in inflections.values() for form in each.spanning())
        # Pure and hot (every word of raw text, for every POS): a word's are cached, bounded so
        # that a long-running server's memory levels off (BENCHMARKS.md, memory). Multi-word runs
        # are not: the expression finder's are nearly all new, cheap (``_inflectable``), and would
        # only push the words out.
        self.senses = lru_cache(maxsize=16384)(self._senses)
        self._word_lemmas = lru_cache(maxsize=_WORDS_CACHED)(self._every_pos)
        self.expression_reach = lru_cache(maxsize=_WORDS_CACHED)(self._expression_reach)

    def _lemmas(self) -> Iterator[tuple[str, str]]:
        """Every lemma with its POS, WordNet's then the custom senses'."""
        for tag, letter in POS_TAGS.items():
            yield from ((lemma, tag) for lemma in self.wordnet.lemmas(letter))
        yield from self._custom

    @property
    def max_expression_words(self) -> int:
        """Words in the longest multi-word lemma, for the expression finder."""
        return self._max_words

    def _senses(self, lemma: str, pos: str) -> tuple[Sense, ...]:
        tag = normalise_pos(pos)
        if tag is None:
            return ()
        key = lemma_key(lemma)
        letter = POS_TAGS[tag]
        found = [
            _from_wordnet(s.key, key, tag, s.synset, s.sense_number, s.tag_count)
            for s in self.wordnet.senses(key, letter)
        ]
        for number, custom in enumerate(self._custom.get((key, tag), ()), start=len(found) + 1):
            found.append(custom.as_sense(number))
        return tuple(found)

    def by_key(self, key: str) -> Sense | None:
        """The sense with this key; the POS is read from the key's ss_type digit."""
        lemma, _, rest = key.partition("%")
        tag = _SS_TYPE_TAGS.get(rest[:1])
        candidates = self.senses(lemma, tag) if tag else self._custom_by_key(key)
        return next((s for s in candidates if s.key == key), None)

    def _custom_by_key(self, key: str) -> tuple[Sense, ...]:
        custom = next((c for c in self.custom if c.id == key), None)
        return () if custom is None else self.senses(custom.lemma, custom.pos)

    def has_lemma(self, lemma: str, tag: str) -> bool:
        return self.wordnet.has_lemma(lemma, POS_TAGS[tag]) or (lemma, tag) in self._custom

    def _expression_reach(self, word: str) -> dict[str, int]:
        """By POS, the words in the longest multi-word lemma that starts with ``word`` or with
        its base form; POS with none are left out."""
        word = word.lower()
        reach = {
            tag: max((self._expression_words[tag].get(base, 0) for base in self._bases(word, tag)), default=0)
            for tag in POS_TAGS
        }
        return {tag: longest for tag, longest in reach.items() if longest}

    def may_start_expression(self, form: str) -> bool:
        """Whether a multi-word lemma starts with the first two words of ``form``, one of them
        inflected: almost no run of raw text starts one, and this settles a run's every length
        and POS with one lookup."""
        first, second = [*lemma_key(form).split("_"), ""][:2]
        if first in self._spanning or second in self._spanning:
            return True
        return _holds(self._pairs, hash32((first, second)))

    def lemmatise(self, form: str, pos: str) -> list[str]:
        """Base forms of a word form that the inventory has, as WordNet's morphy finds them."""
        if _is_run(form):
            return self._lemmatise(form, pos)
        tag = normalise_pos(pos)
        return next((list(found) for have, found in self._word_lemmas(form) if have == tag), [])

    def lemmas_by_pos(self, form: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """What ``lemmatise`` finds for every POS at once, in POS order, POS with none left out:
        raw text's words are looked up under every POS, and this is one cache entry a word."""
        return self._every_pos(form) if _is_run(form) else self._word_lemmas(form)

    def _every_pos(self, form: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((tag, tuple(found)) for tag in POS_TAGS if (found := self._lemmatise(form, tag)))

    def _lemmatise(self, form: str, pos: str) -> list[str]:
        tag = normalise_pos(pos)
        if tag is None:
            return []
        words = lemma_key(form).split("_")
        if not words or not words[0]:
            return []
        found: list[str] = []
        # In a collocation any one word may be inflected ("attorneys_general", "took_place").
        for position in self._inflectable(words, tag):
            for base in self._bases(words[position], tag):
                candidate = "_".join([*words[:position], base, *words[position + 1 :]])
                if candidate not in found and self.has_lemma(candidate, tag):
                    found.append(candidate)
        return found

    def _inflectable(self, words: list[str], tag: str) -> list[int]:
        """The positions at which the other words are a multi-word lemma's (the one position of
        a single word): the expression finder tries every run of raw text that starts like an
        expression, and almost none is one, so most runs need no lookup at all."""
        if len(words) == 1:
            return [0]
        frames = self._frames[tag]
        return [position for position in range(len(words)) if _holds(frames, _frame(words, position))]

    def _bases(self, word: str, tag: str) -> list[str]:
        letter = POS_TAGS[tag]
        bases = [word, *self.wordnet.exceptions(word, letter)]
        for suffix, ending in _SUFFIX_RULES[letter]:
            if word.endswith(suffix) and len(word) > len(suffix):
                bases.append(word[: -len(suffix)] + ending)
        return bases

    def all_senses(self) -> Iterator[Sense]:
        """Every sense, grouped by (lemma, POS) in a stable order."""
        for tag, letter in POS_TAGS.items():
            lemmas = set(self.wordnet.lemmas(letter))
            lemmas.update(lemma for lemma, pos in self._custom if pos == tag)
            for lemma in sorted(lemmas):
                yield from self.senses(lemma, tag)

    def broader_words(self, sense: Sense) -> list[str]:
        """The first words of the synsets a sense is a kind of: its hypernyms (instance
        hypernyms too), or a satellite adjective's head, at most three."""
        words = [
            self.wordnet.synset("a" if pos == "s" else pos, offset).words[0][0].replace("_", " ")
            for symbol, offset, pos in self.pointers(sense.synset_id)
            if symbol in ("@", "@i") or (symbol == "&" and self.synset(sense.synset_id).satellite)
        ]
        return list(dict.fromkeys(words))[:3]

    def pointers(self, synset_id: str) -> tuple[tuple[str, int, str], ...]:
        """A synset's WordNet pointers (symbol, offset, pos); none for a custom sense's."""
        return () if synset_id.startswith(CUSTOM_SYNSET_PREFIX) else self.synset(synset_id).pointers

    def synset(self, synset_id: str) -> Synset:
        offset, _, letter = synset_id.partition("-")
        if letter not in "nvar" or not offset.isdigit():
            raise InputError(f"{shown(synset_id)} is not a WordNet synset id (offset-pos)")
        return self.wordnet.synset(letter, int(offset))


def _is_run(form: str) -> bool:
    """Whether a form is more than one word (the lemma cache keeps single words only)."""
    return "_" in form or len(form.split()) > 1


def _frame(words: list[str], position: int) -> int:
    """Words of a multi-word lemma or run without the one at ``position``, hashed to 32 bits (a
    collision only costs the exact lookup it would have skipped)."""
    return hash32(("_".join(words[:position]), "_".join(words[position + 1 :])))


class _Inflections:
    """The word forms morphy takes back to a base, for one POS, while the inventory is built."""

    def __init__(self, letter: str, irregular: dict[str, list[str]]) -> None:
        self._rules = _SUFFIX_RULES[letter]
        self._irregular = irregular

    def spanning(self) -> list[str]:
        """The irregular forms whose base is several words."""
        return [form for base, forms in self._irregular.items() if "_" in base for form in forms]

    def pairs(self, first: str, second: str) -> list[int]:
        """The hashed pairs of words that ``Inventory._bases`` takes to (first, second), at
        most one of the two changed."""
        return [hash32((form, second)) for form in self.forms(first)] + [
            hash32((first, form)) for form in self.forms(second)
        ]

    def forms(self, base: str) -> list[str]:
        """Every word form whose bases include ``base``: itself, the irregular forms the
        exception list takes to it, and what the detachment rules would strip to it."""
        regular = [
            base[: len(base) - len(ending)] + suffix
            for suffix, ending in self._rules
            if base.endswith(ending) and len(base) > len(ending)
        ]
        return [base, *self._irregular.get(base, ()), *regular]


def _sorted(hashes: array[int]) -> array[int]:
    """``hashes`` sorted in place for ``_holds`` (no copy: copies of arrays this size, freed,
    stay with the process), repeats kept."""
    np.frombuffer(hashes, dtype=np.uint32).sort()
    return hashes


def _holds(ordered: array[int], value: int) -> bool:
    at = bisect_left(ordered, value)
    return at < len(ordered) and ordered[at] == value


def _from_wordnet(key: str, lemma: str, tag: str, synset: Synset, number: int, count: int) -> Sense:
    return Sense(
        key=key,
        lemma=lemma,
        pos=tag,
        synset_id=synset.synset_id,
        sense_number=number,
        tag_count=count,
        gloss=synset.definition,
        examples=synset.examples,
        lexname=synset.lexname,
        synonyms=tuple(word for word, _ in synset.words),
    )
