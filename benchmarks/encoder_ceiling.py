"""Benchmark 1: the bare Hugging Face forward pass, length-sorted batches (the service's limit),
and the same forward pass run by each faster backend, as a ratio measured in the same run.

.venv/bin/python benchmarks/encoder_ceiling.py [--corpus semcor] [--limit N] [--repeats 3]
    [--backends torch onnx onnx-int8]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

from _common import machine, median, sentences

Forward = Callable[[Any], object]


def _tokenizer() -> Any:
    from transformers import AutoTokenizer

    from wsd_service._engine.encoding.encoder import default_model_dir

    return AutoTokenizer.from_pretrained(str(default_model_dir()), local_files_only=True)


def _batches(tokenizer: Any, words: Sequence[Sequence[str]], batch_size: int) -> list[Any]:
    ordered = sorted(words, key=lambda s: sum(len(w) for w in s))
    return [
        tokenizer(
            [list(s) for s in ordered[begin : begin + batch_size]],
            is_split_into_words=True,
            padding=True,
            truncation=True,
            return_tensors="np",
        )
        for begin in range(0, len(ordered), batch_size)
    ]


def _forward(backend: str) -> Forward:
    """The bare Hugging Face model for ``torch``; the engine's backend object otherwise."""
    import torch
    from transformers import AutoModel

    from wsd_service._engine.encoding.backends import load_model
    from wsd_service._engine.encoding.encoder import default_model_dir, weights_sha256

    if backend == "torch":
        model = AutoModel.from_pretrained(str(default_model_dir()), local_files_only=True).eval()

        def bare(inputs: Any) -> object:
            with torch.inference_mode():
                return model(**{name: torch.from_numpy(value) for name, value in inputs.items()})

        return bare
    parts = load_model(backend, default_model_dir(), weights_sha256(default_model_dir()), None)
    last = parts.num_layers
    return lambda inputs: parts.backend.hidden_states(inputs["input_ids"], inputs["attention_mask"], (last,))


def _seconds(forward: Forward, batches: list[Any]) -> float:
    started = time.perf_counter()
    for inputs in batches:
        forward(inputs)
    return time.perf_counter() - started


def ceiling(words: Sequence[Sequence[str]], batch_size: int = 32) -> float:
    """Seconds for one bare forward pass over ``words`` (tokenise, pad, forward; no pooling)."""
    tokenizer, forward = _tokenizer(), _forward("torch")
    started = time.perf_counter()
    batches = _batches(tokenizer, words, batch_size)
    return time.perf_counter() - started + _seconds(forward, batches)


def backend_seconds(words: Sequence[Sequence[str]], backend: str, batch_size: int = 32) -> float:
    """Seconds for one forward pass with ``backend`` (torch, onnx, onnx-int8) over ``words``
    (tokenise, pad, forward; no pooling), after one untimed batch: the first call allocates."""
    tokenizer, forward = _tokenizer(), _forward(backend)
    started = time.perf_counter()
    batches = _batches(tokenizer, words, batch_size)
    tokenising = time.perf_counter() - started
    forward(batches[0])
    return tokenising + _seconds(forward, batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["semcor"])
    parser.add_argument("--limit", type=int, help="first N sentences only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["torch"], help="torch, onnx, onnx-int8")
    args = parser.parse_args()
    words = sentences(args.corpus, args.limit)
    count = sum(len(s) for s in words)
    tokenizer = _tokenizer()
    started = time.perf_counter()
    batches = _batches(tokenizer, words, 32)
    tokenising = time.perf_counter() - started
    print(f"machine: {machine()}")
    print(f"{len(words)} sentences ({count} words), tokenising {tokenising:.2f} s; median of {args.repeats}:")
    forwards = {name: _forward(name) for name in args.backends}
    for forward in forwards.values():
        forward(batches[0])  # warm-up: the first call allocates
    # Repeats interleave the backends so that a slow spell of the machine hits all of them.
    timings: dict[str, list[float]] = {name: [] for name in forwards}
    for _ in range(args.repeats):
        for name, forward in forwards.items():
            timings[name].append(tokenising + _seconds(forward, batches))
    reference = median(timings[args.backends[0]])
    for name, values in timings.items():
        seconds = median(values)
        print(
            f"  {name:<10} {seconds:6.1f} s, {len(words) / seconds:7.1f} sentences/s,"
            f" {count / seconds:6.0f} words/s, {reference / seconds:.2f}x {args.backends[0]}"
        )


if __name__ == "__main__":
    main()
