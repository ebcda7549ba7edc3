"""No C statement is assembled in Python: lowering (onnx2c/ops, onnx2c/lowering) and
emission (onnx2c/codegen) hand templates C *expressions* and typed parameters, and the
statements, blocks and loops live in templates/ and runtime_c/ (ARCHITECTURE.md).

A string constant (an f-string's literal parts joined, each replacement field standing
in as `X`) counts as a C statement when it ends with `;`, has a `;` followed by more
text, or opens a control statement (`if (`, `for (`, `while (`, `switch (`, `else {`,
`do {`, `return `). Docstrings, error messages (arguments of an exception's
constructor) and prose (four words in a row, no `=` or brace) are not C."""
from __future__ import annotations

import ast
import re

from tests.conftest import REPO

ROOTS = ("onnx2c/ops", "onnx2c/lowering", "onnx2c/codegen")
_CONTROL = re.compile(r"^\s*((if|for|while|switch)\s*\(|(else|do)\s*\{|return\s)")
_PROSE = re.compile(r"[A-Za-z,]+ [A-Za-z,]+ [A-Za-z,]+ [A-Za-z,]+")

# modules allowed to build C statements, each with how many and why (none today)
ALLOWED: dict[str, int] = {}


def _text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    return None


def is_c_statement(text: str) -> bool:
    s = text.strip()
    if _PROSE.search(s) and not re.search(r"[={}]", s):
        return False
    return s.endswith(";") or bool(re.search(r";\s*\S", s)) or bool(_CONTROL.match(s))


def _not_code(tree) -> set[int]:
    """ids of the nodes inside docstrings and exception messages."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name.endswith(("Error", "Exception", "Constant")):
                skip.update(id(n) for n in ast.walk(node))
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and body and \
                isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
    return skip


def c_statements(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in the module source that holds C statements."""
    tree = ast.parse(source)
    skip = _not_code(tree)
    for node in ast.walk(tree):      # an f-string is judged whole, not by its parts
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    return [(node.lineno, text) for node in ast.walk(tree) if id(node) not in skip
            for text in [_text(node)] if text is not None and is_c_statement(text)]


def test_the_rule_sees_statements_and_not_expressions():
    found = c_statements('a = "x = 1;"\nb = f"if ({a}) y = 2"\nc = "{ t = a; }"\n'
                         'd = "a0 + a1"\ne = f"({c})o2c_div(a0, {n}u)"\n'
                         'f = "(const int64_t[]){1, 2}"\n'
                         'raise CompileError("shape 1; pass --freeze")\n')
    assert [line for line, _ in found] == [1, 2, 3]


def test_no_module_assembles_c_statements():
    report = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            hits = c_statements(path.read_text())
            if hits:
                report[str(path.relative_to(REPO))] = hits
    over = {mod: hits for mod, hits in report.items() if len(hits) > ALLOWED.get(mod, 0)}
    assert not over, "C statements built in Python strings (move them to the template):\n" + \
        "\n".join(f"{mod}:{line}: {text!r}" for mod, hits in over.items() for line, text in hits)
    stale = {mod: n for mod, n in ALLOWED.items() if len(report.get(mod, ())) < n}
    assert not stale, f"lower these allowances to what is left: {stale}"
