"""The house's shape: the layers and no import circles (import-linter), small modules, the settings and the map."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

from digitlab.settings import SETTINGS

ROOT = Path(__file__).parents[1]


def test_import_contracts_are_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_core_module_over_400_lines_and_no_page_over_200():
    long_core = [p for p in (ROOT / "digitlab").rglob("*.py") if len(p.read_text().splitlines()) > 400]
    long_pages = [p for p in (ROOT / "app_pages").glob("*.py") if len(p.read_text().splitlines()) > 200]
    assert not long_core and not long_pages, (long_core, long_pages)


def test_the_readme_settings_table_is_the_settings_object():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    rows = re.findall(r"^\| `(DIGITLAB_[A-Z_]+)` \|", readme, flags=re.M)
    assert rows == [s.name for s in SETTINGS]


def test_every_variable_the_code_reads_is_a_setting():
    names = {s.name for s in SETTINGS}
    read = set()
    for folder in ("digitlab", "ui", "app_pages"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r"DIGITLAB_[A-Z_]+", path.read_text()))
    read |= set(re.findall(r"DIGITLAB_[A-Z_]+", (ROOT / "streamlit_app.py").read_text()))
    assert read <= names, read - names


def test_the_architecture_map_names_every_core_module_and_only_real_ones():
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:digitlab|ui|app_pages)/[\w/]+\.py)`", text))
    missing = {name for name in named if not (ROOT / name).exists()}
    assert not missing, f"architecture.md names modules that do not exist: {sorted(missing)}"
    core = {str(p.relative_to(ROOT)) for p in (ROOT / "digitlab").rglob("*.py")}
    unnamed = core - named
    assert not unnamed, f"architecture.md does not name: {sorted(unnamed)}"


def test_every_name_the_benchmarks_import_from_the_project_exists():
    """The benches are not run by the tests: a module that moves must not leave them importing a name it lost."""
    missing = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("digitlab", "ui", "tests"):
                module = importlib.import_module(node.module)
                missing += [f"{path.name}: {node.module}.{a.name}" for a in node.names if not has(module, a.name)]
    assert not missing, missing


def has(module, name: str) -> bool:
    """Whether `from module import name` works: a name in it, or a submodule of it."""
    if hasattr(module, name):
        return True
    try:
        importlib.import_module(f"{module.__name__}.{name}")
    except ImportError:
        return False
    return True
