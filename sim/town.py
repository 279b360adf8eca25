"""Towns: a town specification (bundled name, file or layout) to a :class:`Town`.

A town is either one of the built-in generated layouts (a linear high street, a cross, a
small grid) or a user's own CSV of units. The town modules, by responsibility:

* :mod:`sim.town_core`: the :class:`Town` (units, streets, adjacency, walking distances,
  catchment and calibration range) and :func:`assemble_town`;
* :mod:`sim.town_files`: reading and writing town CSVs and their catchment (:func:`load_town`,
  :func:`save_town`, :func:`read_catchment`), with one-line :class:`TownError` messages;
* :mod:`sim.town_layouts`: the generated layouts (:func:`generate_town`, :data:`LAYOUTS`);
* this module: :func:`resolve_town` and the bundled towns, and the names the rest of the
  package uses (import them from here).
"""

from __future__ import annotations

from pathlib import Path

from sim.town_core import (
    CATCHMENT_DERIVED,
    DETOUR_FACTOR,
    REFERENCE_FLOORSPACE_M2,
    REFERENCE_HOUSEHOLDS,
    REFERENCE_UNITS,
    Town,
    TownError,
    assemble_town,
    build_adjacency,
    derived_households,
    oneline,
    suggest,
)
from sim.town_files import (
    CATCHMENT_KEYS,
    MAX_FLOORSPACE_M2,
    SCENARIOS_DIR,
    catchment_path,
    load_town,
    save_town,
)
from sim.town_layouts import LAYOUTS, generate_town

#: The bundled example town (a fictional English market town, "Ashby Market").
EXAMPLE_TOWN: Path = SCENARIOS_DIR / "towns" / "example_town.csv"


def resolve_town(spec: str | Path | None) -> Town:
    """Turn a town specification into a Town.

    Args:
        spec: ``None`` for the bundled example town (``scenarios/towns/example_town.csv``);
            a layout name or ``"generated:<layout>[:<n_units>[:<seed>]]"`` for
            :func:`generate_town`; otherwise a CSV path, tried relative to the current
            directory, then to the bundled ``scenarios/towns/`` (``.csv`` may be omitted).

    Returns:
        The town.

    Raises:
        TownError: Unknown layout, bad generated arguments, file not found or a bad file.
    """
    if spec is None:
        return load_town(EXAMPLE_TOWN)
    if isinstance(spec, str):
        text = spec.strip()
        if text in LAYOUTS:
            return generate_town(text)
        if text.startswith("generated:"):
            parts = text.split(":")[1:]
            layout = parts[0]
            if layout not in LAYOUTS or len(parts) > 3:
                raise TownError(
                    f"{text}: expected generated:<layout>[:<n_units>[:<seed>]] with layout one "
                    f"of {', '.join(LAYOUTS)}{suggest(layout, LAYOUTS)}"
                )
            try:
                nums = [int(p) for p in parts[1:]]
            except ValueError:
                raise TownError(f"{text}: n_units and seed must be integers") from None
            return generate_town(layout, *nums)
    path = Path(spec)
    towns_dir = SCENARIOS_DIR / "towns"
    candidates = [path]
    if not path.is_absolute():
        candidates.append(towns_dir / path)
    if path.suffix == "":
        candidates += [c.with_suffix(".csv") for c in list(candidates)]
    for cand in candidates:
        if cand.is_file():
            return load_town(cand)
    raise TownError(
        f"{oneline(str(spec))}: file not found (looked in the current directory and the "
        f"bundled towns: {', '.join(town_names())}; built-in layouts: {', '.join(LAYOUTS)})"
    )


def town_names() -> list[str]:
    """Names of the bundled towns (CSV files in ``scenarios/towns/``)."""
    return sorted(p.stem for p in (SCENARIOS_DIR / "towns").glob("*.csv"))


__all__ = [
    "CATCHMENT_DERIVED",
    "CATCHMENT_KEYS",
    "DETOUR_FACTOR",
    "EXAMPLE_TOWN",
    "LAYOUTS",
    "MAX_FLOORSPACE_M2",
    "REFERENCE_FLOORSPACE_M2",
    "REFERENCE_HOUSEHOLDS",
    "REFERENCE_UNITS",
    "SCENARIOS_DIR",
    "Town",
    "TownError",
    "assemble_town",
    "build_adjacency",
    "catchment_path",
    "derived_households",
    "generate_town",
    "load_town",
    "resolve_town",
    "save_town",
    "town_names",
]
