"""The ONNX Runtime backends (fp32, int8), run from an exported bundle without torch.

``onnx-int8`` quantises the weights of the linear layers dynamically; its vectors differ
slightly from fp32 ones, which is why an index states which backends may query it
(BENCHMARKS.md). The bundle is exported once per model by a child process (the export needs
torch; this process never imports it) and cached under ``cache_dir()``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from ..._core.arrays import Vector
from ..._core.environment import cache_dir
from ..._core.errors import WsdError
from ..._util.cpus import available_cpus
from .backends import Ids, ModelParts, plain_tokenizer
from .onnx_files import EMBEDDINGS_FILE, FP32_FILE, INT8_FILE, PARTS_FILE, TOKENIZER_FILE

log = logging.getLogger(__name__)
_BUNDLE_FORMAT = 3  # bump when the bundle's files change


class OnnxBackend:
    def __init__(self, path: Path, threads: int | None) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or available_cpus()
        self._runtime = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def hidden_states(self, ids: Ids, mask: Ids, layers: Sequence[int]) -> Vector:
        outputs = self._runtime.run(
            [f"hidden_{layer}" for layer in layers], {"input_ids": ids, "attention_mask": mask}
        )
        states: Vector = outputs[0] if len(outputs) == 1 else np.mean(outputs, axis=0, dtype=np.float32)
        return states


def bundle_dir(model_sha256: str) -> Path:
    """The bundle of the model with these weights, exported by these torch/ONNX Runtime versions."""
    versions = f"{_version('torch')}-{onnxruntime.__version__}-{_BUNDLE_FORMAT}"
    tag = hashlib.sha256(f"{model_sha256}-{versions}".encode()).hexdigest()[:16]
    return cache_dir() / f"encoder-{tag}"


def load_onnx(model_dir: Path, model_sha256: str, *, quantised: bool, threads: int | None) -> ModelParts:
    bundle = bundle_dir(model_sha256)
    if not (bundle / PARTS_FILE).is_file():
        _export_in_child(model_dir, bundle)
    sizes = json.loads((bundle / PARTS_FILE).read_text(encoding="utf-8"))
    return ModelParts(
        tokenizer=plain_tokenizer(Tokenizer.from_file(str(bundle / TOKENIZER_FILE))),
        pad_id=int(sizes["pad_id"]),
        unk_id=sizes["unk_id"],
        max_length=int(sizes["max_length"]),
        dimension=int(sizes["dimension"]),
        num_layers=int(sizes["num_layers"]),
        # Read-only and memory-mapped: processes serving the same model share one copy. Only
        # static vectors read it, a row a word piece, so it is not brought in ahead (47 MB).
        embedding_table=np.load(bundle / EMBEDDINGS_FILE, mmap_mode="r").view(np.ndarray),
        backend=OnnxBackend(bundle / (INT8_FILE if quantised else FP32_FILE), threads),
    )


def _export_in_child(model_dir: Path, bundle: Path) -> None:
    log.info("exporting %s to ONNX once (about half a minute): %s", model_dir, bundle)
    command = [sys.executable, "-m", "wsd_service._engine.encoding.onnx_export", str(model_dir), str(bundle)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (bundle / PARTS_FILE).is_file():
        detail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise WsdError(f"could not export the encoder in {model_dir} to ONNX: {detail[0]}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"
