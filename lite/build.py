"""Build deltagrad's JupyterLite site: the notebooks, run in the browser, offline (make lite).

    python -m lite.build [--output build/lite]

The site is static files: serve the folder (``python -m http.server -d build/lite``)
and open it. Its Python is Pyodide, served from the site itself (``static/pyodide/``):
npm's ``pyodide`` package at the version jupyterlite-pyodide-kernel expects, which is
the core only, so the packages Python loads go beside it as wheels:

* what the kernel loads as it starts (micropip, ipython, jedi, and what they need),
  each the pure wheel from the package index at the version Pyodide's lock file pins,
  the lock's checksum set to the file shipped;
* deltagrad (built from this tree), and anywidget for its steppers, with what they
  need, added to the lock and loaded with Pyodide, so the notebooks run unchanged:
  no ``%pip install`` cell.

A package the lock lists goes there, and nowhere else: micropip prefers the lock, and
two copies would disagree. The fallback to the package index is disabled, so a
package missing from the site fails at once instead of being fetched from elsewhere.
Notebooks that need numpy, matplotlib or PyTorch need packages compiled for Pyodide,
which npm's core does not bring: those cells do not run in this site.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from collections import deque
from importlib.metadata import version as installed_version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lite.wheels import ROOT, NoPureWheel, deltagrad_wheel, pure_wheel

PYODIDE = ROOT / "node_modules" / "pyodide"
KERNEL_START = ("micropip", "ipython", "jedi")  # the kernel loads them as it starts
PRELOADED = ("deltagrad", "anywidget")  # loaded with Pyodide: the notebooks import them
# ipywidgets' front end: the site gets jupyterlab_widgets' labextension from the build's
# environment, and the kernel brings a stand-in widgetsnbextension; Python imports neither
FRONT_END = {"widgetsnbextension", "jupyterlab-widgets"}
KERNEL_SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"
# Pyodide's files that the site serves (not its typings, sources maps or consoles)
PYODIDE_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm",
                 "python_stdlib.zip", "pyodide-lock.json", "package.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lite.build", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lite",
                        help="the site's folder (default: build/lite)")
    args = parser.parse_args(argv)
    try:
        build(args.output.resolve())
    except (SiteError, NoPureWheel) as error:
        print(f"lite.build: error: {error}", file=sys.stderr)
        return 1
    print(f"The site is in {args.output}: serve it with "
          f"'python -m http.server -d {args.output}' and open http://127.0.0.1:8000/")
    return 0


class SiteError(RuntimeError):
    """The site cannot be built, and why."""


def build(output: Path) -> None:
    """Stage the site's own files beside ``output`` (``output``-src), then let JupyterLite
    build the site into ``output``."""
    expected = kernel_pyodide_version()
    if not (PYODIDE / "pyodide.mjs").is_file():
        raise SiteError("npm's pyodide is not installed: run 'npm ci' (make lite does)")
    found = json.loads((PYODIDE / "package.json").read_text(encoding="utf-8"))["version"]
    if found != expected:
        raise SiteError(f"jupyterlite-pyodide-kernel expects Pyodide {expected}, npm installed "
                        f"{found}: pin pyodide {expected} in package.json and run 'npm install'")
    staging = output.with_name(output.name + "-src")
    shutil.rmtree(staging, ignore_errors=True)
    static = staging / "static" / "pyodide"
    static.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy(PYODIDE / name, static / name)
    lock_path = static / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    ship_wheels(lock, static, kernel_requirements())
    lock_path.write_text(json.dumps(lock, indent=1, sort_keys=True), encoding="utf-8")
    (staging / "jupyter-lite.json").write_text(json.dumps(lite_settings(), indent=2),
                                               encoding="utf-8")
    shutil.rmtree(output, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", staging,
                    "--contents", ROOT / "notebooks", "--output-dir", output], check=True,
                   cwd=staging)  # where JupyterLite keeps its record of tasks done


def lite_settings() -> dict:
    """jupyter-lite.json: the kernel loads deltagrad with Pyodide and never asks PyPI; the
    page's app is ``window.jupyterapp``, so a script (the tests) can run a notebook."""
    kernel = {"disablePyPIFallback": True, "loadPyodideOptions": {"packages": list(PRELOADED)}}
    return {"jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"exposeAppInBrowser": True,
                                    "litePluginSettings": {KERNEL_SETTINGS: kernel}}}


def kernel_pyodide_version() -> str:
    try:
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    except ImportError as error:
        raise SiteError("the site is built with jupyterlite-core and jupyterlite-pyodide-kernel: "
                        "pip install -e '.[lite]' (make lite does)") from error
    return PYODIDE_VERSION


def kernel_requirements() -> list[str]:
    """What the kernel's own wheels (pyodide-kernel, piplite, ...) need and do not bring."""
    import jupyterlite_pyodide_kernel

    share = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    own = sorted((share / "@jupyterlite" / "pyodide-kernel-extension" / "static" /
                  "pypi").glob("*.whl"))
    if not own:
        raise SiteError(f"jupyterlite-pyodide-kernel {jupyterlite_pyodide_kernel.__version__} "
                        f"left no wheels in {share}: reinstall it")
    names = {canonicalize_name(w.name.split("-")[0]) for w in own}
    needed = {r for w in own for r in requirements(w)}
    return sorted(needed - names)


def ship_wheels(lock: dict, static: Path, extra: list[str]) -> None:
    """Put each package the site needs into ``static`` and the lock: the lock's own at its
    pinned version (its checksum set to the wheel shipped), the others added to it."""
    packages = lock["packages"]
    by_name = {canonicalize_name(name): name for name in packages}
    python = ".".join(lock["info"]["python"].split(".")[:2])
    queue, seen = deque([*KERNEL_START, *extra, *PRELOADED]), set()
    while queue:
        name = canonicalize_name(queue.popleft())
        if name in seen or name in FRONT_END:
            continue
        seen.add(name)
        if name in by_name:
            entry = packages[by_name[name]]
            wheel = pure_wheel(entry["name"], entry["version"], static, python)
        else:
            wheel = (deltagrad_wheel(static) if name == "deltagrad"
                     else pure_wheel(name, installed_version(name), static, python))
            entry = packages[name] = new_entry(name, wheel)
            by_name[name] = name
        entry.update(file_name=wheel.name, sha256=sha256(wheel))
        queue.extend(entry["depends"])


def new_entry(name: str, wheel: Path) -> dict:
    """A lock entry for a pure wheel the lock does not list: what it imports and needs."""
    depends = sorted({r for r in requirements(wheel) if r not in FRONT_END})
    return {"name": name, "version": wheel.name.split("-")[1], "install_dir": "site",
            "package_type": "package", "imports": top_level(wheel), "depends": depends,
            "unvendored_tests": False}


def requirements(wheel: Path) -> list[str]:
    """The packages a wheel requires in Pyodide (markers evaluated there, no extras)."""
    environment = {"sys_platform": "emscripten", "platform_system": "Emscripten",
                   "platform_machine": "wasm32", "python_version": "3.14", "extra": ""}
    found = []
    for line in metadata(wheel, "METADATA").splitlines():
        if line.startswith("Requires-Dist:"):
            requirement = Requirement(line.split(":", 1)[1].strip())
            if requirement.marker is None or requirement.marker.evaluate(environment):
                found.append(canonicalize_name(requirement.name))
    return found


def top_level(wheel: Path) -> list[str]:
    """The names a wheel's files are imported by: its top-level packages and modules."""
    with zipfile.ZipFile(wheel) as archive:
        tops = {path.split("/")[0].removesuffix(".py") for path in archive.namelist()
                if not path.split("/")[0].endswith((".dist-info", ".data"))}
    return sorted(tops)


def metadata(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [p for p in archive.namelist() if p.endswith(f".dist-info/{name}")]
        return archive.read(path).decode("utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    sys.exit(main())
