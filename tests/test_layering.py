"""The layering of docs/architecture.md, read from the source: every import of every module of
gdcomply/ (ast), including those inside functions and under TYPE_CHECKING, since a circle
through a lazy import is still a circle of design.

What fails: a circle among gdcomply's modules; a core module that reaches, through any chain
of imports, typer, rich, click, openpyxl or another report library; a module outside
gdcomply/cli/ that imports the CLI; an outside library imported by a module that does not
own it. tests/test_imports.py checks the same borders at run time (which modules a command
really loads); this test sees the imports no test run happens to execute.

Not seen: a module imported by a computed name (the CLI's command table loads its command
modules with importlib; they are all inside gdcomply/cli/).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "gdcomply"

# The core (the bottom row of docs/architecture.md's table): models and pure functions.
# Nothing they import, directly or through other modules, may be one of CORE_FORBIDDEN.
CORE = (
    "gdcomply.errors",
    "gdcomply.safefiles",
    "gdcomply.calendar",
    "gdcomply.tracking",
    "gdcomply.workdays",
    "gdcomply.applications.columns",
    "gdcomply.applications.model",
    "gdcomply.applications.measures",
    "gdcomply.complaints.model",
    "gdcomply.complaints.deadlines",
    "gdcomply.complaints.stats",
    "gdcomply.ledger.model",
    "gdcomply.packs.model",
    "gdcomply.reminders.plan",
)
CORE_FORBIDDEN = frozenset({"typer", "rich", "click", "openpyxl", "xlsxwriter", "docxtpl", "docx", "jinja2", "icalendar"})
# The command line: only these may import it.
CLI = ("gdcomply.cli", "gdcomply.__main__")

# One owner per outside thing: the library, and the modules (or packages) that may import it.
OWNERS = {
    "typer": ("gdcomply.cli",),
    "rich": ("gdcomply.cli",),
    "click": ("gdcomply.cli",),
    "openpyxl": ("gdcomply.reports",),
    "xlsxwriter": ("gdcomply.reports",),
    "docxtpl": ("gdcomply.reports",),
    "docx": ("gdcomply.reports",),
    "jinja2": ("gdcomply.reports",),
    "icalendar": ("gdcomply.reports",),
    "sqlite3": ("gdcomply.ledger.sqlite",),
    "psycopg": ("gdcomply.ledger.postgres", "gdcomply.ledger.pg_rights"),
    "smtplib": ("gdcomply.reminders.mail",),
    "yaml": ("gdcomply.yamlsource", "gdcomply.workdays.holidayfile"),
    "python_calamine": ("gdcomply.applications.tables", "gdcomply.packs.company", "gdcomply.packs.notes"),
    "holidays": ("gdcomply.workdays.package", "gdcomply.cli"),
    "opencc": ("gdcomply.workdays.notice",),
    "platformdirs": ("gdcomply.workdays.package", "gdcomply.workspace"),
}


# -- the checker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imports:
    """What the modules of a package import: gdcomply modules, and outside top-level names."""

    internal: dict[str, set[str]]  # module -> gdcomply modules it imports
    external: dict[str, set[str]]  # module -> top-level names of the other modules it imports


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports(root: Path, package: str) -> Imports:
    """Every import statement of every module under root/package, wherever it sits in the module."""
    paths = {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    internal: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        outside: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, name, is_package)
                # "from a import b" imports the module a.b when there is one, else a name of a
                found = [f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names]
            else:
                continue
            for target in found:
                if target == package or target.startswith(package + "."):
                    targets.add(target)
                    targets.update(_parents_run_first(target, name, package))
                else:
                    outside.add(target.split(".")[0])
        internal[name] = {t for t in targets if t != name}
        external[name] = outside
    unknown = {t for ts in internal.values() for t in ts} - paths.keys()
    assert not unknown, f"imports of gdcomply modules that do not exist: {sorted(unknown)}"
    return Imports(internal, external)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()  # a module's relative imports start from its package
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _parents_run_first(target: str, importer: str, package: str) -> set[str]:
    """The packages whose __init__ runs when target is imported, other than the importer's own
    (those have run before the importer itself)."""
    parts = target.split(".")
    parents = {".".join(parts[:i]) for i in range(1, len(parts))}
    own = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 2)}
    return {p for p in parents - own if p != package}


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another, directly or not (Tarjan's strongly
    connected components of more than one module, or of one that imports itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph.get(module, ()):
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return sorted(groups)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle (a -> ... -> a) in each tangle."""
    return [_circle_in(group, graph) for group in tangles(graph)]


def _circle_in(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = group[0]
    members = set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph.get(module, ()) & members):
                if target == start:
                    return paths[module] + [start]
                if target not in paths:
                    paths[target] = paths[module] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no circle in {group}")  # pragma: no cover - a group always has one


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Every module start imports, directly or not, with the chain of imports that gets there."""
    chains = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph.get(module, ())):
                if target not in chains:
                    chains[target] = chains[module] + [target]
                    following.append(target)
        frontier = following
    return chains


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layering_problems(
    imports: Imports, core: tuple[str, ...], owners: dict[str, tuple[str, ...]], cli: tuple[str, ...]
) -> list[str]:
    """Everything that breaks the layering, one line each (empty: all is well)."""
    problems = []
    for group in tangles(imports.internal):
        circle = _circle_in(group, imports.internal)
        others = sorted(set(group) - set(circle))
        problems.append(f"import circle: {' -> '.join(circle)}" + (f" (tangled with {', '.join(others)})" if others else ""))
    for module in sorted(imports.internal):
        if not _within(module, cli):
            problems += [f"{module} imports the CLI ({t})" for t in sorted(imports.internal[module]) if _within(t, cli)]
        for library in sorted(imports.external[module]):
            allowed = owners.get(library)
            if allowed is not None and not _within(module, allowed):
                problems.append(f"{module} imports {library}, which only {', '.join(allowed)} may import")
    for module in sorted(m for m in imports.internal if _within(m, core)):
        for target, chain in reachable(imports.internal, module).items():
            for library in sorted(imports.external[target] & CORE_FORBIDDEN):
                problems.append(f"core module {module} reaches {library}: {' -> '.join(chain)} -> {library}")
            if _within(target, cli):
                problems.append(f"core module {module} reaches the CLI: {' -> '.join(chain)}")
    return problems


# -- gdcomply itself --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imports() -> Imports:
    return read_imports(ROOT, PACKAGE)


def test_gdcomply_keeps_its_layering(imports):
    problems = layering_problems(imports, CORE, OWNERS, CLI)
    assert not problems, "\n".join(problems)


def test_the_rules_name_modules_that_exist(imports):
    # a module renamed away would leave its rule checking nothing
    modules = set(imports.internal)
    named = set(CORE) | {m for allowed in OWNERS.values() for m in allowed} | set(CLI)
    assert sorted(m for m in named if not any(_within(x, (m,)) for x in modules)) == []


def test_every_sub_package_says_what_it_owns_and_imports_nothing(imports):
    # a sub-package's __init__ runs before any of its modules: importing one module must not
    # load the others (start-up time), and its docstring is where a newcomer learns the room
    packages = sorted(p.parent for p in (ROOT / PACKAGE).glob("*/__init__.py"))
    assert {p.name for p in packages} >= {
        "applications", "cli", "complaints", "ledger", "packs", "reminders", "reports", "workdays",
    }  # fmt: skip
    for package in packages:
        name = f"{PACKAGE}.{package.name}"
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 200, f"{name}/__init__.py: say what it owns and may import"
        if not _within(name, CLI):
            assert imports.internal[name] == set() and imports.external[name] == set(), f"{name}/__init__.py imports"


def test_every_module_is_read(imports):
    # the graph holds the modules the reader found, lazily imported ones included
    assert {"gdcomply.cli", "gdcomply.calendar", "gdcomply.reports.xlsx_pack"} <= set(imports.internal)
    assert "gdcomply.cli.common" in imports.internal["gdcomply.cli.calendar_cmds"]
    assert "xlsxwriter" in imports.external["gdcomply.reports.xlsx_pack"]


# -- the checker on small made-up packages ----------------------------------------------------


def write_package(root: Path, modules: dict[str, str]) -> Path:
    """Modules of a made-up package "pkg" under root, from {"pkg/a.py": source}."""
    for relative, source in modules.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def test_a_circle_through_a_lazy_and_a_type_checking_import_is_named(tmp_path):
    root = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/model.py": """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pkg.writer import write
            """,
        "pkg/writer.py": """
            def write():
                from .build import plan
            """,
        "pkg/build.py": "from pkg import model\n",
        "pkg/alone.py": "import pkg.model\n",
    })  # fmt: skip
    imports = read_imports(root, "pkg")
    assert find_cycles(imports.internal) == [["pkg.build", "pkg.model", "pkg.writer", "pkg.build"]]
    assert layering_problems(imports, (), {}, ("pkg.cli",)) == [
        "import circle: pkg.build -> pkg.model -> pkg.writer -> pkg.build"
    ]


def test_a_package_init_that_imports_back_is_a_circle(tmp_path):
    # importing pkg.sub.a runs pkg/sub/__init__.py first, which here imports pkg.b, which imports pkg.sub.a
    root = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from pkg.b import thing\n",
        "pkg/sub/a.py": "",
        "pkg/b.py": "from pkg.sub.a import thing\n",
    })  # fmt: skip
    assert find_cycles(read_imports(root, "pkg").internal) == [["pkg.b", "pkg.sub", "pkg.b"]]


def test_no_circle_no_problem(tmp_path):
    root = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/model.py": "import json\n",
        "pkg/writer.py": "from . import model\n",
        "pkg/build.py": "from pkg.writer import write\nfrom pkg.model import Sheet\n",
    })  # fmt: skip
    imports = read_imports(root, "pkg")
    assert imports.internal["pkg.writer"] == {"pkg.model"}
    assert layering_problems(imports, ("pkg.model",), {"json": ("pkg.model",)}, ("pkg.cli",)) == []


def test_the_core_reaching_a_cli_library_through_another_module_fails(tmp_path):
    root = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/core.py": "def f():\n    from pkg.helper import g\n",
        "pkg/helper.py": "import rich.console\n",
        "pkg/cli/__init__.py": "import typer\n",
        "pkg/cli/main.py": "import pkg.cli\n",
        "pkg/service.py": "from pkg.cli.main import run\n",
    })  # fmt: skip
    problems = layering_problems(read_imports(root, "pkg"), ("pkg.core",), {"rich": ("pkg.cli",)}, ("pkg.cli",))
    assert problems == [
        "pkg.helper imports rich, which only pkg.cli may import",
        "pkg.service imports the CLI (pkg.cli)",
        "pkg.service imports the CLI (pkg.cli.main)",
        "core module pkg.core reaches rich: pkg.core -> pkg.helper -> rich",
    ]
