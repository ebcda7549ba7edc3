"""A --target build folder: the example main, the board files and a Makefile beside the model.

OUT/NAME.c, NAME.h, o2c_*.h    the model, as `onnx2c compile` writes it anyway
OUT/target/main.c              runs the model once, prints status and outputs in hex
OUT/target/startup.c, *.ld     the board's reset code and memory layout (cortex-m4)
OUT/Makefile                   make, make run, make size

The model's own sources stay alone at the top, so `cc -c OUT/*.c` still builds just the model.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

from ..codegen.environment import environment
from ..csyntax.literals import array_body, storage_array
from ..compiler import CompileResult, TensorInfo
from ..errors import CompileError
from . import WARN, Target

EXT_SECTION = ".bss.o2c_ext"         # the linker scripts put this in external RAM
EXTDATA_SECTION = ".o2c_extdata"     # and constants the loader writes to external memory


class BuildError(Exception):
    pass


@dataclass
class Buffer:
    info: TensorInfo
    ctype: str
    count: int                  # C elements (at least 1: C has no empty arrays)
    body: str | None = None     # initializer of a compiled-in input


def _buffer(info: TensorInfo, data=None) -> Buffer:
    elems = storage_array(np.zeros(info.shape, info.dtype.np), info.dtype).size
    body = None if data is None else array_body(np.asarray(data).astype(info.dtype.np),
                                                info.dtype)
    return Buffer(info, info.dtype.ctype, max(1, elems), body)


def _bytes_body(data: bytes, per_line: int = 24) -> str:
    nums = [str(b) for b in data] or ["0"]
    return ",\n    ".join(", ".join(nums[i:i + per_line]) for i in range(0, len(nums), per_line))


def _attr(section: str) -> str:
    return f'__attribute__((section("{section}")))'


def main_source(r: CompileResult, t: Target, feeds: dict | None = None,
                template: jinja2.Template | None = None) -> str:
    """The example main; with feeds (input name -> array) the inputs are compiled in.
    template replaces targets/main.c.j2 (the benchmarks extend it to time the run)."""
    ins = [_buffer(i, None if feeds is None else feeds[i.name]) for i in r.inputs]
    outs = [_buffer(o) for o in r.outputs]
    arena = r.workspace_bytes + sum(b.info.nbytes for b in outs + ins if b.body is None)
    off_chip = t.onchip_ram is not None and arena > t.onchip_ram
    weights = None if r.weights is None else \
        Buffer(None, "unsigned char", max(1, len(r.weights)), _bytes_body(r.weights))
    template = template or environment().get_template("targets/main.c.j2")
    return template.render(
        name=r.name, target=t.name, inputs=ins, outputs=outs, weights=weights,
        arena_attr=_attr(EXT_SECTION) if off_chip else "",
        extdata_attr=_attr(EXTDATA_SECTION) if t.board else "")


def _ldflags(t: Target, board: str) -> list[str]:
    return [f.replace("{board}", board) for f in t.ldflags]


def check_name(name: str) -> None:
    if name in ("main", "startup"):
        # build/NAME.o would be the example program's own object
        raise CompileError(f"--name '{name}' clashes with the example program's files in "
                           "target/; choose another name")


def write_project(r: CompileResult, t: Target, feeds: dict | None = None,
                  template: jinja2.Template | None = None) -> Path:
    """Add target/ and the Makefile to the folder r was compiled into; returns that folder.
    template: see main_source."""
    if r.out_dir is None:
        raise ValueError("write_project needs a CompileResult from onnx2c.compile")
    check_name(r.name)
    out = r.out_dir
    app = out / "target"
    app.mkdir(exist_ok=True)
    (app / "main.c").write_text(main_source(r, t, feeds, template))
    for f in t.board_files:
        shutil.copyfile(f, app / f.name)
    sources = ["main"] + [f.stem for f in t.board_files if f.suffix == ".c"]
    makefile = environment().get_template("targets/Makefile.j2").render(
        name=r.name, target=t, warn=WARN, sources=sources, ldflags=_ldflags(t, "target"),
        link_deps=[f"target/{f.name}" for f in t.board_files if f.suffix == ".ld"],
        run=["$(PYTHON)" if a == "{python}" else a for a in t.run],
        run_note="wasmtime, from $(PYTHON)" if t.run[:1] == ("{python}",) else " ".join(t.run[:1]))
    (out / "Makefile").write_text(makefile)
    return out


def _cc(cmd: list[str]) -> None:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(f"{' '.join(cmd)}\n{(p.stderr or p.stdout).strip()[:4000]}")


def compile_model(out: Path, name: str, t: Target, build: Path) -> Path:
    """NAME.c to an object, with the stack usage files the size report reads."""
    build.mkdir(parents=True, exist_ok=True)
    obj = build / f"{name}.o"
    _cc([t.cc, *WARN, *t.cflags, *t.stack_flags, "-I", str(out), "-c", str(out / f"{name}.c"),
         "-o", str(obj)])
    return obj


def link_program(t: Target, sources: list[Path], include: Path, build: Path, board: Path,
                 program: Path, objects: tuple[Path, ...] = ()) -> Path:
    """Compile sources (warnings are errors) and link them with objects for t, taking the
    linker script from board; returns program."""
    build.mkdir(parents=True, exist_ok=True)
    objs = list(objects)
    for src in sources:
        objs.append(build / f"{src.stem}.o")
        _cc([t.cc, *WARN, *t.cflags, "-I", str(include), "-c", str(src), "-o", str(objs[-1])])
    _cc([t.cc, *t.cflags, *map(str, objs), *_ldflags(t, str(board)), "-o", str(program)])
    return program


def build_program(out: Path, name: str, t: Target, build: Path | None = None) -> Path:
    """Build what write_project wrote, with the same flags as its Makefile; returns the program."""
    build = build or out / "build"
    return link_program(t, sorted((out / "target").glob("*.c")), out, build, out / "target",
                        build / f"{name}{t.suffix}", (compile_model(out, name, t, build),))
