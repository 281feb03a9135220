"""Evaluation on Raganato corpora with the unified framework's scoring."""

from __future__ import annotations

from dataclasses import dataclass

from ..._core.documents import Document, InputToken
from ..build.raganato import Corpus
from ..disambiguator import Disambiguator, EncodedBatch
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


def encode_corpus(disambiguator: Disambiguator, corpus: Corpus) -> tuple[EncodedBatch, InstanceIds]:
    documents, instance_ids = corpus_documents(corpus)
    # An evaluation corpus is one offline job, not a request: no per-call word limit.
    return disambiguator.encode_documents(documents, max_words=2**62), instance_ids


def evaluate_encoded(
    disambiguator: Disambiguator, corpus: Corpus, batch: EncodedBatch, instance_ids: InstanceIds
) -> Evaluation:
    predictions: dict[str, str] = {}
    for results, ids in zip(disambiguator.rank(batch), instance_ids, strict=True):
        for result in results:
            if result.best is not None:
                predictions[ids[result.token_index]] = result.best.key
    pos_of = {i: t.pos for i, t in corpus.instances().items()}
    return Evaluation(corpus.name, score(corpus.gold, predictions, pos_of), predictions)


def evaluate(disambiguator: Disambiguator, corpus: Corpus) -> Evaluation:
    batch, instance_ids = encode_corpus(disambiguator, corpus)
    return evaluate_encoded(disambiguator, corpus, batch, instance_ids)
