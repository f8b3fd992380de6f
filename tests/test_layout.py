"""The house: one package per stage, imports pointing down only, the disclosure policy reached through the figures."""

from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path

import cpstats
from cpstats.publish import build

PACKAGE = Path(cpstats.__file__).resolve().parent
STAGES = {"data": 0, "figures": 1, "present": 2, "publish": 3, "cli": 4}


@functools.lru_cache(maxsize=1)
def _imports() -> dict[str, set[str]]:
    """Each module of cpstats (dotted, without ``cpstats.``) and the cpstats modules it imports, anywhere in it."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cpstats"):
                names.add(node.module.removeprefix("cpstats").lstrip("."))
                names |= {f"{node.module.removeprefix('cpstats').lstrip('.')}.{a.name}".lstrip(".") for a in node.names}
            elif isinstance(node, ast.Import):
                names |= {a.name.removeprefix("cpstats.") for a in node.names if a.name.startswith("cpstats.")}
        found[module] = {n for n in names if n}
    return found


def test_the_library_is_four_stage_packages_and_the_command():
    top = sorted(p.name for p in PACKAGE.iterdir() if not p.name.startswith("_") and (p.is_dir() or p.suffix == ".py"))
    assert [p for p in top if p.removesuffix(".py") not in STAGES and p not in ("palette.yaml",)] == []
    for stage in ("data", "figures", "present", "publish"):
        doc = (PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")
        assert "Enters:" in doc and "Leaves:" in doc, stage


def test_imports_point_down_only():
    upward = []
    for module, names in _imports().items():
        stage = STAGES.get(module.split(".")[0])
        for name in names:
            target = STAGES.get(name.split(".")[0])
            if stage is not None and target is not None and target > stage:
                upward.append(f"{module} imports {name}")
    assert upward == []


def test_no_module_imports_another_that_imports_it_back():
    modules = _imports()
    graph = {m: {n for n in names if n in modules} for m, names in modules.items()}
    circles = sorted({tuple(sorted((a, b))) for a, targets in graph.items() for b in targets
                      if a != b and a in graph.get(b, set())})
    assert circles == []


def test_no_output_module_consults_the_disclosure_policy():
    """Only the figures stage knows the policy; every other module reads protected figures."""
    consulting = [module for module, names in _imports().items()
                  if not module.startswith("figures") and any(n.startswith("figures.disclosure") for n in names)]
    assert consulting == []


def test_build_report_reads_as_the_pipeline():
    """build_report's body (its docstring aside) fits on a screen: one call per stage."""
    source = inspect.getsource(build.build_report)
    body = source.split('"""')[-1].strip().splitlines()
    assert len(body) <= 40
