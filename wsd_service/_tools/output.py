"""Ranked senses as a table or as JSON, for ``disambiguate``, ``query`` and ``nearest``."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from .._core.documents import TargetResult


def print_results(
    results: list[TargetResult], as_json: bool, none: str = "no word of this text has senses in the index"
) -> None:
    """``none`` is said on stderr when there are no results."""
    if as_json:
        print(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
        return
    if not results:
        print(none, file=sys.stderr)
    print(f"{'word':<16} {'#':>2} {'score':>7} {'sense key':<28} {'source':<10} gloss")
    for result in results:
        for rank, sense in enumerate(result.senses, start=1):
            word = result.text if rank == 1 else ""
            gloss = sense.gloss[:60]
            print(f"{word:<16} {rank:>2} {sense.score:7.3f} {sense.key:<28} {sense.source:<10} {gloss}")
        if not result.senses:
            print(f"{result.text:<16}  - (no senses)")
