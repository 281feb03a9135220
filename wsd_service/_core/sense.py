"""Senses and part-of-speech tags shared by the inventory, the index and the adapters."""

from __future__ import annotations

from dataclasses import dataclass

# Universal POS tags this inventory has senses for, and WordNet's letters for them.
POS_TAGS = {"NOUN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}
_TAG_ALIASES = {"N": "NOUN", "V": "VERB", "J": "ADJ", "A": "ADJ", "R": "ADV", "PROPN": "NOUN"}
_TAG_ALIASES |= {letter: tag for tag, letter in POS_TAGS.items()} | {"s": "ADJ"}


def normalise_pos(tag: str) -> str | None:
    """A universal tag (NOUN, VERB, ADJ, ADV) for a tag or WordNet letter; None: no senses."""
    upper = tag.strip()
    if upper.upper() in POS_TAGS:
        return upper.upper()
    return _TAG_ALIASES.get(upper) or _TAG_ALIASES.get(upper.upper())


def lemma_key(lemma: str) -> str:
    """WordNet's spelling of a lemma: lowercase, words joined by underscores."""
    return "_".join(lemma.lower().split())


@dataclass(frozen=True, slots=True)
class Sense:
    """One candidate meaning of a lemma."""

    key: str
    lemma: str
    pos: str  # NOUN, VERB, ADJ, ADV
    synset_id: str
    sense_number: int
    tag_count: int
    gloss: str
    examples: tuple[str, ...]
    lexname: str
    synonyms: tuple[str, ...]
    custom: bool = False


@dataclass(frozen=True, slots=True)
class SenseRow:
    """One row of a sense index: a sense and where its vector came from."""

    key: str
    lemma: str
    pos: str
    synset_id: str
    count: int  # corpus occurrences plus WordNet tag count: the frequency prior
    source: str  # corpus, propagated, gloss or custom
