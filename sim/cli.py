"""The ``towncentre`` command line.

Commands::

    towncentre scenarios
    towncentre params [GROUP]
    towncentre run SCENARIO [--drivers F] [--town F] [--seed N] [--years Y] [--residents R]
                            [--out DIR] [--quiet] [--checkpoint-every N] [--resume]
    towncentre compare [SCENARIO ...] [--seeds K] [--base-seed N] [--drivers F] [--town F]
                       [--years Y] [--residents R] [--workers W] [--dask ADDRESS]
                       [--out DIR] [--quiet]
    towncentre sweep FILE [--out DIR] [--workers W] [--dask ADDRESS] [--size S] [--quiet]
                          [--no-figures]
    towncentre sensitivity FILE|DIR [--out DIR] [--size S]
    towncentre viz [--town F] [--scenario F] [--seed N] [--host H] [--port P]
    towncentre town from-osm EXTRACT --centre LAT,LON --radius M --out FILE.csv [--name N]

Bad input (an unknown scenario key, a value outside its bounds, a malformed town CSV, a
missing file, a bad flag) prints exactly one line, ``towncentre: error: <message>``, on
stderr and exits with status 2, before any output is created (a ``--dask`` address is
checked, and connected to, first). Ctrl-C prints one line, ``towncentre: interrupted...``,
and exits with status 130: runs in flight are stopped, a comparison writes nothing, a sweep
keeps its log of finished runs; outputs are written atomically, so nothing is left
half-written. While numba's cache for this version of the package is empty, a run first
prints a one-line note on stderr: the first run compiles the model's kernels.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import sim
from sim import __version__
from sim.execution import check_dask, check_workers
from sim.outcomes import HEADLINE
from sim.params import GROUPS, ParamSpec, specs
from sim.report import compare_tables, wide_table, write_compare
from sim.results import CI_NAME, write_run
from sim.runner import (
    DEFAULT_SCENARIOS,
    MAX_SEEDS,
    check_seed,
    check_seeds,
    compare,
    prepare,
    run_one,
)
from sim.scenarios import (
    DRIVERS_DIR,
    SCENARIOS_DIR,
    InputError,
    check_value,
    driver_names,
    load_drivers,
    load_posterior,
    load_scenario,
    scenario_names,
)
from sim.streams import fresh_seed
from sim.town import LAYOUTS, TownError, town_names

PROG = "towncentre"
DASK_HELP = "'local' starts a Dask LocalCluster; tcp://host:port uses an existing cluster"


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
    pp = sub.add_parser(
        "params", help="list every parameter: default, bounds, unit, kind and source"
    )
    pp.add_argument("group", nargs="?", metavar="GROUP", help=f"one of {', '.join(GROUPS)}")

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
        q.add_argument(
            "--households",
            type=float,
            metavar="H",
            help="households in the town's catchment (default: the town's own, from its file "
            "or derived from its floorspace)",
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
    _add_checkpoint_flags(r)

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
        help="worker processes or Dask workers (default: min(2, CPUs); 1 runs serially)",
    )
    c.add_argument("--dask", metavar="ADDRESS", help=DASK_HELP)
    c.add_argument(
        "--posterior",
        nargs="?",
        const=True,
        default=None,
        metavar="FILE",
        help="draw each replicate's free parameters from the calibration posterior "
        "(default: the bundled one), so intervals carry parameter uncertainty",
    )
    c.add_argument(
        "--out",
        metavar="DIR",
        default="results/compare",
        help="output folder (default: results/compare)",
    )
    common(c)
    _add_viz_parsers(sub)
    _add_sweep_parsers(sub)
    _add_town_parsers(sub)
    return p


# ------------------------------------------------------------------------------ checks


def _with_households(town: Any, households: float | None) -> Any:
    """The town with ``--households`` as its catchment (one-line error out of bounds)."""
    if households is None:
        return town
    h = check_value("--households", "run", "households", households)
    if not h > 0:
        raise InputError(f"--households = {households!r} must be above 0 (households)")
    return dataclasses.replace(town, households=float(h), catchment_source="given (--households)")


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
    print(f"Towns ({SCENARIOS_DIR / 'towns'}): {', '.join(town_names())}")
    print(f"Generated layouts: {', '.join(LAYOUTS)}")
    return 0


def _value(x: Any) -> str:
    """A parameter value as in a scenario file (true/false, numbers in short form)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    return f"{x:g}" if isinstance(x, float) else str(x)


def _bounds(s: ParamSpec) -> str:
    if s.type is bool:
        return "true/false"
    lo = "-inf" if s.lo is None else _value(s.type(s.lo))
    hi = "inf" if s.hi is None else _value(s.type(s.hi))
    return f"[{lo}, {hi}]"


def _cmd_params(group: str | None) -> int:
    """``towncentre params [GROUP]``: every parameter, grouped, as a scenario file names it."""
    if group is not None and group not in GROUPS:
        close = difflib.get_close_matches(group, list(GROUPS), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(f"params: unknown group '{group}'; {hint}groups: {', '.join(GROUPS)}")
    head = ("parameter", "default", "bounds", "unit", "kind", "source")
    for g in [group] if group else list(GROUPS):
        rows = [
            (s.name, _value(s.default), _bounds(s), s.unit or "-", s.kind, s.source)
            for s in specs()
            if s.group == g
        ]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
        doc = (GROUPS[g].__doc__ or "").strip().splitlines()[0]
        doc = re.sub(r"\s*\([^)]*\.md\b[^)]*\)", "", doc)  # design notes users do not have
        print(f"[{g}]  {doc}")
        for r in [head, *rows]:
            cells = [f"{c:<{w}}" for c, w in zip(r, widths, strict=False)]
            print("  " + "  ".join([*cells, r[-1]]))
        print()
    print("kind: lever = a governance choice scenarios set; free = behavioural (calibrated or")
    print("swept); run = size and horizon. Set any of them in a scenario file's [group] table.")
    return 0


#: Printed on stderr before a run while the kernel cache of this version is empty.
COMPILE_NOTE: str = "compiling the model's kernels (first run only, about a minute)..."


def _compile_note() -> None:
    """Say on stderr that the kernels compile, if this version's numba cache is empty."""
    if not sim.kernels_compiled():
        print(f"{PROG}: {COMPILE_NOTE}", file=sys.stderr, flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
    if args.seed is not None:
        check_seed(args.seed, "--seed")
    _check_sizes(args)
    inp = prepare(
        [args.scenario], args.drivers, args.town, args.residents, args.years, where="towncentre run"
    )
    town = _with_households(inp.town, args.households)
    scn = inp.scenarios[0]
    if args.out:
        _check_out(Path(args.out))
    seed = args.seed
    if seed is None and args.resume:
        seed = _checkpoint_seed(args)
    if seed is None:
        seed = fresh_seed()
        print(f"seed: {seed} (drawn fresh; repeat this run with --seed {seed})")
    out = Path(args.out) if args.out else Path("results") / f"run-{scn.name}-seed{seed}"
    _check_out(out)
    checkpointing = _checkpointing(args, out)
    _compile_note()
    df, meta = run_one(
        scn,
        inp.drivers,
        town,
        seed=seed,
        residents=inp.residents,
        years=inp.years,
        progress=not args.quiet,
        **checkpointing,
    )
    summary = write_run(out, df, meta)
    print(
        f"{scn.name}, seed {seed}: {meta['residents']} residents, {meta['years']:g} years "
        f"after {meta['burn_in_weeks']} burn-in weeks, town {meta['town']['name']}, "
        f"drivers {meta['drivers']['name']}; catchment {meta['town']['households']:,.0f} "
        f"households ({meta['town']['catchment_source']})"
    )
    if meta["town"]["warning"]:
        print(f"{PROG}: {meta['town']['warning']}", file=sys.stderr)
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


def _check_executor(args: argparse.Namespace) -> None:
    """``--workers`` and the form of ``--dask`` (whether it answers is checked before runs)."""
    args.workers = check_workers(args.workers)
    if args.dask is not None:
        check_dask(args.dask)


def _cmd_compare(args: argparse.Namespace) -> int:
    k = check_seeds(args.seeds, "--seeds")
    base = check_seed(args.base_seed, "--base-seed")
    _check_executor(args)
    _check_sizes(args)
    names = list(args.scenarios) or list(DEFAULT_SCENARIOS)
    inp = prepare(
        names, args.drivers, args.town, args.residents, args.years, where="towncentre compare"
    )
    out = Path(args.out)
    _check_out(out)
    _compile_note()
    post = None
    if args.posterior:  # checked before any run starts
        post = load_posterior(None if args.posterior is True else args.posterior)
    result = compare(
        list(inp.scenarios),
        seeds=k,
        base_seed=base,
        drivers=inp.drivers,
        town=args.town if args.households is None else _with_households(inp.town, args.households),
        residents=inp.residents,
        years=inp.years,
        workers=args.workers,
        dask=args.dask,
        progress=not args.quiet,
        posterior=post,
    )
    table, paired = compare_tables(result)
    print(f"intervals include {result.meta['uncertainty']}")
    print(
        f"{len(result.scenarios)} scenarios x {k} seeds; final-year means with the {CI_NAME} "
        "over seeds"
    )
    print(wide_table(table).to_string())
    if len(paired):
        print(f"\nPaired differences from {result.baseline} (same seeds):")
        print(wide_table(paired).to_string())
    report = write_compare(out, result)
    print(f"\nreport: {report.with_name('report.html')} (and {report.name})")
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
        if args.command == "params":
            return _cmd_params(args.group)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "viz":
            return _cmd_viz(args)
        if args.command in ("sweep", "sensitivity"):
            return _cmd_sweep(args)
        if args.command == "town":
            return _cmd_town(args)
        return _cmd_compare(args)
    except (UsageError, InputError, TownError) as exc:
        return _fail(exc)
    except BrokenPipeError:  # a listing piped into head: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
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


# --- issue 6: checkpoints


def _add_checkpoint_flags(r: argparse.ArgumentParser) -> None:
    """``--checkpoint-every N`` and ``--resume`` of ``towncentre run``."""
    r.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="N",
        help="write <out>/checkpoint.npz atomically every N weeks",
    )
    r.add_argument(
        "--resume",
        action="store_true",
        help="continue the run from <out>/checkpoint.npz (same inputs; byte-identical end)",
    )


def _checkpoint_path(args: argparse.Namespace, out: Path | None = None) -> Path:
    from sim.checkpoint import CHECKPOINT_NAME

    if out is None:
        if not args.out:
            raise InputError("--resume needs --out DIR (the folder holding checkpoint.npz)")
        out = Path(args.out)
    return out / CHECKPOINT_NAME


def _checkpoint_seed(args: argparse.Namespace) -> int:
    """The seed recorded in the checkpoint to resume (when --seed is not given)."""
    from sim.checkpoint import checkpoint_meta

    return int(checkpoint_meta(_checkpoint_path(args))["seed"])


def _checkpointing(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Checkpoint arguments of ``run_one`` from ``--checkpoint-every`` and ``--resume``."""
    every = args.checkpoint_every
    if every is None and not args.resume:
        return {}
    if every is not None and not 1 <= every <= 100_000:
        raise InputError(f"--checkpoint-every = {every} must be a whole number of weeks >= 1")
    return {
        "checkpoint": _checkpoint_path(args, out),
        "checkpoint_every": every,
        "resume": bool(args.resume),
    }


# --- issue 5: interactive visualisation (towncentre viz)


def _add_viz_parsers(sub: Any) -> None:
    v = sub.add_parser("viz", help="explore a town in the browser (a Mesa page on localhost)")
    v.add_argument("--town", metavar="F", help="town CSV, bundled town or layout")
    v.add_argument("--scenario", metavar="F", help="scenario name or TOML file first selected")
    v.add_argument("--drivers", metavar="F", help="drivers file or bundled name")
    v.add_argument("--seed", type=int, metavar="N", help="first seed (default: a fresh one)")
    v.add_argument("--residents", type=int, metavar="R", help="simulated residents")
    v.add_argument("--years", type=float, metavar="Y", help="years simulated after burn-in")
    v.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    v.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    v.add_argument(
        "--install-assets",
        action="store_true",
        help="fetch the page's front-end assets (npm registry) into the local cache and exit",
    )


def _cmd_viz(args: argparse.Namespace) -> int:
    import signal
    import socket
    import subprocess

    from sim import viz_assets

    if args.install_assets:
        try:
            done = viz_assets.install()
        except viz_assets.AssetError as exc:
            raise InputError(f"--install-assets: {exc}") from None
        where = viz_assets.cache_dir()
        print(f"installed {', '.join(done)} in {where}" if done else f"assets present in {where}")
        return 0
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port = {args.port} is outside [1, 65535]")
    if args.seed is not None:
        check_seed(args.seed, "--seed")
    _check_sizes(args)
    # validate every input here, so a bad one is a one-line error before the server starts
    inputs = prepare(
        [args.scenario], args.drivers, args.town, args.residents, args.years, where="viz"
    )
    import importlib.util

    gone = [m for m in ("solara", "altair", "networkx") if importlib.util.find_spec(m) is None]
    if gone:
        raise InputError(
            f"the page needs the viz extra ({', '.join(gone)} missing): pip install -e '.[viz]'"
        )
    if viz_assets.missing():
        try:
            viz_assets.install()
        except viz_assets.AssetError as exc:
            raise InputError(f"front-end assets missing and not installable: {exc}") from None
    try:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as s:
            # as the server binds: a port left in TIME_WAIT by a stopped page is free
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((args.host, args.port))
    except OSError as exc:
        raise InputError(f"--host {args.host} --port {args.port}: {exc.strerror or exc}") from None
    env = dict(os.environ)
    for key, val in (
        ("SCENARIO", args.scenario),
        ("TOWN", args.town),
        ("DRIVERS", args.drivers),
        ("SEED", args.seed),
        ("RESIDENTS", args.residents),
        ("YEARS", args.years),
    ):
        env.pop(f"TOWNCENTRE_VIZ_{key}", None)
        if val is not None:
            env[f"TOWNCENTRE_VIZ_{key}"] = (
                str(Path(val).resolve())
                if key in ("SCENARIO", "TOWN", "DRIVERS") and Path(str(val)).is_file()
                else str(val)
            )
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # no calls home: the page works offline
    # the page's own title while it loads, a plain loader, no "runs on Solara" banner
    env["SOLARA_THEME_TITLE"] = f"towncentre: {inputs.town.name}"
    env["SOLARA_THEME_LOADER"] = "plain"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    env.setdefault("NUMBA_NUM_THREADS", "1")
    cmd = [sys.executable, "-m", "solara", "run", "sim.viz", "--host", args.host]
    cmd += ["--port", str(args.port), "--production", "--no-open"]
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"towncentre viz: http://{host}:{args.port}/ (Ctrl-C to stop)", flush=True)

    def terminated(signum: int, frame: Any) -> None:
        raise _Terminated

    old = signal.signal(signal.SIGTERM, terminated)  # `kill PID` stops the server too
    proc = None
    try:
        proc = subprocess.Popen(cmd, env=env)
        return proc.wait()
    except KeyboardInterrupt:
        _stop_server(proc, signal.SIGINT)
        raise
    except _Terminated:
        _stop_server(proc, signal.SIGTERM)
        print(f"{PROG}: stopped", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, old)


class _Terminated(Exception):
    """SIGTERM arrived while the page's server was running."""


def _stop_server(proc: Any, sig: int, timeout: float = 5.0) -> None:
    """Stop the page's server: ``sig``, then SIGKILL if it has not exited after ``timeout`` s
    (an open browser tab can hold Solara's graceful shutdown)."""
    import subprocess

    if proc is None:  # the signal came before the server started
        return
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- issue 4: sweeps and sensitivity analysis


def _add_sweep_parsers(sub: Any) -> None:
    """``towncentre sweep FILE`` and ``towncentre sensitivity FILE|DIR``."""
    w = sub.add_parser("sweep", help="run a parameter sweep from a TOML file (resumable)")
    w.add_argument(
        "file", metavar="FILE", help="sweep file, e.g. experiments/online_rent_floor.toml"
    )
    w.add_argument("--out", metavar="DIR", help="output folder (default: results/sweeps/<name>)")
    w.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes or Dask workers (default: min(2, CPUs); 1 runs serially)",
    )
    w.add_argument("--dask", metavar="ADDRESS", help=DASK_HELP)
    w.add_argument(
        "--size", choices=("full", "small"), default="full", help="small: the file's [small] table"
    )
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.add_argument("--no-figures", action="store_true", help="tables only")
    s = sub.add_parser("sensitivity", help="Sobol or Morris indices of a sweep (table and figure)")
    s.add_argument("file", metavar="FILE|DIR", help="sweep file, or a sweep's output folder")
    s.add_argument("--out", metavar="DIR", help="the sweep's output folder (for FILE)")
    s.add_argument("--size", choices=("full", "small"), default=None, help="size of FILE's sweep")


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim import sweep

    target = Path(args.file)
    if target.is_dir():
        res = sweep.analyse_folder(target, size=args.size)
    else:
        spec = sweep.load_sweep(target, size=args.size or "full")
        folder = Path(args.out) if args.out else sweep.default_out(spec)
        if not (folder / "sweep.json").is_file():
            raise InputError(f"{folder}: no sweep results; run: towncentre sweep {target}")
        res = sweep.analyse_folder(folder, size=spec.size)
    if res.sensitivity is None:
        raise InputError(
            f"{res.spec.source}: design.kind = {res.spec.design!r}; sensitivity indices "
            "need a sobol or morris design with every run done"
        )
    t = res.sensitivity
    if t["scenario"].nunique() == 1:
        t = t.drop(columns="scenario")
    print(t.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    fig = res.out_dir / "figures" / "sensitivity.png"
    print(f"wrote {res.out_dir / 'sensitivity.csv'} and {fig}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    if args.command == "sensitivity":
        return _cmd_sensitivity(args)
    from sim import sweep

    _check_executor(args)
    spec = sweep.load_sweep(args.file, size=args.size)
    out = Path(args.out) if args.out else sweep.default_out(spec)
    _check_out(out)
    n = len(sweep.plan(spec))
    if not args.quiet:
        print(f"{spec.name}: {n} runs ({spec.design} design, {spec.replicates} seeds a cell)")
    _compile_note()
    try:
        res = sweep.run_sweep(
            spec,
            out,
            workers=args.workers,
            dask=args.dask,
            progress=not args.quiet,
            figures=not args.no_figures,
        )
    except KeyboardInterrupt:
        print(
            f"{PROG}: interrupted; finished runs are kept in {out / 'runs.jsonl'}; "
            "rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
    ok = int((res.runs["status"] == "ok").sum())
    print(f"{ok} of {n} runs ok ({res.ran} run now), {res.failed} failed")
    print(f"report: {out / 'report.md'}")
    if res.failed:
        print(
            f"{PROG}: {res.failed} runs failed (see the error column of {out / 'runs.csv'}); "
            "rerun to retry them",
            file=sys.stderr,
        )
        return 1
    return 0


# --- issue 15: a town from OpenStreetMap (towncentre town from-osm)


def _add_town_parsers(sub: Any) -> None:
    """``towncentre town from-osm EXTRACT --centre LAT,LON --radius M --out FILE.csv``."""
    t = sub.add_parser("town", help="build a town CSV (from an OpenStreetMap extract)")
    tsub = t.add_subparsers(dest="town_command", required=True, metavar="TOWN_COMMAND")
    o = tsub.add_parser(
        "from-osm",
        help="town CSV and catchment from a downloaded .osm.pbf or .osm extract (no network)",
    )
    o.add_argument("extract", metavar="EXTRACT", help="OpenStreetMap extract (.osm.pbf, .osm)")
    o.add_argument(
        "--centre",
        required=True,
        metavar="LAT,LON",
        help="town centre in degrees, e.g. 52.95,-1.15",
    )
    o.add_argument(
        "--radius", required=True, type=float, metavar="M", help="keep units within M metres"
    )
    o.add_argument(
        "--out", required=True, metavar="FILE", help="town CSV to write (catchment: FILE.toml)"
    )
    o.add_argument("--name", metavar="NAME", help="town name (default: the place's name)")


def _cmd_town(args: argparse.Namespace) -> int:
    from sim.osm import check_radius, parse_centre, town_from_osm

    centre = parse_centre(args.centre)
    check_radius(args.radius)
    res = town_from_osm(args.extract, centre, args.radius, args.out, name=args.name)
    t = res.town
    vacant = int((t.initial_use < 0).sum())
    print(
        f"{t.name}: {t.n_units} units on {t.n_streets} streets, {vacant} vacant, "
        f"{int(t.initial_chain.sum())} chains, {t.total_floorspace:,.0f} m2"
    )
    print(f"catchment: {t.households:,.0f} households, {res.catchment_note}")
    warning = t.calibration_warning()
    if warning:
        print(warning)
    print(
        f"wrote {res.csv} and {res.toml}; run it with: towncentre run consumer_led --town {res.csv}"
    )
    return 0
