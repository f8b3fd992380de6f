"""cpstats: a local authority's child protection annual report, computed from record-level data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cpstats")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
