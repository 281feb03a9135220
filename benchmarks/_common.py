"""Shared by the benchmark scripts: the machine, the sentences, medians."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wsd"


def machine() -> str:
    import faiss
    import torch
    import transformers

    model = "unknown CPU"
    with Path("/proc/cpuinfo").open() as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, torch {torch.__version__}"
        f" ({torch.get_num_threads()} threads), transformers {transformers.__version__},"
        f" faiss {faiss.__version__}"
    )


def sentences(names: Sequence[str], limit: int | None) -> list[list[str]]:
    """Word lists of the named corpora under ../shared/data/wsd, in corpus order."""
    from wsd_service.evaluation import read_corpus

    found: list[list[str]] = []
    for name in names:
        corpus = read_corpus(DATA / name / name)
        found.extend([t.text for t in s.tokens] for s in corpus.sentences)
    return found[:limit] if limit else found


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
