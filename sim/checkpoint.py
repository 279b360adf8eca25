"""Checkpoints: an atomic, data-only snapshot of a run's full state, and resuming from it.

A checkpoint is one ``.npz`` file (``numpy.savez``; every array is a plain numeric or
boolean array, never an object array, and it is read back with ``allow_pickle=False``):

* ``res/*``, ``units/*``, ``col/*``, ``world/*``: every array of the state
  (:class:`~sim.state.World`: residents, units and occupiers, the collective state);
* ``town/*``: the town's arrays (so a checkpoint rebuilds its town without the CSV);
* ``dc/*``: the DataCollector's rows so far, one float64 array per outcome;
* ``meta.json``: UTF-8 JSON (as a uint8 array) with the run seed, the week, every scalar
  of the state (collective state, ledger, counts, footfall averages, the current outcomes,
  Mesa's step counter and agent ids) with its exact type, the scenario, drivers, town
  names and sources, every parameter value, and a hash of the run's inputs.

Nothing in a checkpoint is executed or unpickled. :func:`restore_checkpoint` takes a model
built with ``TownModel(...)`` from the same inputs (the CLI's ``--resume`` builds it from the
command line) and overwrites its state, after checking that the inputs hash matches;
:func:`load_checkpoint` rebuilds the model from the inputs stored in the file. A run resumed
from a checkpoint continues exactly as the uninterrupted run would: the random streams are
addressed by (seed, name, week), so nothing else needs saving.

Problems with a checkpoint (missing, not a checkpoint, written for other inputs or another
model version) raise :class:`~sim.scenarios.InputError` with a one-line message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.model import OUTCOMES, TownModel
from sim.results import atomic_write_bytes
from sim.scenarios import Drivers, InputError, Scenario, Shock
from sim.state import derive
from sim.town import Town

#: File name of the checkpoint inside a run's output folder.
CHECKPOINT_NAME: str = "checkpoint.npz"
#: Format version of the file (bump when the layout changes).
FORMAT: int = 1
_MAGIC = "towncentre-checkpoint"

#: The town's catchment (households, radius, density decay): part of its inputs.
_TOWN_CATCHMENT = ("households", "catchment_km", "density_decay_km")
_TOWN_ARRAYS = (
    "unit_id",
    "x",
    "y",
    "floorspace",
    "street",
    "initial_use",
    "initial_chain",
    "owner_type",
    "landlord",
    "adj_indptr",
    "adj_indices",
)
_WORLD_ARRAYS = ("pref", "indep_taste", "arrival", "walk_from", "neigh_indptr", "neigh_indices")
_WORLD_SCALARS = ("weight", "n_landlords", "week")
_MODEL_SCALARS = ("week", "running", "steps")
_MODEL_DICTS = ("counts", "last_identities", "outcomes")


# ------------------------------------------------------------------------------ scalars


def _enc(v: Any, where: str) -> dict[str, Any]:
    """A scalar as ``{"t": type tag, "v": JSON value}`` (exact: floats round-trip)."""
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": v}
    if isinstance(v, float):
        return {"t": "float", "v": v}
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        return {"t": v.dtype.str, "v": v.item()}
    raise TypeError(f"checkpoint: cannot store {where} of type {type(v).__name__}")


def _dec(d: dict[str, Any]) -> Any:
    t, v = d["t"], d["v"]
    if t == "bool":
        return bool(v)
    if t == "int":
        return int(v)
    if t == "float":
        return float(v)
    return np.dtype(t).type(v)


def _plain_array(a: np.ndarray, where: str) -> np.ndarray:
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf":
        raise TypeError(f"checkpoint: {where} is not a numeric array")
    return a


# ------------------------------------------------------------------------------ inputs


def _drivers_dict(d: Drivers) -> dict[str, Any]:
    out = dataclasses.asdict(d)
    out["shocks"] = [dataclasses.asdict(s) for s in d.shocks]
    return out


def _drivers_from(d: dict[str, Any]) -> Drivers:
    kw = dict(d)
    kw["shocks"] = tuple(Shock(**s) for s in d["shocks"])
    kw["online_year"] = tuple(d["online_year"])
    kw["online_share"] = tuple(d["online_share"])
    return Drivers(**kw)


def _sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def town_hash(town: Town) -> str:
    """SHA-256 of everything in a town that the model uses (arrays and main street)."""
    h = hashlib.sha256()
    for k in _TOWN_ARRAYS:
        a = np.ascontiguousarray(getattr(town, k))
        h.update(k.encode())
        h.update(a.dtype.str.encode())
        h.update(a.tobytes())
    h.update(str(town.main_street).encode())
    for k in _TOWN_CATCHMENT:
        h.update(f"{k}={getattr(town, k)!r}".encode())
    return h.hexdigest()


def input_hashes(model: TownModel) -> dict[str, str]:
    """Hashes of a model's inputs: parameters, drivers, town, seed and model version.

    Names, descriptions and file paths are left out: they do not change the run.
    """
    drv = _drivers_dict(model.drivers)
    for k in ("name", "description", "source"):
        drv.pop(k, None)
    return {
        "parameters": _sha(model.pars.to_dict()),
        "programme": _sha(model.scenario.programme_dict()),
        "drivers": _sha(drv),
        "town": town_hash(model.town),
        "seed": _sha(int(model.run_seed)),
        "version": _sha(sim.__version__),
    }


def inputs_hash(model: TownModel) -> str:
    """One SHA-256 over :func:`input_hashes`."""
    return _sha(input_hashes(model))


# ------------------------------------------------------------------------------ saving


def _agent_ids(model: TownModel) -> dict[str, Any]:
    """Mesa agent ids (so a resumed run's agents carry the same ids)."""
    occ = [(int(j), int(a.unique_id)) for j, a in model.occupier_agents.items()]
    out: dict[str, Any] = {"occupiers": occ}
    counter = getattr(type(model.council_agent), "_ids", None)
    if counter is not None and model in counter:
        nxt = next(counter[model])
        counter[model] = itertools.count(nxt)
        out["next_id"] = nxt
    return out


def checkpoint_arrays(model: TownModel) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and the JSON metadata of a model's state (what :func:`save_checkpoint` writes).

    Args:
        model: A TownModel at any week.

    Returns:
        ``(arrays, meta)``.
    """
    w = model.world
    arrays: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(w.res):
        arrays[f"res/{f.name}"] = _plain_array(getattr(w.res, f.name), f"res.{f.name}")
    for f in dataclasses.fields(w.units):
        arrays[f"units/{f.name}"] = _plain_array(getattr(w.units, f.name), f"units.{f.name}")
    col: dict[str, Any] = {}
    for k, v in vars(w.col).items():
        if isinstance(v, np.ndarray):
            arrays[f"col/{k}"] = _plain_array(v, f"col.{k}")
        else:
            col[k] = _enc(v, f"col.{k}")
    for k in _WORLD_ARRAYS:
        arrays[f"world/{k}"] = _plain_array(getattr(w, k), f"world.{k}")
    for k in _TOWN_ARRAYS:
        arrays[f"town/{k}"] = np.asarray(getattr(model.town, k))
    dc = model.datacollector.model_vars
    for k in OUTCOMES:
        arrays[f"dc/{k}"] = np.asarray(dc[k], dtype=np.float64)
    t = model.town
    scn = model.scenario
    meta: dict[str, Any] = {
        "magic": _MAGIC,
        "format": FORMAT,
        "version": sim.__version__,
        "seed": int(model.run_seed),
        "week": int(model.week),
        "weeks": int(model.n_weeks),
        "inputs_hash": inputs_hash(model),
        "input_hashes": input_hashes(model),
        "scenario": {
            "name": scn.name,
            "description": scn.description,
            "overrides": scn.overrides,
            "source": scn.source,
            "programme": scn.programme_dict(),
        },
        "drivers": _drivers_dict(model.drivers),
        "town": {
            "name": t.name,
            "source": t.source,
            "street_names": list(t.street_names),
            "landlord_names": list(t.landlord_names),
            "main_street": int(t.main_street),
            **{k: getattr(t, k) for k in _TOWN_CATCHMENT + ("catchment_source",)},
        },
        "parameters": model.pars.to_dict(),
        "col": col,
        "ledger": {k: _enc(v, f"ledger.{k}") for k, v in vars(w.ledger).items()},
        "world": {k: _enc(getattr(w, k), f"world.{k}") for k in _WORLD_SCALARS},
        "model": {k: _enc(getattr(model, k), k) for k in _MODEL_SCALARS},
        "dicts": {
            name: {k: _enc(v, f"{name}.{k}") for k, v in getattr(model, name).items()}
            for name in _MODEL_DICTS
        },
        "dc_rows": len(dc[OUTCOMES[0]]),
        "agents": _agent_ids(model),
        "mesa_rng": model.rng.bit_generator.state,
        "mesa_random": model.random.getstate(),
    }
    return arrays, meta


def save_checkpoint(model: TownModel, path: str | Path) -> Path:
    """Write a model's full state to ``path`` atomically (temporary file, then ``os.replace``).

    Args:
        model: A TownModel at any week.
        path: Destination ``.npz`` file; its folder is created if missing.

    Returns:
        The path written.
    """
    path = Path(path)
    arrays, meta = checkpoint_arrays(model)
    arrays["meta.json"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


# ------------------------------------------------------------------------------ loading


def _read(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a towncentre checkpoint (not an .npz file)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop("meta.json").tobytes().decode())
        if not isinstance(meta, dict) or meta.get("magic") != _MAGIC:
            raise ValueError("no towncentre metadata")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        msg = " ".join(str(e).split())[:200]
        raise InputError(f"{path}: not a towncentre checkpoint ({msg})") from None
    if meta.get("format") != FORMAT:
        raise InputError(
            f"{path}: checkpoint format {meta.get('format')!r} is not {FORMAT} (written by "
            f"towncentre {meta.get('version')}); start the run again without --resume"
        )
    return arrays, meta


def checkpoint_meta(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a checkpoint (seed, week, inputs, hashes).

    Raises:
        InputError: missing file or not a checkpoint.
    """
    return _read(path)[1]


def _town_from(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Town:
    t = meta["town"]
    return Town(
        name=t["name"],
        source=t["source"],
        street_names=tuple(t["street_names"]),
        landlord_names=tuple(t["landlord_names"]),
        main_street=t["main_street"],
        **{k: t[k] for k in _TOWN_CATCHMENT + ("catchment_source",) if k in t},
        **{k: arrays[f"town/{k}"] for k in _TOWN_ARRAYS},
    )


def _set_array(obj: Any, name: str, new: np.ndarray, where: str, fixed: bool = True) -> None:
    """Replace an array; ``fixed``: its shape must match (variable-length ones need not)."""
    old = getattr(obj, name)
    if isinstance(old, np.ndarray) and (
        (fixed and old.shape != new.shape) or old.dtype != new.dtype
    ):
        raise InputError(
            f"{where}: array {name} has shape {new.shape} {new.dtype}, the model expects "
            f"{old.shape} {old.dtype}"
        )
    setattr(obj, name, np.array(new, copy=True))


def restore_checkpoint(model: TownModel, path: str | Path) -> TownModel:
    """Overwrite the state of ``model`` (built from the same inputs) with a checkpoint's.

    Args:
        model: A TownModel built with the inputs the checkpoint was written with.
        path: The checkpoint file.

    Returns:
        ``model``, now at the checkpoint's week.

    Raises:
        InputError: not a checkpoint, or written for other inputs (names which differ).
    """
    arrays, meta = _read(path)
    mine = input_hashes(model)
    theirs = meta.get("input_hashes", {})
    if inputs_hash(model) != meta.get("inputs_hash") or mine != theirs:
        diff = [k for k in mine if mine[k] != theirs.get(k)] or ["inputs"]
        raise InputError(
            f"{path}: checkpoint was written for a run with different {', '.join(diff)} "
            f"(seed {meta.get('seed')}, scenario {meta.get('scenario', {}).get('name')}); "
            "resume with the same scenario, drivers, town, seed, residents and years"
        )
    w = model.world
    where = str(path)
    need = [f"dc/{k}" for k in OUTCOMES] + [f"world/{k}" for k in _WORLD_ARRAYS]
    need += [f"res/{f.name}" for f in dataclasses.fields(w.res)]
    need += [f"units/{f.name}" for f in dataclasses.fields(w.units)]
    missing = [k for k in need if k not in arrays]
    if missing or not {"col", "ledger", "world", "model", "dicts", "agents"} <= set(meta):
        raise InputError(
            f"{path}: checkpoint lacks {', '.join(missing[:3]) or 'state'} (written by another "
            "model version?); start the run again without --resume"
        )
    for f in dataclasses.fields(w.res):
        _set_array(w.res, f.name, arrays[f"res/{f.name}"], where)
    for f in dataclasses.fields(w.units):
        _set_array(w.units, f.name, arrays[f"units/{f.name}"], where)
    for k in [k for k in arrays if k.startswith("col/")]:
        _set_array(w.col, k[4:], arrays[k], where, fixed=False)
    for k, v in meta["col"].items():
        setattr(w.col, k, _dec(v))
    for k in _WORLD_ARRAYS:
        _set_array(w, k, arrays[f"world/{k}"], where)
    for k, v in meta["world"].items():
        setattr(w, k, _dec(v))
    for k, v in meta["ledger"].items():
        setattr(w.ledger, k, _dec(v))
    w.derived = derive(w, model.pars)  # the derived arrays of the restored state
    for k, v in meta["model"].items():
        setattr(model, k, _dec(v))
    for name, d in meta["dicts"].items():
        target = getattr(model, name)
        target.clear()
        target.update({k: _dec(v) for k, v in d.items()})
    dc = model.datacollector.model_vars
    for k in OUTCOMES:
        dc[k] = arrays[f"dc/{k}"].tolist()
    _restore_agents(model, meta["agents"])
    model.rng.bit_generator.state = meta["mesa_rng"]
    st = meta["mesa_random"]
    model.random.setstate((st[0], tuple(st[1]), st[2]))
    return model


def _restore_agents(model: TownModel, agents: dict[str, Any]) -> None:
    from sim.agents import Occupier

    for a in list(model.occupier_agents.values()):
        a.remove()
    model.occupier_agents.clear()
    for j, uid in agents["occupiers"]:
        a = Occupier(model, j)
        a.unique_id = uid
        model.occupier_agents[j] = a
    counter = getattr(type(model.council_agent), "_ids", None)
    if counter is not None and "next_id" in agents:
        counter[model] = itertools.count(agents["next_id"])


def load_checkpoint(path: str | Path) -> TownModel:
    """Rebuild a TownModel from the inputs stored in a checkpoint and restore its state.

    Args:
        path: The checkpoint file.

    Returns:
        The model at the checkpoint's week (call ``run()`` to finish it).
    """
    arrays, meta = _read(path)
    s = meta["scenario"]
    prog = s.get("programme", {})
    paths: dict[str, dict[str, Any]] = {}
    for key, p in prog.get("paths", {}).items():
        g, n = key.split(".")
        paths.setdefault(g, {})[n] = (tuple(p["year"]), tuple(p["value"]))
    scn = Scenario(
        s["name"],
        s["description"],
        s["overrides"],
        s["source"],
        prog.get("start_year"),
        prog.get("end_year"),
        paths,
    )
    model = TownModel(
        scenario=scn,
        drivers=_drivers_from(meta["drivers"]),
        town=_town_from(arrays, meta),
        rng=int(meta["seed"]),
        overrides=meta["parameters"],
    )
    return restore_checkpoint(model, path)


# ------------------------------------------------------------------------------ running


def run_with_checkpoints(
    model: TownModel,
    path: str | Path,
    every: int | None,
    progress: Any = None,
    on_save: Callable[[TownModel], Any] | None = None,
) -> TownModel:
    """Run ``model`` to its horizon, saving a checkpoint to ``path`` every ``every`` weeks.

    Args:
        model: A TownModel (fresh, or restored from a checkpoint).
        path: Checkpoint file, overwritten atomically at each save.
        every: Weeks between checkpoints (None or 0: never).
        progress: Object with ``update(n)`` called once per week (e.g. a tqdm bar).
        on_save: Called after each save (for tests and logging).

    Returns:
        ``model``, finished.
    """
    while not model.finished:
        model.step()
        if progress is not None:
            progress.update(1)
        if every and model.week % every == 0 and not model.finished:
            save_checkpoint(model, path)
            if on_save is not None:
                on_save(model)
    return model
