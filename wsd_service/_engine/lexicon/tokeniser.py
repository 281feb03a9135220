"""Raw text to tokens: words with character spans, WordNet multi-word expressions joined."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .inventory import Inventory

# Words, keeping inner hyphens and apostrophes ("well-known", "don't"); any other
# non-space character is a token of its own.
_WORD = re.compile(r"\w+(?:[-'\u2019]\w+)*|[^\w\s]")

# Closed-class words: WordNet gives some of them senses ("I" is iodine, "in" is inch),
# which a reader never means in running text, so raw text never targets them.
STOPWORDS = frozenset(
    """a an the this that these those i me my mine we us our ours you your yours he him his she
    her hers it its they them their theirs who whom whose which what there here and or but nor
    so yet if then than because while as of in on at by for with about against between into
    through during before after above below to from up down out off over under again further
    once all any both each few more most other some such no not only own same too very can will
    just should now is am are was were be been being have has had having do does did doing
    would could might must shall may also""".split()
)

# Words after which, without a tagger, a word is taken to be a noun or adjective.
DETERMINERS = frozenset(
    "a an the this that these those my your his her its our their every each no some any".split()
)


@dataclass(frozen=True, slots=True)
class TextToken:
    text: str  # words of an expression joined by single spaces
    start: int  # character offsets in the input text
    end: int


def tokenise(text: str) -> list[TextToken]:
    return [TextToken(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


class ExpressionFinder:
    """Joins runs of tokens that form a WordNet (or custom) multi-word lemma, longest first."""

    def __init__(self, inventory: Inventory, max_words: int = 6) -> None:
        self._inventory = inventory
        self._max_words = min(max_words, inventory.max_expression_words)

    def join(self, tokens: list[TextToken]) -> list[TextToken]:
        joined: list[TextToken] = []
        position = 0
        while position < len(tokens):
            length = self._longest_at(tokens, position)
            run = tokens[position : position + length]
            text = " ".join(t.text for t in run)
            joined.append(TextToken(text, run[0].start, run[-1].end))
            position += length
        return joined

    def _longest_at(self, tokens: list[TextToken], position: int) -> int:
        first = tokens[position].text
        reach = self._inventory.expression_reach(first) if first[0].isalnum() else {}
        limit = min(self._max_words, max(reach.values(), default=0), len(tokens) - position)
        if limit > 1 and not self._inventory.may_start_expression(f"{first} {tokens[position + 1].text}"):
            return 1
        for length in range(limit, 1, -1):
            run = tokens[position : position + length]
            if not all(t.text[0].isalnum() for t in run) or _governs_object(tokens, position + length):
                continue
            form = " ".join(t.text for t in run)
            if any(
                self._inventory.lemmatise(form, tag) for tag, longest in reach.items() if longest >= length
            ):
                return length
        return 1


def _governs_object(tokens: list[TextToken], end: int) -> bool:
    """A run ending in a particle ("go to") followed by a word is a verb and a preposition
    ("went to the bank"), not the phrasal expression ("go to" = attend)."""
    last = tokens[end - 1].text.lower()
    return last in STOPWORDS and end < len(tokens) and tokens[end].text[0].isalnum()
