"""Where the folders a notebook or command names are: found from the working directory or the project root."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

__all__ = ["resolve_input_dir", "project_root", "InputError", "check_folder_name", "check_output_folder",
           "file_in_folder_problem", "folder_files_problems"]


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


def _kind_of(mode: int) -> str:
    return ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")


def file_in_folder_problem(path: Path, folder: Path) -> str | None:
    """Why ``path`` may not be read as one of ``folder``'s files, or ``None`` (also when it does not exist).

    It must be a regular file whose real place (symbolic links followed,
    :meth:`Path.resolve`) is inside ``folder``: a link to ``/etc/passwd`` or to
    a draft's ``figures.json`` is refused, and so are a named pipe (whose
    reading would wait for a writer forever), a device and a socket. Nothing
    is opened: the answer comes from ``lstat`` and ``stat``.
    """
    path = Path(path)
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    resolved, root = path.resolve(), Path(folder).resolve()
    if root not in resolved.parents:
        return (f"is a symbolic link to {resolved}, outside {folder}; only files inside it are read: "
                "copy the file there instead")
    try:
        mode = os.stat(resolved).st_mode
    except OSError:
        return "is a broken symbolic link; give a regular file"
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return f"is {_kind_of(mode)}, not a regular file; it was not read. Remove it"
    return None


def folder_files_problems(folder: Path, root: Path) -> list[tuple[str, str]]:
    """Every entry of ``folder`` (and its sub-folders, hidden ones left out) that
    :func:`file_in_folder_problem` refuses against ``root``: ``(path relative to folder, why)``, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for here, folders, files in os.walk(folder):  # links to folders are not followed, only checked
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(folders + [f for f in files if not f.startswith(".")]):
            path = Path(here) / name
            why = file_in_folder_problem(path, root)
            if why is not None:
                found.append((path.relative_to(folder).as_posix(), why))
    return sorted(found)
