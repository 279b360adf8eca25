"""docs/model.md cannot silently drift from the code (issue 7: the ODD description).

Checks that every declared parameter and every collected outcome is documented, that the
ODD sections (Grimm et al. 2006, 2020) come in order, that the numbered departures from
MODEL.md are all kept, and that the generated tables (parameters, categories, scenario levers,
drivers) equal the output of ``experiments/param_table.py``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from sim.model import OUTCOMES
from sim.params import specs
from sim.scenarios import driver_names, scenario_names

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "model.md"
REGENERATE = ".venv/bin/python experiments/param_table.py --write docs/model.md"

#: Level-2 headings of docs/model.md, in order (ODD 2020 elements, then the project's parts).
SECTIONS = (
    "1 Purpose and patterns",
    "2 Entities, state variables and scales",
    "3 Process overview and scheduling",
    "4 Design concepts",
    "5 Initialization",
    "6 Input data",
    "7 Submodels",
    "Departures from MODEL.md",
    "Known limitations",
    "Appendix A: Parameters",
)

#: The ODD 2020 design concepts, in order (level-3 headings of section 4).
DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)

#: One subsection of section 7 per rule, in order (level-3 headings start with these words).
SUBMODELS = (
    "Trips",
    "Visits and spending",
    "Ties",
    "Engagement",
    "Occupiers",
    "Landlords",
    "Entrants",
    "Council",
    "Town Team",
    "Drivers",
    "Metrics and observation",
    "Stock-flow ledger",
)

#: Departures recorded before issue 7; every one must stay in the list.
MIN_DEPARTURES = 15


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _headings(text: str, level: int) -> list[tuple[int, str]]:
    """(offset, title) of every heading of exactly ``level`` outside fenced code blocks."""
    out = []
    fenced = False
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(rf"#{{{level}}} \S", line):
            out.append((offset, line[level + 1 :].strip()))
        offset += len(line)
    return out


def _section(text: str, title: str) -> str:
    """Text of the level-2 section ``title`` (up to the next level-2 heading)."""
    heads = _headings(text, 2)
    for k, (start, t) in enumerate(heads):
        if t == title:
            end = heads[k + 1][0] if k + 1 < len(heads) else len(text)
            return text[start:end]
    raise AssertionError(f"docs/model.md has no section '## {title}'")


def _in_order(found: list[str], wanted: tuple[str, ...], where: str, prefix: bool) -> None:
    pos = []
    for w in wanted:
        hits = [i for i, t in enumerate(found) if (t.split(" ", 1)[-1] if prefix else t) == w]
        if prefix and not hits:  # "7.1 Trips (`sim/rules/trips.py`)": number, then title
            hits = [
                i
                for i, t in enumerate(found)
                if re.match(rf"^\d+(\.\d+)*\s+{re.escape(w)}(\s|$)", t)
            ]
        assert hits, f"{where}: missing heading for '{w}' (found: {found})"
        pos.append(hits[0])
    assert pos == sorted(pos), f"{where}: headings out of order: {[found[p] for p in pos]}"


def test_odd_sections_in_order(doc: str) -> None:
    titles = [t for _, t in _headings(doc, 2)]
    _in_order(titles, SECTIONS, "docs/model.md level-2 headings", prefix=False)


def test_design_concepts_in_order(doc: str) -> None:
    titles = [t for _, t in _headings(_section(doc, "4 Design concepts"), 3)]
    _in_order(titles, DESIGN_CONCEPTS, "section 4", prefix=True)


def test_one_submodel_per_rule_in_order(doc: str) -> None:
    titles = [t for _, t in _headings(_section(doc, "7 Submodels"), 3)]
    _in_order(titles, SUBMODELS, "section 7", prefix=True)


def test_every_parameter_is_documented(doc: str) -> None:
    missing = [s.key for s in specs() if not re.search(rf"`{re.escape(s.key)}`", doc)]
    assert not missing, f"parameters not documented in docs/model.md: {missing}; {REGENERATE}"


def test_every_parameter_appears_in_the_text_as_well(doc: str) -> None:
    """Beyond the generated appendix, each parameter's name is used in the description."""
    body = doc.split("## Appendix A: Parameters", 1)[0]
    missing = [
        s.key
        for s in specs()
        if not re.search(rf"`({re.escape(s.key)}|{re.escape(s.name)})`", body)
    ]
    assert not missing, f"parameters only in the appendix, not described: {missing}"


def test_every_outcome_has_a_definition(doc: str) -> None:
    section = _section(doc, "7 Submodels")
    rows = {m.group(1) for m in re.finditer(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)}
    missing = [o for o in OUTCOMES if o not in rows]
    assert not missing, f"outcomes without a row in the outcomes table (7.11): {missing}"


def test_every_scenario_and_driver_is_documented(doc: str) -> None:
    missing = [f"scenarios/{n}" for n in scenario_names() if f"`{n}`" not in doc]
    missing += [f"drivers/{n}" for n in driver_names() if f"`{n}`" not in doc]
    assert not missing, f"not documented in docs/model.md: {missing}; {REGENERATE}"


def test_departures_are_kept_and_numbered(doc: str) -> None:
    section = _section(doc, "Departures from MODEL.md")
    numbers = [int(m.group(1)) for m in re.finditer(r"^(\d+)\. \*\*", section, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)), f"departures misnumbered: {numbers}"
    assert len(numbers) >= MIN_DEPARTURES, f"only {len(numbers)} departures; keep all of them"
    items = re.split(r"^\d+\. ", section, flags=re.MULTILINE)[1:]
    no_reason = [k + 1 for k, item in enumerate(items[:MIN_DEPARTURES]) if "Reason" not in item]
    assert not no_reason, f"departures without a reason: {no_reason}"


def test_calibration_pointer(doc: str) -> None:
    assert "Calibration: see docs/calibration.md" in doc


def _param_table_module():
    path = ROOT / "experiments" / "param_table.py"
    spec = importlib.util.spec_from_file_location("param_table", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    "name", ["param_table", "category_table", "scenario_table", "driver_table"]
)
def test_generated_tables_match_the_code(doc: str, name: str) -> None:
    mod = _param_table_module()
    assert mod.extract(doc, name) == mod.TABLES[name](), (
        f"docs/model.md: the {name} is out of date; run {REGENERATE}"
    )


def test_param_table_write_replaces_only_between_markers(tmp_path: Path) -> None:
    mod = _param_table_module()
    f = tmp_path / "doc.md"
    start, end = mod.markers("driver_table")
    f.write_text(f"before\n{start}\nstale\n{end}\nafter\n", encoding="utf-8")
    assert mod.main(["driver_table", "--write", str(f)]) == 0
    text = f.read_text(encoding="utf-8")
    assert text.startswith(f"before\n{start}\n") and text.endswith(f"{end}\nafter\n")
    assert "stale" not in text and mod.extract(text, "driver_table") == mod.driver_table()
    g = tmp_path / "nomarkers.md"
    g.write_text("no markers\n", encoding="utf-8")
    assert mod.main(["--write", str(g)]) == 2
    assert g.read_text(encoding="utf-8") == "no markers\n"
