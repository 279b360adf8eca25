"""The bundled scenarios, drivers and towns, installed as the package data ``sim.bundled``.

pyproject.toml maps this folder to ``sim.bundled``; ``sim.scenarios`` and ``sim.town`` find
the files through :mod:`importlib.resources` (``sim.bundled_dir``), from any folder and for
editable and non-editable installs alike. This file holds no code.
"""
