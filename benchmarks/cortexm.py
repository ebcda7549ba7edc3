"""Exact instruction counts of compiled models on the Cortex-M4 board, in QEMU.

    python benchmarks/cortexm.py [-k SUBSTR] [--model M.onnx] [--dir DIR] [--readme README.md]
    python benchmarks/cortexm.py --calibrate

Each model is compiled for --target cortex-m4 and linked with a main
(benchmarks/templates/cortexm_main.c.j2, the example main with its run timed) that has
deterministic random inputs compiled in and reads CMSDK timer 0 right before and after ONE
call of NAME_run. It runs under `qemu-system-arm -M mps2-an386 -cpu cortex-m4 -icount
shift=0,sleep=off`: with shift=0 every instruction advances virtual time by 1 ns and the
timer counts at 25 MHz, so instructions = 40 x ticks, to within one tick (40 instructions).
--calibrate checks that on inline-assembly loops of known instruction count.

Instructions are not cycles: a real Cortex-M4 takes 2 cycles for most loads, more for
divisions and wait-stated flash. QEMU has no caches, so there is no warm-up to do.

Columns: MACs (benchmarks/macs.py), instructions of one call, instructions per MAC ("–"
for models without MACs: trees, classical ML), flash and RAM of the model object as
`onnx2c size` reports them (flash = text + rodata + data; RAM = data + bss + workspace +
stack), and the status: "ok" when NAME_run returned O2C_OK and its outputs match
onnxruntime on the same inputs (rtol 1e-3, atol 1e-5; integers exactly).

From Python: measure(model, name, work) -> Measurement.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):       # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jinja2  # noqa: E402

import onnx2c  # noqa: E402
from benchmarks import macs, models, oracle  # noqa: E402
from onnx2c import mdtable  # noqa: E402
from onnx2c.codegen.environment import environment  # noqa: E402
from onnx2c.targets import board_dir, get  # noqa: E402
from onnx2c.targets.project import build_program, link_program, write_project  # noqa: E402
from onnx2c.targets.run import parse_output, run_program  # noqa: E402
from onnx2c.targets.size import measure as measure_size  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent / "templates"
QEMU_ARGS = ("-cpu", "cortex-m4", "-icount", "shift=0,sleep=off")
INSTRUCTIONS_PER_TICK = 40          # 1 ns per instruction, 25 MHz timer
C_NAME = "net"
TABLE_KEY = "cortexm"


@dataclass
class Measurement:
    name: str
    macs: int
    instructions: int               # of one NAME_run call, to within 40
    flash: int
    ram: int
    status: str                     # "ok", "MISMATCH ...", "FAIL: NAME_run returned -2", ...

    @property
    def per_mac(self) -> float | None:
        return self.instructions / self.macs if self.macs and self.instructions else None


def _template() -> jinja2.Template:
    env = environment().overlay(loader=jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(TEMPLATES)), environment().loader]))
    return env.get_template("cortexm_main.c.j2")


def _ticks(text: str) -> int:
    found = re.search(r"^o2c-ticks (\d+)$", text, re.M)
    if not found:
        raise RuntimeError(f"no o2c-ticks line in the program's output:\n{text[-2000:]}")
    return int(found.group(1))


def measure(model, name: str, work: Path, feeds: dict | None = None, timeout: float = 600,
            **compile_args) -> Measurement:
    """Compile model (path or ModelProto) into work, run one inference on the board and
    count it. feeds: input name -> array (default: deterministic random); compile_args go
    to onnx2c.compile (shapes, freeze, ...). Build and run errors raise."""
    target = get("cortex-m4")
    work = Path(work)
    result = onnx2c.compile(model, work, name=C_NAME, **compile_args)
    feeds = feeds if feeds is not None else oracle.random_feeds(result.inputs)
    write_project(result, target, feeds, _template())
    shutil.copyfile(TEMPLATES / "cmsdk_timer.h", work / "target" / "cmsdk_timer.h")
    program = build_program(work, C_NAME, target)
    text = run_program(target, program, timeout, QEMU_ARGS)
    code, outputs = parse_output(text, result)
    size = measure_size(target, work, C_NAME, work / "build")
    frontend_args = {k: v for k, v in compile_args.items()
                     if k in ("shapes", "freeze", "capacity")}
    status = f"FAIL: {C_NAME}_run returned {code}" if code else \
        oracle.check(model, [o.name for o in result.outputs],
                      {**feeds, **compile_args.get("freeze", {})}, outputs)
    return Measurement(name, macs.model_macs(model, **frontend_args),
                       INSTRUCTIONS_PER_TICK * _ticks(text), size.flash, size.ram, status)


def calibrate(work: Path) -> list[tuple[int, int, int]]:
    """(expected, measured, error) instructions of the known loops in cortexm_calibrate.c."""
    target = get("cortex-m4")
    program = link_program(target, [TEMPLATES / "cortexm_calibrate.c",
                                    board_dir(target) / "startup.c"],
                           TEMPLATES, work, board_dir(target), work / "calibrate.elf")
    rows = []
    for line in run_program(target, program, 60, QEMU_ARGS).splitlines():
        if line.startswith("o2c-calibrate "):
            per_iteration, iterations, ticks = map(int, line.split()[1:])
            expected, measured = per_iteration * iterations, INSTRUCTIONS_PER_TICK * ticks
            rows.append((expected, measured, measured - expected))
    return rows


def _cell(value, fmt="{:,}") -> str:
    return "–" if value is None else fmt.format(value)


def row(m: Measurement) -> str:
    return (f"| {m.name} | {_cell(m.macs or None)} | {_cell(m.instructions)} | "
            f"{_cell(m.per_mac, '{:.2f}')} | {m.flash:,} | {m.ram:,} | {m.status} |")


HEADER = ["| model | MACs | instructions | instructions / MAC | flash (B) | RAM (B) | status |",
          "|---|--:|--:|--:|--:|--:|---|"]


def _measure_entry(entry: models.Entry, work: Path) -> str:
    try:
        folder = work / re.sub(r"[^\w.-]", "_", entry.name)
        return row(measure(entry.load(work), entry.name, folder))
    except Exception as e:      # one broken model must not hide the others' figures
        return f"| {entry.name} | – | – | – | – | – | {oracle.error_status(e)} |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/cortexm.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    models.add_arguments(ap, TABLE_KEY)
    ap.add_argument("--calibrate", action="store_true",
                    help="only check the counting method on loops of known length")
    args = ap.parse_args(argv)
    why = get("cortex-m4").missing()
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    work, _keep_alive = models.work_dir(args, "onnx2c-cortexm-")
    if args.calibrate:
        print("| expected instructions | measured | error |\n|--:|--:|--:|")
        for expected, measured, error in calibrate(work / "calibrate"):
            print(f"| {expected:,} | {measured:,} | {error:+,} |")
        return 0
    entries = models.select(args, models.repo_entries())
    print("\n".join(HEADER), flush=True)
    rows = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for text in pool.map(lambda e: _measure_entry(e, work), entries):
            print(text, flush=True)
            rows.append(text)
    if args.readme:
        mdtable.update(args.readme, TABLE_KEY, "\n".join(HEADER + rows))
        print(f"updated {args.readme}", file=sys.stderr)
    return 0 if all("| ok |" in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
