"""The motion detector from the ONNX introduction, built with onnx.helper.

xin (int64 300x400x3 image) - B (static background) -> Abs -> ReduceSum -> Less(threshold)
-> out (bool): true while the picture is close to the background, i.e. nothing moved.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

H, W, C = 300, 400, 3


def background() -> np.ndarray:
    # a smooth synthetic scene: a ramp with some texture, values 0..255 like camera pixels
    y, x, c = np.meshgrid(np.arange(H), np.arange(W), np.arange(C), indexing="ij")
    return ((x * 255 // W + y * 97 // H + c * 40) % 256).astype(np.int64)


def make_model(threshold: int = 2_000_000) -> onnx.ModelProto:
    nodes = [
        helper.make_node("Sub", ["xin", "B"], ["diff"]),
        helper.make_node("Abs", ["diff"], ["absdiff"]),
        helper.make_node("ReduceSum", ["absdiff"], ["total"], keepdims=0),
        helper.make_node("Less", ["total", "threshold"], ["out"]),
    ]
    graph = helper.make_graph(
        nodes, "seed_motion",
        [helper.make_tensor_value_info("xin", TensorProto.INT64, [H, W, C])],
        [helper.make_tensor_value_info("out", TensorProto.BOOL, [])],
        initializer=[numpy_helper.from_array(background(), "B"),
                     numpy_helper.from_array(np.array(threshold, np.int64), "threshold")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="onnx2c-examples")
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("seed_motion.onnx"))
    onnx.save(make_model(), out)
    print(f"wrote {out}")
