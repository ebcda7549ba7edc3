"""Flash and RAM of a compiled model on a target, read from what its toolchain wrote.

flash = text + rodata + data (the initial values of .data live in flash too)
RAM   = data + bss + workspace + stack

Section sizes come from the toolchain's size tool on NAME.o (llvm-readobj's data segments
for wasm32). The stack is the deepest call chain from NAME_run in GCC's -fcallgraph-info
graph; clang writes only per-function frames (-fstack-usage), so there it is NAME_run's
frame plus the largest other frame. Library calls (expf, memcpy, ...) are named but their
frames are not counted: the toolchain does not know them.

`python -m onnx2c.targets.size --target T --name NAME DIR` reports on DIR/build, as the
Makefile's `make size` does.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import compiler
from . import Target, get
from .project import compile_model

KINDS = ("text", "rodata", "data", "bss")


@dataclass
class SizeReport:
    target: str
    name: str
    sections: dict[str, int]
    workspace: int
    stack: int
    stack_chain: list[str]
    uncounted: list[str] = field(default_factory=list)   # callees of unknown frame size

    @property
    def flash(self) -> int:
        return self.sections["text"] + self.sections["rodata"] + self.sections["data"]

    @property
    def ram(self) -> int:
        return self.sections["data"] + self.sections["bss"] + self.workspace + self.stack

    def format(self) -> str:
        s = self.sections
        lines = [
            f"{self.name} on {self.target}:",
            f"  flash {self.flash:>10,} B = text {s['text']:,} + rodata {s['rodata']:,}"
            f" + data {s['data']:,}",
            f"  RAM   {self.ram:>10,} B = data {s['data']:,} + bss {s['bss']:,}"
            f" + workspace {self.workspace:,} + stack {self.stack:,}",
            f"  stack: {' -> '.join(self.stack_chain)}",
        ]
        if self.uncounted:
            lines.append(f"  not counted: library calls {', '.join(self.uncounted)}")
        lines.append("  inputs and outputs are the caller's buffers (not included)")
        return "\n".join(lines)


# first match wins: .data.rel.ro (constant tables of pointers) is read-only, unlike .data
_PREFIXES = (("text", (".text", "CODE")),
             ("rodata", (".rodata", ".data.rel.ro", ".srodata", ".eh_frame", ".ARM.ex")),
             ("data", (".data", ".sdata")), ("bss", (".bss", ".sbss")))


def _kind(section: str) -> str | None:
    return next((kind for kind, pre in _PREFIXES if section.startswith(pre)), None)


def _tool(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def section_sizes(t: Target, obj: Path) -> dict[str, int]:
    if t.size.endswith("readobj"):
        # a wasm object: CODE, then one named segment per variable inside DATA
        out = _tool([t.size, "--sections", str(obj)])
        pairs = re.findall(r"Type: CODE \(0xA\)\s+Size: (\d+)", out)
        found = [("CODE", int(n)) for n in pairs]
        found += [(nm, int(n)) for nm, n in re.findall(r"Name: (\S+)\s+Size: (\d+)", out)]
    else:
        out = _tool([t.size, "-A", str(obj)])
        found = [(m[0], int(m[1])) for m in re.findall(r"^(\S+)\s+(\d+)\s+\d+\s*$", out, re.M)]
    sizes = dict.fromkeys(KINDS, 0)
    for sec, n in found:
        kind = _kind(sec)
        if kind:
            sizes[kind] += n
    return sizes


def reachable_flash(t: Target, obj: Path, root: str) -> int:
    """Flash bytes (text, rodata, data) of function root and every section it refers to,
    transitively: what a --gc-sections link keeps of obj when the program calls only root
    (obj built with -ffunction-sections -fdata-sections; library routines not counted)."""
    readelf = t.size[:-len("size")] + "readelf"
    heads = _tool([readelf, "-SW", str(obj)])
    sizes, number = {}, {}
    for nr, name, size in re.findall(r"\[\s*(\d+)\]\s+(\S+)\s+(?:PROGBITS|NOBITS)\s+\S+\s+"
                                     r"\S+\s+([0-9a-f]+)", heads):
        sizes[name], number[nr] = int(size, 16), name
    of_symbol = {sym: number.get(nr) for nr, sym in re.findall(
        r"^\s*\d+: \S+\s+\d+ \w+\s+\w+\s+\w+\s+(\d+) (\S+)", _tool([readelf, "-sW", str(obj)]),
        re.M)}
    refs, current = {}, None
    for line in _tool([readelf, "-rW", str(obj)]).splitlines():
        head = re.match(r"Relocation section '\.rela?(\S+)'", line)
        if head:
            current = refs.setdefault(head.group(1), set())
        elif current is not None and len(line.split()) >= 5 and line.split()[2].startswith("R_"):
            current.add(line.split()[4])
    seen, todo = set(), [f".text.{root}"]
    while todo:
        sec = todo.pop()
        if sec in seen or sec not in sizes:
            continue
        seen.add(sec)
        todo += [r if r in sizes else of_symbol.get(r) for r in refs.get(sec, ())]
    return sum(sizes[s] for s in seen if _kind(s) in ("text", "rodata", "data"))


def _aliases(t: Target, obj: Path) -> dict[str, str]:
    """Function name -> the first name at the same address: GCC's identical-code folding
    leaves calls to a folded function, which has no frame of its own in the call graph."""
    out = _tool([t.size[:-len("size")] + "readelf", "-sW", str(obj)])
    first, alias = {}, {}
    row = r"^\s*\d+: ([0-9a-f]+)\s+\d+ FUNC\s+\w+\s+\w+\s+(\d+) (\S+)"   # value, section
    for value, ndx, name in re.findall(row, out, re.M):
        alias[name] = first.setdefault((ndx, value), name)
    return alias


def _callgraph_stack(ci: Path, root: str, alias: dict[str, str]
                     ) -> tuple[int, list[str], list[str]]:
    text = ci.read_text()
    frames, calls, shown = {}, {}, {}
    for title, label in re.findall(r'node: \{ title: "([^"]+)" label: "([^"]*)"', text):
        m = re.search(r"(\d+) bytes", label)
        frames[title] = int(m.group(1)) if m else None
        shown[title] = label.split("\\n")[0]     # static functions' titles carry the file
    by_name = {shown[t]: t for t, n in frames.items() if n is not None}
    for src, dst in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
        if dst not in frames:
            dst = by_name.get(alias.get(dst.rsplit(":", 1)[-1]), dst)
        calls.setdefault(src, []).append(dst)
    uncounted, memo = set(), {}

    def deepest(fn: str, path: tuple) -> tuple[int, list[str]]:
        if fn in path:
            raise RuntimeError(f"recursion through {fn}: the stack has no static bound")
        if fn not in memo:
            if frames.get(fn) is None:
                uncounted.add(fn.rsplit(":", 1)[-1])
            best = max((deepest(c, path + (fn,)) for c in sorted(set(calls.get(fn, [])))),
                       default=(0, []))
            memo[fn] = ((frames.get(fn) or 0) + best[0], [fn] + best[1])
        return memo[fn]

    total, chain = deepest(root, ())
    return total, [f"{shown[f]} ({frames[f]} B)" for f in chain if frames.get(f) is not None], \
        sorted(uncounted)


def _frames_stack(su: Path, root: str) -> tuple[int, list[str], list[str]]:
    frames = {}
    for line in su.read_text().splitlines():
        loc, n, _kind = line.split("\t")
        frames[loc.rsplit(":", 1)[-1]] = int(n)
    own = frames.pop(root, 0)
    chain = [f"{root} ({own} B)"]
    if frames:
        big = max(sorted(frames), key=frames.get)
        chain.append(f"{big} ({frames[big]} B, the largest other frame)")
        own += frames[big]
    return own, chain, []


def _workspace(header: Path, name: str) -> int:
    m = re.search(rf"#define {name.upper()}_WORKSPACE_BYTES (\d+)u", header.read_text())
    if not m:
        raise RuntimeError(f"{header} has no {name.upper()}_WORKSPACE_BYTES")
    return int(m.group(1))


def measure(t: Target, src: Path, name: str, build: Path) -> SizeReport:
    """Report on build/NAME.o (and its .ci or .su) compiled from src/NAME.c."""
    obj = build / f"{name}.o"
    ci, su = obj.with_suffix(".ci"), obj.with_suffix(".su")
    root = f"{name}_run"
    stack = _callgraph_stack(ci, root, _aliases(t, obj)) if ci.exists() else \
        _frames_stack(su, root)
    return SizeReport(t.name, name, section_sizes(t, obj), _workspace(src / f"{name}.h", name),
                      *stack)


def size_model(model, t: Target, name: str = "model", keep: Path | None = None,
               **compile_args) -> SizeReport:
    """Compile model to C, build NAME.o with t's toolchain, and measure it."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="onnx2c-size-") as tmp:
            return size_model(model, t, name, Path(tmp), **compile_args)
    work = Path(keep)
    compiler.compile(model, work, name=name, **compile_args)
    compile_model(work, name, t, work / "build")
    return measure(t, work, name, work / "build")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m onnx2c.targets.size", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="the folder `onnx2c compile --target` wrote (built)")
    ap.add_argument("--target", required=True)
    ap.add_argument("--name", default="model")
    ap.add_argument("--build", help="where the objects are (default: FOLDER/build)")
    a = ap.parse_args(argv)
    folder = Path(a.folder)
    print(measure(get(a.target), folder, a.name, Path(a.build) if a.build else folder / "build")
          .format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
