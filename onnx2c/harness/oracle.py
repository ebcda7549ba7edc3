"""onnxruntime as every oracle builds it (tests, `onnx2c verify`, benchmarks).

One setting differs from a bare InferenceSession: `session.qdqisint8allowed`. onnxruntime
fuses a DequantizeLinear -> op -> QuantizeLinear group with int8 activations into its
integer kernel only where it allows int8 QDQ, which is by default on ARM and not on x86
(where its u8 kernels are faster). onnx2c fuses what onnxruntime fuses on ARM, the
platforms it compiles for, so the oracle asks x86 for the same graph; float models and
QOperator models are unaffected.

It runs on one thread unless asked otherwise: onnxruntime's quantized LSTM splits the
batch over its threads and quantizes each part's state separately, so its results depend
on the thread count (no other kernel's do).
"""
from __future__ import annotations


def ort_session(model, threads: int = 1):
    """A CPU InferenceSession with default optimisations; model is a ModelProto, its
    serialised bytes, or a path. threads sets intra- and inter-op threads."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.log_severity_level = 3         # errors only: not the zoo's unused-initializer notes
    opts.add_session_config_entry("session.qdqisint8allowed", "1")
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = threads
    source = model if isinstance(model, (str, bytes)) else \
        str(model) if hasattr(model, "is_file") else model.SerializeToString()
    return ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"])
