"""csyntax/index.offset, the one spelling of an element offset over a template's loop
variables: evaluated as C evaluates it (size_t arithmetic, modulo 2^64) it must give the
affine value, for negative and zero strides, bases and blocked loops."""
from __future__ import annotations

import re

import numpy as np
import pytest

from onnx2c.csyntax.index import offset

MOD = 1 << 64


def c_value(expr: str, values: dict[str, int]) -> int:
    """expr evaluated with C's unsigned size_t arithmetic (no overflow checks needed:
    Python integers, reduced modulo 2^64 at the end, as every operation wraps alike)."""
    py = re.sub(r"(\d+)u\b", r"\1", expr).replace("/", "//")
    return eval(py, {}, dict(values)) % MOD


@pytest.mark.parametrize("seed", range(20))
def test_offset_is_the_affine_value(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 5))
    strides = [int(s) for s in rng.integers(-50, 50, n)]
    base = int(rng.integers(0, 1000))
    loops = {f"i{k}": int(rng.integers(0, 9)) for k in range(n)}
    want = base + sum(loops[f"i{k}"] * s for k, s in enumerate(strides))
    assert c_value(offset(strides, "i", base), loops) == want % MOD


def test_names_bases_and_blocks():
    assert offset([]) == "0"
    assert offset([0, 0], "r") == "0"
    assert offset([12, 4, 1]) == "i0 * 12u + i1 * 4u + i2"
    assert offset([64, 1], ["i", "k"], base="a_off") == "a_off + i * 64u + k"
    assert offset([1], "r", base="0") == "r0"
    assert offset([-3, 1], "i") == "0u - i0 * 3u + i1"
    blocked = offset([8, 4, 1], "i", per=[1, 32, 1])
    assert blocked == "i0 * 8u + (i1 / 32u) * 4u + i2"
    assert c_value(blocked, {"i0": 2, "i1": 70, "i2": 3}) == 2 * 8 + (70 // 32) * 4 + 3
