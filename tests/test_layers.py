"""Dependencies point down: nothing under assets/ imports the code location, CLI or settings above it,
nor reads the environment they read (pipelines/settings.py), but for the fault points' test harness; and
importing the code location reads and writes none of the project's files."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
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


# Imports the modules named in argv[2] under an audit hook, then prints every file or folder of the project
# (argv[1]) touched that is not the import system's own: a module's source or bytecode, a package folder
# listed to find modules, the virtual environment.
IMPORT_WATCHED = """
import json, os, sys
root, names = sys.argv[1], json.loads(sys.argv[2])
touched = []
def watch(event, args):
    if event in ("open", "os.mkdir", "os.scandir", "os.listdir", "os.remove", "os.rename") and args:
        if isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.path.abspath(os.fsdecode(args[0]))
            inside = path == root or path.startswith(root + os.sep)
            if inside and not path.startswith(sys.prefix + os.sep) and "__pycache__" not in path:
                touched.append((event, path))
sys.addaudithook(watch)
for name in names:
    __import__(name)
modules = list(sys.modules.values())
files = {os.path.abspath(m.__file__) for m in modules if getattr(m, "__file__", None)}
folders = {root} | {os.path.abspath(p) for m in modules for p in getattr(m, "__path__", None) or ()}
print(json.dumps(sorted({
    f"{event} {path}" for event, path in touched
    if not (event == "open" and path in files) and not (event == "os.listdir" and path in folders)
})))
"""


def module_names(folder: Path) -> list[str]:
    """Return the dotted name of every module of a package folder."""
    return sorted(
        ".".join(p.relative_to(folder.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in folder.rglob("*.py")
    )


def test_the_module_names_are_those_python_imports(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    for name in ("pkg/__init__.py", "pkg/a.py", "pkg/sub/__init__.py", "pkg/sub/b.py"):
        (tmp_path / name).write_text("")
    assert module_names(tmp_path / "pkg") == ["pkg", "pkg.a", "pkg.sub", "pkg.sub.b"]


@pytest.mark.slow  # one fresh interpreter importing Dagster, polars and every stage (about 9 CPU-seconds)
def test_importing_the_code_location_reads_and_writes_no_project_file():
    """Definitions are built by functions (pipelines/definitions.py), not when modules are imported:
    fails when a module reads a model, a seed's documentation or a suite, or makes a folder, as it is
    imported (a module constant computed from files)."""
    names = [*module_names(ASSETS), "pipelines.definitions"]
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_WATCHED, str(ROOT), json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []
