"""towncentre: an agent-based model of town-centre dynamics under governance scenarios."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("towncentre")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"
