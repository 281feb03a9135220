"""Benchmark 1: the bare Hugging Face forward pass, length-sorted batches (the service's limit).

.venv/bin/python benchmarks/encoder_ceiling.py [--corpus semcor] [--limit N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from _common import machine, median, sentences


def ceiling(words: Sequence[Sequence[str]], batch_size: int = 32) -> float:
    """Seconds for one bare forward pass over ``words`` (tokenise, pad, forward; no pooling)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from wsd_service._encoder import default_model_dir

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_dir()))
    model = AutoModel.from_pretrained(str(default_model_dir())).eval()
    ordered = sorted(words, key=lambda s: sum(len(w) for w in s))
    started = time.perf_counter()
    with torch.inference_mode():
        for begin in range(0, len(ordered), batch_size):
            batch = [list(s) for s in ordered[begin : begin + batch_size]]
            inputs = tokenizer(
                batch, is_split_into_words=True, padding=True, truncation=True, return_tensors="pt"
            )
            model(**inputs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["semcor"])
    parser.add_argument("--limit", type=int, help="first N sentences only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    words = sentences(args.corpus, args.limit)
    count = sum(len(s) for s in words)
    seconds = median([ceiling(words) for _ in range(args.repeats)])
    print(f"machine: {machine()}")
    print(f"encoder ceiling over {len(words)} sentences ({count} words), median of {args.repeats}:")
    print(f"  {seconds:.1f} s, {len(words) / seconds:.1f} sentences/s, {count / seconds:.0f} words/s")


if __name__ == "__main__":
    main()
