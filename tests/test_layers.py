"""Dependencies point down: nothing under assets/ imports the code location, CLI or settings above it,
nor reads the environment they read (pipelines/settings.py), but for the fault points' test harness."""

import ast
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parent.parent / "assets"
# a test harness armed per process, not a setting (its docstring says why)
READS_THE_ENVIRONMENT = {ASSETS / "faults.py"}


def imported_modules(source: Path) -> list[str]:
    """Return every module a Python file imports, at its top or inside a function."""
    modules = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
    return modules


def test_the_walk_finds_imports_at_the_top_and_inside_functions(tmp_path):
    """The check below can only fail if the walk sees every kind of import; here it must see all three."""
    source = tmp_path / "example.py"
    source.write_text(
        "import pipelines.x\nfrom pipelines import y\ndef f():\n    from pipelines.z import w\n"
    )
    assert imported_modules(source) == ["pipelines.x", "pipelines", "pipelines.z"]


@pytest.mark.parametrize("source", sorted(ASSETS.rglob("*.py")), ids=lambda p: str(p.relative_to(ASSETS)))
def test_no_module_under_assets_imports_pipelines(source):
    upward = [m for m in imported_modules(source) if m == "pipelines" or m.startswith("pipelines.")]
    assert not upward, f"{source} imports {upward}: move what it needs below assets/"


def environment_reads(source: Path) -> list[str]:
    """Return every `os.environ` / `os.getenv` (or `environ` / `getenv` imported from os) in a file."""
    reads = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            reads.append(f"{ast.unparse(node)} (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            reads += [f"from os import {a.name}" for a in node.names if a.name in ("environ", "getenv")]
    return reads


def test_the_environment_walk_finds_every_way_of_reading_it(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("import os\nfrom os import getenv\na = os.environ.get('X')\nb = os.getenv('Y')\n")
    assert sorted(environment_reads(source)) == [
        "from os import getenv",
        "os.environ (line 3)",
        "os.getenv (line 4)",
    ]


@pytest.mark.parametrize("source", sorted(ASSETS.rglob("*.py")), ids=lambda p: str(p.relative_to(ASSETS)))
def test_no_module_under_assets_reads_the_environment(source):
    reads = environment_reads(source)
    if source in READS_THE_ENVIRONMENT:
        assert reads, f"{source} no longer reads the environment: take it out of READS_THE_ENVIRONMENT"
    else:
        assert not reads, f"{source} reads {reads}: read it in pipelines/settings.py, pass it as a resource"
