"""What one served sentence costs in-process, stage by stage, on raw text the engine has not
seen: preparation, the answer-size bound, encoding (one thread, as each encoder slot runs),
ranking, and the answer's protobuf.

    .venv/bin/python benchmarks/stage_costs.py --index sense_index/semcor
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from dataclasses import replace
from pathlib import Path

from _common import DATA, machine

from wsd_service import Disambiguator
from wsd_service._core import convert
from wsd_service._core.config import MAX_MESSAGE_BYTES, LimitsConfig
from wsd_service._core.documents import Document
from wsd_service._core.manifest import read_manifest
from wsd_service.evaluation import read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--batch", type=int, default=8, help="sentences per batch, as the batcher forms")
    args = parser.parse_args()
    config = replace(read_manifest(args.index).encoder_config(), threads=1)
    limits = LimitsConfig(max_answer_bytes=MAX_MESSAGE_BYTES)
    pipeline = Disambiguator.load(args.index, config, limits=limits).pipeline
    corpus = read_corpus(DATA / "semcor" / "semcor")
    random.seed(5)
    chosen = random.sample(corpus.sentences, min(args.sentences, len(corpus.sentences)))
    documents = [Document(text=" ".join(t.text for t in s.tokens)) for s in chosen]
    seconds = dict.fromkeys(("preparation and bound", "encoding", "ranking", "protobuf"), 0.0)
    for start in range(0, len(documents), args.batch):
        laps = [time.perf_counter()]
        pending = pipeline.disambiguation(documents[start : start + args.batch], 1, True)
        laps.append(time.perf_counter())
        vectors = pipeline.encoder.encode(pending.words)
        laps.append(time.perf_counter())
        results = pending.finish(vectors)
        laps.append(time.perf_counter())
        for result in results:
            convert.document_result_to_proto(result, True).SerializeToString()
        laps.append(time.perf_counter())
        for stage, (begin, end) in zip(seconds, itertools.pairwise(laps), strict=True):
            seconds[stage] += end - begin
    words = sum(len(s.tokens) for s in chosen)
    print(f"machine: {machine()}")
    each = words / len(documents)
    print(f"{len(documents)} unseen sentences ({each:.1f} words each), batches of {args.batch}:")
    for stage, total in seconds.items():
        print(f"  {stage:18} {1000 * total / len(documents):6.2f} ms per sentence")


if __name__ == "__main__":
    main()
