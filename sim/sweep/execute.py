"""Running a sweep: the workers' entry point, the run log, the lock, and the runs themselves.

:func:`run_sweep` runs every planned run not yet in the folder's log through
:mod:`sim.execution` (serially, a process pool, a Dask cluster or any executor), appending
each finished run to ``runs.jsonl`` at once (one ``write`` and an ``fsync`` a line), so an
interrupted or killed sweep loses no finished run and a rerun resumes. When the runs are
done, :func:`sim.sweep.report.finish` writes the tables, figures and report;
:func:`analyse_folder` rewrites them from a folder's log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import sim
from sim.execution import Workers, open_workers
from sim.outcomes import HEADLINE
from sim.results import atomic_write_bytes, csv_bytes, json_bytes, summarise
from sim.runner import run_one, sleep_hook
from sim.scenarios import InputError, load_drivers
from sim.sweep.report import SweepResult, finish
from sim.sweep.spec import (
    SweepSpec,
    Task,
    design_points,
    load_sweep,
    plain_value,
    plan,
    split_point,
)

#: Test-only hook, read inside the worker: ``TOWNCENTRE_TEST_FAIL="group.name=value"``
#: makes runs with that parameter value raise (``TOWNCENTRE_TEST_SLEEP``,
#: :data:`sim.runner.SLEEP_ENV`, slows every run down). Neither changes any result.
FAIL_ENV = "TOWNCENTRE_TEST_FAIL"


# ------------------------------------------------------------------------------ worker


def run_point(
    scenario: Any,
    drivers: Any,
    town: Any,
    seed: int,
    point: dict[str, Any],
    residents: int | None = None,
    years: float | None = None,
    outcomes: Sequence[str] = HEADLINE,
) -> dict[str, float]:
    """One run with swept values; its kept outcomes (final-year means).

    Args:
        scenario: Scenario (name, path or object).
        drivers: Drivers (name, path or object); ``drivers.*`` values in ``point`` replace
            its fields.
        town: Town spec.
        seed: Run seed.
        point: ``{"group.name": value}`` (validated).
        residents: Residents override or None.
        years: Years override or None.
        outcomes: Outcomes to return.

    Returns:
        ``{outcome: final-year mean}``.
    """
    over, drv_over = split_point(point)
    _test_hook(point)
    drv = load_drivers(drivers)
    if drv_over:
        drv = dataclasses.replace(drv, **drv_over)
    df, _ = run_one(
        scenario, drv, town, seed=seed, residents=residents, years=years, overrides=over
    )
    summary = summarise(df)
    return {o: summary[o] for o in outcomes}


def _test_hook(point: dict[str, Any]) -> None:
    sleep_hook()
    spec = os.environ.get(FAIL_ENV)
    if spec and "=" in spec:
        key, _, val = spec.partition("=")
        if key in point and str(point[key]) == val:
            raise RuntimeError(f"test failure hook: {key} = {val}")


def sweep_task(task: Task) -> dict[str, Any]:
    """Worker entry point: run one task, never raise; return its row.

    Returns:
        ``{"key", "status": "ok" | "error", "error", "seconds", <outcomes>}``.
    """
    t0 = time.perf_counter()
    try:
        out = run_point(
            task.scenario,
            task.drivers,
            task.town,
            task.seed,
            task.point,
            task.residents,
            task.years,
            task.outcomes,
        )
        status, error = "ok", ""
    except Exception as exc:  # a failing run is recorded, never fatal for the sweep
        msg = " ".join(str(exc).split())
        out = {o: math.nan for o in task.outcomes}
        status, error = "error", f"{type(exc).__name__}: {msg}"[:500]
    return {
        "key": task.key,
        "status": status,
        "error": error,
        "seconds": round(time.perf_counter() - t0, 4),
        **out,
    }


# ------------------------------------------------------------------------------ run log


class RunLog:
    """Append-only JSON-lines log of finished runs, safe against kills.

    Each row is one line written with a single ``os.write`` and then ``fsync``-ed. A line
    cut short by a kill (no trailing newline) is ignored by :meth:`read` and removed when
    the log is next opened for appending.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def read(self) -> list[dict[str, Any]]:
        """Every complete row, in the order written."""
        if not self.path.is_file():
            return []
        rows = []
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break  # cut short by a kill
                with contextlib.suppress(ValueError):
                    rows.append(json.loads(line))
        return rows

    def open(self) -> RunLog:
        """Open for appending (drops a trailing partial line first)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)  # umask applies
        size = os.fstat(fd).st_size
        if size:
            tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
            if not tail.endswith(b"\n"):
                cut = tail.rfind(b"\n")
                keep = 0 if cut < 0 and size <= (1 << 20) else size - len(tail) + cut + 1
                os.ftruncate(fd, keep)
                os.fsync(fd)
        self._fd = fd
        return self

    def append(self, row: dict[str, Any]) -> None:
        """Write one row durably."""
        assert self._fd is not None, "RunLog.open() first"
        line = json.dumps(row, allow_nan=True, default=plain_value).encode() + b"\n"
        os.write(self._fd, line)
        os.fsync(self._fd)

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLog:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """Create ``folder`` and refuse a second sweep writing into it at the same time."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fh = (folder / ".sweep.lock").open("a")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"{folder}: another sweep is writing to this folder") from None
        yield
    finally:
        fh.close()


# ------------------------------------------------------------------------------ running


def default_out(spec: SweepSpec) -> Path:
    """``results/sweeps/<name>`` (``-small`` appended for ``--size small``)."""
    return Path("results") / "sweeps" / (spec.name + ("-small" if spec.size == "small" else ""))


def _manifest(spec: SweepSpec, n_runs: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "file": spec.source,
        "size": spec.size,
        "version": sim.__version__,
        "scenarios": [{"name": s.name, "file": s.source} for s in spec.scenarios],
        "drivers": {"name": spec.drivers.name, "file": spec.drivers.source},
        "town": {"name": spec.town.name, "source": spec.town.source},
        "residents": spec.residents,
        "years": spec.years,
        "replicates": spec.replicates,
        "base_seed": spec.base_seed,
        "seeds": spec.seeds,
        "outcomes": list(spec.outcomes),
        "design": {
            "kind": spec.design,
            "samples": spec.samples,
            "levels": spec.levels,
            "seed": spec.design_seed,
        },
        "parameters": {k: list(v) for k, v in spec.parameters.items()},
        "fixed": spec.fixed,
        "posterior": None
        if spec.posterior is None
        else {"file": spec.posterior.source, "parameters": list(spec.posterior.keys)},
        "runs": n_runs,
        "summary": "each outcome's mean over the final 52 weeks of each run",
        # a JSON string: keeps the parameter order (sweep.json itself has sorted keys)
        "definition": json.dumps(spec.definition),
        "base_dir": spec.base_dir,
    }


# ------------------------------------------------------------------------------ re-analysis


def run_sweep(
    spec: SweepSpec,
    out_dir: str | Path | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
    figures: bool = True,
) -> SweepResult:
    """Run every run of a sweep not yet in its log, then write its tables and figures.

    Args:
        spec: The sweep (:func:`sim.sweep.load_sweep`).
        out_dir: Output folder (default :func:`default_out`). Runs already logged there are
            skipped; runs that failed before are retried.
        executor: Any ``concurrent.futures.Executor`` (overrides ``workers`` and ``dask``).
        workers: Worker processes (default ``min(2, CPUs)``; 1 runs serially in this
            process); with ``dask="local"``, the LocalCluster's workers.
        dask: ``"local"`` for a LocalCluster, or a scheduler address ``tcp://host:port``.
        progress: Show a progress bar (runs done, failures, ETA).
        figures: Draw figures.

    Returns:
        The result (also written to ``out_dir``).

    Raises:
        InputError: bad arguments, a Dask scheduler that cannot be reached (both before
            anything is written), or another sweep writing into ``out_dir``.
        KeyboardInterrupt: interrupted; the runs in flight were stopped and every finished
            run is in the log.
    """
    out = Path(out_dir) if out_dir is not None else default_out(spec)
    points = design_points(spec)
    tasks = plan(spec, points)
    with open_workers(workers, dask, executor) as pool, _lock(out):
        manifest = json_bytes(_manifest(spec, len(tasks)))
        if not (out / "sweep.json").is_file() or (out / "sweep.json").read_bytes() != manifest:
            atomic_write_bytes(out / "sweep.json", manifest)
        atomic_write_bytes(out / "design.csv", csv_bytes(points.reset_index()))
        log = RunLog(out / "runs.jsonl")
        done = {r["key"] for r in log.read() if r.get("status") == "ok"}
        todo = [t for t in tasks if t.key not in done]
        ran = _execute(todo, log, pool, progress, len(tasks), spec.name)
        pool.close()  # the tables and figures need no workers
        return finish(spec, out, tasks, points, log.read(), ran, figures)


def _execute(
    todo: list[Task], log: RunLog, pool: Workers, progress: bool, total: int, name: str
) -> int:
    """Run ``todo`` on ``pool``, logging each run as it finishes; the number run."""
    from tqdm import tqdm

    if not todo:
        return 0
    bar = tqdm(total=total, initial=total - len(todo), unit="run", desc=name, disable=not progress)
    failures = 0
    ran = 0

    def record(i: int, res: dict[str, Any]) -> None:
        nonlocal failures, ran
        log.append(todo[i].row(res))
        ran += 1
        if res["status"] != "ok":
            failures += 1
            bar.set_postfix(failed=failures, refresh=False)
        bar.update(1)

    def lost(i: int, exc: Exception) -> None:  # the worker died, the result did not unpickle...
        t = todo[i]
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]
        nan = {o: math.nan for o in t.outcomes}
        record(i, {"key": t.key, "status": "error", "error": error, "seconds": math.nan, **nan})

    log.open()
    try:
        pool.run(sweep_task, [(t,) for t in todo], record, lost)
    finally:
        log.close()
        bar.close()
    return ran


def analyse_folder(
    folder: str | Path, size: str | None = None, figures: bool = True
) -> SweepResult:
    """Recompute tables, sensitivity indices and figures of a sweep folder from its log.

    Args:
        folder: Output folder of a sweep (holds ``sweep.json`` and ``runs.jsonl``).
        size: Size to re-read the sweep file at (default: the one recorded).
        figures: Draw figures.

    Returns:
        The result (tables rewritten in ``folder``).

    Raises:
        InputError: not a sweep folder, or the sweep file is gone.
    """
    out = Path(folder)
    man = out / "sweep.json"
    if not man.is_file():
        raise InputError(f"{out}: not a sweep folder (no sweep.json)")
    try:
        info = json.loads(man.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{man}: not valid JSON: {exc}") from None
    try:
        spec = load_sweep(
            json.loads(info["definition"]),
            size=size or info.get("size", "full"),
            where=info["file"],
            base=info.get("base_dir") or None,
        )
    except KeyError as exc:
        raise InputError(f"{man}: missing field {exc}") from None
    points = design_points(spec)
    tasks = plan(spec, points)
    with _lock(out):
        return finish(spec, out, tasks, points, RunLog(out / "runs.jsonl").read(), 0, figures)
