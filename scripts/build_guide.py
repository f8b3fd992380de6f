"""Build the user guide, ``docs/guide/``, as a website in ``_build/guide/`` (``make guide``).

With Quarto when it is installed (``_build/tools/quarto/bin/quarto``, which ``make test`` installs, or
a ``quarto`` command on ``PATH``); otherwise page by page with the project's own pandoc (from
``pypandoc-binary``) in ``scripts/guide/page.html``, so the guide always builds. Both read the title
and the pages, in order, from ``docs/guide/_quarto.yml``.

The pages are plain Markdown files, each titled by its front matter, linking to one another by file
name (``data.md#reference-data``). A page without a title, a page listed but missing, a Markdown page
of the guide not listed, or a Quarto shortcode (which Quarto and pandoc would read differently) is
refused with its file (and line), exit status 2, and nothing is written. The guide is built in a
folder beside ``--out`` and put in its place by renames, so a failed build leaves the last one whole;
Quarto renders a copy of the pages, so it writes nothing into ``docs/guide/``.

Usage: ``python scripts/build_guide.py [--out DIR] [--with auto|quarto|pandoc] [--quarto PATH]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"
OUT = ROOT / "_build" / "guide"
HERE = Path(__file__).resolve().parent / "guide"
PACKAGED_QUARTO = ROOT / "_build" / "tools" / "quarto" / "bin" / "quarto"
EXIT_REFUSED = 2


class GuideError(Exception):
    """The guide cannot be built; the message is one line. ``exit_status`` 2 for the pages, 1 for a tool."""

    def __init__(self, message: str, exit_status: int = EXIT_REFUSED):
        super().__init__(message)
        self.exit_status = exit_status


def front_matter(path: Path) -> dict:
    """The YAML front matter of a page (``---`` to ``---`` on its first lines); empty when it has none."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if not match:
        return {}
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise GuideError(f"{path}: its front matter is not YAML ({' '.join(str(exc).split())})") from None
    return meta if isinstance(meta, dict) else {}


def read_guide(guide: Path = GUIDE) -> tuple[str, list[tuple[Path, str]]]:
    """The guide's title and its pages in order, each with its title; refuses what would not build alike."""
    config_path = guide / "_quarto.yml"
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        website = config["website"]
        title, contents = website["title"], website["sidebar"]["contents"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise GuideError(f"{config_path}: needs website: title and sidebar: contents ({' '.join(str(exc).split())})") from None
    if not isinstance(title, str) or not isinstance(contents, list) or not all(isinstance(c, str) for c in contents):
        raise GuideError(f"{config_path}: website: title is text and sidebar: contents a list of page files")
    pages = []
    for name in contents:
        path = guide / name
        if "/" in name or not name.endswith(".md") or not path.is_file():
            raise GuideError(f"{config_path}: sidebar: contents names {name!r}, which is not a Markdown page of {guide}")
        page_title = front_matter(path).get("title")
        if not isinstance(page_title, str) or not page_title.strip():
            raise GuideError(f"{path}: has no title (front matter: ---, title: \"...\", ---)")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "{{<" in line:
                raise GuideError(f"{path}, line {number}: a Quarto shortcode ({{{{<): the guide's pages are plain Markdown")
        pages.append((path, page_title.strip()))
    listed = {path.name for path, _ in pages}
    unlisted = sorted(p.name for p in guide.glob("*.md") if p.name not in listed)
    if unlisted:
        raise GuideError(f"{config_path}: sidebar: contents does not list {', '.join(unlisted)}")
    return title, pages


def find_quarto() -> str | None:
    """The packaged Quarto in ``_build/tools/quarto`` when installed, else a ``quarto`` on ``PATH``, else None."""
    if PACKAGED_QUARTO.is_file() and os.access(PACKAGED_QUARTO, os.X_OK):
        return str(PACKAGED_QUARTO)
    return shutil.which("quarto")


def _check_out(out: Path, guide: Path) -> Path:
    out = out.resolve()
    guide = guide.resolve()
    if out in (ROOT, Path(out.anchor)) or out == guide or out in guide.parents or guide in out.parents:
        raise GuideError(f"--out {out}: choose a folder of its own, outside {guide} (for example {OUT})")
    return out


def build_with_pandoc(guide: Path, title: str, pages: list[tuple[Path, str]], dest: Path) -> None:
    """Each page through pandoc (the project's own, from pypandoc-binary) into ``dest``."""
    import pypandoc

    listing = [{"href": path.with_suffix(".html").name, "title": page_title} for path, page_title in pages]
    shutil.copyfile(HERE / "guide.css", dest / "guide.css")
    with tempfile.TemporaryDirectory() as scratch:
        for i, (path, _) in enumerate(pages):
            meta = {
                "guide-title": title,
                "lang": "en-GB",
                "pages": [{**entry, "current": j == i} for j, entry in enumerate(listing)],
                "previous": listing[i - 1] if i > 0 else None,
                "next": listing[i + 1] if i + 1 < len(listing) else None,
            }
            meta = {key: value for key, value in meta.items() if value is not None}
            meta_file = Path(scratch) / f"{path.stem}.yml"
            meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
            try:
                pypandoc.convert_file(
                    str(path), "html5", format="markdown", outputfile=str(dest / f"{path.stem}.html"),
                    extra_args=["--standalone", f"--template={HERE / 'page.html'}", f"--lua-filter={HERE / 'links.lua'}",
                                f"--metadata-file={meta_file}", "--toc", "--toc-depth=2", "--wrap=none"],
                    )
            except RuntimeError as exc:
                raise GuideError(f"{path}: pandoc: {' '.join(str(exc).split())[:300]}", exit_status=1) from None


def build_with_quarto(quarto: str, guide: Path, dest: Path) -> str:
    """``quarto render`` of a copy of the guide into ``dest``; returns Quarto's version."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "guide"
        shutil.copytree(guide, copy, ignore=shutil.ignore_patterns(".quarto", "_site", "*.html"))
        config = yaml.safe_load((copy / "_quarto.yml").read_text(encoding="utf-8"))
        config["project"]["output-dir"] = str(dest)
        (copy / "_quarto.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        result = subprocess.run([quarto, "render", str(copy), "--quiet"], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        said = (result.stderr + result.stdout).splitlines()
        errors = [" ".join(line.split()) for line in said if "ERROR" in line]
        if result.returncode != 0 or errors:
            last = errors[0] if errors else (" ".join(said[-1].split()) if said else f"exit status {result.returncode}")
            raise GuideError(f"quarto render: {last[:300]}", exit_status=1)
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip()
    return version


def build_guide(out: Path = OUT, using: str = "auto", quarto: str | None = None, guide: Path = GUIDE) -> str:
    """Build the guide into ``out``; return what laid it out (``Quarto 1.7.34`` or ``pandoc``)."""
    title, pages = read_guide(guide)
    out = _check_out(Path(out), guide)
    if using == "quarto" or (using == "auto" and (quarto or find_quarto())):
        quarto = quarto or find_quarto()
        if not quarto:
            raise GuideError("--with quarto: no Quarto in _build/tools/quarto and no quarto command on PATH")
    else:
        quarto = None
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        if quarto:
            laid_out_by = f"Quarto {build_with_quarto(quarto, guide, staging)}"
        else:
            build_with_pandoc(guide, title, pages, staging)
            laid_out_by = "pandoc"
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            os.rename(out, old)
        os.rename(staging, out)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return laid_out_by


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_guide.py", description="Build the user guide as a website.")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write (default: _build/guide)")
    parser.add_argument("--with", dest="using", choices=("auto", "quarto", "pandoc"), default="auto",
                        help="auto (the default): Quarto when installed, else pandoc")
    parser.add_argument("--quarto", help="the quarto command to use (default: _build/tools/quarto, else PATH)")
    parser.add_argument("--guide", type=Path, default=GUIDE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        laid_out_by = build_guide(args.out, args.using, args.quarto, args.guide)
    except GuideError as exc:
        print(f"guide: not built: {exc}", file=sys.stderr)
        return exc.exit_status
    pages = len(read_guide(args.guide)[1])
    print(f"guide: {pages} pages laid out by {laid_out_by}: {Path(args.out).resolve() / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
