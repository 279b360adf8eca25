"""The ``towncentre`` command line: reproducible runs, listings and one-line errors on bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import cli
from sim.town import EXAMPLE_TOWN

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--years", "0.5", "--residents", "300", "--quiet"]


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, as the README does."""
    monkeypatch.chdir(ROOT)
    return ROOT


def _run(tmp_path: Path, seed: int, name: str) -> Path:
    out = tmp_path / name
    rc = cli.main(
        ["run", "scenarios/consumer_led.toml", "--seed", str(seed), *TINY, "--out", str(out)]
    )
    assert rc == 0
    return out


def test_same_seed_gives_byte_identical_files(in_root, tmp_path, capsys):
    a = _run(tmp_path, 1, "A")
    b = _run(tmp_path, 1, "B")
    c = _run(tmp_path, 2, "C")
    for name in ("steps.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "steps.csv").read_bytes() != (c / "steps.csv").read_bytes()
    assert sorted(p.name for p in a.iterdir()) == ["steps.csv", "summary.json"]
    summary = json.loads((a / "summary.json").read_text())
    assert summary["seed"] == 1
    assert summary["scenario"]["name"] == "consumer_led"
    assert summary["scenario"]["file"] == "scenarios/consumer_led.toml"
    assert summary["residents"] == 300 and summary["years"] == 0.5
    assert summary["version"]
    assert summary["town"]["source"].endswith("example_town.csv")
    assert summary["drivers"]["name"] == "baseline"
    assert summary["parameters"]["council"]["rates_multiplier"] == 0.5
    assert "vacancy_rate" in summary["outcomes"]
    assert "week" not in summary["outcomes"]
    out = capsys.readouterr().out
    assert "vacancy_rate" in out and "final-year mean" in out


def test_run_without_seed_prints_the_seed(in_root, tmp_path, capsys):
    out = tmp_path / "R"
    assert cli.main(["run", "consumer_led", *TINY, "--out", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    seed = int(first.split()[1])
    assert json.loads((out / "summary.json").read_text())["seed"] == seed


def test_scenarios_lists_all_four(capsys):
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("consumer_led", "council_led", "town_team", "co_produced", "baseline"):
        assert name in out
    assert "Market only." in out


def test_compare_command_writes_report(in_root, tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = cli.main(
        [
            "compare",
            "consumer_led",
            "co_produced",
            "--seeds",
            "1",
            "--workers",
            "1",
            *TINY,
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "co_produced" in text and f"report: {out / 'report.html'}" in text
    for name in ("comparison.csv", "paired_differences.csv", "runs.csv", "report.md"):
        assert (out / name).is_file()


# ------------------------------------------------------------------------------ bad input


def _assert_bad(capsys, argv: list[str], out: Path, *needles: str) -> str:
    rc = cli.main(argv)
    cap = capsys.readouterr()
    assert rc == 2
    lines = cap.err.splitlines()
    assert len(lines) == 1, cap.err
    assert lines[0].startswith("towncentre: error: ")
    assert "Traceback" not in cap.err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    assert not out.exists()
    return lines[0]


def test_unknown_scenario_key_suggests_nearest(tmp_path, capsys):
    bad = tmp_path / "typo.toml"
    bad.write_text("[council]\nrates_multipler = 0.5\n")
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["run", str(bad), "--out", str(out), *TINY],
        out,
        "typo.toml",
        "rates_multipler",
        "council.rates_multiplier",
    )


def test_value_out_of_bounds_gives_bounds(tmp_path, capsys):
    bad = tmp_path / "big.toml"
    bad.write_text("[council]\nrates_multiplier = 9\n")
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["run", str(bad), "--out", str(out), *TINY],
        out,
        "big.toml",
        "council.rates_multiplier",
        "[0, 1.5]",
    )


def test_bad_scenario_in_compare_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "big.toml"
    bad.write_text("[council]\nrates_multiplier = 9\n")
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["compare", "consumer_led", str(bad), "--out", str(out), *TINY],
        out,
        "big.toml",
        "[0, 1.5]",
    )


def test_malformed_town_csv_names_file_line_column(tmp_path, capsys):
    lines = EXAMPLE_TOWN.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("id,"))
    cols = lines[header + 2].split(",")
    cols[3] = "-5"  # floorspace
    lines[header + 2] = ",".join(cols)
    town = tmp_path / "broken_town.csv"
    town.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["run", "consumer_led", "--town", str(town), "--out", str(out), *TINY],
        out,
        "broken_town.csv",
        f"line {header + 3}",
        "floorspace",
    )


def test_missing_scenario_file(tmp_path, capsys):
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["run", str(tmp_path / "nope.toml"), "--out", str(out), *TINY],
        out,
        "nope.toml",
        "not found",
    )


def test_missing_town_file(tmp_path, capsys):
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["compare", "--town", str(tmp_path / "nowhere.csv"), "--out", str(out), *TINY],
        out,
        "nowhere.csv",
        "not found",
    )


def test_missing_drivers_file(tmp_path, capsys):
    out = tmp_path / "out"
    _assert_bad(
        capsys,
        ["run", "consumer_led", "--drivers", str(tmp_path / "d.toml"), "--out", str(out), *TINY],
        out,
        "d.toml",
        "not found",
    )


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["compare", "--seeds", "0"], ("--seeds", "[1, 10000]")),
        (["compare", "--seeds", "10001"], ("--seeds", "[1, 10000]")),
        (["compare", "--workers", "0"], ("--workers", ">= 1")),
        (["compare", "--dask", "notaurl"], ("--dask notaurl", "tcp://HOST:PORT")),
        (["sweep", "experiments/online_rent_floor.toml", "--workers", "0"], ("--workers",)),
        (["run", "consumer_led", "--years", "-1"], ("--years", "run.years", "200")),
        (["run", "consumer_led", "--residents", "abc"], ("--residents", "abc")),
        (["run", "consumer_led", "--residents", "-3"], ("--residents", "run.residents")),
        (["run", "consumer_led", "--seed", "-1"], ("--seed",)),
        (["run", "consumer_led", "--frobnicate"], ("unrecognized arguments", "--frobnicate")),
        (["explode"], ("invalid choice", "explode")),
        ([], ("required",)),
    ],
)
def test_bad_flags(tmp_path, capsys, argv, needles):
    out = tmp_path / "out"
    _assert_bad(capsys, [*argv, "--out", str(out)] if argv else argv, out, *needles)


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("keep")
    rc = cli.main(["run", "consumer_led", "--seed", "1", "--out", str(f), *TINY])
    cap = capsys.readouterr()
    assert rc == 2 and cap.err.startswith("towncentre: error: ") and "file.txt" in cap.err
    assert f.read_text() == "keep"


def test_interrupt_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_one", boom)
    out = tmp_path / "out"
    rc = cli.main(["run", "consumer_led", "--seed", "1", "--out", str(out), *TINY])
    cap = capsys.readouterr()
    assert rc == 130
    assert cap.err.strip().splitlines() == ["towncentre: interrupted"]
    assert not out.exists()


def _console_script() -> str:
    exe = Path(sys.executable).parent / "towncentre"
    if exe.is_file():
        return str(exe)
    found = shutil.which("towncentre")
    if found is None:
        pytest.skip("towncentre console script not installed")
    return found


def test_console_script_bad_input_has_no_traceback(tmp_path):
    bad = tmp_path / "typo.toml"
    bad.write_text("[council]\nrates_multipler = 0.5\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [_console_script(), "run", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("towncentre: error: ")
    assert "council.rates_multiplier" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


# ------------------------------------------------------------------------------ issue 15


def test_params_lists_every_parameter_grouped(capsys):
    from sim.params import GROUPS, specs

    assert cli.main(["params"]) == 0
    out = capsys.readouterr().out
    for g in GROUPS:
        assert f"[{g}]  " in out
    assert "MODEL.md" not in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    for s in specs():
        assert s.name in rows, s.key
    line = next(ln for ln in out.splitlines() if ln.split()[:1] == ["rates_multiplier"])
    s = next(s for s in specs() if s.key == "council.rates_multiplier")
    for cell in (f"{s.default:g}", f"[{s.lo:g}, {s.hi:g}]", s.unit, s.kind, s.source):
        assert cell in line, (cell, line)
    assert cli.main(["params", "ties"]) == 0
    one = capsys.readouterr().out
    assert "[ties]" in one and "[council]" not in one
    assert "capacity" in one and "true/false" not in one


def test_params_unknown_group_lists_the_groups(tmp_path, capsys):
    line = _assert_bad(capsys, ["params", "counsil"], tmp_path / "none", "counsil")
    assert "did you mean 'council'?" in line and "groups: run, residents, ties" in line


def test_compile_note_only_while_the_kernel_cache_is_empty(in_root, tmp_path, capsys, monkeypatch):
    import sim

    monkeypatch.setattr(sim, "kernels_compiled", lambda: False)
    assert (
        cli.main(["run", "consumer_led", "--seed", "1", *TINY, "--out", str(tmp_path / "a")]) == 0
    )
    err = capsys.readouterr().err.splitlines()
    assert err == [f"towncentre: {cli.COMPILE_NOTE}"]
    # bad input: the one-line error only, no note
    _assert_bad(capsys, ["run", "nope", *TINY, "--out", str(tmp_path / "b")], tmp_path / "b")
    monkeypatch.setattr(sim, "kernels_compiled", lambda: True)
    assert (
        cli.main(["run", "consumer_led", "--seed", "1", *TINY, "--out", str(tmp_path / "c")]) == 0
    )
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", ["../../../escaped", "a/b", ".."])
def test_scenario_name_cannot_leave_results(tmp_path, capsys, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scn = work / "evil.toml"
    scn.write_text(f'name = "{name}"\n')
    line = _assert_bad(capsys, ["run", str(scn), "--seed", "1", *TINY], work / "results")
    assert "evil.toml" in line and "name = " in line and "A-Za-z0-9" in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["evil.toml", "work"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_output_file_has_the_usual_mode(in_root, tmp_path, capsys, umask):
    old = os.umask(umask)
    try:
        run = tmp_path / "run"
        argv = ["run", "consumer_led", "--seed", "1", *TINY, "--checkpoint-every", "20"]
        assert cli.main([*argv, "--out", str(run)]) == 0
        cmp = tmp_path / "cmp"
        argv = ["compare", "consumer_led", "town_team", "--seeds", "1", "--workers", "1", *TINY]
        assert cli.main([*argv, "--out", str(cmp)]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"steps.csv", "summary.json", "checkpoint.npz", "report.md"} <= {p.name for p in files}
    assert any(p.suffix == ".png" for p in files)
    modes = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in files}
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes
    folders = [p for p in tmp_path.rglob("*") if p.is_dir()]
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {oct(0o777 & ~umask)}


def test_atomic_write_bytes_mode_and_no_leftovers(tmp_path):
    from sim.results import atomic_write_bytes

    old = os.umask(0o002)
    try:
        atomic_write_bytes(tmp_path / "a.json", b"{}")
        atomic_write_bytes(tmp_path / "a.json", b"[]")  # replaces
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").read_bytes() == b"[]"
    assert oct((tmp_path / "a.json").stat().st_mode & 0o777) == oct(0o664)
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_listing_into_a_closed_pipe_is_quiet():
    proc = subprocess.run(
        f"'{_console_script()}' params | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.startswith("[run]") and proc.stderr == ""


def test_households_sets_the_catchment(tmp_path, capsys):
    """--households replaces the town's catchment (recorded in summary.json); a bad value is
    a one-line error, exit 2, and nothing is written."""
    out = tmp_path / "h"
    args = ["run", "consumer_led", "--seed", "2", "--years", "0.05", "--residents", "50"]
    town = ["--town", "generated:linear:20:1", "--quiet"]
    assert cli.main([*args, *town, "--households", "12000", "--out", str(out)]) == 0
    meta = json.loads((out / "summary.json").read_text())
    assert meta["town"]["households"] == 12000.0
    assert meta["town"]["catchment_source"] == "given (--households)"
    assert meta["parameters"]["run"]["households"] == 12000.0
    capsys.readouterr()
    bad = tmp_path / "bad"
    assert cli.main([*args, *town, "--households", "-5", "--out", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--households" in err[0]
    assert not bad.exists()
