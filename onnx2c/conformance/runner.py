"""Compile many cases per C-compiler call, run them, and classify every result.

Work is split into chunks that run in forked worker processes (the cases are inherited,
not pickled). A worker compiles each case to C in memory, builds the whole chunk into one
shared library with a single compiler call, then runs the cases one by one, reporting
each before and after it runs: if generated code crashes or hangs, the parent knows which
case did it and restarts a worker on the rest of the chunk.
"""
from __future__ import annotations

import multiprocessing as mp
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

import numpy as np

from ..codegen.constants import SOURCE_TOO_LARGE
from ..compiler import build
from ..errors import CompileError, NeedsConstant
from ..frontend.sequence_io import flatten, pins_for
from ..harness.build import BuildError, compile_shared, load_shared
from ..harness.verify import compare

RUN_TIMEOUT = 60.0      # seconds a worker may stay silent before it counts as hung


@dataclass
class Result:
    name: str
    status: str            # pass | frozen | unsupported | wrong | build | crash | error
    detail: str = ""


def _input_names(case) -> list[str]:
    inits = {t.name for t in case.model.graph.initializer}
    return [i.name for i in case.model.graph.input if i.name not in inits]


def _compile_case(case, name):
    """(CompileResult, frozen input names) or a Result saying why not."""
    frozen, blob = {}, False
    for _ in range(5):
        try:
            # sequence inputs take the length and element shapes of the example data
            pins = pins_for(case.model, dict(zip(_input_names(case), case.data_sets[0][0])))
            return build(case.model, name, pins, frozen, weights_file=blob), frozen
        except NeedsConstant as e:
            feeds = dict(zip(_input_names(case), case.data_sets[0][0]))
            missing = [i for i in e.inputs if i not in feeds or i in frozen]
            if missing:
                return Result(case.name, "unsupported", e.reason)
            frozen.update({i: np.asarray(feeds[i]) for i in e.inputs})
        except CompileError as e:
            if e.reason != SOURCE_TOO_LARGE or blob:
                return Result(case.name, "unsupported", e.reason)
            blob = True         # weights too big for literal C: read them from a blob
        except Exception as e:  # a compiler bug, not a user error
            tb = traceback.extract_tb(e.__traceback__)[-1]
            return Result(case.name, "error", f"{type(e).__name__}: {e} "
                          f"[{Path(tb.filename).name}:{tb.lineno}]")
    return Result(case.name, "unsupported", "too many inputs to freeze")


def _check(case, host, frozen) -> Result:
    r = host.result
    for ins, outs in case.data_sets[:1] if frozen else case.data_sets:
        feeds = flatten({n: a for n, a in zip(_input_names(case), ins) if n not in frozen})
        status, got = host.run(feeds)
        if status != 0:
            return Result(case.name, "wrong", f"run returned status {status}")
        want = flatten(dict(zip([o.name for o in case.model.graph.output], outs)))
        if sorted(want) != sorted(i.name for i in r.outputs):
            return Result(case.name, "wrong", f"outputs {sorted(i.name for i in r.outputs)}, "
                          f"expected {sorted(want)}")
        for info, g in zip(r.outputs, got):
            ok, ea, er = compare(g, np.asarray(want[info.name]), case.rtol, case.atol)
            if not ok:
                return Result(case.name, "wrong", f"output '{info.name}': max abs err {ea:.3g}, "
                              f"max rel err {er:.3g}")
    return Result(case.name, "frozen" if frozen else "pass")


def _worker(cases, conn, workdir: Path, cflags):
    compiled = []
    for k, case in enumerate(cases):
        res = _compile_case(case, f"t{k}")
        if isinstance(res, Result):
            conn.send(res)
        else:
            compiled.append((case, *res))
    if not compiled:
        conn.close()
        return
    srcdir = workdir / "src"
    srcdir.mkdir(parents=True, exist_ok=True)
    for _, r, _ in compiled:
        for fname, text in r.files.items():
            (srcdir / fname).write_text(text)
    try:
        so = compile_shared([srcdir / f for _, r, _ in compiled for f in r.sources], srcdir,
                            workdir / "chunk.so", cflags)
        good = compiled
    except BuildError:
        good = []
        for case, r, frozen in compiled:   # find the cases that break the build
            try:
                compile_shared([srcdir / f for f in r.sources], srcdir, workdir / f"{r.name}.so",
                               cflags)
                good.append((case, r, frozen))
            except BuildError as e:
                first = next((ln for ln in str(e).splitlines() if "error" in ln), str(e)[:200])
                conn.send(Result(case.name, "build", first.split(": ", 1)[-1][:200]))
        if not good:
            conn.close()
            return
        so = compile_shared([srcdir / f for _, r, _ in good for f in r.sources], srcdir,
                            workdir / "chunk2.so", cflags)
    hosts = load_shared([r for _, r, _ in good], so)
    for (case, _, frozen), host in zip(good, hosts):
        conn.send(("running", case.name))
        try:
            with np.errstate(all="ignore"):
                conn.send(_check(case, host, frozen))
        except Exception as e:
            conn.send(Result(case.name, "error", f"harness: {type(e).__name__}: {e}"))
    conn.close()


def run_cases(cases, jobs: int = 2, chunk: int = 40, cflags=None, progress=None,
              patience: float = 1.0) -> list[Result]:
    """Results of cases, built with cflags in chunks; a worker silent for longer than
    patience times its cases' timeout is taken for hung."""
    ctx = mp.get_context("fork")
    tmp = Path(tempfile.mkdtemp(prefix="onnx2c-conf-"))
    # a case allowed to run long (a whole model) gets a worker of its own
    short = [c for c in cases if c.timeout <= RUN_TIMEOUT]
    queue = [[c] for c in cases if c.timeout > RUN_TIMEOUT] + \
        [short[i:i + chunk] for i in range(0, len(short), chunk)]
    active: dict = {}     # conn -> [process, cases, reported names, running name, last seen]
    results: dict[str, Result] = {}
    serial = 0
    try:
        while queue or active:
            while queue and len(active) < jobs:
                part = queue.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                serial += 1
                p = ctx.Process(target=_worker, args=(part, child, tmp / f"w{serial}", cflags))
                p.start()
                child.close()
                active[parent] = [p, part, set(), None, time.monotonic()]
            for conn in wait(list(active), timeout=5.0):
                st = active[conn]
                try:
                    msg = conn.recv()
                except EOFError:
                    _finish(conn, st, active, queue, results, "crashed")
                    continue
                st[4] = time.monotonic()
                if isinstance(msg, tuple):
                    st[3] = msg[1]
                else:
                    results[msg.name] = msg
                    st[2].add(msg.name)
                    st[3] = None
                    if progress:
                        progress(msg)
            for conn, st in list(active.items()):
                if time.monotonic() - st[4] > patience * max(c.timeout for c in st[1]):
                    st[0].kill()
                    _finish(conn, st, active, queue, results, "hung")
    finally:
        for st in active.values():
            st[0].kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return [results[c.name] for c in cases if c.name in results]


def _finish(conn, st, active, queue, results, how):
    proc, part, reported, running, _ = st
    proc.join()
    del active[conn]
    if running is not None:
        results[running] = Result(running, "crash", f"generated code {how} at run time")
        reported.add(running)
    rest = [c for c in part if c.name not in reported]
    if running is None:
        for c in rest:   # the worker died outside any case: report rather than loop forever
            results[c.name] = Result(c.name, "crash", f"worker {how} (exit {proc.exitcode})")
    elif rest:
        queue.insert(0, rest)
