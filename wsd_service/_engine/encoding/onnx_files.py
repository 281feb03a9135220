"""The files of an exported ONNX bundle (written by ``onnx_export``, read by ``onnx_backend``)."""

FP32_FILE = "model.onnx"  # every hidden layer an output, fp32
INT8_FILE = "model-int8.onnx"  # the same, linear weights quantised per output channel
TOKENIZER_FILE = "tokenizer.json"
EMBEDDINGS_FILE = "embeddings.npy"  # the input embedding table, (vocabulary, dimension)
PARTS_FILE = "parts.json"  # sizes and special ids; written last, so it marks a whole bundle


def weights_file(model_file: str) -> str:
    """The file beside a model file that holds its weights ("model-int8.onnx": "model-int8.weights")."""
    return model_file.removesuffix(".onnx") + ".weights"
