"""Runs the corpus through `onnx2c.cli.main` in worker processes, each model under a
timeout (a model that hangs costs one worker, which is replaced) and an address-space
limit (a runaway allocation becomes a MemoryError, i.e. a traceback, not a dead machine).
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing
import resource
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from .generate import Case, write

MEMORY_LIMIT = 4 << 30


@dataclass
class Outcome:
    case: Case
    status: int | None          # exit status; None: it hung or the worker died
    stderr: str
    traceback: str = ""         # an exception that escaped main()
    seconds: float = 0.0
    folder: Path | None = None  # the model's folder; the C is in folder/out

    @property
    def refused(self) -> bool:
        return self.status not in (0, None)


def argv_for(c: Case, folder: Path) -> list[str]:
    model = write(c, folder)
    extra = [a.replace("{dir}", str(folder)) for a in c.args]
    return ["compile", str(model), "-o", str(folder / "out"), "-q"] + extra


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) in this process: (exit status, stderr, traceback of an escaped exception)."""
    from onnx2c.cli import main
    err, out = io.StringIO(), io.StringIO()
    tb = ""
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            status = main(argv)
        except SystemExit as e:      # argparse
            status = e.code if isinstance(e.code, int) else 1
        except BaseException:        # noqa: BLE001 -- exactly what the test looks for
            status, tb = 1, traceback.format_exc()
    return status, err.getvalue(), tb


def _worker(conn) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    import onnx2c.cli  # noqa: F401  (imported once per worker, not once per model)
    while True:
        argv = conn.recv()
        if argv is None:
            return
        conn.send(run_cli(argv))


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, float] | None = None     # (case index, start time)

    def stop(self, kill=False) -> None:
        if kill:
            self.proc.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.proc.join(5)


def run_corpus(cases: list[Case], root: Path, timeout: float = 60, jobs: int = 2) -> list[Outcome]:
    """Every case compiled under root/CATEGORY/NAME; one Outcome per case, in order."""
    ctx = multiprocessing.get_context("fork")
    folders = [root / c.category / c.name for c in cases]
    todo = list(range(len(cases)))[::-1]
    results: list[Outcome | None] = [None] * len(cases)
    workers = [_Worker(ctx) for _ in range(min(jobs, len(cases)) or 1)]
    try:
        while todo or any(w.task for w in workers):
            for w in workers:
                if w.task is None and todo:
                    k = todo.pop()
                    w.conn.send(argv_for(cases[k], folders[k]))
                    w.task = (k, time.monotonic())
            ready = wait([w.conn for w in workers if w.task], timeout=1)
            for w in list(workers):
                if not w.task:
                    continue
                k, start = w.task
                took = time.monotonic() - start
                if w.conn in ready:
                    try:
                        status, err, tb = w.conn.recv()
                    except (EOFError, OSError):      # the worker died (a crash in C code)
                        status, err, tb = None, "", "worker process died"
                    results[k] = Outcome(cases[k], status, err, tb, took, folders[k])
                    w.task = None
                    if status is None:
                        workers[workers.index(w)] = _Worker(ctx)
                elif took > timeout:
                    w.stop(kill=True)
                    results[k] = Outcome(cases[k], None, "", f"hung for over {timeout:.0f} s",
                                         took, folders[k])
                    workers[workers.index(w)] = _Worker(ctx)
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)
    return results  # type: ignore[return-value]
