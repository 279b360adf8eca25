"""Print the generated tables of ``docs/model.md`` (parameters, scenario levers, drivers).

Every parameter is declared once in :mod:`sim.params`, every scenario and driver is a file
under ``scenarios/``. This script turns them into Markdown so that those tables in
``docs/model.md`` are never edited by hand:

* ``param_table``: one table per parameter group from :func:`sim.params.specs` (default,
  allowed range, unit, kind, source, label): the appendix "Parameters";
* ``scenario_table``: the value of every lever in each bundled governance scenario;
* ``category_table``: the per-category economics of :mod:`sim.categories`;
* ``driver_table``: the bundled drivers files (start year, online path, shocks).

Usage::

    .venv/bin/python experiments/param_table.py                         # print all tables
    .venv/bin/python experiments/param_table.py param_table             # print one
    .venv/bin/python experiments/param_table.py --write docs/model.md   # update the docs

``--write`` replaces the text between the markers ``<!-- NAME:start -->`` and
``<!-- NAME:end -->`` of the given file for each table NAME (written atomically);
``tests/test_docs.py`` checks that the docs hold exactly this script's output.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source checkout

from sim.params import GROUPS, Params, ParamSpec, specs  # noqa: E402
from sim.scenarios import driver_names, load_drivers, load_scenario, scenario_names  # noqa: E402


def _num(x: float | int | bool | None) -> str:
    """A value as written in the tables: ``true``/``false``, integers plain, floats ``%g``."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    text = f"{x:g}"
    if "e+" in text:  # 1e+07 -> 1e7
        mant, exp = text.split("e+")
        text = f"{mant}e{int(exp)}"
    return text


def _cell(text: str) -> str:
    """Escape a free-text cell for a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ").strip() or "-"


def _range(s: ParamSpec) -> str:
    if s.type is bool:
        return "true / false"
    return f"[{_num(s.lo)}, {_num(s.hi)}]"


def param_table() -> str:
    """One table per parameter group, in declaration order, then a count by kind."""
    all_specs = specs()
    out: list[str] = []
    for g, cls in GROUPS.items():
        rows = [s for s in all_specs if s.group == g]
        doc = (cls.__doc__ or "").strip().splitlines()
        out += [f"### `{g}` ({len(rows)} parameters)", ""]
        if doc:
            out += [doc[0], ""]
        out.append("| parameter | default | range | unit | kind | source | meaning |")
        out.append("|---|---|---|---|---|---|---|")
        for s in rows:
            out.append(
                f"| `{s.key}` | {_num(s.default)} | {_range(s)} | {_cell(s.unit)} | {s.kind} "
                f"| {_cell(s.source)} | {_cell(s.label)} |"
            )
        out.append("")
    kinds = {k: sum(1 for s in all_specs if s.kind == k) for k in ("lever", "free", "run")}
    calib = sum(1 for s in all_specs if "calibrate" in s.source)
    out.append(
        f"{len(all_specs)} parameters: {kinds['lever']} levers, {kinds['free']} free "
        f"(behavioural), {kinds['run']} run settings; {calib} have a source marked "
        '"calibrate".'
    )
    return "\n".join(out) + "\n"


def scenario_table() -> str:
    """Every lever's value in force after the burn-in, per bundled scenario.

    Values that differ from the default (the consumer-led market) are in bold.
    """
    names = scenario_names()
    pars = {n: Params().replace(load_scenario(n).overrides) for n in names}
    out = [
        "| lever | default | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for s in specs():
        if s.kind != "lever":
            continue
        cells = []
        for n in names:
            v = getattr(getattr(pars[n], s.group), s.name)
            cells.append(_num(v) if v == s.default else f"**{_num(v)}**")
        out.append(f"| `{s.key}` | {_num(s.default)} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def driver_table() -> str:
    """The bundled drivers files: start year, online points, scale/shift, chains, shocks."""
    out = [
        "| drivers | runs start | online path (year: share) | scale, shift | chain expansion "
        "| shocks |",
        "|---|---|---|---|---|---|",
    ]
    for n in driver_names():
        d = load_drivers(n)
        path = ", ".join(
            f"{_num(y)}: {_num(v)}" for y, v in zip(d.online_year, d.online_share, strict=True)
        )
        shocks = "; ".join(
            f"{sh.kind} from {_num(sh.start_year)} for {sh.weeks} weeks"
            f" (spend_drop {_num(sh.spend_drop)}, trip_penalty {_num(sh.trip_penalty)},"
            f" online_boost {_num(sh.online_boost)})"
            for sh in d.shocks
        )
        out.append(
            f"| `{n}` | {_num(d.start_year)} | {path} | {_num(d.online_scale)}, "
            f"{_num(d.online_shift)} | {_num(d.chain_expansion)} | {shocks or 'none'} |"
        )
    return "\n".join(out) + "\n"


def category_table() -> str:
    """The per-category table of :mod:`sim.categories` and the chains' template mix."""
    from sim import categories as k

    out = [
        "| code | category | commercial | chainable | spend_w | margin | fixed (GBP/m2/week) "
        "| attract | meet | shop type | retail use | chain template |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    yes = {True: "yes", False: "no"}
    for i, name in enumerate(k.CATEGORIES):
        out.append(
            f"| {i} | `{name}` | {yes[bool(k.COMMERCIAL[i])]} | {yes[bool(k.CHAINABLE[i])]} "
            f"| {_num(float(k.SPEND_W[i]))} | {_num(float(k.MARGIN[i]))} "
            f"| {_num(float(k.FIXED_PER_M2[i]))} | {_num(float(k.ATTRACT[i]))} "
            f"| {_num(float(k.MEET[i]))} | {yes[bool(k.SHOP_TYPE[i])]} "
            f"| {yes[bool(k.RETAIL_USE[i])]} | {_num(float(k.CHAIN_TEMPLATE[i]))} |"
        )
    return "\n".join(out) + "\n"


TABLES = {
    "param_table": param_table,
    "category_table": category_table,
    "scenario_table": scenario_table,
    "driver_table": driver_table,
}


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of table ``name`` in a Markdown file."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def extract(text: str, name: str) -> str:
    """The text between the markers of ``name`` (without the newline after the start marker).

    Raises:
        ValueError: if the markers are missing or out of order.
    """
    start, end = markers(name)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"markers {start} ... {end} not found in order")
    return text[i + len(start) + 1 : j]


def replace(text: str, name: str, table: str) -> str:
    """``text`` with the part between the markers of ``name`` replaced by ``table``."""
    start, end = markers(name)
    extract(text, name)  # raises if the markers are missing
    i, j = text.find(start), text.find(end)
    return text[: i + len(start)] + "\n" + table + text[j:]


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Print the tables, or write them into a file between their markers."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tables", nargs="*", help=f"any of {', '.join(TABLES)} (default: all)")
    ap.add_argument("--write", metavar="FILE", help="replace the tables in FILE in place")
    args = ap.parse_args(argv)
    for n in args.tables:
        if n not in TABLES:
            ap.error(f"unknown table '{n}' (allowed: {', '.join(TABLES)})")
    names = args.tables or list(TABLES)
    if args.write is None:
        sys.stdout.write("\n".join(TABLES[n]() for n in names))
        return 0
    path = Path(args.write)
    try:
        text = new = path.read_text(encoding="utf-8")
        for n in names:
            new = replace(new, n, TABLES[n]())
    except (OSError, ValueError) as exc:
        print(f"param_table: error: {path}: {exc}", file=sys.stderr)
        return 2
    if new != text:
        _write_atomic(path, new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
