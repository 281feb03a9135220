"""Evaluation on sense-annotated corpora in the unified framework's format (Raganato et al., 2017).

    from wsd_service import Disambiguator
    from wsd_service.evaluation import evaluate, read_corpus
    report = evaluate(Disambiguator.load(index), read_corpus(Path("semeval2007/semeval2007"))).report

``wsd-service evaluate`` does the same from the command line.
"""

from ._engine.build.raganato import Corpus, read_corpus
from ._engine.dev.evaluate import Evaluation, evaluate
from ._engine.dev.scorer import Report, Score, score

__all__ = ["Corpus", "Evaluation", "Report", "Score", "evaluate", "read_corpus", "score"]
