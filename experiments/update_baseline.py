"""Regenerate the committed regression baseline in ``tests/baseline/`` (on purpose only).

    .venv/bin/python experiments/update_baseline.py             # rerun, print changes, write
    .venv/bin/python experiments/update_baseline.py --dry-run   # rerun and print changes only

The baseline holds, for each of the short runs in :data:`CASES` (different scenarios, drivers
and towns), the final-year mean of every outcome (``summary.json``'s ``outcomes``) and the
number of weeks. ``tests/test_baseline.py`` reruns them and fails, with the differences, when
an outcome moves beyond :func:`differences`' tolerances: counts (units, units a week, use
categories, weeks) must match exactly, every other outcome within a relative 1e-9 (absolute
1e-12 near zero). Regenerate only when a change is meant to alter the model's output, and say
why in CHANGELOG.md; the printed table of what moved, and by how much, goes in the review.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.outcomes import BY_NAME  # noqa: E402
from sim.results import atomic_write_bytes, json_bytes, summarise  # noqa: E402
from sim.runner import run_one  # noqa: E402

#: Folder of the baseline files, one ``<case>.json`` each.
BASELINE_DIR: Path = ROOT / "tests" / "baseline"

#: The runs: scenario, drivers and town (None: the example town) vary; 2,000 residents and a
#: few years each, so that all four take seconds once the kernels are compiled. The pandemic
#: run is five years from its 2015 start, so that its final year is the 2020 shock.
CASES: dict[str, dict[str, Any]] = {
    "consumer_led_baseline": {
        "scenario": "consumer_led",
        "drivers": "baseline",
        "town": None,
        "seed": 101,
        "residents": 2000,
        "years": 3.0,
    },
    "co_produced_pandemic": {
        "scenario": "co_produced",
        "drivers": "pandemic",
        "town": None,
        "seed": 102,
        "residents": 2000,
        "years": 5.0,
    },
    "town_team_grid_high_online": {
        "scenario": "town_team",
        "drivers": "high_online",
        "town": "grid",
        "seed": 103,
        "residents": 2000,
        "years": 3.0,
    },
    "council_led_recession": {
        "scenario": "council_led",
        "drivers": "recession",
        "town": None,
        "seed": 104,
        "residents": 2000,
        "years": 2.0,
    },
}

#: Units of outcomes that count whole things (their final-year means must match exactly).
COUNT_UNITS: frozenset[str] = frozenset({"units", "units/week", "categories"})
#: Relative tolerance of every other outcome (and the absolute one for values near zero).
REL_TOL: float = 1e-9
ABS_TOL: float = 1e-12


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Run one case; return its baseline record (the case, the weeks and the outcomes).

    Args:
        case: One of :data:`CASES`.

    Returns:
        ``{"run": case, "weeks": rows of the per-step table, "outcomes": final-year means}``.
    """
    df, _ = run_one(
        case["scenario"],
        case["drivers"],
        case["town"],
        seed=case["seed"],
        residents=case["residents"],
        years=case["years"],
    )
    return {"run": dict(case), "weeks": len(df), "outcomes": summarise(df)}


def is_count(name: str) -> bool:
    """Whether an outcome counts whole things (compared exactly); ``weeks`` is one."""
    return name == "weeks" or (name in BY_NAME and BY_NAME[name].unit in COUNT_UNITS)


def _close(name: str, old: float, new: float) -> bool:
    if is_count(name):
        return old == new
    if math.isnan(old) or math.isnan(new):
        return math.isnan(old) and math.isnan(new)
    return math.isclose(old, new, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What moved between two records of one case, one line each (empty: nothing moved).

    Counts must match exactly; other outcomes within ``REL_TOL`` (``ABS_TOL`` near zero).
    Outcomes present in only one record and a changed run definition are listed too.
    """
    out = []
    if old.get("run") != new.get("run"):
        out.append(f"run definition: {old.get('run')} -> {new.get('run')}")
    a = {"weeks": old.get("weeks"), **old.get("outcomes", {})}
    b = {"weeks": new.get("weeks"), **new.get("outcomes", {})}
    for name in [*a, *(k for k in b if k not in a)]:
        if name not in b:
            out.append(f"{name}: {a[name]!r} -> (gone)")
        elif name not in a:
            out.append(f"{name}: (new) -> {b[name]!r}")
        elif not _close(name, float(a[name]), float(b[name])):
            x, y = float(a[name]), float(b[name])
            rel = f", {100 * (y - x) / abs(x):+.4g}%" if x else ""
            rule = "exact" if is_count(name) else f"rel {REL_TOL:g}"
            out.append(f"{name}: {x:.10g} -> {y:.10g} (change {y - x:+.6g}{rel}; {rule})")
    return out


def baseline_path(name: str) -> Path:
    """The baseline file of case ``name``."""
    return BASELINE_DIR / f"{name}.json"


def main(argv: list[str] | None = None) -> int:
    """Rerun every case, print what moved, and write the files (unless ``--dry-run``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    args = p.parse_args(argv)
    changed = 0
    for name, case in CASES.items():
        path = baseline_path(name)
        new = run_case(case)
        old = json.loads(path.read_text()) if path.is_file() else {}
        diff = differences(old, new) if old else ["(new case)"]
        changed += bool(diff)
        print(f"{name}: " + ("unchanged" if not diff else f"{len(diff)} changes"))
        for line in diff:
            print(f"  {line}")
        if diff and not args.dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, json_bytes(new))
    stale = sorted(set(q.stem for q in BASELINE_DIR.glob("*.json")) - set(CASES))
    for name in stale:
        print(f"{name}: no longer a case" + ("" if args.dry_run else "; removed"))
        if not args.dry_run:
            baseline_path(name).unlink()
    n = changed + len(stale)
    if n:
        verb = "would change" if args.dry_run else "changed"
        print(f"{n} baseline files {verb}: say why in CHANGELOG.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
