"""Benchmark 2: a full index build (SemCor + WordNet glosses and examples): wall time, words/s,
peak RSS, and the ratio to the bare encoder ceiling over exactly the sentences the build encoded,
measured in the same run.

.venv/bin/python benchmarks/index_build.py --out /tmp/semcor-index [--backend onnx-int8]
    [--lemmas bank,river --no-examples: a small build, for the smoke test]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Sequence
from pathlib import Path

from _common import DATA, machine
from encoder_ceiling import ceiling

from wsd_service import BuildConfig, Encoder, EncoderConfig, Inventory
from wsd_service._core.arrays import Vector
from wsd_service.build import IndexBuilder


class _RecordingEncoder(Encoder):
    """The real encoder, also keeping every sentence it is given (for the ceiling run)."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__(config)
        self.seen: list[list[str]] = []

    def encode(self, sentences: Sequence[Sequence[str]], layers: Sequence[int] | None = None) -> list[Vector]:
        self.seen.extend(list(s) for s in sentences)
        return super().encode(sentences, layers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--corpus", default="semcor", help="a corpus under ../shared/data/wsd")
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--lemmas", help="comma-separated: a small build of only these lemmas")
    parser.add_argument("--no-examples", action="store_true")
    args = parser.parse_args()
    encoder = _RecordingEncoder(EncoderConfig(backend=args.backend))
    lemmas = frozenset(args.lemmas.split(",")) if args.lemmas else None
    config = BuildConfig(
        corpora=(DATA / args.corpus / args.corpus,),
        lemmas=lemmas,
        use_examples=not args.no_examples,
        progress=False,
    )
    started = time.perf_counter()
    IndexBuilder(encoder, Inventory(), config).build(args.out)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    words = sum(len(s) for s in encoder.seen)
    print(f"machine: {machine()}")
    print(f"build ({args.backend}): {len(encoder.seen)} sentences, {words} words encoded")
    print(f"  wall {wall:.1f} s, {words / wall:.0f} words/s, peak RSS {peak:.0f} MB")
    reference = ceiling(encoder.seen)
    print(f"  bare torch encoder over the same sentences: {reference:.1f} s")
    print(f"  build time / encoder ceiling time: {wall / reference:.2f}")


if __name__ == "__main__":
    main()
