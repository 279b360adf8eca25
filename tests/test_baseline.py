"""The regression baseline (tests/baseline/): four short runs rerun and compared.

Each ``tests/baseline/<case>.json`` holds one run's definition (scenario, drivers, town, seed,
residents, years), its number of weeks and every outcome's final-year mean. Tolerances
(``experiments/update_baseline.py``): counts (units, units a week, use categories, weeks)
exactly; every other outcome within a relative 1e-9 (absolute 1e-12 near zero). A failure
lists what moved and by how much. If the change is meant, regenerate with
``.venv/bin/python experiments/update_baseline.py`` and say why in CHANGELOG.md.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "update_baseline", ROOT / "experiments" / "update_baseline.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ub = _load_script()


def test_baseline_files_are_the_scripts_cases():
    files = sorted(p.stem for p in ub.BASELINE_DIR.glob("*.json"))
    assert files == sorted(ub.CASES), "run experiments/update_baseline.py"
    for name, case in ub.CASES.items():
        assert json.loads(ub.baseline_path(name).read_text())["run"] == case, name


@pytest.mark.parametrize("name", list(ub.CASES))
def test_run_matches_baseline(name):
    old = json.loads(ub.baseline_path(name).read_text())
    new = ub.run_case(old["run"])
    diff = ub.differences(old, new)
    if diff:
        pytest.fail(
            f"{name} moved from tests/baseline/{name}.json:\n  "
            + "\n  ".join(diff)
            + "\nIf this is meant: .venv/bin/python experiments/update_baseline.py, "
            "and say why in CHANGELOG.md",
            pytrace=False,
        )


# ---------------------------------------------------------------------- the comparison itself


def _record(**outcomes):
    run = {"scenario": "consumer_led", "seed": 1}
    return {"run": run, "weeks": 100, "outcomes": {"vacancy_rate": 0.1, "vacant": 30.0, **outcomes}}


def test_differences_tolerances():
    base = _record()
    assert ub.differences(base, _record()) == []
    # a float within the relative tolerance passes, beyond it fails with the change
    assert ub.differences(base, _record(vacancy_rate=0.1 * (1 + 1e-12))) == []
    moved = ub.differences(base, _record(vacancy_rate=0.11))
    assert len(moved) == 1 and moved[0].startswith("vacancy_rate: 0.1 -> 0.11")
    assert "+10%" in moved[0] and "rel 1e-09" in moved[0]
    # a count must match exactly
    moved = ub.differences(base, _record(vacant=30.0 + 1e-12))
    assert len(moved) == 1 and "vacant" in moved[0] and "exact" in moved[0]
    # weeks, outcomes gone or new, and the run definition are reported
    other = _record(new_outcome=1.0)
    del other["outcomes"]["vacant"]
    other["weeks"] = 99
    other["run"] = {"scenario": "co_produced", "seed": 1}
    lines = ub.differences(base, other)
    assert any(s.startswith("run definition") for s in lines)
    assert any(s.startswith("weeks: 100 -> 99") for s in lines)
    assert "vacant: 30.0 -> (gone)" in lines
    assert "new_outcome: (new) -> 1.0" in lines
