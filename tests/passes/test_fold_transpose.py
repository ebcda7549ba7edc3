"""A Transpose of the last two axes feeding a float32 MatMul is read through the GEMM's
strides (passes/fold_transpose.py): the Transpose node disappears where nothing else
reads it, and the compiled model still matches onnxruntime (which runs the Transpose)."""
from __future__ import annotations

import pytest
from onnx import TensorProto as TP
from onnx import helper

from tests.conftest import check_against_ort, graph_model

N = helper.make_node
F = TP.FLOAT


def _ops(result) -> list[str]:
    return [n.op_type for n in result.graph.nodes]


def test_attention_scores_read_k_transposed(tmp_path):
    """Q K^T over (batch, heads): the 4-D Transpose folds into the batched product."""
    model = graph_model([N("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
                         N("MatMul", ["q", "kt"], ["y"])],
                        [("q", F, [2, 3, 5, 8]), ("k", F, [2, 3, 7, 8])],
                        [("y", F, [2, 3, 5, 7])])
    assert _ops(check_against_ort(model, tmp_path)) == ["MatMul"]


@pytest.mark.parametrize("which", ["a", "b", "both"])
def test_either_operand_of_a_matrix_product(which, tmp_path):
    a_shape, b_shape = ([6, 4] if which in ("a", "both") else [4, 6],
                        [5, 6] if which in ("b", "both") else [6, 5])
    nodes, ins = [], ["a", "b"]
    for i, name in enumerate(("a", "b")):
        if which in (name, "both"):
            nodes.append(N("Transpose", [name], [f"{name}t"], perm=[1, 0]))
            ins[i] = f"{name}t"
    model = graph_model(nodes + [N("MatMul", ins, ["y"]), N("Relu", ["y"], ["z"])],
                        [("a", F, a_shape), ("b", F, b_shape)], [("z", F, [4, 5])])
    assert _ops(check_against_ort(model, tmp_path)) == ["MatMul"]


def test_transpose_read_elsewhere_stays(tmp_path):
    model = graph_model([N("Transpose", ["b"], ["bt"], perm=[1, 0]),
                         N("MatMul", ["a", "bt"], ["y"])],
                        [("a", F, [3, 4]), ("b", F, [5, 4])],
                        [("y", F, [3, 5]), ("bt", F, [4, 5])])
    assert sorted(_ops(check_against_ort(model, tmp_path))) == ["MatMul", "Transpose"]


def test_other_permutations_stay(tmp_path):
    model = graph_model([N("Transpose", ["b"], ["bt"], perm=[1, 0, 2]),
                         N("MatMul", ["a", "bt"], ["y"])],
                        [("a", F, [2, 3, 4]), ("b", F, [4, 2, 5])], [("y", F, [2, 3, 5])])
    assert sorted(_ops(check_against_ort(model, tmp_path))) == ["MatMul", "Transpose"]
