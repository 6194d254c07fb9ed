"""deltagrad inside Pyodide (CPython compiled to WebAssembly), under Node.js, offline.

npm's ``pyodide`` package (pinned in package.json and package-lock.json, installed
by ``make test`` into node_modules/) runs ``tests/pyodide/session.py``: it imports
every module, trains a network, walks through a backpropagation and saves its page,
saves both pictures as SVG, and checks a student's backprop. deltagrad comes in as
its wheel, built here from this tree, and graphviz as its wheel from PyPI: local
files, nothing else. Node runs in a network namespace with no way out (``unshare
-n``, where the machine allows it), so a hidden download fails the test.

The reference is the same script run by CPython in this process: the trained
weights, the walkthrough's numbers and the check's verdict must be the same, bit for
bit, and the pictures the same bytes.
"""

import importlib.metadata
import json
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import offline

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "pyodide"
PYODIDE = ROOT / "node_modules" / "pyodide"

pytestmark = [pytest.mark.slow, pytest.mark.pyodide]


def pinned_pyodide() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/pyodide"]["version"]


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: 'sudo apt-get install nodejs npm' "
                    "(make test installs them when run as root)")
    if not (PYODIDE / "pyodide.mjs").is_file():
        pytest.skip("npm's pyodide is not installed: run 'npm ci' in the project's folder "
                    "(make test does)")
    installed = json.loads((PYODIDE / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned_pyodide(), (
        f"node_modules holds pyodide {installed}, package-lock.json pins {pinned_pyodide()}: "
        "run 'npm ci' (make test does)")
    return node


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """deltagrad's wheel, built from this tree, and graphviz's (pure) wheel from PyPI."""
    from lite.wheels import NoPureWheel, deltagrad_wheel, pure_wheel

    folder = tmp_path_factory.mktemp("wheels")
    deltagrad_wheel(folder)
    try:
        pure_wheel("graphviz", importlib.metadata.version("graphviz"), folder, python="3.14")
    except NoPureWheel as error:
        pytest.skip(f"{error} (offline?)")
    assert sorted(p.name.split("-")[0] for p in folder.glob("*.whl")) == ["deltagrad", "graphviz"]
    return folder


@pytest.fixture(scope="module")
def in_pyodide(node, wheels, tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("pyodide")
    command = [*offline(), node, HERE / "run.mjs", PYODIDE, wheels, HERE / "session.py",
               out]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert ran.returncode == 0, f"Pyodide's run failed:\n{ran.stdout}\n{ran.stderr}"
    return json.loads((out / "results.json").read_text(encoding="utf-8")), out


@pytest.fixture(scope="module")
def in_cpython(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("cpython")
    runpy.run_path(str(HERE / "session.py"))["main"](str(out))
    return json.loads((out / "results.json").read_text(encoding="utf-8")), out


def part(results: dict, name: str) -> dict:
    found = results[name]
    assert found["ok"], f"{name} failed:\n{found['traceback']}"
    return found


def test_every_module_imports_in_pyodide(in_pyodide):
    results, _ = in_pyodide
    imports = results["imports"]
    assert {"graphviz", "autodiff", "nn", "autodiff.views.widgets", "nn.checking.checker",
            "nn.lecture.step_by_step"} <= set(imports)
    failed = {name: error for name, error in imports.items() if error is not None}
    # only the bridge to PyTorch, an optional extra that Pyodide does not have, says so
    assert set(failed) == {"nn.training.torch_bridge"}
    assert "needs PyTorch, which is optional" in failed["nn.training.torch_bridge"]


def test_training_gives_cpythons_numbers_bit_for_bit(in_pyodide, in_cpython):
    pyodide, cpython = in_pyodide[0], in_cpython[0]
    assert part(pyodide, "training") == part(cpython, "training")
    assert len(pyodide["training"]["weights"]) == 2 * 3 + 3 + 3 * 1 + 1


def test_the_walkthrough_gives_cpythons_numbers_bit_for_bit(in_pyodide, in_cpython):
    steps = part(in_pyodide[0], "walkthrough")["steps"]
    assert steps == part(in_cpython[0], "walkthrough")["steps"]
    assert [symbol for symbol, _ in steps[:2]] == ["z_1^2", "a_1^2"]


def test_check_backprop_gives_cpythons_verdict(in_pyodide, in_cpython):
    check = part(in_pyodide[0], "check")
    assert check == part(in_cpython[0], "check")
    assert check["right"] == [True, None]
    assert check["wrong"] == [False, "error_sign"]  # the catalogued mistake is named


def test_the_walkthrough_page_carries_its_picture_inline(in_pyodide, in_cpython):
    page = (in_pyodide[1] / part(in_pyodide[0], "page")["file"]).read_text(encoding="utf-8")
    assert page.count("<svg") >= 1 and 'class="node"' in page
    assert page == (in_cpython[1] / "walkthrough.html").read_text(encoding="utf-8")


def test_the_network_diagram_is_saved_as_svg(in_pyodide, in_cpython):
    svg = (in_pyodide[1] / part(in_pyodide[0], "network_svg")["file"]).read_bytes()
    assert b"<svg" in svg and svg.count(b'class="node"') >= 2 + 3 + 1  # the neurons, at least
    assert svg == (in_cpython[1] / "network.svg").read_bytes()


def test_the_computation_graph_is_saved_as_svg(in_pyodide, in_cpython):
    svg = (in_pyodide[1] / part(in_pyodide[0], "graph_svg")["file"]).read_bytes()
    assert b"<svg" in svg and b'class="edge"' in svg
    assert svg == (in_cpython[1] / "graph.svg").read_bytes()
