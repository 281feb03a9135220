"""Ways to run the encoder's forward pass: PyTorch, or ONNX Runtime in fp32 or int8.

Every backend maps padded ``(batch, length)`` piece ids and attention mask to the mean of the
chosen hidden layers, ``(batch, length, dimension)`` float32. ``onnx-int8`` quantises the
weights of the linear layers dynamically; its vectors differ slightly from fp32 ones, which is
why an index records the backend that built it (BENCHMARKS.md: speed and F1 per backend).
PyTorch's own dynamic quantisation is not offered: it is deprecated in torch 2.13, and measured
slower and further from fp32 than ONNX Runtime's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import torch

from .._core.config import BACKENDS
from .._core.errors import WsdError

Ids = npt.NDArray[np.int64]
States = npt.NDArray[np.float32]


class Backend(Protocol):
    def hidden_states(self, ids: Ids, mask: Ids, layers: Sequence[int]) -> States: ...


def load_backend(name: str, model: Any, model_sha256: str, threads: int | None) -> Backend:
    """The forward pass of ``model`` (a loaded Hugging Face model) run by backend ``name``."""
    if name == "torch":
        return _TorchBackend(model)
    if name in ("onnx", "onnx-int8"):
        return _OnnxBackend(_onnx_model(model, model_sha256, quantise=name == "onnx-int8"), threads)
    raise WsdError(f"unknown encoder backend {name!r}; choose one of {', '.join(BACKENDS)}")


class _TorchBackend:
    def __init__(self, model: Any) -> None:
        self._model = model

    def hidden_states(self, ids: Ids, mask: Ids, layers: Sequence[int]) -> States:
        with torch.inference_mode():
            inputs = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
            output = self._model(**inputs, output_hidden_states=True)
            states = torch.stack([output.hidden_states[layer] for layer in layers]).mean(0)
        return states.float().numpy()


class _OnnxBackend:
    def __init__(self, path: Path, threads: int | None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def hidden_states(self, ids: Ids, mask: Ids, layers: Sequence[int]) -> States:
        outputs = self._session.run(
            [f"hidden_{layer}" for layer in layers], {"input_ids": ids, "attention_mask": mask}
        )
        states: States = outputs[0] if len(outputs) == 1 else np.mean(outputs, axis=0, dtype=np.float32)
        return states


class _AllHiddenStates(torch.nn.Module):
    """Exports every hidden layer as its own output so a query can pick any of them."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        output = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return tuple(output.hidden_states)


def cache_dir() -> Path:
    """Where exported ONNX models are kept (``WSD_CACHE_DIR``, default ``~/.cache/wsd-service``)."""
    return Path(os.environ.get("WSD_CACHE_DIR") or Path.home() / ".cache" / "wsd-service")


def _onnx_model(model: Any, model_sha256: str, *, quantise: bool) -> Path:
    """Export (and quantise) ``model`` once; later loads reuse the cached file."""
    import onnxruntime

    versions = f"{torch.__version__}-{onnxruntime.__version__}"
    tag = hashlib.sha256(f"{model_sha256}-{versions}".encode()).hexdigest()[:16]
    target = cache_dir() / f"encoder-{tag}{'-int8pc' if quantise else ''}.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    plain = cache_dir() / f"encoder-{tag}.onnx"
    if not plain.is_file():
        _atomic(plain, lambda out: _export(model, out))
    if quantise:
        _atomic(target, lambda out: _quantise(plain, out))
    return target


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

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the graph is printed on every call
    try:
        # Per output channel: as fast as per tensor here and closer to fp32 (BENCHMARKS.md).
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file so a killed export never leaves a broken cache entry."""
    handle, name = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        write(Path(name))
        Path(name).replace(target)
    finally:
        Path(name).unlink(missing_ok=True)
