"""Run results as files: per-run summaries, intervals, and atomic, byte-stable writers.

A run's per-step table (one row per week, week 0 = the initial state) comes from the model's
DataCollector. This module turns it into

* a summary (:func:`summarise`): each outcome's mean over the final 52 weeks,
* files (:func:`write_run`): ``steps.csv`` and ``summary.json``, and
* confidence intervals of a mean over replicates: :func:`bootstrap_interval` (a percentile
  bootstrap that never leaves an outcome's bounds; the comparison report's) and
  :func:`interval` (a t-interval; the sweep report's).

Files are written atomically (a temporary file in the same directory, then ``os.replace``),
so an interrupted run never leaves a half-written file behind, and byte for byte
deterministically (fixed float format, sorted JSON keys, no timestamps), so the same seed
gives identical files.

This module depends on numpy, pandas and scipy (and on :mod:`sim.streams` for the bootstrap's
draws), never on :mod:`sim.model` or Mesa.
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

from sim.outcomes import BY_NAME, TIME_COLUMNS
from sim.streams import stream

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

    The t-interval ignores an outcome's bounds (a rate's interval can dip below 0); the
    comparison report uses :func:`bootstrap_interval` instead.

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


#: What the interval of :func:`bootstrap_interval` is called in every table, report, figure
#: and column description of a comparison (never just "95%": see :data:`BAND_NAME`).
CI_NAME: str = "95% confidence interval of the mean"
#: What the figures' band over runs is called: each week, the 2.5th to 97.5th percentile of
#: the runs' values (:data:`BAND_QUANTILES`); it shows the spread of runs, not the
#: uncertainty of a mean.
BAND_NAME: str = "middle 95% of runs"
#: Quantiles of the runs that bound :data:`BAND_NAME`.
BAND_QUANTILES: tuple[float, float] = (0.025, 0.975)
#: Resamples of :func:`bootstrap_interval`.
BOOTSTRAP_RESAMPLES: int = 9999
#: Seed of the bootstrap's stream (``bootstrap``): fixed, so the same runs give the same
#: intervals, byte for byte, whichever comparison they came from.
BOOTSTRAP_SEED: int = 0


#: ``(lo, hi)`` an outcome's values cannot leave; None is unbounded on that side.
Bounds = tuple[float | None, float | None]


def outcome_bounds(name: str, difference: bool = False) -> Bounds:
    """Smallest and largest possible value of an outcome (:mod:`sim.outcomes`), or of the
    difference of two runs' values: a rate in [0, 1] differs by [-1, 1], a count bounded
    only below (>= 0) by any amount. ``None`` is unbounded; an unknown name is unbounded."""
    o = BY_NAME.get(name)
    lo, hi = (o.lo, o.hi) if o is not None else (None, None)
    if not difference:
        return lo, hi
    if lo is None or hi is None:
        return None, None
    return lo - hi, hi - lo


def display_unit(name: str, difference: bool = False) -> tuple[float, str]:
    """How an outcome's values are shown in reports and figures: ``(scale, unit)``.

    Shares and rates (:attr:`~sim.outcomes.Outcome.percent`) are shown as percentages
    (scale 100, unit "%"; a difference in "percentage points"); every other outcome in its
    own unit (scale 1). Tables and CSV files keep the unscaled values.
    """
    o = BY_NAME.get(name)
    if o is None:
        return 1.0, ""
    if o.percent:
        return 100.0, "percentage points" if difference else "%"
    return 1.0, o.unit


def bootstrap_interval(
    values: Iterable[float], bounds: Bounds = (None, None), level: float = 0.95
) -> tuple[float, float, float]:
    """Mean of independent replicates with a percentile-bootstrap confidence interval.

    The interval is the central ``level`` share of the means of :data:`BOOTSTRAP_RESAMPLES`
    resamples (with replacement) of the values (``scipy.stats.bootstrap``, method
    ``percentile``), drawn from the named stream ``bootstrap`` with the fixed
    :data:`BOOTSTRAP_SEED`, so the same values always give the same interval. Every
    resample's mean lies between the smallest and the largest value, so the interval never
    leaves the range of the values, nor therefore any bound the values respect (a rate's
    interval stays in [0, 1], a count's above 0, and a difference of rates in [-1, 1]);
    ``bounds`` clips the ends against rounding. With few replicates the interval is too
    narrow (with 2 it is at most the range of the two values): treat intervals from fewer
    than 10 replicates as rough.

    Args:
        values: One value per replicate (e.g. per seed, or a paired difference per seed).
        bounds: ``(lo, hi)`` the values cannot leave (None: unbounded on that side), e.g.
            :func:`outcome_bounds`.
        level: Confidence level (default 0.95).

    Returns:
        ``(mean, lo, hi)``. With one value, or values all equal, ``lo == hi == mean``; with
        none, all NaN; with a value that is not finite, ``lo`` and ``hi`` NaN.
    """
    x = np.asarray(list(values), dtype=np.float64)
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if not np.isfinite(x).all():
        return mean, math.nan, math.nan  # a run without a value: no interval
    if n == 1 or np.all(x == x[0]):
        return mean, mean, mean  # nothing to resample
    from scipy import stats  # lazy: importing scipy.stats costs ~1 s at start-up

    res = stats.bootstrap(
        (x,),
        np.mean,
        n_resamples=BOOTSTRAP_RESAMPLES,
        batch=max(1, 2_000_000 // n),  # at most 2 million values (16 MB) per batch
        vectorized=True,
        confidence_level=level,
        method="percentile",
        rng=stream(BOOTSTRAP_SEED, "bootstrap"),
    )
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    b_lo = -math.inf if bounds[0] is None else bounds[0]
    b_hi = math.inf if bounds[1] is None else bounds[1]
    return mean, min(max(lo, b_lo), b_hi), min(max(hi, b_lo), b_hi)


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
