"""Build one report: validate the data, execute the section notebooks, render, publish.

:func:`build_report` is the whole build:

0. **Unchanged?** When the rebuild key (every input file, the book, the
   commentary, the library, the installed packages and tools, the git commit
   and the options) is the one the last build kept, and the published report,
   its executed notebooks and suppression log are as that build left them, the
   build stops there (:func:`unchanged_report`), before loading pandas.
1. **Validate.** :func:`cpstats.data.dataset.load_dataset` reads the authority's
   folder; bad data raises :class:`cpstats.data.contract.DataValidationError`
   (every problem with file, row and column) before anything is written.
2. **Execute.** Each section notebook named in ``_quarto.yml`` runs with
   papermill into ``_build/<la>/<year>/``, with parameters ``la``, ``year``,
   ``data_dir`` and ``reference_dir``. The executed notebooks stay there as
   provenance. A failing notebook raises :class:`NotebookError` naming the
   section, the notebook and the cell; nothing is published.
3. **Render.** With ``renderer="quarto"`` (or ``"auto"`` in a project whose
   ``_quarto.yml`` says ``renderer: quarto`` under ``cpstats:``; never because
   Quarto is on ``PATH``, see :func:`renderer_choice`), a Quarto book project is
   written over the executed notebooks and ``quarto render`` makes the HTML;
   otherwise :mod:`cpstats.publish.render` does. The
   PDF is always made with pandoc and Typst (Quarto refuses Typst for books,
   and LaTeX is rarely installed).
4. **Publish.** Everything is written into a temporary folder beside
   ``_site/<la>/<year>/``, which then takes its place in one atomic step
   (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, undone by the
   next build if interrupted between them); the old version is removed only
   after the swap, and ``_site/index.html`` is replaced by a rename. A failed
   or killed build leaves the last good version as it was; its leftovers are
   removed by the next build.

``disclosure`` (``internal`` for drafts, ``public`` for readers) decides
where a report is published: public reports into ``out_root`` (``_site/``),
internal drafts into a tree of their own, ``drafts_root`` (``_drafts/`` beside
``_site/`` unless given, :func:`drafts_root_for`), so the two never share a
folder, a version or a revision. Every page and PDF page of a draft is marked
:data:`cpstats.publish.render.DRAFT_MARK`. ``disclosure`` and its
``threshold`` are passed to every notebook as the papermill parameters
``disclosure`` and ``disclosure_threshold`` (see :mod:`cpstats.figures.disclosure`);
what a public build withholds is listed in
``_build/<la>/<year>/suppression_log.csv``, never in the published site.

``_site/<la>/<year>/manifest.json`` records the cpstats version, the git
commit, the parameters, the SHA-256 of every input file and the outputs.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from cpstats.figures import DEFAULT_THRESHOLD, Policy
from cpstats.figures.local import MEASURES_FOLDER
from cpstats.publish.caches import BuildCaches, FileDigests
from cpstats.publish.execute import (FINGERPRINT_PARAMETER, KERNEL, KERNEL_ARGUMENTS, NotebookJob, _folder_files, execute_jobs,
                                     files_digest, kernel_pid, inputs_fingerprint, installed, library_digest, section_fingerprint)
from cpstats.publish.site import provenance_markdown
from cpstats.data.paths import _project_root, resolve_input_dir
from cpstats.data.periods import ReportingYear
from cpstats.publish.quarto import BookConfig, read_book_config, render_with_quarto, quarto_executable, write_build_project
from cpstats.publish.render import TEMPLATES, ReportInfo, render_builtin, report_pages

__all__ = [
    "BuildError",
    "NotebookError",
    "UnwrittenCommentaryError",
    "CommentaryProblemsError",
    "check_commentary",
    "WithheldNumberError",
    "RENDERERS",
    "build_report",
    "execute_report",
    "ExecutedReport",
    "unchanged_report",
    "resolve_input_dir",
    "find_project_dir",
    "report_timestamp",
    "pdf_name",
    "execute_notebooks",
    "library_digest",
    "choose_renderer",
    "renderer_choice",
    "RendererChoice",
    "DEFAULT_RENDERER",
    "QuartoMissingError",
    "publish",
    "SUPPRESSION_LOG",
    "write_suppression_log",
    "file_sha256",
    "git_commit",
    "build_manifest",
    "write_site_index",
    "BuildRecord",
    "DRAFTS_FOLDER",
    "drafts_root_for",
    "refresh_commentary",
]

RENDERERS = ("auto", "builtin", "quarto")
DRAFTS_FOLDER = "_drafts"
"""Where internal drafts are published by default: beside the public site, never in it."""


def drafts_root_for(out_root: Path) -> Path:
    """The drafts' tree for a public site: ``_drafts`` beside it.

    >>> drafts_root_for(Path("project/_site")).as_posix()
    'project/_drafts'
    """
    return Path(out_root).parent / DRAFTS_FOLDER

"""Under the build root: the authority's data as validated by the build, loaded as they are by its notebooks."""


class BuildError(RuntimeError):
    """The report could not be built; nothing was published."""


class UnwrittenCommentaryError(BuildError):
    """A final build was asked for while some sections still lack their commentary.

    Attributes
    ----------
    sections : list of cpstats.present.commentary.Unwritten
        The sections, in report order, with the file each needs.
    """

    def __init__(self, sections, commentary_dir: str):
        self.sections = list(sections)
        listed = "\n".join(f"  - {s.title}: write {commentary_dir}/{s.file}" for s in self.sections)
        super().__init__(
            f"a final report needs the commentary of every section; not yet written for "
            f"{len(self.sections)} section{'s' if len(self.sections) != 1 else ''}:\n{listed}\n"
            "Nothing was published. Build without --final for a draft that shows the missing sections."
        )


class WithheldNumberError(BuildError):
    """A final public build was asked for while commentary types a number equal to a count the report withholds.

    Attributes
    ----------
    found : list of cpstats.present.commentary.TypedWithheld
        Each number, with its file and line.
    """

    exit_status = 2
    """Refused, like bad input: the commentary must change before the report is published."""

    def __init__(self, found):
        self.found = list(found)
        listed = "\n".join(f"  - {typed}" for typed in self.found)
        super().__init__(
            f"a final public report may not type a count it withholds; commentary does so "
            f"{len(self.found)} time{'s' if len(self.found) != 1 else ''}:\n{listed}\n"
            "Nothing was published. Build without --final to see these as warnings."
        )


class CommentaryProblemsError(BuildError):
    """The commentary cannot be filled: every problem of every section's file, one a line, each naming the
    file and the line (:class:`cpstats.present.commentary.CommentaryError`).

    Attributes
    ----------
    problems : list of str
        One line each.
    """

    exit_status = 2
    """Refused, like bad input: the commentary must change before the report is published."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            super().__init__(f"{self.problems[0]}")
            return
        listed = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problems in the commentary:\n{listed}")


class NotebookError(BuildError):
    """A section notebook failed while executing.

    Attributes
    ----------
    notebook : Path
        The notebook that failed.
    section : str
        The section's title (its first heading), or the notebook's name.
    cell : int or None
        Number of the failing cell, counting from 1, as in the notebook
        (papermill's injected parameters cell not counted).
    """

    def __init__(self, notebook: Path, section: str, cell: int | None, detail: str):
        self.notebook = Path(notebook)
        self.section = section
        self.cell = cell
        where = f"cell {cell}" if cell is not None else "an unknown cell"
        super().__init__(
            f"Section '{section}' ({self.notebook.name}) failed in {where}: {detail}\n"
            "Nothing was published; the executed notebook with the error is kept in the build folder."
        )


# ----------------------------------------------------------------- parameters


def find_project_dir(project_dir: Path | None = None) -> Path:
    """The folder with the book's ``_quarto.yml``.

    Raises
    ------
    BuildError
        If none is found.
    """
    if project_dir is not None:
        candidates = [Path(project_dir)]
    else:
        candidates = [_project_root(Path.cwd()) or Path.cwd(), Path(__file__).resolve().parents[3]]
    for candidate in candidates:
        if (candidate / "_quarto.yml").exists():
            return candidate.resolve()
    raise BuildError(f"no _quarto.yml found in {', '.join(str(c) for c in candidates)}")


def report_timestamp(year: ReportingYear, environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The date written into the PDF: ``SOURCE_DATE_EPOCH`` if set, else the year's last day (UTC).

    >>> report_timestamp(ReportingYear.parse("2017-18"), environ={}).isoformat()
    '2018-03-31T00:00:00+00:00'
    >>> report_timestamp(ReportingYear.parse("2017-18"), environ={"SOURCE_DATE_EPOCH": "0"}).year
    1970
    """
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime(year.end.year, year.end.month, year.end.day, tzinfo=dt.timezone.utc)


def pdf_name(la: str, year: ReportingYear) -> str:
    """The PDF's file name.

    >>> pdf_name("sample", ReportingYear.parse("2017-18"))
    'child-protection-report-sample-2017-18.pdf'
    """
    return f"child-protection-report-{la}-{year.label}.pdf"


# ----------------------------------------------------------------- executing notebooks


def _first_heading(notebook: Path) -> str:
    """A notebook's first Markdown heading, to name its section in errors."""
    import nbformat

    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return notebook.stem


def _cell_number(notebook: Path, cell_index: int | None) -> int | None:
    """Papermill's cell index in the executed notebook as a number in the source notebook."""
    if cell_index is None:
        return None
    injected = 1 if "injected-parameters" in _executed_tags(notebook) else 0
    return max(cell_index - injected, 0) + 1


def _executed_tags(notebook: Path) -> set[str]:
    import nbformat

    try:
        cells = nbformat.read(notebook, as_version=4).cells
    except (OSError, ValueError):
        return set()
    return {tag for cell in cells for tag in cell.get("metadata", {}).get("tags", [])}


def execute_notebook(notebook: Path, output: Path, parameters: Mapping[str, str], *, kernel_name: str = KERNEL) -> Path:
    """Run one notebook with papermill; the kernel's working directory is the output's folder.

    The folder is given to the kernel (nbclient's ``resources["metadata"]["path"]``)
    rather than through papermill's ``cwd``, which changes the working directory
    of the whole process and so cannot be used by notebooks running side by side.

    Raises
    ------
    NotebookError
        Naming the section, the notebook and the failing cell.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(Path(notebook).resolve()), str(Path(output).resolve()), parameters=dict(parameters),
            kernel_name=kernel_name, progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            extra_arguments=KERNEL_ARGUMENTS, resources={"metadata": {"path": str(Path(output).parent.resolve())}},
        )
    except PapermillExecutionError as error:
        raise NotebookError(
            notebook, _first_heading(notebook), _cell_number(output, error.cell_index), f"{error.ename}: {error.evalue}",
        ) from error
    except Exception as error:  # kernel died, bad notebook file, ...
        raise NotebookError(notebook, _first_heading(notebook), None, f"{type(error).__name__}: {error}") from error
    return output


def _section_parameters(parameters: Mapping[str, str], section: str, commentary: Path | None) -> dict:
    """One section's parameters: the report's, its fingerprint with the commentary files it shows (the key plan)."""
    if commentary is None:
        return dict(parameters)
    return {**parameters, FINGERPRINT_PARAMETER: section_fingerprint(parameters[FINGERPRINT_PARAMETER], section, commentary)}


def execute_notebooks(
    notebooks: Sequence[Path],
    build_dir: Path,
    parameters: Mapping[str, str],
    *,
    kernel_name: str = KERNEL,
    jobs: int | None = None,
    force: bool = False,
    cache_root: Path | None = None,
    label: str = "",
    progress=None,
    record: "BuildRecord | None" = None,
    environment: Mapping[str, str] | None = None,
) -> list[Path]:
    """Execute the section notebooks into ``build_dir``, in worker processes, keeping their order.

    Incremental: a notebook is executed only when jupyter-cache holds no run of
    the same code with the same parameters (see :mod:`cpstats.publish.execute`; the
    parameters carry the fingerprint of the data, the reference tables and the
    library). ``force`` executes every notebook.

    Parameters
    ----------
    notebooks : sequence of Path
        The source notebooks.
    build_dir : Path
        Where the executed copies go (same names).
    parameters : mapping
        Papermill parameters for every notebook.
    kernel_name : str
        Jupyter kernel.
    jobs : int, optional
        Notebooks run at once; the number of CPUs by default.
    force : bool
        Execute every notebook, cached or not.
    cache_root : Path, optional
        The folder of the cache (``.jupyter_cache``); ``build_dir`` by default.
    label : str
        Names the report in progress lines, e.g. ``sample 2017-18``.
    progress : bool or callable, optional
        See :func:`cpstats.publish.execute.execute_jobs`.
    record : BuildRecord, optional
        Filled with the notebooks executed and taken from the cache.

    Returns
    -------
    list of Path
        The executed notebooks, in the order given.

    Raises
    ------
    NotebookError
        For the first notebook (in the book's order) that failed; after a
        failure no further notebook is started.
    """
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    outputs = [build_dir / Path(notebook).name for notebook in notebooks]
    shown = (Path(parameters["commentary_dir"]) / str(parameters["la"]) / str(parameters["year"])
             if {"commentary_dir", "la", "year", FINGERPRINT_PARAMETER} <= set(parameters) else None)
    work = [NotebookJob(Path(nb), out, _section_parameters(parameters, Path(nb).stem, shown), f"{label} {out.stem}".strip())
            for nb, out in zip(notebooks, outputs)]
    summary = execute_jobs(work, Path(cache_root or build_dir), workers=jobs, force=force, kernel_name=kernel_name,
                           progress=progress, environment=environment)
    if record is not None:
        record.executed += [p.stem for p in summary.executed]
        record.cached += [p.stem for p in summary.cached]
        record.execute_seconds += summary.seconds
        record.kernel = kernel_pid() if summary.executed else record.kernel
    if summary.failures:
        order = {out: i for i, out in enumerate(outputs)}
        failure = min(summary.failures, key=lambda f: order[Path(f.job.output)])
        notebook, output = Path(failure.job.notebook), Path(failure.job.output)
        raise NotebookError(notebook, _first_heading(notebook), _cell_number(output, failure.cell_index), failure.detail)
    return outputs


# ----------------------------------------------------------------- publishing


@dataclass(frozen=True)
class RendererChoice:
    """The renderer a build lays the HTML out with, and why (the build's first line says both).

    Attributes
    ----------
    renderer : {"builtin", "quarto"}
        The renderer.
    reason : str
        Why, in words: ``--renderer quarto``, or the project's setting ``--renderer auto`` went by.
    published : str or None
        The renderer of the version published now, or ``None`` before the first publication.
    """

    renderer: str
    reason: str
    published: str | None = None


DEFAULT_RENDERER = "builtin"
"""The renderer of a project whose ``_quarto.yml`` names none under ``cpstats: renderer``."""


class QuartoMissingError(BuildError):
    """Quarto was chosen (by ``--renderer quarto`` or the project's setting) but no ``quarto`` command is found."""

    exit_status = 2
    """Refused before anything runs: install Quarto, or choose the built-in renderer."""


def renderer_choice(renderer: str = "auto", target: Path | None = None, project_dir: Path | None = None,
                    book: BookConfig | None = None) -> RendererChoice:
    """Which renderer a build of the report published at ``target`` uses, and why.

    ``builtin`` and ``quarto`` are used as asked. ``auto`` takes the renderer the project chooses in its
    ``_quarto.yml`` (``renderer:`` under ``cpstats:``; ``book``, or read from ``project_dir``), and the
    built-in renderer when it names none. What is on ``PATH`` never chooses: installing or removing Quarto
    changes no build's renderer; a project that chooses Quarto where none is installed is refused. The
    renderer of the version published at ``target`` (its ``manifest.json`` says which) is returned as
    ``published``, so that a build whose renderer is another can say so.

    Raises
    ------
    BuildError
        For an unknown renderer; :class:`QuartoMissingError` (exit status 2) when Quarto is chosen but not
        installed.
    cpstats.data.paths.InputError
        For a setting in ``_quarto.yml`` that is not a renderer.

    >>> renderer_choice("builtin")
    RendererChoice(renderer='builtin', reason='--renderer builtin', published=None)
    """
    if renderer not in RENDERERS:
        raise BuildError(f"renderer must be one of {', '.join(RENDERERS)}, not {renderer!r}")
    published = None
    if target is not None:
        from cpstats.publish.site import read_published

        try:
            found = read_published(Path(target))
        except (OSError, ValueError, TypeError, AttributeError):
            found = None  # an unreadable report is replaced whole, as by a first publication
        published = found.renderer if found else None
    if renderer != "auto":
        chosen, reason = renderer, f"--renderer {renderer}"
    else:
        if book is None:
            book = read_book_config(find_project_dir(project_dir) / "_quarto.yml")
        if book.renderer is not None:
            chosen, reason = book.renderer, f"renderer: {book.renderer} under cpstats: in _quarto.yml"
        else:
            chosen, reason = DEFAULT_RENDERER, "the default: _quarto.yml names no renderer under cpstats:"
    if chosen == "quarto" and not quarto_executable():
        how = "--renderer quarto was asked for" if renderer == "quarto" else \
            "_quarto.yml chooses Quarto (renderer: quarto under cpstats:)"
        raise QuartoMissingError(f"{how} but no quarto command is on PATH: install Quarto "
                                 "(https://quarto.org/docs/download/) or build with --renderer builtin")
    return RendererChoice(chosen, reason, published)


def choose_renderer(renderer: str = "auto", target: Path | None = None, project_dir: Path | None = None) -> str:
    """``builtin`` or ``quarto``: the renderer of :func:`renderer_choice`.

    Raises
    ------
    BuildError
        For an unknown renderer, or ``quarto`` when Quarto is not installed.
    """
    return renderer_choice(renderer, target, project_dir).renderer


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Returns ``False`` where the system or the file system cannot, so the
    caller falls back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is, atomically where the system allows; remove the old one afterwards."""
    if not target.exists():
        os.replace(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old version
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent))
    retired.rmdir()
    os.replace(target, retired)  # from here until the next rename there is no target: _recover undoes a crash
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(folder: Path, prefix: str) -> list[Path]:
    """Temporary siblings named ``<prefix><pid>-...`` whose build process is no longer running."""
    found = []
    for path in sorted(folder.glob(f"{prefix}*")):
        match = re.match(re.escape(prefix) + r"(\d+)-", path.name)
        if match and int(match[1]) != os.getpid() and not _pid_alive(int(match[1])):
            found.append(path)
    return found


def _recover(target: Path) -> None:
    """Undo what a killed build left beside ``target``: restore a version caught between two renames, remove the rest."""
    retired = _leftovers(target.parent, f".{target.name}.old-")
    if not target.exists() and retired:
        os.replace(max(retired, key=lambda p: p.stat().st_mtime_ns), target)
    for path in [*_leftovers(target.parent, f".{target.name}.old-"), *_leftovers(target.parent, f".{target.name}.new-")]:
        shutil.rmtree(path, ignore_errors=True)


def publish(target: Path, render: Callable[[Path], None]) -> Path:
    """Render into a temporary sibling of ``target``, then swap it into place.

    Parameters
    ----------
    target : Path
        The published folder, e.g. ``_site/sample/2017-18``.
    render : callable
        Writes the new version into the folder it is given.

    Returns
    -------
    Path
        ``target``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{os.getpid()}-", dir=target.parent))
    try:
        render(staging)
        staging.chmod(0o755)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


# ----------------------------------------------------------------- manifest


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit(project_dir: Path) -> str | None:
    """The commit checked out in ``project_dir``, or ``None`` outside git or before the first commit."""
    try:
        result = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=False,
        )
    except OSError:
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) == 40 else None


DIRTY_PATHS = ("notebooks", "commentary", MEASURES_FOLDER, "src", "_quarto.yml", "index.qmd")
"""What a report is made from in the project: uncommitted changes here are shown in its provenance."""


def git_dirty(project_dir: Path) -> bool:
    """Whether the notebooks, commentary, local measures, code or book in ``project_dir`` differ from the commit.

    Untracked files there count too (a new commentary file not yet committed); ``False`` outside git.
    """
    try:
        result = subprocess.run(["git", "-C", str(project_dir), "status", "--porcelain", "--", *DIRTY_PATHS],
                                capture_output=True, text=True, check=False)
    except OSError:
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def _version(package: str) -> str | None:
    """The installed version of a distribution, or ``None``."""
    from cpstats.publish.execute import _version as installed_version

    return installed_version(package)


def _tool_versions() -> dict[str, str | None]:
    import pypandoc

    versions = {name: _version(name) for name in ("pandas", "matplotlib", "seaborn", "papermill", "nbconvert", "typst", "pypandoc-binary")}
    return {"python": platform.python_version(), "pandoc": pypandoc.get_pandoc_version(), **versions}


def _hashes(paths: Mapping[str, Path]) -> dict[str, str]:
    return {name: file_sha256(path) for name, path in sorted(paths.items())}


def build_manifest(
    *,
    project_dir: Path,
    parameters: Mapping[str, str],
    renderer: str,
    data_files: Mapping[str, Path],
    reference_dir: Path,
    book: BookConfig,
    outputs: Sequence[str],
    commentary_files: Sequence[Path] = (),
) -> dict:
    """The manifest of one published report (no dates, so rebuilds give the same file).

    Returns
    -------
    dict
        ``cpstats_version``, ``git_commit``, ``parameters``, ``renderer``,
        ``versions`` (Python, pandoc and libraries), ``inputs`` (SHA-256 of
        each data, reference, book and notebook, and commentary file) and
        ``outputs``.
    """
    reference_files = {p.name: p for p in sorted(Path(reference_dir).glob("*.csv"))}
    book_files = {name: book.root / name for name in ("_quarto.yml", *book.chapters)}
    return {
        "cpstats_version": _version("cpstats"),
        "git_commit": git_commit(project_dir),
        "parameters": dict(parameters),
        "renderer": renderer,
        "versions": _tool_versions(),
        "inputs": {
            "data": _hashes({name: Path(path) for name, path in data_files.items()}),
            "reference": _hashes(reference_files),
            "book": _hashes(book_files),
            "commentary": _hashes({p.name: Path(p) for p in commentary_files}),
        },
        "outputs": list(outputs),
    }


def _output_list(site_dir: Path) -> list[str]:
    files = [p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file()]
    return sorted(files + ["manifest.json"])


def write_site_index(out_root: Path, title: str = "Child Protection Annual Reports", *, draft: bool = False) -> Path:
    """Write ``_site/index.html`` (or ``_drafts/index.html``, marked as drafts): every published authority
    and year, newest year first (see :func:`cpstats.publish.site.site_index_page`); and ``open-data/``, the
    open data of every authority and year joined (:func:`cpstats.publish.opendata.write_site_open_data`)."""
    from cpstats.publish.opendata import FOLDER as OPEN_DATA, write_site_open_data
    from cpstats.publish.site import site_index_page

    out_root = Path(out_root)
    for leftover in [*_leftovers(out_root, f".{OPEN_DATA}.new-"), *_leftovers(out_root, f".{OPEN_DATA}.old-")]:
        shutil.rmtree(leftover, ignore_errors=True)
    write_site_open_data(out_root, draft=draft)  # every authority and year's open data, joined
    page = site_index_page(out_root, title, draft=draft)
    index = out_root / "index.html"
    for leftover in _leftovers(out_root, ".index.html.new-"):
        leftover.unlink(missing_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".index.html.new-{os.getpid()}-", dir=out_root)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(page)
        os.chmod(partial, 0o644)
        os.replace(partial, index)  # readers see the old index or the new one, never half of one
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return index


SUPPRESSION_LOG = "suppression_log.csv"
"""What a public build withheld and why: written to the build folder, never published."""


def write_suppression_log(log: Sequence[dict], path: Path) -> Path:
    """Write what the report's figures withheld and why (:attr:`cpstats.figures.figures.Figures.log`).

    Columns: ``year``, ``figure``, ``reason``; a build that withheld nothing
    (an internal one) writes the header only.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["year", "figure", "reason"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({"year": e["year"], "figure": e["figure"], "reason": e["reason"]} for e in log)
    return path


# ----------------------------------------------------------------- the build


def _period(year: ReportingYear) -> str:
    from cpstats.present.numbers import date_phrase

    return f"{date_phrase(year.start)} to {date_phrase(year.end)}"


def build_report(
    la: str,
    year: str,
    *,
    data_root: Path = Path("data"),
    out_root: Path = Path("_site"),
    build_root: Path = Path("_build"),
    drafts_root: Path | None = None,
    reference_dir: Path | None = None,
    renderer: str = "auto",
    project_dir: Path | None = None,
    kernel_name: str = KERNEL,
    incremental: bool = True,
    disclosure: str = "internal",
    threshold: int = DEFAULT_THRESHOLD,
    final: bool = False,
    jobs: int | None = None,
    force: bool = False,
    progress=None,
    record: "BuildRecord | None" = None,
    cache_root: Path | None = None,
) -> Path:
    """Build and publish the report of one authority for one year.

    Parameters
    ----------
    la : str
        The authority's folder name under ``data_root``, e.g. ``sample``.
    year : str
        Reporting year, e.g. ``2017-18``.
    data_root : Path
        Folder holding ``<la>/`` (and ``reference/`` unless ``reference_dir`` is given).
    out_root : Path
        The public site; a public report goes to ``<out_root>/<la>/<year>/``.
    drafts_root : Path, optional
        The drafts' tree; an internal report goes to ``<drafts_root>/<la>/<year>/``
        (:func:`drafts_root_for` ``out_root`` by default: ``_drafts`` beside ``_site``).
    build_root : Path
        Executed notebooks and intermediate files go to ``<build_root>/<la>/<year>/``.
    reference_dir : Path, optional
        Population and England tables; ``<data_root>/reference`` by default.
    renderer : {"auto", "builtin", "quarto"}
        How to lay out the HTML (the PDF is always built in); ``auto``: as the project's ``_quarto.yml``
        chooses under ``cpstats: renderer``, the built-in renderer when it names none (:func:`renderer_choice`).
    project_dir : Path, optional
        The folder with ``_quarto.yml``, ``index.qmd`` and ``notebooks/``: by
        default the nearest one at or above the working directory, else the
        source tree cpstats was installed from.
    kernel_name : str
        Jupyter kernel that runs the notebooks.
    incremental : bool
        Skip notebooks whose code, parameters, inputs and library are
        unchanged since their last execution (``False`` is ``force``).
    disclosure : {"internal", "public"}
        Who the report is for: ``internal`` drafts show every count;
        ``public`` withholds counts from 1 to ``threshold`` and whatever would
        reveal them (:mod:`cpstats.figures.disclosure`), and lists what it withheld in
        ``<build_root>/<la>/<year>/suppression_log.csv``.
    threshold : int
        The largest count withheld in a public report.
    final : bool
        Refuse to publish while any section shows "commentary not yet
        written" (a draft shows the note instead), or while a public report's
        commentary types a number equal to a count it withholds (without it,
        each is a warning in ``record.warnings``).
    jobs : int, optional
        Notebooks executed at once, each in its own process; the number of cores by default.
    force : bool
        Execute every notebook even when the cache holds it.
    progress : bool or callable, optional
        A progress bar, plain lines, or a callback (see :func:`cpstats.publish.execute.execute_jobs`).
    record : BuildRecord, optional
        Filled with what the build did: notebooks executed and cached, the
        back-test and the version published.
    cache_root : Path, optional
        The folder holding the jupyter-cache (``.jupyter_cache``); ``build_root``
        by default (a Dask worker keeps its own, see :mod:`cpstats.publish.cluster`).

    Returns
    -------
    Path
        The published folder: ``<out_root>/<la>/<year>/`` for a public report,
        ``<drafts_root>/<la>/<year>/`` for an internal one.

    Raises
    ------
    cpstats.data.contract.DataValidationError
        The data break the contract; nothing was written.
    NotebookError
        A section notebook failed; nothing was published.
    UnwrittenCommentaryError
        ``final`` was asked for and some commentary is missing; nothing was published.
    WithheldNumberError
        ``final`` was asked for and a public report's commentary types a count it withholds; nothing was published.
    BuildError
        Other failures (unknown renderer, Quarto failure); nothing was published.
    """
    caches = BuildCaches(build_root, cache_root)
    report = _plan(la, year, data_root=data_root, out_root=out_root, drafts_root=drafts_root, build_root=build_root,
                   reference_dir=reference_dir, renderer=renderer, project_dir=project_dir,
                   policy=Policy(disclosure, threshold), final=final, kernel_name=kernel_name, digests=caches.digests())
    record = record if record is not None else BuildRecord(la, report.year.label)
    record.renderer, record.previous_renderer = report.renderer, report.published_renderer
    if incremental and not force and _unchanged(report, record):               # 0. nothing changed: nothing to do
        return report.target
    dataset, executed = _execute(report, caches, kernel_name=kernel_name, jobs=jobs, force=force or not incremental,
                                 progress=progress, record=record)             # 1-3. data, notebooks, commentary
    _retire_other_mode(report.target, report.policy)
    version = _version_of_report(dataset, report.year, report.reference_dir, report.policy, report.target, report.build_dir,
                                 report.project_dir, record, report.fingerprint, caches, [report.book.front_page, *executed])
    write_suppression_log(caches.figures(dataset, report.year, report.reference_dir, report.policy,
                                         report.measures_dir).log,
                          report.build_dir / SUPPRESSION_LOG)
    _refuse_unwritten(executed, report) if final else None
    typed = _typed_withheld(report, dataset, caches)  # commentary written against the draft, told before publishing
    record.warnings = [str(found) for found in typed]
    if final and typed:
        raise WithheldNumberError(typed)
    assembly = _assembly_key(executed, report.book, report.renderer, report.policy, version, report.parameters,
                             report.commentary_files, _stated_date(version, report.year))
    if not (force or not incremental) and caches.assembly_unchanged(report.target, assembly):
        _recover(report.target)  # nothing to assemble: clear only what a killed build left beside the report
        published = report.target
    else:                                                                       # 4. pages, PDF, downloads
        published = publish(report.target, _assembler(report, dataset, executed, version, assembly))
    write_site_index(report.out_root, draft=report.draft)
    _remember(report, assembly, version, executed, dataset, record.warnings)   # what the next build compares with
    record.site = published
    return published


def _execute(report: "_Report", caches: BuildCaches, *, kernel_name: str, jobs: int | None, force: bool, progress,
             record: "BuildRecord", publishing: bool = True):
    """Steps 1 to 3: the data validated once, the notebooks executed (or taken from the cache), the commentary filled.

    A public report's figures are protected and audited first, so a refusal executes nothing; one that is
    ``publishing`` into a site is also refused when the site's report was published under another threshold.
    """
    dataset = caches.dataset(report.data_dir)
    if report.policy.public:
        if publishing:
            _refuse_other_policy(report.target, report.policy)
        caches.figures(dataset, report.year, report.reference_dir, report.policy, report.measures_dir)
    context = _SharedContext(report.la, report.year, report.data_dir, report.reference_dir, report.commentary_dir,
                             report.policy, dataset, report.fingerprint)
    check_commentary(report.la, report.year, report.data_dir, report.reference_dir, report.commentary_dir,
                     report.policy, dataset, report.fingerprint, report.build_dir, context=context)  # before any notebook shows it
    executed = execute_notebooks(
        report.book.notebooks, report.build_dir, report.parameters, kernel_name=kernel_name, jobs=jobs,
        force=force, cache_root=caches.notebooks, label=f"{report.la} {report.year.label}",
        progress=progress, record=record, environment=caches.environment)
    refresh_commentary(executed, report.la, report.year, report.data_dir, report.reference_dir, report.commentary_dir,
                       report.policy, dataset, report.fingerprint, report.build_dir, context=context)
    return dataset, executed


@dataclass(frozen=True)
class ExecutedReport:
    """The section notebooks of one report as executed, ready to lay out (see :func:`execute_report`).

    Attributes
    ----------
    la_name : str
        The authority's name, e.g. ``Rutland County Council``.
    year : ReportingYear
        The reporting year.
    policy : Policy
        Who the report is for.
    book : BookConfig
        The book (``_quarto.yml``).
    executed : list of Path
        The executed notebooks, in the book's order, commentary filled.
    build_dir : Path
        ``<build_root>/<la>/<year>/``.
    """

    la_name: str
    year: ReportingYear
    policy: Policy
    book: BookConfig
    executed: list
    build_dir: Path

    @property
    def metadata(self) -> dict:
        """What the front page's ``{{< meta key >}}`` shortcodes show."""
        return _front_metadata(self.la_name, self.year, self.policy)


def _front_metadata(la_name: str, year: ReportingYear, policy: Policy) -> dict:
    return {"la-name": la_name, "report-year": year.label, "public": policy.mode == "public",
            "disclosure-threshold": str(policy.threshold), "fewer-than": str(policy.threshold + 1)}


def execute_report(
    la: str,
    year: str,
    *,
    data_root: Path = Path("data"),
    build_root: Path = Path("_build"),
    reference_dir: Path | None = None,
    project_dir: Path | None = None,
    disclosure: str = "internal",
    threshold: int = DEFAULT_THRESHOLD,
    kernel_name: str = KERNEL,
    jobs: int | None = None,
    progress=None,
) -> ExecutedReport:
    """The first three steps of :func:`build_report`, publishing nothing: validate, execute, fill the commentary.

    The notebooks run (or come from the same jupyter-cache ``cpstats build``
    uses, under ``build_root``) into ``<build_root>/<la>/<year>/``. This is what
    the Quarto project at the repository root lays out (see
    :mod:`cpstats.publish.quarto_root`).

    Raises
    ------
    cpstats.data.contract.DataValidationError, NotebookError, BuildError
        As :func:`build_report`.
    """
    report = _plan(la, year, data_root=data_root, out_root=Path("_site"), drafts_root=None, build_root=build_root,
                   reference_dir=reference_dir, renderer="builtin", project_dir=project_dir,
                   policy=Policy(disclosure, threshold), kernel_name=kernel_name)
    caches = BuildCaches(build_root, None)
    dataset, executed = _execute(report, caches, kernel_name=kernel_name, jobs=jobs, force=False, progress=progress,
                                 publishing=False,
                                 record=BuildRecord(la, report.year.label))
    return ExecutedReport(dataset.name, report.year, report.policy, report.book, list(executed), report.build_dir)


def unchanged_report(
    la: str,
    year: str,
    *,
    data_root: Path = Path("data"),
    out_root: Path = Path("_site"),
    build_root: Path = Path("_build"),
    drafts_root: Path | None = None,
    reference_dir: Path | None = None,
    renderer: str = "auto",
    project_dir: Path | None = None,
    kernel_name: str = KERNEL,
    disclosure: str = "internal",
    threshold: int = DEFAULT_THRESHOLD,
    final: bool = False,
    record: "BuildRecord | None" = None,
) -> "BuildRecord | None":
    """What :func:`build_report` would do if nothing it reads has changed since it last published: nothing.

    The rebuild key (:func:`_rebuild_key`: every input file, the book, the
    commentary, the library, the installed packages and tools, the git commit
    and the options) is compared with the one the last build of this report
    kept (``<build dir>/.rebuild.json``), and the published report, the
    executed notebooks and the suppression log with what that build left. When
    all are the same the report is as a build would publish it now: the site's
    index is written, as by every build, and the record of a build that
    executed nothing is returned; no data are loaded and no notebook is matched.
    The data were valid when that build read them and every rule they were
    checked by is in the key, so they are valid now.

    Returns
    -------
    BuildRecord or None
        ``None`` when something changed, so the report must be built.
    """
    caches = BuildCaches(build_root)
    report = _plan(la, year, data_root=data_root, out_root=out_root, drafts_root=drafts_root, build_root=build_root,
                   reference_dir=reference_dir, renderer=renderer, project_dir=project_dir,
                   policy=Policy(disclosure, threshold), final=final, kernel_name=kernel_name, digests=caches.digests())
    record = record if record is not None else BuildRecord(la, report.year.label)
    record.renderer, record.previous_renderer = report.renderer, report.published_renderer
    return record if _unchanged(report, record) else None


REBUILD_MEMO = "rebuild"
"""The memo (``<build dir>/.rebuild.json``) of the last build's rebuild key and what it left."""


def _left(report: "_Report", executed: Sequence[Path]) -> dict[str, list[int]]:
    """The size and modification time of the files a build leaves in its folder."""
    left = {}
    for path in [*map(Path, executed), report.build_dir / SUPPRESSION_LOG]:
        try:
            status = path.stat()
        except OSError:
            continue
        left[path.name] = [status.st_size, status.st_mtime_ns]
    return left


def _remember(report: "_Report", assembly: str, version: "_ReportVersion", executed: Sequence[Path], dataset,
              commentary_warnings: Sequence[str] = ()) -> None:
    """Keep the rebuild key with what this build published and left, for the next build (:func:`unchanged_report`)."""
    if report.digests is not None:
        report.digests.save()
    BuildCaches.memo(report.build_dir, REBUILD_MEMO, report.rebuild_key).put({
        "assembly": assembly, "version": version.number, "notebooks": [Path(p).name for p in executed],
        "left": _left(report, executed),
        "warnings": [note for note in dataset.warnings if "extra column" in note],
        "commentary_warnings": list(commentary_warnings),
    })


def _unchanged(report: "_Report", record: "BuildRecord") -> bool:
    """Whether the report is published as a build would publish it now; if so, fill ``record`` as a build would."""
    import warnings

    kept = BuildCaches.memo(report.build_dir, REBUILD_MEMO, report.rebuild_key).get()
    if not isinstance(kept, dict) or not BuildCaches.assembly_unchanged(report.target, kept.get("assembly")):
        return False
    executed = [report.build_dir / name for name in kept.get("notebooks", [])]
    if [path.name for path in executed] != [Path(nb).name for nb in report.book.notebooks] \
            or _left(report, executed) != kept.get("left"):
        return False
    for note in kept.get("warnings", []):  # what the data's check said when it read them
        warnings.warn(note, stacklevel=2)
    record.warnings = list(kept.get("commentary_warnings", []))  # what the commentary's check said
    _recover(report.target)  # clear only what a killed build left beside the report
    write_site_index(report.out_root, draft=report.draft)
    if report.digests is not None:
        report.digests.save()
    record.cached += [path.stem for path in executed]
    record.changes, record.first, record.version, record.new_version = [], False, int(kept["version"]), False
    record.site = report.target
    return True


@dataclass(frozen=True)
class _Report:
    """What one build makes, for whom, from what, and where everything goes."""

    la: str
    year: ReportingYear
    policy: Policy
    data_dir: Path
    reference_dir: Path
    project_dir: Path
    book: BookConfig
    renderer: str
    build_dir: Path
    out_root: Path
    parameters: dict
    rebuild_key: str = ""
    digests: FileDigests | None = field(default=None, compare=False, repr=False)
    renderer_reason: str = ""
    published_renderer: str | None = None

    @property
    def draft(self) -> bool:
        return self.policy.mode != "public"

    @property
    def target(self) -> Path:
        return self.out_root / self.la / self.year.label

    @property
    def commentary_dir(self) -> Path:
        return self.project_dir / "commentary"

    @property
    def commentary_files(self) -> list[Path]:
        return sorted((self.commentary_dir / self.la / self.year.label).glob("*.md"))

    def figures(self, dataset):
        """The report's protected figures (computed once per process, see :func:`report_figures`)."""
        from cpstats.figures.figures import report_figures

        return report_figures(dataset, self.year.label, self.reference_dir, self.policy, measures_dir=self.measures_dir)

    @property
    def measures_dir(self) -> Path:
        return self.project_dir / MEASURES_FOLDER

    @property
    def fingerprint(self) -> str:
        return self.parameters[FINGERPRINT_PARAMETER]


def _plan(la: str, year: str, *, data_root: Path, out_root: Path, drafts_root: Path | None, build_root: Path,
          reference_dir: Path | None, renderer: str, project_dir: Path | None, policy: Policy, final: bool = False,
          kernel_name: str = KERNEL, digests: FileDigests | None = None) -> _Report:
    """Where a report's inputs are and where it goes: a draft into the drafts' tree, never the public site."""
    reporting_year = ReportingYear.parse(year)
    if policy.mode != "public":
        out_root = Path(drafts_root) if drafts_root is not None else drafts_root_for(out_root)
    data_dir = (Path(data_root) / la).resolve()
    reference_dir = Path(reference_dir or Path(data_root) / "reference").resolve()
    project_dir = find_project_dir(project_dir)
    commentary_dir = project_dir / "commentary"
    digests = digests or FileDigests()
    parameters = {
        "la": la, "year": reporting_year.label, "data_dir": str(data_dir),
        "reference_dir": str(reference_dir), "commentary_dir": str(commentary_dir),
        "disclosure": policy.mode, "disclosure_threshold": policy.threshold,
        # each section adds the commentary files it shows as data (the key plan), see execute_notebooks
        FINGERPRINT_PARAMETER: inputs_fingerprint(data_dir, reference_dir, measures_dir=project_dir / MEASURES_FOLDER,
                                                  digests=digests),
    }
    book = read_book_config(project_dir / "_quarto.yml")
    choice = renderer_choice(renderer, Path(out_root) / la / reporting_year.label, book=book)
    report = _Report(la, reporting_year, policy, data_dir, reference_dir, project_dir, book, choice.renderer,
                     (Path(build_root) / la / reporting_year.label).resolve(), Path(out_root), parameters,
                     renderer_reason=choice.reason, published_renderer=choice.published)
    # the digests are kept by a build that got as far as publishing (nothing is written before the data are checked)
    return dataclasses.replace(report, rebuild_key=_rebuild_key(report, digests, final=final, kernel_name=kernel_name),
                               digests=digests)


def _rebuild_key(report: _Report, digests: FileDigests, *, final: bool, kernel_name: str) -> str:
    """SHA-256 of everything a build reads before it publishes but the published report itself.

    The parameters (with the inputs' fingerprint: data, reference tables, key
    plan, local measures, library, Python and library versions), every
    commentary file, ``_quarto.yml`` and every chapter, the options, the
    installed packages and tools (:func:`_environment`) and the git commit
    (stated in the report). Not the published folder: a report built into a
    staging folder and published from there (:mod:`cpstats.publish.cluster`)
    is the same report, and the published one is compared by its manifest.
    """
    book = {name: report.book.root / name for name in ("_quarto.yml", *report.book.chapters)}
    return hashlib.sha256(json.dumps({
        "parameters": report.parameters, "policy": [report.policy.mode, report.policy.threshold],
        "commentary": files_digest(_folder_files(report.commentary_dir / report.la / report.year.label), digests),
        "book": files_digest({name: path for name, path in book.items() if path.is_file()}, digests),
        "book_files": sorted(book), "renderer": report.renderer, "final": final, "kernel": kernel_name,
        "build_dir": str(report.build_dir), "environment": _environment(report.renderer),
        "commit": git_commit(report.project_dir),
    }, sort_keys=True).encode()).hexdigest()


def _environment(renderer: str = "quarto") -> dict:
    """What a report is made with besides cpstats: Python, every installed package, the tools on ``PATH`` it uses
    (``quarto`` only when it lays the report out: Quarto put on ``PATH`` changes nothing else)."""
    tools = {}
    for name in ("pandoc", "quarto", "typst") if renderer == "quarto" else ("pandoc", "typst"):
        found = shutil.which(name)
        if found:
            real = os.path.realpath(found)
            status = os.stat(real)
            tools[name] = [real, status.st_size, status.st_mtime_ns]
    return {"python": [sys.executable, sys.version], "packages": sorted(installed().items()), "tools": tools,
            "settings": {name: os.environ.get(name) for name in ("SOURCE_DATE_EPOCH", "PYPANDOC_PANDOC")}}


def _stated_date(version: "_ReportVersion", year: ReportingYear) -> dt.datetime:
    """The one date of a report: the build date its front page states, also the PDF's and the workbook's."""
    stated = version.provenance.get("build_date")
    if stated:
        day = dt.date.fromisoformat(stated)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    return report_timestamp(year)


def _typed_withheld(report: _Report, dataset, caches: BuildCaches) -> list:
    """In a public report, every number typed in its commentary that equals a count it withholds
    (:func:`cpstats.present.commentary.typed_withheld`): of the year and the year before, every figure; of the
    trend's years, its headline figures; and the local figures counting people. ``[]`` in an internal one."""
    if not report.policy.public:
        return []
    from cpstats.data.dataset import read_local_figures
    from cpstats.figures.trends import years_in_data
    from cpstats.present.commentary import typed_withheld, withheld_counts
    from cpstats.present.labels import figure_label

    public = caches.figures(dataset, report.year, report.reference_dir, report.policy, report.measures_dir)
    internal = caches.figures(dataset, report.year, report.reference_dir, Policy("internal", report.policy.threshold),
                              report.measures_dir)
    whole = [report.year.label, report.year.previous().label]
    years = list(dict.fromkeys([y.label for y in years_in_data(dataset, report.year)] + whole))
    counts = withheld_counts(public, internal, years, whole, figure_label)
    local = report.commentary_dir / report.la / report.year.label / "local_figures.csv"
    for row in (read_local_figures(local) or []) if local.is_file() else []:
        if row["unit"] == "people" and report.policy.hides(row["value"]) and isinstance(row["value"], int):
            counts.setdefault(row["value"], []).append(f"{row['description']}, local_figures.csv")
    return typed_withheld(report.commentary_files, counts, lambda path: _display_path(path, report.project_dir))


def _refuse_unwritten(executed: Sequence[Path], report: _Report) -> None:
    """A final build refuses while any section shows "commentary not yet written"."""
    from cpstats.present.commentary import unwritten_sections

    unwritten = unwritten_sections(executed)
    if unwritten:
        raise UnwrittenCommentaryError(unwritten, _display_path(report.commentary_dir, report.project_dir))


def _assembler(report: _Report, dataset, executed: Sequence[Path], version: "_ReportVersion", assembly: str):
    """What lays the report out into a folder: pages and PDF, downloads, versions and the manifest."""
    from cpstats.present.release import release_facts
    from cpstats.publish.downloads import prepare_downloads

    from cpstats.publish.bundle import everything_links, write_everything
    from cpstats.publish.statement import contact_text
    from cpstats.publish.site import DRAFT_VERSIONS_KEPT

    downloads = prepare_downloads(executed, report.la, report.year.label)
    info = ReportInfo(
        title=report.book.title, subtitle=f"{dataset.name}, {report.year.label}", period=_period(report.year),
        lang=report.book.lang, version=_version("cpstats") or "unknown", pdf_name=pdf_name(report.la, report.year),
        timestamp=_stated_date(version, report.year),
        download_all=everything_links(report.la, report.year.label, downloads)[0],
        downloads=(*everything_links(report.la, report.year.label, downloads)[1:], *downloads.index_links[:1]),
        section_downloads=downloads.section_links,
        about=provenance_markdown(version.provenance, revisions=bool(version.revisions),
                                  kept=DRAFT_VERSIONS_KEPT if report.draft else None), draft=report.draft,
        release=tuple(release_facts(dataset.la, report.year, report.draft)),
        authority=dataset.name, contact=contact_text(dataset.la),
    )
    metadata = _front_metadata(dataset.name, report.year, report.policy)

    def render(site_dir: Path) -> None:
        if report.renderer == "quarto":
            _render_with_quarto(report.book, executed, report.build_dir, site_dir, info, metadata)
        else:
            render_builtin(info, report.book.front_page, executed, site_dir, report.build_dir, metadata)
        downloads.write(site_dir, title=info.title, subtitle=info.subtitle, period=info.period,
                        source=f"Source: {dataset.name}, record-level data, computed by cpstats {info.version}",
                        timestamp=info.timestamp)
        write_everything(site_dir, report.figures(dataset), dataset, info, report.la, report.year.label,
                         report.reference_dir, downloads)  # open data, ODS, and the zip of everything
        version.write(report.target, site_dir, info)
        shown = {"data_dir": report.data_dir, "reference_dir": report.reference_dir, "commentary_dir": report.commentary_dir}
        manifest = build_manifest(
            project_dir=report.project_dir,
            parameters={**report.parameters, **{k: _display_path(v, report.project_dir) for k, v in shown.items()},
                        "la_name": dataset.name},
            renderer=report.renderer, data_files=dataset.files, reference_dir=report.reference_dir,
            commentary_files=report.commentary_files, book=report.book, outputs=_output_list(site_dir),
        )
        manifest.update(version=version.number, provenance=version.provenance, contents=version.contents,
                        assembly_key=assembly)
        if report.draft:  # a public report keeps every version
            manifest["versions_kept"] = DRAFT_VERSIONS_KEPT
        (site_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    return render


def _inputs_digest(paths: Sequence[Path]) -> str:
    """One SHA-256 over the names and contents of the input files."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(Path(path).resolve()).encode() + b"\0" + file_sha256(Path(path)).encode())
    return digest.hexdigest()


def _display_path(path: Path, project_dir: Path) -> str:
    """A path relative to the project when inside it (so manifests do not depend on the checkout's place)."""
    try:
        return Path(path).resolve().relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)


def _render_with_quarto(book: BookConfig, executed: Sequence[Path], build_dir: Path, site_dir: Path, info: ReportInfo, metadata: Mapping[str, str]) -> None:
    """HTML by ``quarto render`` of the report's pages, read once (:func:`report_pages`); the PDF by the built-in renderer."""
    pages = report_pages(info, book.front_page, executed, metadata)
    project = build_dir / "book"  # the pages as Quarto's chapters; the executed notebooks stay as they ran
    project.mkdir(parents=True, exist_ok=True)
    write_build_project(project, book, info, pages)
    quarto_site = render_with_quarto(project, to="html", subtitle=info.subtitle)
    shutil.copytree(quarto_site, site_dir, dirs_exist_ok=True)
    shutil.copy2(TEMPLATES / "report.css", site_dir / "report.css")  # the style of pages cpstats writes itself (revisions.html)
    render_builtin(info, book.front_page, executed, site_dir, build_dir, metadata, html_pages=False, pages=pages)


# ----------------------------------------------------------------- cpstats: many reports, back-tests, versions


@dataclass
class BuildRecord:
    """What one report's build did.

    Attributes
    ----------
    la, year : str
        The report.
    executed, cached : list of str
        Notebooks executed now, and taken from the cache.
    execute_seconds : float
        Time spent executing (or matching) notebooks.
    changes : list of cpstats.publish.site.Change
        The back-test: figures that differ from the last published version.
    first : bool
        Nothing was published before (the back-test compared nothing).
    version : int
        The version now published.
    new_version : bool
        Something published changed, so the earlier version was kept under ``versions/``.
    what : list of dict
        The kinds of change (:func:`cpstats.publish.site.what_changed`).
    site : Path or None
        The published folder.
    error : str or None
        Why the report was not published (in :func:`cpstats.publish.cluster.build_reports`).
    renderer, previous_renderer : str
        The renderer that laid the report out (``builtin`` or ``quarto``), and the one that laid out the
        version published before (``None`` for a first publication).
    warnings : list of str
        What the build warns of: in a public report, each number typed in commentary equal to a count it withholds.
    exit_status : int
        The exit status of a report not published: 2 when refused (:class:`WithheldNumberError`), else 1.
    kernel : int or None
        The process id of the kernel that executed its notebooks, when the process that built it keeps its
        kernel (a Dask worker: :func:`cpstats.publish.execute.keep_kernel`).
    """

    la: str
    year: str
    executed: list = field(default_factory=list)
    cached: list = field(default_factory=list)
    execute_seconds: float = 0.0
    changes: list = field(default_factory=list)
    first: bool = True
    version: int = 1
    new_version: bool = False
    what: list = field(default_factory=list)
    site: Path | None = None
    error: str | None = None
    renderer: str = ""
    previous_renderer: str | None = None
    warnings: list = field(default_factory=list)
    exit_status: int = 1
    kernel: int | None = None

    @property
    def label(self) -> str:
        return f"{self.la} {self.year}"


def refresh_commentary(executed: Sequence[Path], la: str, year: ReportingYear, data_dir: Path, reference_dir: Path,
                       commentary_dir: Path, policy: Policy | None = None, dataset=None,
                       fingerprint: str | None = None, memo_dir: Path | None = None,
                       context: "_SharedContext | None" = None) -> int:
    """Fill each section's commentary from the commentary files as they are now.

    The commentary is Markdown the analyst edits (``commentary/<la>/<year>/*.md``);
    it depends on no notebook's execution, only on the year's values. So it
    is not part of what decides whether a notebook runs again: when the report
    is assembled, every output a :class:`cpstats.present.commentary.Commentary` made is
    replaced by the commentary as the file now says, and an edit to the words
    re-assembles the report without executing anything.

    With ``fingerprint`` (of the data, reference tables and library) and
    ``memo_dir``, the filled commentary is kept in ``memo_dir`` and reused
    while neither the fingerprint nor a commentary file changed. ``context``
    (a :class:`_SharedContext`) gives the report's context :func:`check_commentary`
    worked out, if it did, while the commentary folder's files are as they were
    then; else it is worked out here.

    Returns
    -------
    int
        The number of executed notebooks rewritten.
    """
    import nbformat

    from cpstats.present.commentary import CommentaryError

    from cpstats.publish.execute import _file_digest, read_index, write_index

    policy = policy or Policy()
    commentary_key = _commentary_key(la, year, commentary_dir, policy, fingerprint) if fingerprint else None
    folders = {Path(path).parent for path in executed}
    indexes = {folder: read_index(folder) for folder in folders}

    def filled(path: Path) -> bool:
        entry = indexes[path.parent].get(path.name)
        return bool(commentary_key and isinstance(entry, dict) and entry.get("commentary") == commentary_key
                    and entry.get("sha") == _file_digest(path))

    if memo_dir is not None and all(filled(Path(path)) for path in executed):
        return 0  # every notebook was filled with this very commentary and is untouched since

    def note_filled() -> None:
        if commentary_key is None:
            return
        for path in map(Path, executed):
            entry = indexes[path.parent].get(path.name)
            if isinstance(entry, dict):
                entry.update(sha=_file_digest(path), commentary=commentary_key)
        for folder, index in indexes.items():
            write_index(folder, index)

    notebooks = [(Path(path), nbformat.read(path, as_version=4)) for path in executed]
    found = [(path, nb, output) for path, nb in notebooks for cell in nb.cells for output in cell.get("outputs", [])
             if str(output.get("metadata", {}).get("cpstats", {}).get("commentary", {}).get("file", "")).endswith(".md")]
    if not found:
        note_filled()
        return 0
    memo = BuildCaches.memo(memo_dir if fingerprint else None, "commentary", commentary_key or "")
    fresh = memo.get() if memo else None
    if fresh is None:
        report = (context or _SharedContext(la, year, data_dir, reference_dir, commentary_dir, policy, dataset,
                                            fingerprint))()
        fresh = {}
        for _, _, output in found:
            section = output["metadata"]["cpstats"]["commentary"]["section"]
            if section not in fresh:
                try:
                    commentary = report.commentary(section)
                except CommentaryError as exc:  # a file edited since check_commentary read it
                    raise CommentaryProblemsError(exc.problems) from None
                data, metadata = commentary._repr_mimebundle_()
                fresh[section] = ({**data, "text/plain": repr(commentary)}, metadata)
        if memo:
            memo.put(fresh)
    changed = set()
    for path, nb, output in found:
        data, metadata = fresh[output["metadata"]["cpstats"]["commentary"]["section"]]
        if dict(output.get("data", {})) != data or dict(output.get("metadata", {})) != metadata:
            output["data"], output["metadata"] = nbformat.from_dict(data), nbformat.from_dict(metadata)
            changed.add(path)
    for path, nb in notebooks:
        if path in changed:
            partial = path.with_name(f".{path.name}.partial")
            nbformat.write(nb, partial)
            os.replace(partial, path)
    note_filled()
    return len(changed)


def check_commentary(la: str, year: ReportingYear, data_dir: Path, reference_dir: Path, commentary_dir: Path,
                     policy: Policy, dataset=None, fingerprint: str | None = None, memo_dir: Path | None = None,
                     context: "_SharedContext | None" = None) -> None:
    """Fill every commentary file of the report (``commentary/<la>/<year>/*.md``) once, before any notebook runs.

    Every problem of every file is found, not only the first file's, so one build lists them all, one a line,
    each file named from the project (``commentary/sample/2017-18/08_numbers.md, line 3: ...``); a misspelt
    placeholder is answered with the name it most likely meant. With ``fingerprint`` and ``memo_dir``, commentary
    found good is not checked again while neither the fingerprint nor a commentary file changed. ``context``
    (a :class:`_SharedContext`) keeps the report's context, when this works one out, for :func:`refresh_commentary`.

    Raises
    ------
    CommentaryProblemsError
        Exit status 2; nothing was executed or published.
    """
    from cpstats.present.commentary import CommentaryError, commentary_parts

    folder = Path(commentary_dir) / la / year.label
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not files:
        return
    key = _commentary_key(la, year, commentary_dir, policy, fingerprint) if fingerprint else None
    memo = BuildCaches.memo(memo_dir, "commentary-checked", key) if key and memo_dir is not None else None
    if memo is not None and memo.get():
        return
    report = (context or _SharedContext(la, year, data_dir, reference_dir, commentary_dir, policy, dataset,
                                        fingerprint))()
    values = report.commentary_context()
    problems: list[str] = []
    for path in files:
        try:
            commentary_parts(commentary_dir, la, year.label, path.stem, values,
                             shown_as=_display_path(path, Path(commentary_dir).parent.resolve()))
        except CommentaryError as exc:
            problems += exc.problems
    if problems:
        raise CommentaryProblemsError(problems)
    if memo is not None:
        Path(memo_dir).mkdir(parents=True, exist_ok=True)
        memo.put(True)


class _SharedContext:
    """A report's context (:func:`cpstats.present.context.load_context`), worked out when first asked for and
    given again while the commentary folder's files are as they were then: checking the commentary before the
    notebooks and filling it after them share one (its figures and comparators took about 0.75 s each time,
    under cProfile)."""

    def __init__(self, la: str, year: ReportingYear, data_dir: Path, reference_dir: Path, commentary_dir: Path,
                 policy: Policy, dataset=None, fingerprint: str | None = None):
        from functools import partial

        from cpstats.present.context import load_context

        # local_figures.csv is among the files the key reads
        self.key = partial(_commentary_key, la, year, commentary_dir, policy, fingerprint)
        self.load = partial(load_context, la, year, data_dir, reference_dir, commentary_dir, dataset=dataset,
                            disclosure=policy.mode, threshold=policy.threshold,
                            measures_dir=Path(commentary_dir).parent / MEASURES_FOLDER)
        self.kept: tuple[str, object] | None = None

    def __call__(self):
        key = self.key()
        if self.kept is None or self.kept[0] != key:
            self.kept = key, self.load()
        return self.kept[1]


def _commentary_key(la: str, year: ReportingYear, commentary_dir: Path, policy: Policy, fingerprint: str | None) -> str:
    """What filled commentary depends on: the inputs' fingerprint, the disclosure and every commentary file."""
    from cpstats.publish.execute import files_digest

    folder = Path(commentary_dir) / la / year.label
    # files only: an editor's folder there (JupyterLab's .ipynb_checkpoints) is no commentary and cannot be read
    files = {p.name: p for p in sorted(folder.glob("*")) if p.is_file()} if folder.is_dir() else {}
    return hashlib.sha256(json.dumps([fingerprint, year.label, policy.mode, policy.threshold,
                                      files_digest(files)]).encode()).hexdigest()


@dataclass
class _ReportVersion:
    """The version a build publishes, and how it keeps the earlier ones (see :mod:`cpstats.publish.site`)."""

    number: int
    figures: dict
    published: object
    archive: bool
    revisions: list
    provenance: dict
    contents: dict = field(default_factory=dict)

    def write(self, target: Path, site_dir: Path, info: ReportInfo) -> None:
        """Into the new report: ``figures.json``, the earlier versions and the revisions."""
        from cpstats.publish.site import DRAFT_VERSIONS_KEPT, FIGURES_FILE, keep_versions, write_revisions

        (Path(site_dir) / FIGURES_FILE).write_text(
            json.dumps(self.figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        kept = keep_versions(target, site_dir, self.published, self.archive,
                             DRAFT_VERSIONS_KEPT if info.draft else None)  # a draft keeps only the latest few
        write_revisions(site_dir, self.revisions, info.title, info.subtitle, info.lang, draft=info.draft,
                        kept=kept if info.draft else None)


def _audit_versions(dataset, year: ReportingYear, reference_dir: Path, policy: Policy, target: Path, figures: dict,
                    project_dir: Path, caches: BuildCaches) -> None:
    """The disclosure audit of the new version read with every public version of the same data kept in the site.

    Versions of the same data published under the same policy usually hold the same figures, and
    then a reader learns nothing from reading them together; where they differ (a version made by an
    earlier release of cpstats, say) the audit reads them all at once, and a count pinned stops the build.
    """
    from cpstats.data.dataset import dataset_fingerprint
    from cpstats.data.paths import InputError
    from cpstats.figures.figures import audit_with_versions
    from cpstats.publish.site import FIGURES_FILE, VERSIONS_FOLDER

    data = dataset_fingerprint(dataset.files)
    kept = []
    for folder in [Path(target), *sorted((Path(target) / VERSIONS_FOLDER).glob("*"))]:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            shown = json.loads((folder / FIGURES_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        same_data = (manifest.get("provenance") or {}).get("data_fingerprint") == data
        if same_data and manifest.get("parameters", {}).get("disclosure") == "public" and shown != figures:
            kept.append(shown)
    if not kept:
        return
    measures_dir = Path(project_dir) / MEASURES_FOLDER
    protected = caches.figures(dataset, year, reference_dir, policy, measures_dir)
    result = audit_with_versions(dataset, year, reference_dir, protected, kept, measures_dir)
    if not result.passed:
        raise InputError(f"{target}: {result.message()}, read with the versions the site keeps")


def _refuse_other_policy(target: Path, policy: Policy) -> None:
    """A public report is published into a site whose versions were all made under the same policy.

    Two versions of one report protected with different thresholds, read together, can give away what
    each withholds (a figure withheld in one is published in the other), so a public build whose
    threshold differs from the one the site's report (or any version kept beside it) was published
    with is refused before anything runs.
    """
    from cpstats.data.paths import InputError

    manifests = [Path(target) / "manifest.json", *sorted((Path(target) / "versions").glob("*/manifest.json"))]
    for manifest in manifests:
        try:
            parameters = json.loads(manifest.read_text(encoding="utf-8")).get("parameters", {})
        except (OSError, ValueError):
            continue
        if parameters.get("disclosure", "internal") != "public":
            continue
        try:
            published = int(parameters.get("disclosure_threshold", DEFAULT_THRESHOLD))
        except (TypeError, ValueError):
            published = None
        if published != policy.threshold:
            where = manifest.parent
            raise InputError(
                f"{where}: this report was published with --threshold {parameters.get('disclosure_threshold')}, "
                f"not {policy.threshold}: versions made under two thresholds, read together, give away what each "
                "withholds; publish with the same threshold, or into another --out")


def _retire_other_mode(target: Path, policy: Policy) -> None:
    """A report at ``target`` built for other readers is not carried on: neither kept as a version nor compared.

    Only a tree older than the separate drafts' tree can hold one (an internal
    draft published into the public site); the new build replaces it whole and
    starts its versions again, so no draft's counts stay in the public site.
    """
    manifest = Path(target) / "manifest.json"
    try:
        mode = json.loads(manifest.read_text(encoding="utf-8")).get("parameters", {}).get("disclosure", "internal")
    except (OSError, ValueError):
        return
    if mode != policy.mode:
        _recover(Path(target))
        shutil.rmtree(target)


def _version_of_report(dataset, year: ReportingYear, reference_dir: Path, policy: Policy, target: Path,
                       build_dir: Path, project_dir: Path, record: BuildRecord,
                       fingerprint: str | None = None, caches: BuildCaches | None = None,
                       shown: Sequence[Path] = ()) -> _ReportVersion:
    """Back-test the year's figures against the published report and decide the version to publish.

    ``shown`` is the front page and the executed notebooks: a new version is published whenever the
    figures, the data's fingerprint or what a section shows (text, tables, charts, commentary) changed.
    """
    from cpstats.data.dataset import dataset_fingerprint
    from cpstats.figures.local import find_local_measures
    from cpstats.present.labels import local_labels
    from cpstats.publish.site import (Change, backtest, build_date, plain_figures, provenance, read_published,
                                      section_contents, what_changed, write_backtest)

    memo = BuildCaches.memo(build_dir, "figures", hashlib.sha256(json.dumps(
        [fingerprint, year.label, policy.mode, policy.threshold]).encode()).hexdigest()) if fingerprint else None
    figures = memo.get() if memo else None
    if figures is None:
        caches = caches or BuildCaches(build_dir)
        figures = plain_figures(caches.figures(dataset, year, reference_dir, policy,
                                               Path(project_dir) / MEASURES_FOLDER).published_flat())
        if memo:
            memo.put(figures)
    published = read_published(target)
    if policy.public:
        _audit_versions(dataset, year, reference_dir, policy, target, figures, project_dir, caches or BuildCaches(build_dir))
    changes = backtest(published.figures if published else None, figures)
    write_backtest(changes, Path(build_dir) / "backtest.csv")
    shown = list(shown)
    contents = section_contents([p for p in shown if Path(p).suffix == ".ipynb"],
                                next((p for p in shown if Path(p).suffix != ".ipynb"), None))
    data = dataset_fingerprint(dataset.files)
    what = what_changed(published, contents, data, changes)
    archive = published is not None and bool(what)
    number = 1 if published is None else published.version + (1 if archive else 0)
    date, source = build_date(dataset)
    info = provenance(year=year.label, version=number, cpstats_version=_version("cpstats") or "unknown",
                      commit=git_commit(project_dir), fingerprint=data, date=date, date_source=source,
                      dirty=git_dirty(project_dir))
    labels = local_labels(find_local_measures(Path(project_dir) / MEASURES_FOLDER)) if changes else {}
    revisions = [{**r, "changes": [_revision_change(Change(c["figure"], c["published"], c["now"]),
                                                    {c["figure"]: c["label"]} if c.get("label") else None)
                                   for c in r["changes"]]}
                 for r in published.revisions] if published else []
    if archive:
        revisions.append({"version": number, "replaces": published.version, "build_date": info["build_date"],
                          "what": what, "changes": [_revision_change(c, labels) for c in changes]})
    record.changes, record.first, record.version, record.new_version = changes, published is None, number, archive
    record.what = what
    return _ReportVersion(number, figures, published, archive, revisions, info, contents)


def _revision_change(change, local: Mapping[str, str] | None = None) -> dict:
    """One line of a revision, with the figure's label: a value withheld on either side is ``[c]`` on both.

    >>> from cpstats.publish.site import Change
    >>> _revision_change(Change("age_bands.unborn", 7, "[c]"))
    {'figure': 'age_bands.unborn', 'label': 'Children subject of a plan during the year, age: Unborn', 'published': '[c]', 'now': '[c]'}
    """
    from cpstats.figures.figures import CONFIDENTIAL
    from cpstats.present.labels import figure_label

    label = figure_label(change.figure, local)
    if CONFIDENTIAL in (change.published, change.now):
        return {"figure": change.figure, "label": label, "published": CONFIDENTIAL, "now": CONFIDENTIAL}
    return {"figure": change.figure, "label": label, "published": change.published, "now": change.now}


def _assembled_digest(path: Path) -> str:
    """SHA-256 of a file as the report is assembled from it.

    For an executed notebook, its cells without papermill's injected parameters: they name the data's
    folders, which the report does not show, so the same report built in another folder has the same key.
    """
    if path.suffix != ".ipynb":
        return file_sha256(path)
    import nbformat

    cells = [{"type": cell.cell_type, "source": cell.source, "outputs": cell.get("outputs", [])}
             for cell in nbformat.read(path, as_version=4).cells
             if "injected-parameters" not in cell.get("metadata", {}).get("tags", [])]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def _assembly_key(executed: Sequence[Path], book: BookConfig, renderer: str, policy: Policy, version: _ReportVersion,
                  parameters: Mapping[str, str], commentary_files: Sequence[Path], timestamp: dt.datetime) -> str:
    """SHA-256 of everything the published report is assembled from.

    The executed notebooks (commentary filled), the book, the renderer and
    disclosure, the version, figures and revisions, the parameters (which
    carry the inputs' fingerprint), the PDF's date, the library and the tools.
    When the published report's manifest holds the same key, assembling again
    would write the same bytes, so the build stops there.
    """
    digest = hashlib.sha256()
    for path in [*executed, book.root / "_quarto.yml", *(book.root / chapter for chapter in book.chapters[:1]),
                 *commentary_files]:
        digest.update(Path(path).name.encode() + b"\0" + _assembled_digest(Path(path)).encode())
    digest.update(json.dumps({
        "renderer": renderer, "disclosure": [policy.mode, policy.threshold], "version": version.number,
        "provenance": version.provenance, "figures": version.figures, "revisions": version.revisions,
        "archive": version.archive, "timestamp": timestamp.isoformat(),
        # the parameters but the folders' places (their contents are in the inputs' fingerprint), so that the
        # same report built in another folder has the same key and the same manifest
        "parameters": {k: v for k, v in parameters.items() if k not in ("data_dir", "reference_dir", "commentary_dir")},
        "library": library_digest(), "tools": _tool_versions(),
    }, sort_keys=True, default=str).encode())
    return digest.hexdigest()
