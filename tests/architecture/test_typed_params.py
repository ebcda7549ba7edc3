"""Kernel parameters are typed: each template gets a small frozen dataclass defined
beside its lowering (ARCHITECTURE.md), not a dict of whatever keys the lowering chose.

A module still building its Kernel.params as a dict (a dict display, a dict() call, or
a name bound to one) must be listed below; the list may only shrink, so a converted
module must leave it and no new one may join."""
from __future__ import annotations

import ast

from tests.conftest import REPO

OPS = REPO / "onnx2c" / "ops"

STILL_DICT = {
    # owned by other work at the time of conversion (conv/matmul and quantization)
    "matmul.py": "MatMul/Gemm lowering, reworked with the kernel library",
}


def _is_dict(node) -> bool:
    return isinstance(node, (ast.Dict, ast.DictComp)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict")


def dict_params(source: str) -> list[int]:
    """Lines of the Kernel(...) calls in source whose params are a dict."""
    tree = ast.parse(source)
    dict_names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                  and _is_dict(node.value) for t in node.targets if isinstance(t, ast.Name)}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "Kernel":
            params = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "params"), None)
            if params is not None and (_is_dict(params) or (
                    isinstance(params, ast.Name) and params.id in dict_names)):
                lines.append(node.lineno)
    return lines


def test_the_rule_sees_dicts():
    assert dict_params('Kernel("t", dict(a=1))\nKernel("t", {"a": 1})\n'
                       'p = dict(a=1)\nKernel("t", p)\nKernel("t", params=dict())\n'
                       'Kernel("t", Pool(1))\nq = Pool(2)\nKernel("t", q)\nKernel("t")\n'
                       ) == [1, 2, 4, 5]


def test_only_the_listed_modules_pass_dicts():
    found = {path.name for path in OPS.glob("*.py") if dict_params(path.read_text())}
    assert found <= set(STILL_DICT), f"give these templates a dataclass: {found - set(STILL_DICT)}"
    assert set(STILL_DICT) <= found, f"converted, so drop from STILL_DICT: {set(STILL_DICT) - found}"
