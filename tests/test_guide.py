"""The user guide (docs/guide/) builds as a website, with Quarto and with the project's own pandoc, and the README
is its front door.

The guide is built for real, as ``make guide`` builds it (``scripts/build_guide.py``): by pandoc always, and by
Quarto when one is installed (``_build/tools/quarto``, which ``make test`` installs, or a ``quarto`` on PATH;
skipped, saying why, where there is none). Every page must have its title, and every link inside the built
site (pages, anchors, style sheets, scripts) must resolve.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "guide"
README = PROJECT_ROOT / "README.md"


def _script():
    spec = importlib.util.spec_from_file_location("build_guide", PROJECT_ROOT / "scripts" / "build_guide.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_guide = _script()


def _pages() -> list[tuple[str, str]]:
    """Each page of the guide's _quarto.yml, in order, with the title of its front matter."""
    contents = yaml.safe_load((GUIDE / "_quarto.yml").read_text(encoding="utf-8"))["website"]["sidebar"]["contents"]
    pages = []
    for name in contents:
        text = (GUIDE / name).read_text(encoding="utf-8")
        meta = yaml.safe_load(re.match(r"---\n(.*?)\n---\n", text, re.S).group(1))
        pages.append((name, meta["title"]))
    return pages


@pytest.fixture(scope="module", params=["pandoc", "quarto"])
def built(request, tmp_path_factory) -> tuple[str, Path]:
    """The guide built by pandoc, and by Quarto when there is one, each into a folder of its own."""
    out = tmp_path_factory.mktemp(f"guide-{request.param}") / "guide"
    quarto = None
    if request.param == "quarto":
        quarto = build_guide.find_quarto()
        if quarto is None:
            pytest.skip("no quarto on PATH and none installed in _build/tools/quarto (make test installs it "
                        "from ../shared/tools/quarto when that folder exists)")
    assert build_guide.main(["--out", str(out), "--with", request.param, *(["--quarto", quarto] if quarto else [])]) == 0
    return request.param, out


def _html(path: Path):
    import lxml.html

    return lxml.html.fromstring(path.read_bytes())


def test_every_page_is_built_with_its_title(built):
    """Each page of _quarto.yml is an HTML page whose <title> and first <h1> carry its title."""
    using, out = built
    pages = _pages()
    assert len(pages) >= 15
    for name, title in pages:
        page = out / (Path(name).stem + ".html")
        assert page.is_file(), (using, name)
        tree = _html(page)
        assert title in tree.findtext(".//title"), (using, name, tree.findtext(".//title"))
        h1 = tree.xpath("//h1")
        assert h1 and " ".join(h1[0].text_content().split()) == title, (using, name)


def test_every_link_inside_the_guide_resolves(built):
    """Every href and src of every page that does not leave the site names a file of the site, and every
    #fragment an element of that file with that id."""
    using, out = built
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(_html(path).xpath("//@id")) if path.suffix == ".html" else set()
        return ids[path]

    checked = 0
    for page in sorted(out.rglob("*.html")):
        for element in _html(page).xpath("//*[@href or @src]"):
            link = element.get("href") if element.get("href") is not None else element.get("src")
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file() and out.resolve() in target.resolve().parents, (using, page.name, link)
            if parts.fragment:
                assert unquote(parts.fragment) in ids_of(target), (using, page.name, link)
            checked += 1
    assert checked > 200, checked


def test_the_generated_definitions_are_pages_of_the_guide(built):
    """docs/guide/data-contract.md and measures.md, which `cpstats docs` writes, are in the built guide."""
    using, out = built
    contract = " ".join(_html(out / "data-contract.html").text_content().split())
    measures = " ".join(_html(out / "measures.html").text_content().split())
    assert "children.csv" in contract and "la_code" in contract, using
    assert "JSON key: referrals" in measures, using


def test_placeholders_in_code_are_shown_as_written(built):
    """Quarto reads a code span that starts with double braces as an escaped engine and removes a pair; the
    guide's filter keeps commentary placeholders exactly as the analyst types them, with either renderer."""
    using, out = built
    codes = [c.text_content() for c in _html(out / "commentary.html").xpath("//code")]
    for written in ("{{ referrals }}", "{{ previous:referrals }}", "{{ England:x }}", "{{ x }", "{ x }"):
        assert written in codes, (using, written)


def test_a_page_without_a_title_is_refused_and_the_last_guide_kept(tmp_path, capsys):
    guide = tmp_path / "guide"
    shutil.copytree(GUIDE, guide, ignore=shutil.ignore_patterns(".quarto"))
    out = tmp_path / "out"
    assert build_guide.main(["--guide", str(guide), "--out", str(out), "--with", "pandoc"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()

    page = guide / "jupyterlab.md"
    page.write_text(re.sub(r"\A---\n.*?\n---\n", "", page.read_text(encoding="utf-8"), flags=re.S), encoding="utf-8")
    assert build_guide.main(["--guide", str(guide), "--out", str(out), "--with", "pandoc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{page}: has no title" in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("change, said", [
    (lambda g: (g / "quarto.md").write_text("---\ntitle: Q\n---\n\nA {{< meta la-name >}} here.\n"),
     "quarto.md, line 5: a Quarto shortcode"),
    (lambda g: (g / "extra.md").write_text("---\ntitle: Extra\n---\n\nNot listed.\n"),
     "sidebar: contents does not list extra.md"),
    (lambda g: (g / "benchmarks.md").unlink(), "sidebar: contents names 'benchmarks.md', which is not"),
])
def test_pages_that_would_not_build_alike_are_refused_naming_them(tmp_path, capsys, change, said):
    guide = tmp_path / "guide"
    shutil.copytree(GUIDE, guide, ignore=shutil.ignore_patterns(".quarto"))
    change(guide)
    out = tmp_path / "out"
    assert build_guide.main(["--guide", str(guide), "--out", str(out), "--with", "pandoc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err
    assert not out.exists()


@pytest.mark.parametrize("out", [PROJECT_ROOT, GUIDE, GUIDE.parent, GUIDE / "site"])
def test_out_may_not_hold_or_be_the_pages(out, capsys):
    assert build_guide.main(["--out", str(out), "--with", "pandoc"]) == 2
    assert "choose a folder of its own" in capsys.readouterr().err


# ----------------------------------------------------------------- the README is a front door


def test_the_readme_is_a_front_door_whose_first_commands_are_make_report_and_make_test():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 8 * 1024
    commands = [line.split("#")[0].strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)
                for line in block.splitlines() if line.strip()]
    assert commands[:2] == ["make report", "make test"], commands


def test_the_readme_links_every_page_of_the_guide_and_each_link_resolves():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not urlsplit(link).scheme]
    for link in local:
        assert (PROJECT_ROOT / urlsplit(link).path).is_file(), link
    linked = {Path(urlsplit(link).path).name for link in local if link.startswith("docs/guide/")}
    assert {name for name, _ in _pages()} <= linked, {name for name, _ in _pages()} - linked


# ----------------------------------------------------------------- links between pages, as pandoc lays them out

from hypothesis import given, settings, strategies as st  # noqa: E402

_name = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(page=_name, fragment=st.one_of(st.none(), _name), suffix=st.sampled_from([".md", ".qmd"]),
       scheme=st.sampled_from(["https://example.org/", "http://example.org/docs/", "mailto:", "//example.org/"]))
def test_links_to_pages_name_their_html_and_other_links_are_kept(page, fragment, suffix, scheme):
    """The pandoc layout's filter (scripts/guide/links.lua), run by the real pandoc: a link to another page by its
    Markdown file names the HTML page, keeping its fragment; a link that leaves the site is kept as written."""
    import pypandoc

    local = f"{page}{suffix}" + (f"#{fragment}" if fragment else "")
    away = f"{scheme}{page}{suffix}" + (f"#{fragment}" if fragment else "")
    html = pypandoc.convert_text(f"[here]({local}) and [there]({away})", "html5", format="markdown",
                                 extra_args=[f"--lua-filter={PROJECT_ROOT / 'scripts' / 'guide' / 'links.lua'}"])
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == [f"{page}.html" + (f"#{fragment}" if fragment else ""), away.replace("&", "&amp;")], (local, away, html)
