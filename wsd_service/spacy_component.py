"""spaCy pipeline component ``wsd``: WordNet senses on tokens and on multi-word expressions.

    import spacy
    nlp = spacy.blank("en")
    nlp.add_pipe("wsd")                                   # the local default index
    nlp.add_pipe("wsd", config={"server": "host:50051"})  # or a running server
    doc = nlp("I went to the bank and withdrew some cash.")
    doc[4]._.sense                                        # 'bank%1:14:00::'
    [(s.key, s.score, s.gloss) for s in doc[4]._.senses]  # ranked
    [(span.text, span._.sense) for span in doc.spans["wsd_expressions"]]

When an earlier component set lemmas or part-of-speech tags, the pipeline's tokens, lemmas and
POS are sent; otherwise the text is sent and the engine tokenises, lemmatises and joins WordNet
multi-word expressions itself, whose results come back as spans. Registered through the
``spacy_factories`` entry point, so ``nlp.add_pipe("wsd")`` works after ``pip install
'wsd-service[spacy]'`` without importing this module.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ._core.config import ClientConfig
from ._core.documents import Document, SenseScore, TargetResult, tagged_token
from ._core.interface import WsdApi
from ._util.chunks import chunked

EXPRESSIONS = "wsd_expressions"  # Doc.spans key of the multi-word expressions found

for _kind in (Token, Span):
    if not _kind.has_extension("sense"):
        _kind.set_extension("sense", default=None)
        _kind.set_extension("senses", default=[])


def _remote(server: str, timeout: float) -> WsdApi:
    from ._remote.clients import WsdClient

    return WsdClient(server, timeout=timeout)


def _local(index: str | None) -> WsdApi:
    from ._core.environment import DEFAULT_INDEX_DIR
    from ._engine.disambiguator import Disambiguator

    return Disambiguator.load(Path(index) if index else DEFAULT_INDEX_DIR)


class WsdComponent:
    """Sets ``Token._.sense``/``._.senses`` and ``Span._.sense``/``._.senses`` (expressions)."""

    def __init__(self, engine: WsdApi, top_k: int, batch_size: int) -> None:
        self._engine = engine
        self.top_k = top_k
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """One engine call (one encoder pass, or one RPC) per batch of documents.

        ``batch_size`` comes from ``nlp.pipe``; the component's own ``batch_size`` caps it (a
        server refuses requests of more than its ``--max-documents``).
        """
        for batch in chunked(stream, min(batch_size or self.batch_size, self.batch_size)):
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        results = self._engine.disambiguate_batch([_request(doc) for doc in docs], top_k=self.top_k)
        for doc, targets in zip(docs, results, strict=True):
            expressions = []
            for target in targets:
                place = _place(doc, target)
                if place is None:
                    continue
                place._.senses = list(target.senses)
                place._.sense = target.senses[0].key if target.senses else None
                if isinstance(place, Span):
                    expressions.append(place)
            doc.spans[EXPRESSIONS] = expressions
        return docs


def _annotated(doc: Doc) -> bool:
    return bool(doc.has_annotation("POS") or doc.has_annotation("LEMMA"))


def _request(doc: Doc) -> Document:
    if not _annotated(doc):
        return Document(text=doc.text)
    return Document(tokens=[tagged_token(t.text, t.lemma_, t.pos_) for t in doc])


def _place(doc: Doc, target: TargetResult) -> Token | Span | None:
    """The spaCy token (or span, for an expression) a result belongs to."""
    if target.start is None or target.end is None:
        return doc[target.token_index]
    span = doc.char_span(target.start, target.end, alignment_mode="expand")
    if span is None:
        return None
    return span[0] if len(span) == 1 else span


@Language.factory(
    "wsd",
    default_config={
        "index": None,
        "server": None,
        "top_k": 3,
        "batch_size": 64,
        "timeout": ClientConfig().timeout,
    },
)
def make_wsd(
    nlp: Language,
    name: str,
    index: str | None,
    server: str | None,
    top_k: int,
    batch_size: int,
    timeout: float,
) -> WsdComponent:
    """``server``: "host:port" of a running wsd-service; else the local ``index`` (default index)."""
    engine: WsdApi = _remote(server, timeout) if server else _local(index)
    return WsdComponent(engine, top_k, batch_size)


__all__ = ["EXPRESSIONS", "SenseScore", "WsdComponent", "make_wsd"]
