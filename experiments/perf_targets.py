"""Issue 3, targets 3 and 5, measured end to end with the installed command.

    .venv/bin/python experiments/perf_targets.py            # both targets
    .venv/bin/python experiments/perf_targets.py --quick    # 100,000 residents instead of 10^6

Target 3: ``towncentre run --residents 1000000 --years 10`` in at most 5 minutes wall and
2 GiB peak resident memory, with at most 300 bytes of state per resident (ties included).
Target 5: with numba's cache warm, a 1-week run completes in under 3 s wall.
Also reports a 10-year run at 100,000 residents (target 2's end-to-end figure, <= 40 s).
Prints one line per figure; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent / "towncentre"


def timed_run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``towncentre`` child process."""
    out = tempfile.mkdtemp(prefix="tc-perf-")
    try:
        # a fresh process per measurement; ru_maxrss of RUSAGE_CHILDREN is the largest child so
        # far, so measure in a wrapper process that runs exactly one child
        code = (
            "import resource, subprocess, sys, time;"
            "t=time.perf_counter(); subprocess.run(sys.argv[1:], check=True,"
            " stdout=subprocess.DEVNULL);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        cmd = [sys.executable, "-c", code, str(BIN), *args, "--quiet", "--out", out]
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        wall, rss_kib = res.stdout.split()
        return float(wall), float(rss_kib) / 1024.0
    finally:
        shutil.rmtree(out, ignore_errors=True)


def median_run(args: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds and largest peak RSS (MiB) of ``repeat`` runs."""
    runs = [timed_run(args) for _ in range(max(repeat, 1))]
    return float(np.median([r[0] for r in runs])), max(r[1] for r in runs)


def state_bytes_per_resident(n: int) -> float:
    """Bytes of resident state (every per-resident array, ties included) per resident."""
    from sim.model import TownModel

    m = TownModel(rng=1, residents=n, years=0.1)
    m.step()
    res = m.world.res
    total = sum(v.nbytes for v in vars(res).values() if isinstance(v, np.ndarray))
    total += m._group.nbytes
    return total / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 residents for target 3")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per figure (the median is reported)"
    )
    args = ap.parse_args()
    ok = True
    big = 100_000 if args.quick else 1_000_000
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs")

    # target 5: warm the cache, then time a 1-week run
    timed_run(["run", "consumer_led", "--seed", "1", "--years", str(1 / 52)])
    wall, rss = timed_run(["run", "consumer_led", "--seed", "1", "--years", str(1 / 52)])
    print(f"target 5: 1-week run, warm cache: {wall:.2f} s wall (<= 3 s), peak {rss:.0f} MiB")
    ok &= wall <= 3.0

    calib = ["run", "consumer_led", "--seed", "1", "--drivers", "history", "--years", "17"]
    wall, rss = median_run(calib, args.repeat)
    print(f"calibration size: 18 years at 5,000 residents: {wall:.2f} s wall, peak {rss:.0f} MiB")

    wall, rss = median_run(
        ["run", "consumer_led", "--seed", "1", "--residents", "100000"], args.repeat
    )
    print(
        f"target 2: 10 years at 100,000 residents: {wall:.1f} s wall (<= 40 s), peak {rss:.0f} MiB"
    )
    ok &= wall <= 40.0

    per = state_bytes_per_resident(big)
    print(f"target 3: state per resident at {big}: {per:.0f} bytes (<= 300)")
    ok &= per <= 300
    wall, rss = median_run(
        ["run", "consumer_led", "--seed", "1", "--residents", str(big)], args.repeat
    )
    print(
        f"target 3: 10 years at {big} residents: {wall:.1f} s wall (<= 300 s), "
        f"peak {rss:.0f} MiB (<= 2048)"
    )
    ok &= wall <= 300.0 and rss <= 2048.0
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
