"""The name sanitiser: any Unicode name becomes a valid, unique, non-reserved C
identifier, quickly and the same way every time; string literals and comments hold any
text safely."""
from __future__ import annotations

import random
import re
import time

import pytest

from onnx2c.csyntax.cnames import (_KEYWORDS, _LIBRARY, MAX_LITERAL, Namer, c_bytes,
                                   c_comment, c_string)

IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _hostile_names(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    alphabet = "?!_ -.*/\\\"'\n\0\t\x7f?=()<>aZ09" + "\u202e\u2066\u200d\ufeff\u00e9\u6570\U0001f600"
    fixed = ["", "_", "__", "?", "!", "int", "_Static_assert", "NAN", "INT64_MAX", "memcpy",
             "model_run", "MODEL_WORKSPACE_BYTES", "o2c_x", "O2C_OK", "v", "v_2", "ws",
             "x" * 10000, "int8_t", "EDOM", "__LINE__", "and", "class", "total", "string"]
    return fixed + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                    for _ in range(n)]


def test_any_names_give_valid_unique_unreserved_identifiers_fast():
    names = _hostile_names(3000)
    namer = Namer("model", reserved=["ws", "st"])
    start = time.monotonic()
    got = [namer(s) for s in names]
    assert time.monotonic() - start < 2.0
    distinct = dict(zip(names, got))
    assert len(set(distinct.values())) == len(distinct), "two names share an identifier"
    for ident in distinct.values():
        assert IDENT.fullmatch(ident) and len(ident) <= 63, ident
        assert ident not in _KEYWORDS and ident not in _LIBRARY and ident not in ("ws", "st")
        assert "__" not in ident and not ident.lower().startswith(("o2c_", "model_"))


def test_deterministic_and_stable_per_name():
    names = _hostile_names(300, seed=9)
    a, b = Namer("net"), Namer("net")
    assert [a(s) for s in names] == [b(s) for s in names]
    assert a(names[7]) == a(names[7])


@pytest.mark.parametrize("name, ident", [("input", "input"), ("caf\u00e9", "cafe"),
                                         ("\u6570", "u6570"), ("int", "v_int"),
                                         ("1x", "v1x"), ("a-b", "a_b"), ("total", "total")])
def test_readable_where_it_can_be(name, ident):
    assert Namer("model")(name) == ident


def test_model_named_v_does_not_trap_the_escape():
    namer = Namer("v")
    assert [namer(s) for s in ("int", "v_x", "?")] == ["w_int", "w_v_x", "w_v"]


def _decode(literal: str) -> bytes:
    """The bytes a C compiler makes of c_string's pieces."""
    out = bytearray()
    for piece in re.findall(r'"((?:[^"\\]|\\.)*)"', literal):
        k = 0
        while k < len(piece):
            if piece[k] != "\\":
                out.append(ord(piece[k]))
                k += 1
            elif piece[k + 1] == "?":
                out.append(ord("?"))
                k += 2
            else:
                out.append(int(piece[k + 1:k + 4], 8))
                k += 4
    return bytes(out)


@pytest.mark.parametrize("text", _hostile_names(60, seed=3)[:80])
def test_string_literals_hold_any_text(text):
    lit = c_string(text)
    if len(text.encode("utf-8", "surrogatepass")) >= MAX_LITERAL:
        assert lit is None and c_bytes(text).endswith("'\\000'")
        return
    assert _decode(lit) == text.encode("utf-8", "surrogatepass")
    assert "??" not in lit and "\n" not in lit and all(" " <= c <= "~" for c in lit)


@pytest.mark.parametrize("text", ["*/", "/*", "a??/", "???=", "x\u202ey", "\n#error", "\\"] +
                         _hostile_names(20, seed=4))
def test_comments_hold_any_text(text):
    body = c_comment(text)
    assert "*/" not in body and "/*" not in body and "??" not in body
    assert all(" " <= c <= "~" for c in body) and not body.endswith("\\")
    assert len(body) <= 170
