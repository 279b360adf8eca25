"""Soak benchmark (issue 6): a 50-year run at 100,000 residents without memory growth or drift.

Run on purpose only (the normal suite runs with ``--benchmark-skip``)::

    .venv/bin/python -m pytest tests/benchmarks/test_soak.py --benchmark-only -s

It measures the process's resident memory (current RSS from ``/proc/self/statm`` each year,
peak RSS from ``getrusage``) and the largest stock-flow identity residual of every week.
Pass: the peak RSS at the end exceeds the peak after the first year by at most
``RSS_SLACK_MB`` (the DataCollector's rows grow by ~24 kB a year: 57 floats a week), and the
largest relative identity residual over the whole run stays below 1e-9 (no drift). The
figures are printed and recorded in ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import os
import resource
import time

import numpy as np
import pytest

from sim.model import TownModel

RESIDENTS = 100_000
YEARS = 50
RSS_SLACK_MB = 16.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_soak_50_years_100k_residents(benchmark):
    fig: dict[str, object] = {}

    def soak() -> None:
        t0 = time.perf_counter()
        m = TownModel(
            scenario="co_produced",
            drivers="recession",
            residents=RESIDENTS,
            years=YEARS,
            rng=2026,
        )
        burn = m.burn_in
        resid, rss = [], []
        peak_year1 = None
        while not m.finished:
            m.step()
            resid.append(m.outcomes["identity_residual"])
            if (m.week - burn) % 52 == 0 and m.week > burn:
                rss.append(_rss_mb())
                if peak_year1 is None:
                    peak_year1 = _peak_mb()
        fig.update(
            residents=RESIDENTS,
            years=YEARS,
            weeks=m.n_weeks,
            seconds=round(time.perf_counter() - t0, 1),
            peak_rss_year1_mb=round(peak_year1, 1),
            peak_rss_end_mb=round(_peak_mb(), 1),
            rss_year1_mb=round(rss[0], 1),
            rss_end_mb=round(rss[-1], 1),
            rss_max_after_year1_mb=round(max(rss), 1),
            max_identity_residual=float(np.max(resid)),
            identity_residual_last_year=float(np.max(resid[-52:])),
            final_vacancy_rate=m.outcomes["vacancy_rate"],
        )

    benchmark.pedantic(soak, rounds=1, iterations=1)
    print("\nSOAK " + json.dumps(fig))
    assert fig["weeks"] == 52 + YEARS * 52
    assert fig["peak_rss_end_mb"] - fig["peak_rss_year1_mb"] <= RSS_SLACK_MB, fig
    assert fig["rss_max_after_year1_mb"] - fig["rss_year1_mb"] <= RSS_SLACK_MB, fig
    assert fig["max_identity_residual"] < 1e-9, fig
