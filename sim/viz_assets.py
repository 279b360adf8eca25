"""Offline front-end assets for the visualisation page (``towncentre viz --install-assets``).

Solara serves the page's JavaScript, CSS and fonts through a local proxy at ``/_solara/cdn/``
that fetches each file from a public CDN on first request and caches it in
``$VIRTUAL_ENV/share/solara/cdn/<package>@<version>/``. With no internet the page would stay
blank. :func:`install` fills that cache ahead of time from the npm registry, with
``npm pack`` of the exact package versions Solara asks for (PLATFORM.md, "SolaraViz"), so the
page then works with no network at all; :func:`missing` tells which packages are absent.

This module imports neither Mesa nor Solara's widgets; it only reads Solara's cache setting.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: npm packages (name, exact version) the Solara page loads, and one file each must contain.
PACKAGES: tuple[tuple[str, str, str], ...] = (
    ("@widgetti/solara-vuetify-app", "10.1.1", "dist/solara-vuetify-app8.min.js"),
    ("requirejs", "2.3.6", "require.js"),
    ("font-awesome", "4.5.0", "css/font-awesome.min.css"),
    ("@widgetti/vue-grid-layout", "2.3.13-alpha.2", "dist/vue-grid-layout.umd.js"),
    ("mermaid", "10.8.0", "dist/mermaid.min.js"),
    ("katex", "0.16.9", "dist/katex.min.js"),
)


class AssetError(RuntimeError):
    """The assets could not be installed (one-line message saying why and what to do)."""


def cache_dir() -> Path:
    """Solara's CDN cache folder (``SOLARA_ASSETS_PROXY_CACHE_DIR`` or ``<prefix>/share/...``)."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    try:
        from solara.server import settings
    except ImportError:  # solara not installed: the venv layout Solara would use
        return Path(sys.prefix) / "share" / "solara" / "cdn"
    return Path(settings.assets.proxy_cache_dir)


def missing(root: Path | None = None) -> list[str]:
    """``name@version`` of every package whose files are not in the cache.

    Args:
        root: Cache folder (default: :func:`cache_dir`).
    """
    root = cache_dir() if root is None else root
    return [f"{n}@{v}" for n, v, probe in PACKAGES if not (root / f"{n}@{v}" / probe).is_file()]


def _extract(tgz: Path, dest: Path) -> None:
    """Extract an npm tarball's ``package/`` folder into ``dest`` (atomically replaced)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tc-", dir=dest.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the cache is read by whoever serves the page
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            members = []
            for m in tar.getmembers():
                parts = Path(m.name).parts
                if len(parts) < 2 or ".." in parts or not (m.isfile() or m.isdir()):
                    continue
                m.name = str(Path(*parts[1:]))  # drop the top folder ("package/")
                members.append(m)
            try:
                tar.extractall(tmp, members=members, filter="data")
            except TypeError:  # pragma: no cover - Python without tarfile filters
                tar.extractall(tmp, members=members)  # noqa: S202 - members checked above
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def install(root: Path | None = None, npm: str | None = None, quiet: bool = False) -> list[str]:
    """Fill Solara's CDN cache with every package of :data:`PACKAGES` that is missing.

    Args:
        root: Cache folder (default: :func:`cache_dir`).
        npm: The npm executable (default: ``npm`` on the PATH).
        quiet: Print nothing.

    Returns:
        ``name@version`` of the packages installed (empty if all were present).

    Raises:
        AssetError: npm is missing, or a package could not be fetched or unpacked.
    """
    root = cache_dir() if root is None else root
    todo = missing(root)
    if not todo:
        return []
    npm = npm or shutil.which("npm")
    if not npm:
        raise AssetError(
            "npm not found: install Node.js/npm (e.g. apt-get install npm), then run "
            "'towncentre viz --install-assets' once while online"
        )
    root.mkdir(parents=True, exist_ok=True)
    done = []
    with tempfile.TemporaryDirectory(prefix="tc-npm-") as tmpd:
        for spec in todo:
            if not quiet:
                print(f"fetching {spec} (npm pack) into {root}", flush=True)
            try:
                out = subprocess.run(
                    [npm, "pack", spec, "--pack-destination", tmpd, "--silent"],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise AssetError(f"npm pack {spec} failed: {exc}") from exc
            lines = [x for x in out.stdout.splitlines() if x.strip()]
            if out.returncode != 0 or not lines:
                err = " ".join(out.stderr.split())[:300]
                raise AssetError(f"npm pack {spec} failed (is the npm registry reachable?): {err}")
            _extract(Path(tmpd) / lines[-1].strip(), root / spec)
            done.append(spec)
    left = missing(root)
    if left:
        raise AssetError(f"assets still missing after install: {', '.join(left)}")
    return done


__all__ = ["PACKAGES", "AssetError", "cache_dir", "install", "missing"]
