"""Run results as files: per-run summaries, intervals, and atomic, byte-stable writers.

A run's per-step table (one row per week, week 0 = the initial state) comes from the model's
DataCollector. This module turns it into

* a summary (:func:`summarise`): each outcome's mean over the final 52 weeks,
* files (:func:`write_run`): ``steps.csv`` and ``summary.json``, and
* confidence intervals over replicates (:func:`interval`).

Files are written atomically (a temporary file in the same directory, then ``os.replace``),
so an interrupted run never leaves a half-written file behind, and byte for byte
deterministically (fixed float format, sorted JSON keys, no timestamps), so the same seed
gives identical files.

This module depends on numpy, pandas and scipy only (never on :mod:`sim.model` or Mesa).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.outcomes import TIME_COLUMNS

#: Weeks averaged by :func:`summarise` (the final year).
SUMMARY_WEEKS: int = 52

#: Float format of every CSV written here (10 significant digits: stable and round-trippable
#: well beyond the model's precision).
FLOAT_FORMAT: str = "%.10g"


def outcome_columns(df: pd.DataFrame) -> list[str]:
    """Outcome columns of a per-step table, in table order (time columns left out).

    Args:
        df: Per-step table (one row per week).

    Returns:
        Column names other than ``week``, ``year`` and ``policy``.
    """
    return [str(c) for c in df.columns if c not in TIME_COLUMNS]


def summarise(df: pd.DataFrame, weeks: int = SUMMARY_WEEKS) -> dict[str, float]:
    """Each outcome's mean over the final ``weeks`` rows (all rows if there are fewer).

    Args:
        df: Per-step table of one run (one row per week, in time order).
        weeks: Number of final rows averaged (default 52, the final year).

    Returns:
        ``{outcome: mean}`` for every column except ``week``, ``year`` and ``policy``, in
        table order.
    """
    tail = df.iloc[-weeks:] if len(df) > weeks else df
    return {c: float(tail[c].astype(np.float64).mean()) for c in outcome_columns(df)}


def interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean of independent replicates.

    Args:
        values: One value per replicate (e.g. per seed).
        level: Confidence level (default 0.95).

    Returns:
        ``(mean, lo, hi)``. With one value, ``lo == hi == mean``; with none, all NaN.
    """
    from scipy import stats  # lazy: importing scipy.stats costs ~1 s at start-up

    x = np.asarray(list(values), dtype=np.float64)
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return mean, mean, mean
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


# ------------------------------------------------------------------------------ atomic files


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and ``os.replace``.

    The file gets the mode of any file the user creates (0644 under the usual umask 022),
    not the private 0600 of :func:`tempfile.mkstemp`.

    Args:
        path: Destination; its directory must exist.
        data: The complete file contents.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # the umask applies, as to any new file
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_outputs(out_dir: str | Path, written: list[str] | None = None) -> Iterator[Path]:
    """Build outputs in a temporary sibling folder, then move them into ``out_dir``.

    Yields the temporary folder; when the block ends without error, every file in it is
    moved into ``out_dir`` with ``os.replace`` (atomic per file), keeping sub-folders. A failed
    or interrupted block leaves ``out_dir`` as it was: no half-written file, no file already
    there deleted. The relative paths moved are appended to ``written`` if given.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
        out.mkdir(parents=True, exist_ok=True)
        for src in sorted(tmp.rglob("*")):
            if src.is_dir():
                continue
            rel = src.relative_to(tmp)
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, out / rel)
            if written is not None:
                written.append(str(rel))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as CSV bytes with the fixed float format and no index.

    Args:
        df: Any table.

    Returns:
        UTF-8 CSV with ``\\n`` line endings.
    """
    return df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n").encode()


def json_bytes(obj: Mapping[str, Any]) -> bytes:
    """A mapping as stable JSON bytes (sorted keys, indent 2, trailing newline).

    Args:
        obj: JSON-serialisable mapping (numpy scalars and paths are converted).

    Returns:
        UTF-8 JSON.
    """
    return (json.dumps(_plain(obj), sort_keys=True, indent=2, allow_nan=True) + "\n").encode()


def _plain(x: Any) -> Any:
    """Convert numpy scalars, arrays, tuples and paths to JSON-ready Python values."""
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, Path):
        return str(x)
    return x


def run_summary(df: pd.DataFrame, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The ``summary.json`` contents: run metadata plus the summary outcomes.

    Args:
        df: Per-step table of the run.
        meta: Run metadata (seed, scenario, drivers, town, version, residents, years,
            parameters, ...); must not contain wall-clock times.

    Returns:
        ``meta`` with ``outcomes`` (:func:`summarise`) and ``summary_weeks`` added.
    """
    out = dict(meta)
    out["summary_weeks"] = min(SUMMARY_WEEKS, len(df))
    out["outcomes"] = summarise(df)
    return out


def write_run(out_dir: str | Path, df: pd.DataFrame, summary_meta: Mapping[str, Any]) -> dict:
    """Write ``steps.csv`` and ``summary.json`` of one run into ``out_dir``, atomically.

    Args:
        out_dir: Output directory (created if missing; other files in it are left alone).
        df: Per-step table of the run.
        summary_meta: Run metadata for the summary (see :func:`run_summary`).

    Returns:
        The summary written to ``summary.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = run_summary(df, summary_meta)
    steps = csv_bytes(df)
    text = json_bytes(summary)
    atomic_write_bytes(out / "steps.csv", steps)
    atomic_write_bytes(out / "summary.json", text)
    return summary
