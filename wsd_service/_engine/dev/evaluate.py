"""Evaluation on Raganato corpora with the unified framework's scoring."""

from __future__ import annotations

from dataclasses import dataclass

from ..._core.documents import Document, InputToken
from ..build.raganato import Corpus
from ..disambiguator import Disambiguator
from ..query.pipeline import Encode
from .scorer import Report, score


@dataclass(frozen=True, slots=True)
class Evaluation:
    corpus: str
    report: Report
    predictions: dict[str, str]  # instance id -> predicted sense key


InstanceIds = list[dict[int, str]]  # per sentence: token index -> instance id


def corpus_documents(corpus: Corpus) -> tuple[list[Document], InstanceIds]:
    """One document per sentence with its instances as targets."""
    documents, instance_ids = [], []
    for sentence in corpus.sentences:
        tokens = [InputToken(t.text, t.lemma, t.pos, t.instance_id is not None) for t in sentence.tokens]
        documents.append(Document(tokens=tokens))
        instance_ids.append({i: t.instance_id for i, t in enumerate(sentence.tokens) if t.instance_id})
    return documents, instance_ids


def evaluate(disambiguator: Disambiguator, corpus: Corpus, encode: Encode | None = None) -> Evaluation:
    """Score the engine's first sense for every instance; ``encode`` (default: the engine's
    encoder) turns the corpus's words into vectors."""
    documents, instance_ids = corpus_documents(corpus)
    pending = disambiguator.pipeline.disambiguation(documents, 1, False, offline=True)
    predictions: dict[str, str] = {}
    for results, ids in zip(pending.run(encode or disambiguator.encoder.encode), instance_ids, strict=True):
        for result in results:
            if result.best is not None:
                predictions[ids[result.token_index]] = result.best.key
    pos_of = {i: t.pos for i, t in corpus.instances().items()}
    return Evaluation(corpus.name, score(corpus.gold, predictions, pos_of), predictions)
