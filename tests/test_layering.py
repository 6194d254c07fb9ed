"""The import structure: autodiff <- nn <- the command line, and no cycle anywhere.

Read from the source with ``ast``, so that an import inside a function counts
as much as one at the top: a cycle hidden in a function body is still a cycle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autodiff", "nn")


def modules() -> dict[str, Path]:
    """Every module of the project by dotted name: 'nn.sgd', 'nn' (its __init__), 'nn.cli', ..."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def packages() -> set[str]:
    """The packages among the modules: those with an __init__.py."""
    return {name for name, path in modules().items() if path.name == "__init__.py"}


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules that module ``name`` imports, anywhere in its body."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # "from nn import sgd" imports the module nn.sgd; "from nn import train"
            # imports the package nn (its __init__) and takes a name from it
            targets = [
                f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known
                else node.module
                for alias in node.names
            ]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


def test_every_package_module_is_seen():
    assert {"autodiff.value", "nn.layers", "nn.sgd", "nn.cli", "nn.cli.training"} <= set(GRAPH)


def test_autodiff_knows_nothing_about_networks():
    for name, targets in GRAPH.items():
        if name.split(".")[0] == "autodiff":
            assert not {t for t in targets if t.split(".")[0] == "nn"}, name


def in_command_line(name: str) -> bool:
    return name == "nn.cli" or name.startswith("nn.cli.")


def test_only_the_command_line_imports_the_command_line():
    for name, targets in GRAPH.items():
        if not in_command_line(name) and name != "nn.__main__":
            assert not any(in_command_line(t) for t in targets), name


@pytest.mark.parametrize("package", sorted(packages()))
def test_modules_import_from_the_defining_module_not_the_package(package):
    # The package's __init__ imports every module; a module importing names from
    # the package would import itself back through it: a cycle.
    for name, targets in GRAPH.items():
        if name.startswith(f"{package}.") and name != f"{package}.__main__":
            assert package not in targets, f"{name} imports from {package}/__init__.py"


def test_no_import_cycles():
    # a depth-first search over the modules (package __init__ files left out:
    # importing a module of a package runs its __init__ first, by design)
    graph = {n: {t for t in ts if t not in packages()}
             for n, ts in GRAPH.items() if n not in packages()}
    state: dict[str, str] = {}

    def visit(n: str, path: list[str]) -> None:
        state[n] = "open"
        for t in sorted(graph[n]):
            if state.get(t) == "open":
                cycle = path[path.index(t):] + [t] if t in path else [n, t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t, [*path, t])
        state[n] = "done"

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])


def test_torch_is_imported_only_by_the_bridge():
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.Import) for a in node.names}
        names |= {node.module.split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        if "torch" in names:
            assert name == "nn.torch", f"{name} imports torch"
