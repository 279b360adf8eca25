"""The comparison report for people (issue 15): a self-contained report.html rendered from
report.md, plain labels with units, the lever settings side by side, the scaling from
simulated residents to households, intervals that respect their bounds, one name per kind of
interval, no references to the repository's documents, and the tables also as Parquet."""

from __future__ import annotations

import base64
import dataclasses
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import plotting, report_html
from sim.cli import main
from sim.outcomes import BY_NAME, HEADLINE
from sim.params import spec_index
from sim.report import TABLE_FILES, compare_tables, write_compare
from sim.results import (
    BAND_NAME,
    CI_NAME,
    bootstrap_interval,
    display_unit,
    interval,
    outcome_bounds,
)
from sim.runner import CompareResult, compare
from sim.scenarios import driver_names, load_drivers, load_scenario, scenario_names

SCENARIOS = ["consumer_led", "co_produced"]
SMALL = {"seeds": 3, "base_seed": 5, "residents": 40, "years": 0.2, "town": "linear"}
#: Documents of the repository that a user of ``pip install .`` does not have.
REPO_DOCS = ("MODEL.md", "DATA.md", "EVIDENCE.md", "ARCHITECTURE.md", "PLATFORM.md", "docs/")


@pytest.fixture(scope="module")
def result() -> CompareResult:
    return compare(SCENARIOS, workers=1, progress=False, **SMALL)


@pytest.fixture(scope="module")
def written(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp")
    write_compare(out, result)
    return out


class _Page(HTMLParser):
    """Every tag and every attribute value that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.addresses: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value:
                self.addresses.append(value)
                if tag == "img" and name == "src":
                    self.images.append(value)


def _page(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def _external(page: _Page, html: str) -> list[str]:
    """Addresses that would be requested from outside the file."""
    bad = [a for a in page.addresses if not a.startswith(("data:", "#"))]
    bad += [t for t in page.tags if t in ("script", "link", "iframe", "object", "embed")]
    bad += re.findall(r"url\(\s*['\"]?(?!data:)[^)]*\)", html)  # CSS that fetches
    bad += re.findall(r"@import", html)
    return bad


# ------------------------------------------------------------------------------ report.html


def test_html_is_self_contained_and_embeds_every_figure(written):
    html = (written / "report.html").read_text(encoding="utf-8")
    page = _page(html)
    assert _external(page, html) == []
    pngs = sorted((written / "figures").glob("*.png"))
    assert len(pngs) >= 3 and len(page.images) == len(pngs)
    embedded = sorted(base64.b64decode(src.split(",", 1)[1]) for src in page.images)
    assert embedded == sorted(p.read_bytes() for p in pngs)  # every figure, byte for byte
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert "<style>" in html and "<table>" in html


def test_html_is_rendered_from_the_markdown(written):
    """One source of text: every heading of report.md is a heading of report.html."""
    md = (written / "report.md").read_text(encoding="utf-8")
    page = unescape((written / "report.html").read_text(encoding="utf-8"))
    heads = re.findall(r"^(#{1,3}) (.+)$", md, flags=re.M)
    assert len(heads) > 10
    for hashes, text in heads:
        plain = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes removed
        assert f"<h{len(hashes)}>{plain}</h{len(hashes)}>" in page, text


def test_text_from_the_inputs_cannot_add_elements_or_requests(result, tmp_path):
    evil = (
        'A <img src="https://example.org/x.png"> and <script src="http://e.org/a.js"></script>'
        " ![pic](https://example.org/p.png) [link](http://example.org) <https://example.org>"
        " | a cell | and `code`"
    )
    hostile = dataclasses.replace(
        result,
        descriptions={s: evil for s in result.scenarios},
        meta={**result.meta, "drivers": {**result.meta["drivers"], "description": evil}},
    )
    write_compare(tmp_path, hostile, figures=False)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    page = _page(html)
    assert _external(page, html) == [] and page.images == []
    assert "https://example.org/x.png" in html  # shown as text, not fetched
    assert "<a " not in html


# ------------------------------------------------------------------------------ labels, levers


def test_every_table_row_has_a_label_with_its_unit_and_the_csv_name(written):
    md = (written / "report.md").read_text(encoding="utf-8")
    html = (written / "report.html").read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows
    for o in HEADLINE:
        _, unit = display_unit(o)
        assert f"| {BY_NAME[o].label} ({unit}) |" in md, o
        assert f"<code>{o}</code>" in html, o
    # no row is headed by a bare internal name
    for line in rows:
        first = line.split("|")[1].strip()
        assert not re.fullmatch(r"`[a-z_.]+`", first), line
    assert "| Vacancy rate (share of the commercial stock empty) (percentage points) |" in md
    assert "| Public spend (GBP over the run) |" in md


def test_lever_table_shows_the_settings_that_differ(written, result):
    md = (written / "report.md").read_text(encoding="utf-8")
    section = md.split("## Lever settings", 1)[1].split("\n## ", 1)[0]
    rows = {line.rsplit("|", 2)[-2].strip(): line for line in section.splitlines()
            if line.startswith("| ") and line.rstrip().endswith("` |")}  # fmt: skip
    chosen = set(result.levers["co_produced"]) | set(result.levers["consumer_led"])
    assert {k.strip("`") for k in rows} - {"[programme]"} == chosen
    assert "council.allocation" in chosen and "council.empty_rates" not in chosen
    idx = spec_index()
    alloc = idx["council"]["allocation"]
    cells = [c.strip() for c in rows["`council.allocation`"].split("|")[1:-1]]
    assert cells == [f"{alloc.label} ({alloc.unit})", "1,500", "1,500", "21,500",
                     "`council.allocation`"]  # fmt: skip
    meanwhile = [c.strip() for c in rows["`landlords.meanwhile`"].split("|")[1:-1]]
    assert meanwhile[1:4] == ["no", "no", "yes"]  # default, consumer_led, co_produced
    assert "| lever (unit) | market default | consumer_led | co_produced | parameter |" in md


def test_report_states_how_residents_scale_to_households(written, result):
    md = (written / "report.md").read_text(encoding="utf-8")
    h = result.meta["town"]["households"]
    r = result.meta["residents"]
    assert r == 40
    assert f"each simulated resident stands for {h:,.0f} / {r:,} = {h / r:,.3g} households" in md
    assert "multiplied by that number" in md
    for o in ("footfall", "visits", "spend", "revenue", "volunteer_hours"):
        assert BY_NAME[o].label.lower() in md


# ------------------------------------------------------------------------------ intervals


RATES_AT_ZERO = [
    [0.0, 0.0, 0.0, 0.0, 0.02],
    [0.0, 0.0, 0.01],
    [0.0, 0.0],
    [1.0, 1.0, 1.0, 0.97],
    [0.0, 1.0],
    [0.0] * 6,
]


@pytest.mark.parametrize("values", RATES_AT_ZERO)
def test_bootstrap_interval_of_a_rate_stays_within_0_and_1(values):
    m, lo, hi = bootstrap_interval(values, outcome_bounds("vacancy_rate"))
    assert 0.0 <= lo <= m <= hi <= 1.0
    assert min(values) <= lo and hi <= max(values)
    d = np.asarray(values) - np.asarray(values)[::-1]
    m, lo, hi = bootstrap_interval(d, outcome_bounds("vacancy_rate", difference=True))
    assert -1.0 <= lo <= hi <= 1.0


def test_the_t_interval_would_leave_the_bounds_and_the_bootstrap_does_not():
    values = [0.0, 0.0, 0.0, 0.0, 0.02]
    assert interval(values)[1] < 0.0  # what the report used to print: a rate below zero
    assert bootstrap_interval(values, (0.0, 1.0))[1] >= 0.0


def test_bootstrap_interval_is_reproducible_and_degenerate_cases_are_plain():
    x = [0.1, 0.4, 0.2, 0.35, 0.3, 0.25]
    assert bootstrap_interval(x) == bootstrap_interval(list(x))
    m, lo, hi = bootstrap_interval(x)
    assert lo < m < hi and m == pytest.approx(np.mean(x))
    assert bootstrap_interval([0.3]) == (0.3, 0.3, 0.3)
    assert bootstrap_interval([0.0, 0.0]) == (0.0, 0.0, 0.0)
    assert all(np.isnan(v) for v in bootstrap_interval([]))
    assert outcome_bounds("vacancy_rate", difference=True) == (-1.0, 1.0)
    assert outcome_bounds("footfall") == (0.0, None)
    assert outcome_bounds("footfall", difference=True) == (None, None)


def _runs(values: dict[str, list[float]]) -> CompareResult:
    rows = [
        {"scenario": s, "seed_index": k, "seed": k, "vacancy_rate": v, "footfall": 100.0 * v}
        for s, vs in values.items()
        for k, v in enumerate(vs)
    ]
    return CompareResult(
        scenarios=list(values), descriptions={}, files={}, seeds=[0, 1, 2, 3], base_seed=0,
        steps=pd.DataFrame(), runs=pd.DataFrame(rows),
    )  # fmt: skip


def test_compare_tables_keep_rates_and_their_differences_in_bounds():
    res = _runs({"consumer_led": [0.0, 0.0, 0.0, 0.03], "other": [1.0, 1.0, 0.96, 1.0]})
    table, paired = compare_tables(res)
    rate = table[table["outcome"] == "vacancy_rate"]
    assert (rate["lo"] >= 0.0).all() and (rate["hi"] <= 1.0).all()
    assert (table.loc[table["outcome"] == "footfall", "lo"] >= 0.0).all()
    d = paired[paired["outcome"] == "vacancy_rate"].iloc[0]
    assert -1.0 <= d["lo"] <= d["mean"] <= d["hi"] <= 1.0


def test_one_name_per_kind_of_interval(written, monkeypatch, result, tmp_path):
    md = (written / "report.md").read_text(encoding="utf-8")
    assert CI_NAME in md and BAND_NAME in md
    rest = md.replace(CI_NAME, "").replace(BAND_NAME, "").replace("Fieller's 95% confidence", "")
    assert "95%" not in rest, [line for line in rest.splitlines() if "95%" in line]
    # the figures' titles use the same two names
    titles: list[str] = []
    save = plotting._save

    def keep(fig, path):
        titles.append(fig._suptitle.get_text() if fig._suptitle else "")
        return save(fig, path)

    monkeypatch.setattr(plotting, "_save", keep)
    write_compare(tmp_path, result)
    assert titles and all("95%" in t for t in titles)
    for t in titles:
        assert (CI_NAME in t) != (BAND_NAME in t), t
        assert "95%" not in t.replace(CI_NAME, "").replace(BAND_NAME, ""), t


# ------------------------------------------------------------------------------ no repo docs


def test_report_cites_no_documents_users_do_not_have(tmp_path):
    res = compare(
        list(scenario_names()), seeds=1, residents=30, years=0.05, town="linear",
        workers=1, progress=False,
    )  # fmt: skip
    write_compare(tmp_path, res, figures=False)
    for name in ("report.md", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert not [d for d in REPO_DOCS if d in text], name


def test_bundled_descriptions_cite_no_repository_documents():
    texts = [load_scenario(n).description for n in scenario_names()]
    texts += [load_drivers(n).description for n in driver_names()]
    assert len(texts) >= 8
    for text in texts:
        assert not [d for d in REPO_DOCS if d in text], text


# ------------------------------------------------------------------------------ Parquet, writes


def test_parquet_tables_read_back_equal_to_the_csvs(written):
    for stem in TABLE_FILES:
        csv = written / (f"{stem}.csv.gz" if stem == "timeseries" else f"{stem}.csv")
        a = pd.read_csv(csv)
        b = pd.read_parquet(written / f"{stem}.parquet")
        assert list(a.columns) == list(b.columns), stem
        assert len(a) == len(b), stem
        if len(a):
            pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=0), stem


def test_outputs_are_byte_reproducible(result, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_compare(a, result, figures=False)
    write_compare(b, result, figures=False)
    names = sorted(p.name for p in a.iterdir())
    assert "report.html" in names and "comparison.parquet" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_failure_while_rendering_html_leaves_nothing(result, tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "report.md").write_text("old report")

    def boom(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(report_html, "render", boom)
    with pytest.raises(RuntimeError):
        write_compare(out, result, figures=False)
    assert sorted(p.name for p in out.iterdir()) == ["report.md"]
    assert (out / "report.md").read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]


def test_compare_command_writes_the_html_report_and_parquet(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "consumer_led", "--seeds", "2", "--residents", "30", "--years", "0.05"]
    assert main([*args, "--town", "linear", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    for stem in TABLE_FILES:
        assert (out / f"{stem}.parquet").is_file(), stem
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>Governance scenario comparison</h1>" in html
    assert _external(_page(html), html) == []
