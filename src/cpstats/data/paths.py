"""Where the folders a notebook or command names are: found from the working directory or the project root."""

from __future__ import annotations

from pathlib import Path

__all__ = ["resolve_input_dir", "project_root"]


def resolve_input_dir(path: str | Path, start: Path | None = None) -> Path:
    """Find a folder named in a notebook's parameters.

    A relative path is tried from the working directory (``notebooks/`` when
    a notebook runs in Jupyter), then from each parent folder up to the
    project root (the folder with ``_quarto.yml`` or ``pyproject.toml``), so
    ``../data/sample`` and ``data/sample`` both work from either place.

    Parameters
    ----------
    path : str or Path
        The folder as given.
    start : Path, optional
        Where to start; the working directory by default.

    Returns
    -------
    Path
        An absolute path; the first candidate if none exists (so the error
        that follows names the folder as given).
    """
    path = Path(path)
    if path.is_absolute():
        return path
    start = Path(start or Path.cwd()).resolve()
    candidates = [start / path]
    root = _project_root(start)
    if root is not None:
        candidates.append(root / _strip_parents(path))
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    return candidates[0]


def _project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` with ``_quarto.yml`` or ``pyproject.toml``."""
    for folder in [start, *start.parents]:
        if (folder / "_quarto.yml").exists() or (folder / "pyproject.toml").exists():
            return folder
    return None


def _strip_parents(path: Path) -> Path:
    """``../data/sample`` as ``data/sample``."""
    parts = [part for part in path.parts if part not in ("..", ".")]
    return Path(*parts) if parts else Path(".")


project_root = _project_root
