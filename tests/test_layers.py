"""Dependencies point down: nothing under assets/ imports the code location, CLI or settings above it."""

import ast
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parent.parent / "assets"


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
