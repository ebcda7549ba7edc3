"""The package's imports follow the pipeline: ARCHITECTURE.md's layering table says which
room (top-level package or module of onnx2c) sits in which layer, and a module may import
only from its own layer or the layers before it. Imports must not form cycles."""
from __future__ import annotations

import ast
import re

from tests.conftest import REPO

PACKAGE = REPO / "onnx2c"


def _modules() -> dict[str, object]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _imports(mods: dict) -> dict[str, set[str]]:
    """module -> the package modules it imports (a `from X import y` counts as X.y when
    that is a module, else as X)."""
    edges = {m: set() for m in mods}
    for mod, path in mods.items():
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                source = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    edges[mod].add(target if target in mods else source)
            elif isinstance(node, ast.Import):
                edges[mod].update(a.name for a in node.names)
        edges[mod] = {t for t in edges[mod] if t in mods and t != mod}
    return edges


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layers() -> dict[str, int]:
    """room -> layer number, from the table in ARCHITECTURE.md (| layer | rooms | ...)."""
    text = (REPO / "ARCHITECTURE.md").read_text()
    layers = {}
    for number, rooms in re.findall(r"^\|\s*(\d+)\s*\|([^|]+)\|", text, re.M):
        for room in re.findall(r"`(\w+)`", rooms):
            layers[room] = int(number)
    return layers


def test_every_room_has_a_layer():
    layers = _layers()
    rooms = {_room(m) for m in _modules()}
    assert rooms and not rooms - set(layers), f"not in ARCHITECTURE.md: {rooms - set(layers)}"


def test_no_import_points_back_up_the_pipeline():
    layers, mods = _layers(), _modules()
    back = [f"{m} (layer {layers[_room(m)]}) imports {t} (layer {layers[_room(t)]})"
            for m, targets in _imports(mods).items() for t in targets
            if layers[_room(t)] > layers[_room(m)]]
    assert not back, "\n".join(back)


def test_no_import_cycles():
    edges = _imports(_modules())
    state: dict[str, int] = {}      # 1: on the current path, 2: done
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycles.append(" -> ".join(path[path.index(t):] + [t]))
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)
