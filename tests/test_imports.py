"""Import rules from the design, checked by walking every module's imports with `ast`:
the sandbox is an independent reading of the vendor API (imports nothing else of ours, and
only the `sandbox` command and the embedded sandbox import it); plan, planner and renderers
do no HTTP or CLI work; only `cli` and `commands/` import `commands/`; planning does not
import apply; and `validate`, the manifest and the kinds' section models load without httpx."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "cobalt_sync"
SANDBOX = "cobalt_sync.sandbox"
SANDBOX_IMPORTERS = {"cobalt_sync.commands.sandbox", "cobalt_sync.reading.embedded_sandbox"}
COMMANDS = "cobalt_sync.commands"
COMMAND_IMPORTERS = ("cobalt_sync.cli", COMMANDS)
PLANNING = ("cobalt_sync.planning", "cobalt_sync.plan")
APPLYING = "cobalt_sync.applying"
PURE_MODULES = ("cobalt_sync.plan", "cobalt_sync.planning.planner", "cobalt_sync.render")
FORBIDDEN_IN_PURE = ("httpx", "click")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, absolute; `from a import b` yields both a and a.b."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


MODULES = {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def test_the_walk_sees_the_modules_it_guards() -> None:
    assert "cobalt_sync.sandbox.server" in MODULES
    assert "cobalt_sync.commands.sandbox" in MODULES
    assert "cobalt_sync.plan" in MODULES


@pytest.mark.parametrize("module", sorted(m for m in MODULES if within(m, SANDBOX)))
def test_sandbox_imports_nothing_else_of_ours(module: str) -> None:
    ours = {n for n in imported_names(MODULES[module]) if within(n, "cobalt_sync")}
    outside = sorted(n for n in ours if not within(n, SANDBOX) and n != "cobalt_sync")
    assert outside == [], f"{module} imports {outside}: the sandbox must stay independent"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not within(m, SANDBOX)))
def test_only_the_sandbox_command_imports_the_sandbox(module: str) -> None:
    uses_sandbox = any(within(n, SANDBOX) for n in imported_names(MODULES[module]))
    assert not uses_sandbox or module in SANDBOX_IMPORTERS, (
        f"{module} imports {SANDBOX}; only {sorted(SANDBOX_IMPORTERS)} may"
    )


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if any(within(m, p) for p in PURE_MODULES))
)
def test_pure_modules_do_no_http_or_cli(module: str) -> None:
    names = imported_names(MODULES[module])
    bad = sorted(n for n in names if any(within(n, lib) for lib in FORBIDDEN_IN_PURE))
    assert bad == [], f"{module} imports {bad}; plan/planner/render must stay pure"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_cli_and_commands_import_commands(module: str) -> None:
    """A library module that imported a command would depend on the CLI (click, output)."""
    uses_commands = any(within(n, COMMANDS) for n in imported_names(MODULES[module]))
    allowed = any(within(module, prefix) for prefix in COMMAND_IMPORTERS)
    assert not uses_commands or allowed, f"{module} imports {COMMANDS}; only cli and commands may"


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if any(within(m, p) for p in PLANNING))
)
def test_planning_does_not_import_applying(module: str) -> None:
    names = imported_names(MODULES[module])
    assert not any(within(n, APPLYING) for n in names), f"{module} imports {APPLYING}"


def test_validate_and_the_kinds_load_without_httpx() -> None:
    """`validate` is offline: the manifest, every kind's section model and comparison rules
    must be importable without the API client (it would cost startup time, and a reason)."""
    loads = (
        "cobalt_sync.commands.validate, cobalt_sync.manifest, cobalt_sync.kinds,"
        "cobalt_sync.planning.planner, cobalt_sync.manifest.json_schema"
    )
    assert loaded_among(("httpx", "cobalt_sync.api"), after=f"import {loads}") == []


def loaded_among(modules: tuple[str, ...], *, after: str) -> list[str]:
    """Which of `modules` a fresh interpreter has loaded after running `after`."""
    code = f"import sys; {after}; print(sorted(m for m in {modules!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return list(ast.literal_eval(result.stdout.strip()))


def test_a_plan_can_send_its_first_reads_before_the_models_load() -> None:
    """`plan` sends the reads every plan begins with (connect.first_reads) before it loads
    the kinds and the pydantic models (about a fifth of a second): its command module and
    everything up to an open channel must not import them."""
    heavy = (
        "pydantic.main",
        "cobalt_sync.kinds",
        "cobalt_sync.api.client",
        "cobalt_sync.manifest.models",
        "cobalt_sync.planning.pipeline",
    )
    start = (
        "import cobalt_sync.cli, cobalt_sync.commands.plan, cobalt_sync.reading.connect,"
        "cobalt_sync.api.channel; from cobalt_sync.manifest import draft_manifest"
    )
    assert loaded_among(heavy, after=start) == []


def test_the_package_root_holds_few_modules() -> None:
    """The layout shows the pipeline: at most 12 modules at the root, the rest in packages
    named for the stage they serve (reading, planning, applying, exporting, render…)."""
    root = sorted(path.name for path in PACKAGE_ROOT.glob("*.py"))
    assert len(root) <= 12, root


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ours it imports, type-only and function-level imports
    included (`ast.walk` sees them all)."""
    return {
        module: {n for n in imported_names(path) if n in MODULES and n != module}
        for module, path in MODULES.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for child in sorted(graph[node]):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_type_only_imports_included() -> None:
    assert cycles(import_graph()) == []
