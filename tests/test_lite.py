"""The JupyterLite site (make lite): notebook 11 run in headless Chromium, offline.

The site is built here from this tree (``lite.build``); a script
(tests/lite/run_notebook.py) serves it on loopback and runs notebook 11 in Chromium,
both in a network namespace of their own with loopback only (``unshare -n``, where
the machine allows it), so nothing can leave the machine: the kernel's worker, which
fetches Pyodide and the wheels, must find everything in the site. What the cells print
in the site's Pyodide is compared with the same cells run by CPython in this process.
"""

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHROMIUM_HINT, offline

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "11_deltagrad_in_the_browser.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("jupyterlite_core", reason="the site is built with jupyterlite-core: "
                        "pip install -e '.[lite]' (make test does)")
    from lite.build import SiteError, build
    from lite.wheels import NoPureWheel

    if not (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").is_file():
        pytest.skip("npm's pyodide is not installed: run 'npm ci' in the project's folder "
                    "(make test does)")
    output = tmp_path_factory.mktemp("lite") / "site"
    try:
        build(output)
    except NoPureWheel as error:
        pytest.skip(f"the site's wheels cannot be fetched (offline?): {error}")
    except SiteError as error:
        pytest.fail(str(error))
    return output


@pytest.fixture(scope="module")
def ran(site, tmp_path_factory) -> dict:
    """Notebook 11 opened in the site and run (tests/lite/run_notebook.py), offline."""
    import shutil

    if not (shutil.which("chromium") or shutil.which("chromium-browser")) or \
            not shutil.which("chromedriver"):
        pytest.skip(CHROMIUM_HINT)
    out = tmp_path_factory.mktemp("ran") / "ran.json"
    prefix = offline()
    command = [*prefix, sys.executable, ROOT / "tests" / "lite" / "run_notebook.py", site,
               NOTEBOOK.name, out, *(["--loopback-up"] if prefix else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"the notebook's run failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(out.read_text(encoding="utf-8"))


def printed(cell: dict) -> str:
    return "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream")


def errors(cells: list[dict]) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for c in cells for o in c["outputs"]
            if o["output_type"] == "error"]


def test_the_notebook_runs_in_the_sites_pyodide_and_prints_what_cpython_prints(ran):
    cells = ran["cells"]
    assert "error" not in cells, cells
    assert printed(cells[0]) == "emscripten\n"  # Python in the browser, not this machine's
    # the same cells in CPython, in this process: training and walkthrough, bit for bit
    namespace = {}
    for cell in cells[1:3]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(cell["source"], namespace)
        assert printed(cell) == out.getvalue()
        assert out.getvalue()
    assert "SGD steps" in printed(cells[1]) and printed(cells[2]).startswith("delta_1^3 = ")


def test_nothing_is_asked_of_another_machine(ran):
    # the page asked for its own files only (the kernel's worker runs offline too: in a
    # network namespace of its own, nothing can leave, and the cells above still ran)
    assert [u for u in ran["asked"] if not u.startswith(("http://127.0.0.1:", "data:",
                                                          "blob:", "about:", "chrome"))] == []
    # Pyodide, the lock and deltagrad's wheel came from the site itself
    served = set(ran["served"])
    assert {"/static/pyodide/pyodide.asm.wasm", "/static/pyodide/pyodide-lock.json"} <= served
    assert any(p.startswith("/static/pyodide/deltagrad-") for p in served)


def test_the_site_ships_pure_wheels_that_its_lock_pins_by_their_checksums(site):
    import hashlib

    folder = site / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
    settings = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = settings["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    wheels = sorted(folder.glob("*.whl"))
    assert {"micropip", "ipython", "jedi", "deltagrad", "graphviz", "anywidget"} <= {
        w.name.split("-")[0] for w in wheels}
    shipped = {entry["file_name"]: entry for entry in lock["packages"].values()
               if (folder / entry["file_name"]).is_file()}
    assert sorted(shipped) == [w.name for w in wheels]  # each wheel is the lock's, none else
    for wheel in wheels:
        assert wheel.name.endswith("-none-any.whl")
        assert shipped[wheel.name]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    # and what the kernel loads as it starts, with what that needs, is all there
    needed, queue = set(), ["micropip", "ipython", "jedi", *kernel["loadPyodideOptions"][
        "packages"]]
    by_name = {name.lower().replace("_", "-"): entry for name, entry in lock["packages"].items()}
    while queue:
        name = queue.pop().lower().replace("_", "-")
        if name not in needed:
            needed.add(name)
            queue.extend(by_name[name]["depends"])
    assert all((folder / by_name[name]["file_name"]).is_file() for name in needed)


def test_the_site_draws_the_network_and_steps_through_the_walkthrough(ran):
    cells = ran["cells"]
    assert not errors(cells)
    assert all(c["count"] is not None for c in cells)
    assert any("<svg" in o.get("data", {}).get("image/svg+xml", "") for o in cells[3]["outputs"])
    # the stepper (anywidget) is drawn in the page, and moves when its slider does
    stepper = ran["stepper"]
    assert stepper is not None and stepper["svg"] == 1
    assert stepper["text"].startswith("Step 5 of ") and stepper["outlined"] >= 1
