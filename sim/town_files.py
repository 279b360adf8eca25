"""Town files: reading and writing a town's CSV of units and its catchment.

The CSV format (one row per unit; see ``scenarios/towns/README.md``)::

    # name: Ashby Market                  optional comment lines start with '#'
    id,x,y,floorspace,street,initial_use,owner_type,format,landlord
    1,-120.5,8.0,95,High Street,comparison,institutional,chain,Northgate REIT

Required columns are ``id, x, y, floorspace, street, initial_use, owner_type``; ``format``
and ``landlord`` are optional. Every loader error is a one-line :class:`TownError` naming the
file, the line (1-based, as a text editor counts; the header is line 1 when there are no
comment lines above it), the column and the allowed values.

A town's catchment (households, radius, density decay) is read from ``my_town.toml`` beside
``my_town.csv`` or from ``# key = value`` comment lines above the CSV header
(:func:`read_catchment`). :func:`save_town` writes a town back in the same format.

This module depends only on numpy, :mod:`sim.categories`, :mod:`sim.town_core` and
:func:`sim.bundled_dir` (the bundled towns, shipped as package data). Callers import its public
names from :mod:`sim.town`.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import numpy as np

from sim import bundled_dir
from sim.categories import CAT, CATEGORIES, CHAINABLE, FORMATS, OWNER, OWNER_TYPES, VACANT
from sim.town_core import (
    CATCHMENT_DERIVED,
    CATCHMENT_FILE,
    CROSS_M,
    MAX_GAP_M,
    Town,
    TownError,
    assemble_town,
    oneline,
    suggest,
)

#: The bundled scenarios directory (governance files, drivers/, towns/), as package data.
SCENARIOS_DIR: Path = bundled_dir()

#: Floorspace bounds accepted by the loader (m2): a kiosk to a large department store.
MAX_FLOORSPACE_M2: float = 100_000.0
#: Largest absolute coordinate accepted by the loader (metres). Local grids, the British
#: National Grid and UTM (northings up to 1e7 m) fit; so units are within ~2.8e7 m of each
#: other and distances never overflow.
MAX_COORD_M: float = 1e7
#: Unit ids accepted by the loader: 0 to 2**53 - 1 (exact in a float64, so ids survive any
#: table or JSON that stores them as floating point).
MAX_UNIT_ID: int = 2**53 - 1

#: Catchment keys of a town's ``.toml`` file or CSV header comments: (low, high, unit, open
#: low bound). The bounds are those of ``run.households``, ``residents.catchment_km`` and
#: ``residents.density_decay_km`` in sim/params.py (households must be > 0 here).
CATCHMENT_KEYS: dict[str, tuple[float, float, str, bool]] = {
    "households": (0.0, 1e7, "households", True),
    "catchment_km": (0.2, 50.0, "km", False),
    "density_decay_km": (0.05, 50.0, "km", False),
}

REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "x",
    "y",
    "floorspace",
    "street",
    "initial_use",
    "owner_type",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("format", "landlord")
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_USE_VALUES: tuple[str, ...] = CATEGORIES + ("vacant",)
_FORMAT_VALUES: tuple[str, ...] = FORMATS  # plus blank
_CHAINABLE_NAMES: tuple[str, ...] = tuple(
    c for c, ok in zip(CATEGORIES, CHAINABLE, strict=True) if ok
)
# A setting in a comment line above the CSV header: "# key = value".
_SETTING = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _norm(value: str) -> str:
    """Normalise a categorical value: strip, lower case, spaces and hyphens to underscores."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def _display(path: Path) -> str:
    """A bundled town as ``scenarios/towns/...`` (machine-independent); others as given."""
    try:
        rel = Path(path).resolve().relative_to(SCENARIOS_DIR.resolve())
    except ValueError:
        return str(path)
    return f"scenarios/{rel.as_posix()}"


def load_town(
    path: str | Path,
    *,
    main_street: str | None = None,
    max_gap_m: float = MAX_GAP_M,
    cross_m: float = CROSS_M,
) -> Town:
    """Load a town from a CSV of units.

    Columns (header names are case-insensitive; order is free):

    * ``id`` (integer, unique), ``x``, ``y`` (finite numbers, metres),
      ``floorspace`` (number in (0, 100000], m2), ``street`` (non-empty name),
      ``initial_use`` (a category of ``sim.categories.CATEGORIES`` or ``vacant``),
      ``owner_type`` (one of ``OWNER_TYPES``): required.
    * ``format`` (``independent``, ``chain`` or blank; blank means independent for an
      occupied unit; ``chain`` only for a chainable category of an occupied unit): optional.
    * ``landlord`` (any label; units with the same label share a landlord): optional. Units
      without a label are assigned deterministically: all council units to one landlord, all
      community units to another, institutional units in portfolios of about 8 units and
      local private units about 2 units per landlord, both by order along the streets.

    Lines starting with ``#`` are comments (``# name: <town name>`` sets the name, which
    otherwise is the file stem); blank lines are ignored; UTF-8 with or without BOM.

    Args:
        path: CSV file.
        main_street: Name of the main street (default: the street with most units).
        max_gap_m: Adjacency gap along a street, metres.
        cross_m: Adjacency distance across streets, metres.

    Returns:
        The town.

    Raises:
        TownError: On any problem with the file; the message is one line naming the file,
            line, column and the allowed values.
    """
    path = Path(path)
    where = oneline(str(path))
    if not path.is_file():
        raise TownError(f"{where}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TownError(f"{where}: not a UTF-8 text file ({exc.reason})") from None
    if not text.strip():
        raise TownError(f"{where}: file is empty; expected a header line {','.join(ALL_COLUMNS)}")

    name = path.stem
    comment_settings: dict[str, tuple[int, str]] = {}
    reader = csv.reader(text.splitlines(keepends=True))
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if row[0].lstrip().startswith("#"):
            comment = ",".join(row).lstrip()[1:].strip()
            if header is None and comment.lower().startswith("name:"):
                name = comment[5:].strip() or name
            setting = _SETTING.match(comment)
            if header is None and setting:
                key, value = setting.group(1).lower(), setting.group(2)
                if key in comment_settings:
                    raise TownError(
                        f"{where} line {line}, {key}: set twice (also on line "
                        f"{comment_settings[key][0]})"
                    )
                comment_settings[key] = (line, value)
            continue
        if header is None:
            header, header_line = [cell.strip().lower() for cell in row], line
        else:
            rows.append((line, row))
    if header is None:
        raise TownError(f"{where}: file is empty; expected a header line {','.join(ALL_COLUMNS)}")

    col: dict[str, int] = {}
    for j, cell in enumerate(header):
        if cell in col:
            raise TownError(f"{where} line {header_line}, column {cell}: duplicate column")
        if cell not in ALL_COLUMNS:
            shown = oneline(cell) or "(blank)"
            raise TownError(
                f"{where} line {header_line}, column {shown} (column {j + 1}): unknown column"
                f"{suggest(cell, ALL_COLUMNS)} (allowed: {', '.join(ALL_COLUMNS)})"
            )
        col[cell] = j
    for req in REQUIRED_COLUMNS:
        if req not in col:
            raise TownError(
                f"{where} line {header_line}, column {req}: missing required column "
                f"(required: {', '.join(REQUIRED_COLUMNS)})"
            )
    if not rows:
        raise TownError(f"{where} line {header_line}: no units after the header (need >= 1)")

    n = len(rows)
    unit_id = np.zeros(n, dtype=np.int64)
    xs = np.zeros(n)
    ys = np.zeros(n)
    fs = np.zeros(n)
    use = np.zeros(n, dtype=np.int8)
    chain = np.zeros(n, dtype=bool)
    owner = np.zeros(n, dtype=np.int8)
    streets: list[str] = []
    landlords: list[str] = []
    first_line: dict[int, int] = {}

    for k, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise TownError(
                f"{where} line {line}: {len(row)} values but the header (line {header_line}) "
                f"has {len(header)} columns"
            )

        def bad(column: str, raw: str, expected: str, line: int = line) -> TownError:
            return TownError(f"{where} line {line}, column {column}: '{oneline(raw)}' {expected}")

        raw = row[col["id"]].strip()
        try:
            uid = int(raw)
        except ValueError:
            raise bad("id", raw, f"is not an integer in [0, {MAX_UNIT_ID}]") from None
        if not 0 <= uid <= MAX_UNIT_ID:
            raise bad("id", raw, f"is outside [0, {MAX_UNIT_ID}] (2**53 - 1)")
        if uid in first_line:
            raise TownError(
                f"{where} line {line}, column id: duplicate id {uid} "
                f"(also on line {first_line[uid]}); ids must be unique"
            )
        first_line[uid] = line
        unit_id[k] = uid

        for column, arr in (("x", xs), ("y", ys)):
            raw = row[col[column]].strip()
            try:
                val = float(raw)
            except ValueError:
                val = float("nan")
            if not abs(val) <= MAX_COORD_M:
                raise bad(
                    column, raw, f"is not a number in [-{MAX_COORD_M:g}, {MAX_COORD_M:g}] (m)"
                )
            arr[k] = val

        raw = row[col["floorspace"]].strip()
        try:
            val = float(raw)
        except ValueError:
            val = float("nan")
        if not (0.0 < val <= MAX_FLOORSPACE_M2):
            raise bad("floorspace", raw, f"is not a number > 0 and <= {MAX_FLOORSPACE_M2:g} (m2)")
        fs[k] = val

        raw = row[col["street"]].strip()
        if not raw:
            raise bad("street", raw, "is blank; expected a street name")
        streets.append(raw)

        raw = row[col["initial_use"]]
        val_s = _norm(raw)
        if val_s not in _USE_VALUES:
            raise bad(
                "initial_use",
                raw.strip(),
                f"is not one of {', '.join(_USE_VALUES)}{suggest(val_s, _USE_VALUES)}",
            )
        use[k] = VACANT if val_s == "vacant" else CAT[val_s]

        raw = row[col["owner_type"]]
        val_s = _norm(raw)
        if val_s not in OWNER_TYPES:
            raise bad(
                "owner_type",
                raw.strip(),
                f"is not one of {', '.join(OWNER_TYPES)}{suggest(val_s, OWNER_TYPES)}",
            )
        owner[k] = OWNER[val_s]

        if "format" in col:
            raw = row[col["format"]]
            val_s = _norm(raw)
            if val_s not in ("",) + _FORMAT_VALUES:
                raise bad(
                    "format",
                    raw.strip(),
                    f"is not one of {', '.join(_FORMAT_VALUES)} or blank"
                    f"{suggest(val_s, _FORMAT_VALUES)}",
                )
            if val_s == "chain":
                if use[k] == VACANT:
                    raise bad("format", raw.strip(), "is not allowed on a vacant unit (use blank)")
                if not CHAINABLE[use[k]]:
                    raise bad(
                        "format",
                        raw.strip(),
                        f"is not allowed for initial_use '{CATEGORIES[use[k]]}' "
                        f"(chains trade only in {', '.join(_CHAINABLE_NAMES)})",
                    )
                chain[k] = True

        landlords.append(row[col["landlord"]].strip() if "landlord" in col else "")

    catchment = read_catchment(path, comment_settings)
    return assemble_town(
        name=name,
        source=_display(path),
        unit_id=unit_id,
        x=xs,
        y=ys,
        floorspace=fs,
        street_labels=streets,
        initial_use=use,
        initial_chain=chain,
        owner_type=owner,
        landlord_labels=landlords,
        main_street=main_street,
        max_gap_m=max_gap_m,
        cross_m=cross_m,
        where=where,
        catchment=catchment,
    )


def catchment_path(csv_path: str | Path) -> Path:
    """The optional catchment file of a town CSV: the same name with ``.toml``."""
    return Path(csv_path).with_suffix(".toml")


def read_catchment(
    csv_path: str | Path, comment_settings: dict[str, tuple[int, str]] | None = None
) -> dict[str, float | str]:
    """Read a town's catchment from its ``.toml`` file and CSV header comments.

    Keys (all optional; see :data:`CATCHMENT_KEYS` and scenarios/towns/README.md):
    ``households`` (number in (0, 1e7]), ``catchment_km`` (in [0.2, 50]) and
    ``density_decay_km`` (in [0.05, 50]). They may be written in ``my_town.toml`` beside
    ``my_town.csv`` or as comment lines above the CSV header (``# households = 12000``); a key
    set in both places is an error.

    Args:
        csv_path: The town CSV (its ``.toml`` sibling is read if it exists).
        comment_settings: ``key -> (line, value text)`` from the CSV's header comments.

    Returns:
        Keyword arguments of :class:`Town`: the keys found, and ``catchment_source``
        ``"file"`` if ``households`` was given (else households is left to the default).

    Raises:
        TownError: a one-line message naming the file, line or key, and the allowed range.
    """
    where = oneline(str(csv_path))
    found: dict[str, tuple[str, object]] = {}  # key -> (where it was set, value)
    for key, (line, text) in (comment_settings or {}).items():
        at = f"{where} line {line}, {key}"
        if key not in CATCHMENT_KEYS:
            raise TownError(
                f"{at}: unknown setting{suggest(key, tuple(CATCHMENT_KEYS))} "
                f"(allowed: {', '.join(CATCHMENT_KEYS)})"
            )
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        found[key] = (at, value)
    toml = catchment_path(csv_path)
    if toml.is_file():
        twhere = oneline(str(toml))
        try:
            data = tomllib.loads(toml.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise TownError(f"{twhere}: not a UTF-8 text file ({exc.reason})") from None
        except tomllib.TOMLDecodeError as exc:
            raise TownError(f"{twhere}: not valid TOML ({oneline(str(exc))})") from None
        for key, value in data.items():
            at = f"{twhere}, key {oneline(key)}"
            if key not in CATCHMENT_KEYS:
                raise TownError(
                    f"{at}: unknown key{suggest(key, tuple(CATCHMENT_KEYS))} "
                    f"(allowed: {', '.join(CATCHMENT_KEYS)})"
                )
            if key in found:
                raise TownError(f"{at}: also set in {found[key][0]}; set it in one place")
            found[key] = (at, value)
    out: dict[str, float | str] = {}
    for key, (at, value) in found.items():
        lo, hi, unit, open_lo = CATCHMENT_KEYS[key]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            ok = (lo < value if open_lo else lo <= value) and value <= hi  # False for nan
        if not ok:
            rng = f"> {lo:g} and <= {hi:g}" if open_lo else f"in [{lo:g}, {hi:g}]"
            raise TownError(f"{at}: {oneline(repr(value))} is not a number {rng} ({unit})")
        out[key] = float(value)
    if "households" in out:
        out["catchment_source"] = CATCHMENT_FILE
    return out


def save_town(
    town: Town, path: str | Path, *, catchment: bool = True, comments: tuple[str, ...] = ()
) -> Path:
    """Write a town as CSV (the :func:`load_town` format, all columns).

    Numbers are written with Python's shortest round-trip ``repr``, streets and landlords in
    order of first appearance, so ``load_town(save_town(t, p))`` reproduces every array of
    ``t`` exactly (provided ``t.main_street`` is the street with most units), and its
    catchment: header comments ``# households = ...`` (and radius, decay) unless the
    households were derived from floorspace, which loading derives again.

    Args:
        town: The town to write.
        path: Destination file (parent directories are created).
        catchment: Write the catchment comments (False when a ``.toml`` will hold them).
        comments: Extra comment lines written under the name (without ``#``).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# name: {oneline(town.name)}\n")
        for line in comments:
            fh.write(f"# {oneline(line)}\n")
        if catchment:
            fh.write(_catchment_comments(town))
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ALL_COLUMNS)
        for i in range(town.n_units):
            u = int(town.initial_use[i])
            writer.writerow(
                [
                    int(town.unit_id[i]),
                    _num(town.x[i]),
                    _num(town.y[i]),
                    _num(town.floorspace[i]),
                    town.street_names[town.street[i]],
                    "vacant" if u == VACANT else CATEGORIES[u],
                    OWNER_TYPES[town.owner_type[i]],
                    "" if u == VACANT else FORMATS[int(town.initial_chain[i])],
                    town.landlord_names[town.landlord[i]],
                ]
            )
    return path


def _catchment_comments(town: Town) -> str:
    """Header comment lines of a town's catchment (see :func:`save_town`)."""
    if town.catchment_source == CATCHMENT_DERIVED:
        lines = [f"# catchment: {_num(town.households)} households, {CATCHMENT_DERIVED}"]
    else:
        lines = [f"# households = {_num(town.households)}"]
    for key in ("catchment_km", "density_decay_km"):
        if getattr(town, key) is not None:
            lines.append(f"# {key} = {_num(getattr(town, key))}")
    return "\n".join(lines) + "\n"


def _num(v: float) -> str:
    """Shortest exact text of a float (integers without '.0')."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
