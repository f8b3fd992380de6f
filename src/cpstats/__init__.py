"""cpstats: a local authority's child protection annual report, computed from record-level data."""

__all__ = ["__version__"]


def __getattr__(name: str):
    """``__version__``, looked up when first asked for (reading package metadata costs a command that needs none)."""
    if name != "__version__":
        raise AttributeError(f"module 'cpstats' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("cpstats")
    except PackageNotFoundError:  # running from a source tree without installation
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
