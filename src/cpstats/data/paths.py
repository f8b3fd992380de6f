"""Where the folders a notebook or command names are: found from the working directory or the project root."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

__all__ = ["resolve_input_dir", "project_root", "InputError", "check_folder_name", "check_output_folder"]


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


# ----------------------------------------------------------------- names and folders given on the command line

_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


class InputError(ValueError):
    """A value given on the command line that cannot be right (refused before anything runs)."""


def check_folder_name(name: str, option: str = "--la") -> str:
    """``name`` when it is a plain folder name (letters, digits, ``-``, ``_``, ``.``; no path); else :class:`InputError`.

    ``data/my-la`` is answered with "use --la my-la"; ``../x``, absolute paths
    and names with other characters are refused.
    """
    if _FOLDER_NAME.fullmatch(name) and ".." not in name:
        return name
    from cpstats.data.contract import shorten  # only to refuse: it loads pandas and pandera

    path = Path(name)
    hint = ""
    if not path.is_absolute() and len(path.parts) > 1 and ".." not in path.parts and _FOLDER_NAME.fullmatch(path.name):
        hint = f"; use {option} {path.name} (the folder's name under the data root)"
    raise InputError(f"{option} {shorten(name)} is not a folder name (letters, digits, '-', '_' and '.', no '/' or '..'){hint}")


def check_output_folder(folder: Path, option: str, protected: dict[str, Path]) -> Path:
    """Refuse an output folder that is ``/``, one of ``protected`` (or holds one), inside the data, or unwritable.

    Parameters
    ----------
    folder
        The folder a command will write (created when missing).
    option
        The option that named it, for the message (``--out``).
    protected
        Folders it must not be, nor hold, by what they are ("the data folder": path).
        Those whose description starts with "the data" it must not be inside either.

    Returns
    -------
    Path
        The folder, resolved.

    Raises
    ------
    InputError
        One line: the option, the folder and why.
    """
    resolved = Path(folder).resolve()
    shown = f"{option} {folder}"
    if resolved == Path(resolved.anchor):
        raise InputError(f"{shown} is the root of the file system; give a folder of its own, e.g. _site")
    for what, path in protected.items():
        path = Path(path).resolve()
        if resolved == path or resolved in path.parents:
            raise InputError(f"{shown} is {what} or holds it ({path}); publishing there would replace it")
    for what, path in protected.items():
        path = Path(path).resolve()
        if what.startswith("the data") and path in resolved.parents:
            raise InputError(f"{shown} is inside {what} ({path}); write the report elsewhere, e.g. _site")
    if resolved.exists() and not resolved.is_dir():
        raise InputError(f"{shown} is a file, not a folder")
    existing = resolved
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{shown} cannot be created: {existing} is a file, not a folder")
    try:
        probe = tempfile.mkdtemp(prefix=".cpstats-write-test-", dir=existing)
        os.rmdir(probe)
    except OSError as exc:
        raise InputError(f"{shown} cannot be written (creating a folder in {existing} fails: {exc.strerror})") from None
    return resolved
