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
    """Every module of the project by dotted name: 'nn.training.sgd', 'nn', 'nn.cli', ..."""
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
            # "from nn.training import sgd" imports the module nn.training.sgd;
            # "from nn import train"
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
    assert {"autodiff.value", "nn.model.layers", "nn.training.sgd", "nn.cli",
            "nn.cli.training"} <= set(GRAPH)


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
            assert name == "nn.training.torch_bridge", f"{name} imports torch"


# The floors of the house, bottom up: a module imports only from its own floor and
# those below it. Inside autodiff, the core (everything not in a subpackage) is the
# ground, and replay and views stand beside each other on it.
FLOORS = ("autodiff", "nn.model", "nn.data", "nn.training", "nn.lecture", "nn.checking", "nn.cli")
BESIDE = {"autodiff.replay": "autodiff.views", "autodiff.views": "autodiff.replay"}


def floor_of(name: str) -> int:
    return max(i for i, f in enumerate(FLOORS) if name == f or name.startswith(f + "."))


def test_every_module_stands_on_a_floor():
    for name in GRAPH:
        if name.startswith("nn.") and name not in ("nn.__main__",):
            assert floor_of(name) > 0, f"{name} is in no subpackage of nn"


def test_no_module_imports_from_a_floor_above_its_own():
    for name, targets in GRAPH.items():
        if name in ("nn", "nn.__main__", "autodiff"):
            continue  # the packages' front doors gather everything
        for t in targets:
            assert floor_of(t) <= floor_of(name), f"{name} imports {t}, a floor above it"


def test_replay_and_views_read_the_core_never_each_other():
    for name, targets in GRAPH.items():
        for mine, other in BESIDE.items():
            if name.startswith(mine + ".") or name == mine:
                assert not [t for t in targets if t == other or t.startswith(other + ".")], name
        if name.startswith("autodiff.") and not name.startswith(("autodiff.replay",
                                                                 "autodiff.views")):
            assert not [t for t in targets if t.startswith(("autodiff.replay", "autodiff.views"))
                        ], f"{name}, in the core, imports a view or replay"


@pytest.mark.parametrize("package", sorted(packages()))
def test_no_module_is_named_like_a_public_name_beside_it(package):
    # `import nn.lecture.step_by_step` must give the module, and `from nn import
    # walkthrough` the function: a package exporting a name that is also one of
    # its modules' names would shadow the module with it.
    import importlib

    module = importlib.import_module(package)
    path = Path(module.__file__).parent
    beside = {p.stem for p in path.glob("*.py")} | {p.name for p in path.iterdir()
                                                    if (p / "__init__.py").exists()}
    public = set(getattr(module, "__all__", ()))
    assert not public & beside, f"{package} exports {sorted(public & beside)}, named like modules"
    for name in beside - {"__init__", "__main__"}:
        sub = importlib.import_module(f"{package}.{name}")
        assert getattr(module, name, sub) is sub, f"{package}.{name} is not the module"
