"""The ``towncentre`` command line.

Commands::

    towncentre scenarios
    towncentre run SCENARIO [--drivers F] [--town F] [--seed N] [--years Y] [--residents R]
                            [--out DIR] [--quiet]
    towncentre compare [SCENARIO ...] [--seeds K] [--base-seed N] [--drivers F] [--town F]
                       [--years Y] [--residents R] [--workers W] [--out DIR] [--quiet]

Bad input (an unknown scenario key, a value outside its bounds, a malformed town CSV, a
missing file, a bad flag) prints exactly one line, ``towncentre: error: <message>``, on
stderr and exits with status 2, before any output is created. Ctrl-C prints
``towncentre: interrupted`` and exits with status 130; outputs are written atomically, so
nothing is left half-written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from sim import __version__
from sim.results import HEADLINE, write_run
from sim.runner import (
    DEFAULT_SCENARIOS,
    MAX_SEEDS,
    check_seed,
    check_seeds,
    compare,
    compare_tables,
    prepare,
    run_one,
    wide_table,
    write_compare,
)
from sim.scenarios import (
    DRIVERS_DIR,
    SCENARIOS_DIR,
    InputError,
    check_value,
    driver_names,
    load_drivers,
    load_scenario,
    scenario_names,
)
from sim.streams import fresh_seed
from sim.town import TownError

PROG = "towncentre"


class UsageError(Exception):
    """A command-line usage problem (raised instead of argparse's print-and-exit)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors raise :class:`UsageError` (one line, no usage dump)."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` with argparse's message."""
        raise UsageError(message)


def _one_line(msg: object) -> str:
    return " ".join(part.strip() for part in str(msg).splitlines() if part.strip())


def _build_parser() -> _Parser:
    p = _Parser(
        prog=PROG,
        description="Agent-based town-centre model: run and compare governance scenarios.",
    )
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("scenarios", help="list the bundled scenarios and driver files")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--drivers", metavar="F", help="drivers file or bundled name (default: baseline)"
        )
        q.add_argument(
            "--town",
            metavar="F",
            help="town CSV, bundled town or layout (default: the example town)",
        )
        q.add_argument(
            "--years",
            type=float,
            metavar="Y",
            help="years simulated after the burn-in (default 10)",
        )
        q.add_argument(
            "--residents", type=int, metavar="R", help="simulated residents (default 5000)"
        )
        q.add_argument("--quiet", action="store_true", help="no progress bar")

    r = sub.add_parser("run", help="run one scenario and write steps.csv and summary.json")
    r.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or TOML file")
    r.add_argument(
        "--seed", type=int, metavar="N", help="run seed (default: a fresh seed, printed)"
    )
    r.add_argument(
        "--out", metavar="DIR", help="output folder (default: results/run-<scenario>-seed<N>)"
    )
    common(r)

    c = sub.add_parser("compare", help="compare scenarios over the same seeds")
    c.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenario names or files (default: {' '.join(DEFAULT_SCENARIOS)})",
    )
    c.add_argument(
        "--seeds",
        type=int,
        default=10,
        metavar="K",
        help=f"replicate seeds per scenario, 1-{MAX_SEEDS} (default 10)",
    )
    c.add_argument(
        "--base-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed the replicate seeds derive from (default 0)",
    )
    c.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="W",
        help="worker processes (default: min(2, CPUs); 1 runs serially)",
    )
    c.add_argument(
        "--out",
        metavar="DIR",
        default="results/compare",
        help="output folder (default: results/compare)",
    )
    common(c)
    return p


# ------------------------------------------------------------------------------ checks


def _check_sizes(args: argparse.Namespace) -> None:
    if args.years is not None:
        args.years = check_value("--years", "run", "years", args.years)
    if args.residents is not None:
        args.residents = check_value("--residents", "run", "residents", args.residents)


def _check_out(out: Path) -> None:
    """Refuse an output folder that cannot be created or written (before anything runs)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    anc = out
    while not anc.exists():
        if anc.parent == anc:
            break
        anc = anc.parent
    if anc.exists() and not anc.is_dir():
        raise InputError(f"--out {out}: {anc} is a file, not a folder")
    if anc.exists() and not os.access(anc, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: cannot write in {anc}")


def _first_sentence(text: str) -> str:
    t = " ".join(text.split())
    for i in range(len(t) - 1):
        if t[i] == "." and t[i + 1] == " ":
            return t[: i + 1]
    return t


# ------------------------------------------------------------------------------ commands


def _cmd_scenarios() -> int:
    names = [n for n in DEFAULT_SCENARIOS if n in scenario_names()]
    names += [n for n in scenario_names() if n not in names]
    print(f"Scenarios ({SCENARIOS_DIR}):")
    w = max((len(n) for n in names), default=0)
    for n in names:
        print(f"  {n:<{w}}  {_first_sentence(load_scenario(n).description)}")
    print(f"Drivers ({DRIVERS_DIR}):")
    dn = driver_names()
    w = max((len(n) for n in dn), default=0)
    for n in dn:
        print(f"  {n:<{w}}  {_first_sentence(load_drivers(n).description)}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    if args.seed is not None:
        check_seed(args.seed, "--seed")
    _check_sizes(args)
    inp = prepare(
        [args.scenario], args.drivers, args.town, args.residents, args.years, where="towncentre run"
    )
    scn = inp.scenarios[0]
    if args.out:
        _check_out(Path(args.out))
    seed = args.seed
    if seed is None:
        seed = fresh_seed()
        print(f"seed: {seed} (drawn fresh; repeat this run with --seed {seed})")
    out = Path(args.out) if args.out else Path("results") / f"run-{scn.name}-seed{seed}"
    _check_out(out)
    df, meta = run_one(
        scn,
        inp.drivers,
        inp.town,
        seed=seed,
        residents=inp.residents,
        years=inp.years,
        progress=not args.quiet,
    )
    summary = write_run(out, df, meta)
    print(
        f"{scn.name}, seed {seed}: {meta['residents']} residents, {meta['years']:g} years "
        f"after {meta['burn_in_weeks']} burn-in weeks, town {meta['town']['name']}, "
        f"drivers {meta['drivers']['name']}"
    )
    outcomes = summary["outcomes"]
    w = max(len(k) for k in outcomes)
    print(f"{'outcome':<{w}}  final-year mean")
    order = [k for k in HEADLINE if k in outcomes] + [k for k in outcomes if k not in HEADLINE]
    for k in order:
        print(f"{k:<{w}}  {_num(outcomes[k])}")
    print(f"wrote {out / 'steps.csv'} and {out / 'summary.json'}")
    return 0


def _num(x: float) -> str:
    return f"{x:.6g}"


def _cmd_compare(args: argparse.Namespace) -> int:
    k = check_seeds(args.seeds, "--seeds")
    base = check_seed(args.base_seed, "--base-seed")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers = {args.workers} must be a whole number >= 1")
    _check_sizes(args)
    names = list(args.scenarios) or list(DEFAULT_SCENARIOS)
    inp = prepare(
        names, args.drivers, args.town, args.residents, args.years, where="towncentre compare"
    )
    out = Path(args.out)
    _check_out(out)
    result = compare(
        list(inp.scenarios),
        seeds=k,
        base_seed=base,
        drivers=inp.drivers,
        town=args.town,
        residents=inp.residents,
        years=inp.years,
        workers=args.workers,
        progress=not args.quiet,
    )
    table, paired = compare_tables(result)
    print(
        f"{len(result.scenarios)} scenarios x {k} seeds; final-year means with 95% "
        "intervals over seeds"
    )
    print(wide_table(table).to_string())
    if len(paired):
        print(f"\nPaired differences from {result.baseline} (same seeds):")
        print(wide_table(paired).to_string())
    report = write_compare(out, result)
    print(f"\nreport: {report}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``towncentre`` command.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        Exit status: 0 on success, 2 on bad input, 130 when interrupted.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
        if args.command == "scenarios":
            return _cmd_scenarios()
        if args.command == "run":
            return _cmd_run(args)
        return _cmd_compare(args)
    except (UsageError, InputError, TownError) as exc:
        return _fail(exc)
    except OSError as exc:
        name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _fail(f"{name}{exc.strerror or exc}")
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _fail(exc: Any) -> int:
    print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
    return 2


__all__ = ["UsageError", "main"]
