"""Templates own their loop variables: lowering (onnx2c/ops, onnx2c/lowering) describes
element positions as integers (strides, bases) and the template, which declares the
loops, names their variables when it spells the offset (`offset(p.strides, 'i')`,
onnx2c/csyntax/index.py). ARCHITECTURE.md states the rule.

A module breaks it when one of its strings (an f-string's replacement fields standing in
as `0`) holds a loop variable of a template it renders, or of the templates those
import: a name a `for (` statement or `loops.for` declares, a nest `loops.open` declares
(its prefix followed by digits), or such a prefix on its own (handed over to be
numbered). Docstrings and error messages are prose, not C; nor is a str.format field
(`{x}`), which stands in for what is substituted, like an f-string's.

A function's strings are C for the templates it names or, naming none, for those of the
module's functions it calls; a module-level string's, for those of the functions that
read it; failing both, for every template the module names."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO
from tests.architecture.test_no_c_statements import _not_code

ROOTS = ("onnx2c/ops", "onnx2c/lowering")
TEMPLATES = REPO / "templates"

# modules allowed to name loop variables, each with how many strings and why
ALLOWED: dict[str, int] = {}


_DTYPE_CODE = re.compile(r"[iu](2|4|8|16|32|64)")     # a dtype's code in kernel names


def _template_names(text: str) -> set[str]:
    return set(re.findall(r"[\"']((?:ops/)?_?\w+\.(?:c\.)?j2)[\"']", text))


def loop_variables(template: str, seen: set[str] | None = None) -> tuple[set[str], set[str]]:
    """(names, nest prefixes) the template and the templates it imports declare as loops."""
    seen = set() if seen is None else seen
    path = TEMPLATES / template
    if template in seen or not path.exists():
        return set(), set()
    seen.add(template)
    text = path.read_text()
    names = set(re.findall(r"\bfor \((?:const )?\w+ (\w+) =", text))
    names |= set(re.findall(r"loops\.for\(\s*'(\w+)'", text))
    prefixes = {m or "i" for m in re.findall(r"loops\.open\([^)'\n]*(?:'(\w+)')?\)", text)}
    for other in _template_names(text):
        n, p = loop_variables(other if "/" in other else "ops/" + other, seen)
        names, prefixes = names | n, prefixes | p
    return names, prefixes


_FIELD = re.compile(r"\{\w*\}")       # a str.format replacement field


def _strings(tree, skip):
    """(line, text) of the strings that may be C: not dict keys or subscripts, and not
    the pieces of an f-string (judged whole)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            skip.update(id(n) for n in ast.walk(node.slice))
        elif isinstance(node, ast.FormattedValue):
            skip.update(id(n) for n in ast.walk(node.value))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, _FIELD.sub("0", node.value)
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "0"
                                       for v in node.values)


def _names_read(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _scopes(tree, templates: set[str]):
    """(node, templates) for each top-level statement: a function or class, the templates
    it names, else those its calls to the module's functions reach; a module-level
    statement, those of the functions that read the names it binds; else the module's."""
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    named = {name: {t if "/" in t else "ops/" + t for t in _template_names(ast.unparse(n))}
             for name, n in defs.items()}

    def reach(name: str, seen: frozenset = frozenset()) -> set[str]:
        if named[name]:
            return named[name]
        callees = (_names_read(defs[name]) & defs.keys()) - seen - {name}
        return set().union(*(reach(c, seen | {name}) for c in callees))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node, reach(node.name) or templates
        else:
            bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, ast.Store)}
            readers = [name for name, n in defs.items() if bound & _names_read(n)]
            yield node, set().union(*(reach(r) for r in readers)) or templates


def loop_names_in(source: str, templates: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every loop variable of `templates` (of those a function names,
    inside it) that a string of source names."""
    tree = ast.parse(source)
    skip = _not_code(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    hits = []
    for scope, scope_templates in _scopes(tree, templates):
        names, prefixes = set(), set()
        for t in scope_templates:
            n, p = loop_variables(t)
            names, prefixes = names | n, prefixes | p
        for line, text in _strings(scope, skip):
            if text in scope_templates or _DTYPE_CODE.fullmatch(text):
                continue
            for tok in re.findall(r"(?<![\w.])[A-Za-z_]\w*", text):
                m = re.fullmatch(r"([A-Za-z_]+?)\d*", tok)
                if tok in names or tok in prefixes or (m and m.group(1) in prefixes):
                    hits.append((line, tok))
    return hits


def test_the_rule_sees_loop_variables():
    src = ('a = f"i{k} * 4u"\nb = offset_expr(s, "r")\nc = "acc + a0"\n'
           'd = "ops/reduce.c.j2"\nraise CompileError("i0 is wrong")\ne = "{r} + 1"\n')
    assert [line for line, _ in loop_names_in(src, {"ops/reduce.c.j2"})] == [1, 2]


def test_a_function_answers_for_the_templates_it_reaches():
    # lrn.c.j2 declares n, c, s; norm.c.j2 only its nests: `s` is norm's named value
    src = ('SPREAD = "s / 2"\n'
           'def lower(node):\n    return _norm(node, SPREAD)\n'
           'def _norm(node, e):\n    return Kernel("ops/norm.c.j2", e)\n'
           'def lower_lrn(node):\n    return Kernel("ops/lrn.c.j2", "n + 1")\n')
    assert loop_names_in(src, {"ops/norm.c.j2", "ops/lrn.c.j2"}) == [(7, "n")]


def templates_of(path: Path, source: str) -> set[str]:
    """The templates a module names or, naming none, those of the modules beside it that
    it imports (it lowers through their kernels, as flex_attention through attention's)."""
    own = {t if "/" in t else "ops/" + t for t in _template_names(source)}
    if own:
        return own
    siblings = [path.parent / f"{n.module}.py" for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module]
    return {t if "/" in t else "ops/" + t for f in siblings if f.exists()
            for t in _template_names(f.read_text())}


def test_a_module_without_templates_answers_for_those_it_imports():
    path = REPO / "onnx2c/ops/flex_attention.py"
    assert "ops/attention.c.j2" in templates_of(path, path.read_text())


def test_no_module_names_its_templates_loop_variables():
    report = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            source = path.read_text()
            templates = templates_of(path, source)
            if "lowering/fuse_chains" in str(path):     # it rewrites these kernels' params
                templates |= {"ops/elementwise.c.j2", "ops/reduce.c.j2"}
            hits = loop_names_in(source, templates)
            rel = str(path.relative_to(REPO))
            if len(hits) != ALLOWED.get(rel, 0):
                report[rel] = hits
    assert not report, "\n".join(f"{m}: {h}" for m, h in report.items())
