"""Export a Hugging Face encoder folder to an ONNX bundle (needs torch; run once per model).

``python -m wsd_service._engine.encoding.onnx_export MODEL_DIR BUNDLE_DIR`` writes the bundle the ONNX
backends load without torch (files: ``onnx_files``). The bundle appears atomically (a folder
renamed into place): a killed export never leaves a half-written one.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch

from .onnx_files import EMBEDDINGS_FILE, FP32_FILE, INT8_FILE, PARTS_FILE, TOKENIZER_FILE, weights_file
from .torch_backend import load_hugging_face, parts_of


class _AllHiddenStates(torch.nn.Module):
    """Exports every hidden layer as its own output so a query can pick any of them."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        output = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return tuple(output.hidden_states)


def export_bundle(model_dir: Path, bundle: Path) -> None:
    """Write the bundle for ``model_dir`` at ``bundle`` unless another process got there first."""
    bundle.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=bundle.parent, prefix=f".{bundle.name}-"))
    try:
        _write(model_dir, staging)
        try:
            staging.rename(bundle)
        except OSError:
            if not (bundle / PARTS_FILE).is_file():  # not a concurrent export's finished bundle
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(model_dir: Path, out: Path) -> None:
    model, tokenizer = load_hugging_face(model_dir)
    parts = parts_of(model, tokenizer, backend=None)
    _export(model, out / FP32_FILE)
    _quantise(out / FP32_FILE, out / INT8_FILE)
    for name in (FP32_FILE, INT8_FILE):
        _weights_beside(out / name)
    parts.tokenizer.save(str(out / TOKENIZER_FILE))
    np.save(out / EMBEDDINGS_FILE, np.ascontiguousarray(parts.embedding_table, dtype=np.float32))
    sizes = {
        "pad_id": parts.pad_id,
        "unk_id": parts.unk_id,
        "max_length": parts.max_length,
        "dimension": parts.dimension,
        "num_layers": parts.num_layers,
    }
    (out / PARTS_FILE).write_text(json.dumps(sizes, indent=2), encoding="utf-8")


def _export(model: Any, out: Path) -> None:
    sample = torch.ones((2, 8), dtype=torch.long)
    layers = int(model.config.num_hidden_layers) + 1
    axes = {"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"}}
    axes |= {f"hidden_{layer}": {0: "batch", 1: "length"} for layer in range(layers)}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow on shapes
        torch.onnx.export(
            _AllHiddenStates(model),
            (sample, sample),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=[f"hidden_{layer}" for layer in range(layers)],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the tracing exporter handles this model without extra dependencies
        )


def _quantise(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process the graph, every call
    # Per output channel: as fast as per tensor here and closer to fp32 (BENCHMARKS.md).
    quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True)


def _weights_beside(path: Path) -> None:
    """Rewrite an ONNX file with its weights in a file of their own (``weights_file``), which ONNX
    Runtime maps from the page cache: the processes serving a model share its weights (an int8
    model holds 21 MB of its own this way, 45 MB with the weights inside the file)."""
    model = onnx.load(str(path))
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=weights_file(path.name),
    )


if __name__ == "__main__":
    export_bundle(Path(sys.argv[1]), Path(sys.argv[2]))
