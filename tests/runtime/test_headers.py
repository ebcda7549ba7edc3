"""Each runtime header declares what it depends on, which codegen/runtime.py relies on to
copy and include only the headers a model uses."""
from __future__ import annotations

import subprocess

import pytest

from onnx2c.codegen.runtime import runtime_headers
from tests.conftest import REPO, STRICT, c_compilers

HEADERS = sorted(p.name for p in (REPO / "runtime_c").glob("o2c_*.h"))


@pytest.mark.parametrize("header", HEADERS)
def test_header_compiles_on_its_own(header, tmp_path):
    """Included alone, with the strict flags, a header compiles: every name it uses comes
    from the headers it includes."""
    src = tmp_path / "alone.c"
    src.write_text(f'#include "{header}"\n#include "{header}"\ntypedef int alone_unit;\n')
    for cc in c_compilers() or pytest.skip("no C compiler"):
        p = subprocess.run([cc, *STRICT, "-Wno-unused-function", "-c", str(src), "-I",
                            str(REPO / "runtime_c"), "-o", str(tmp_path / "alone.o")],
                           capture_output=True, text=True)
        assert p.returncode == 0, f"{cc}: {header} alone:\n{p.stderr[:2000]}"


def test_a_name_brings_its_header_and_what_that_includes():
    lib = {h: (REPO / "runtime_c" / h).read_text() for h in HEADERS}
    needs = runtime_headers("x = o2c_f16_to_f32(y); return O2C_OK;")
    assert needs.direct == ["o2c_numeric.h"]
    assert set(needs.files) == {"o2c_abi.h", "o2c_numeric.h"}
    # a header a used one includes comes along, though the code names nothing of it
    string = runtime_headers("st = o2c_str_len(s, 8u);")
    assert string.direct == ["o2c_string.h"] and '#include "o2c_abi.h"' in lib["o2c_string.h"]
    assert set(string.files) == {"o2c_abi.h", "o2c_string.h"}
    # a name a macro defines (O2C_RNN_MATVEC) belongs to the header that expands it
    assert runtime_headers("o2c_rnn_matvec_f64(1u, 1u, a, x, y);").direct == ["o2c_rnn.h"]
    # comments do not count, in the code or in a header
    assert runtime_headers("/* o2c_str_len */").direct == []
    assert set(runtime_headers("").files) == {"o2c_abi.h"}
