"""Weights in the layouts the GEMM kernels of runtime_c/o2c_gemm.h stream.

A lowering that reads a constant operand in one of these layouts puts the packed array
in `Kernel.packed`; passes/pack.py installs it as a constant of its own. The layouts are
the same for every target (the generated C is): the header's comment describes them, and
o2c_pack_a_f32 packs a run-time operand the same way (tests/runtime/test_gemm.py holds
the two to each other).

The last panel is padded with copies of the matrix's last row (column) rather than
zeros: the padded results are computed and never stored, so any finite value would do,
and a copy keeps a placeholder splat weight a splat (lowering/splat.py then fills it at
run time instead of printing it).
"""
from __future__ import annotations

import numpy as np

PANEL_ROWS = 4      # O2C_PANEL_ROWS
PANEL_COLS = 16     # O2C_PANEL_COLS


def packed_rows(rows: int) -> int:
    """Rows of a packed A operand of `rows` rows (O2C_PACKED_ROWS)."""
    return -(-rows // PANEL_ROWS) * PANEL_ROWS


def _pad_to(a: np.ndarray, axis: int, size: int) -> np.ndarray:
    """a extended along axis to size by repeating its last slice."""
    idx = np.minimum(np.arange(size), a.shape[axis] - 1)
    return np.take(a, idx, axis=axis)


def pack_a(a: np.ndarray) -> np.ndarray:
    """Matrices (..., M, K) as packed A operands: panels of 4 rows, each K-major.

    Leading axes are kept (one packed matrix per group or batch item, one after the
    other), so the result is (..., packed_rows(M) * K)."""
    *lead, m, k = a.shape
    rows = _pad_to(np.asarray(a), -2, packed_rows(m))
    panels = rows.reshape(*lead, -1, PANEL_ROWS, k).swapaxes(-1, -2)   # (..., P, K, 4)
    return np.ascontiguousarray(panels).reshape(*lead, -1)


def pack_b(b: np.ndarray) -> np.ndarray:
    """Matrices (..., K, N) as packed B operands: panels of 16 columns, each K-major."""
    *lead, k, n = b.shape
    cols = _pad_to(np.asarray(b), -1, -(-n // PANEL_COLS) * PANEL_COLS)
    panels = cols.reshape(*lead, k, -1, PANEL_COLS).swapaxes(-2, -3)   # (..., P, K, 16)
    return np.ascontiguousarray(panels).reshape(*lead, -1)
