"""towncentre: an agent-based model of town-centre dynamics under governance scenarios.

Importing the package points numba's on-disk cache (``NUMBA_CACHE_DIR``) at a folder keyed
by a hash of the package's source, every ``.py`` file under ``sim/`` (and the package's
location), before any module imports numba. Numba's own cache only notices edits to the file
of the function it compiled, so a caller in one module kept running the old code of a helper
edited in another; with the whole source in the key, any edit starts a new cache folder and
a stale kernel cannot be loaded. The folder is ``$NUMBA_CACHE_DIR/towncentre-<hash>`` if the
user set ``NUMBA_CACHE_DIR``, otherwise ``$XDG_CACHE_HOME/towncentre/numba/towncentre-<hash>``
(``~/.cache`` without ``XDG_CACHE_HOME``), never inside the installed package. Sibling
``towncentre-<hash>`` folders unused for :data:`PRUNE_AFTER_S` seconds are removed. While the
folder holds no compiled kernel, the first model run compiles them all (about a minute; the
command line says so, see :func:`kernels_compiled`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    __version__ = version("towncentre")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

#: The package's folder; its ``.py`` files are hashed into the kernel cache's key.
PACKAGE_DIR: Path = Path(__file__).resolve().parent

#: A kernel cache folder is named ``towncentre-`` and the first 16 hex digits of the hash.
_CACHE_NAME = re.compile(r"towncentre-[0-9a-f]{16}")

#: Cache folders of other source versions unused for this long are removed (seconds; a day,
#: so that checkouts used side by side on one machine do not delete each other's caches).
PRUNE_AFTER_S: float = 24 * 3600.0


def source_hash(root: Path = PACKAGE_DIR) -> str:
    """Hash the package's location and every ``.py`` file under it (path and bytes).

    Takes about 3 ms for the package's ~40 files (0.5 MB).

    Args:
        root: The package folder (default: this package).

    Returns:
        The first 16 hex digits of the SHA-256 of ``root``'s absolute path and the files'
        relative paths and contents, in path order.
    """
    h = hashlib.sha256(str(root.resolve()).encode())
    for path in sorted(root.rglob("*.py")):
        data = path.read_bytes()
        name = path.relative_to(root).as_posix().encode()
        h.update(b"%d:%s%d:" % (len(name), name, len(data)))
        h.update(data)
    return h.hexdigest()[:16]


def kernel_cache_dir(key: str, environ: Mapping[str, str] = os.environ) -> Path:
    """The numba cache folder for source hash ``key``.

    Args:
        key: :func:`source_hash` of the package.
        environ: The environment read (default: this process's).

    Returns:
        ``<base>/towncentre-<key>``, where base is the user's ``NUMBA_CACHE_DIR`` (or its
        parent, when it already names one of these folders, as in a child process) or
        ``$XDG_CACHE_HOME/towncentre/numba`` (``~/.cache/towncentre/numba``).
    """
    user = environ.get("NUMBA_CACHE_DIR", "")
    if user:
        base = Path(user)
        if _CACHE_NAME.fullmatch(base.name):  # set by a parent process importing sim
            base = base.parent
    else:
        xdg = environ.get("XDG_CACHE_HOME", "")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "towncentre" / "numba"
    return base / f"towncentre-{key}"


def prune_kernel_caches(current: Path, older_than_s: float = PRUNE_AFTER_S) -> list[Path]:
    """Remove the sibling cache folders of other source versions unused for a while.

    Only folders named like ``towncentre-<16 hex digits>`` are touched; ``current`` is
    kept. A folder's modification time is its last use (:func:`configure_kernel_cache`
    touches the folder it uses).

    Args:
        current: The folder in use.
        older_than_s: Age in seconds past which an unused folder is removed.

    Returns:
        The folders removed.
    """
    gone = []
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for folder in current.parent.iterdir():
            if folder == current or not _CACHE_NAME.fullmatch(folder.name):
                continue
            with contextlib.suppress(OSError):
                if folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder)
                    gone.append(folder)
    return gone


def configure_kernel_cache() -> Path:
    """Point numba's cache at this source version's folder (see the module docstring).

    Sets ``NUMBA_CACHE_DIR`` in the environment (inherited by worker processes) and, if
    numba is already imported, reloads its configuration. If the folder cannot be created
    (a read-only home, say), a new private folder under the temporary directory is used.

    Returns:
        The cache folder.
    """
    folder = kernel_cache_dir(source_hash())
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix="towncentre-numba-")) / folder.name
        folder.mkdir()
    with contextlib.suppress(OSError):
        os.utime(folder)  # marks its last use, for pruning
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:  # imported before sim: numba re-reads its environment
        sys.modules["numba"].config.reload_config()
    prune_kernel_caches(folder)
    return folder


def bundled_dir() -> Path:
    """The bundled scenarios, drivers and towns (the repository's ``scenarios/`` folder).

    Installed as the package data ``sim.bundled`` (pyproject.toml maps ``scenarios/`` to it)
    and found through :mod:`importlib.resources`; a source tree used without installing it
    (or installed before ``sim.bundled`` existed) reads ``scenarios/`` beside ``sim/``.
    """
    try:
        return Path(str(resources.files("sim.bundled")))
    except ModuleNotFoundError:
        return PACKAGE_DIR.parent / "scenarios"


#: The numba cache folder of this source version.
KERNEL_CACHE_DIR: Path = configure_kernel_cache()


def kernels_compiled() -> bool:
    """Whether :data:`KERNEL_CACHE_DIR` holds compiled kernels (if not, the next model run
    compiles them: about a minute). Numba makes its folders in it when the modules are
    imported, and writes an index file (``.nbi``) for each kernel it compiles."""
    return any(KERNEL_CACHE_DIR.rglob("*.nbi"))
