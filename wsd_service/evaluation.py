"""Evaluation on sense-annotated corpora in the unified framework's format (Raganato et al., 2017).

    from wsd_service import Disambiguator
    from wsd_service.evaluation import evaluate, read_corpus
    report = evaluate(Disambiguator.load(index), read_corpus(Path("semeval2007/semeval2007"))).report

``wsd-service evaluate`` does the same from the command line.
"""

from ._core.raganato import Corpus, read_corpus
from ._core.scorer import Report, Score, score
from ._engine.evaluate import Evaluation, evaluate

__all__ = ["Corpus", "Evaluation", "Report", "Score", "evaluate", "read_corpus", "score"]
