"""The wheels that deltagrad runs from in Pyodide: its own, built from this tree, and pure
ones (``py3-none-any``) from the package index, which Pyodide installs as they are."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


def deltagrad_wheel(folder: Path) -> Path:
    """Build deltagrad's wheel from this tree into ``folder``; return its path.

    It is built from a copy of the sources, so that nothing left in a build/ folder
    by an earlier build (a module since removed) gets into the wheel.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("deltagrad-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as source:
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / name, Path(source) / name)
        for package in ("autodiff", "nn"):
            shutil.copytree(ROOT / package, Path(source) / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        subprocess.run([*PIP, "wheel", "--quiet", "--no-deps", "-w", folder, source], check=True)
    (wheel,) = folder.glob("deltagrad-*.whl")
    return wheel


class NoPureWheel(RuntimeError):
    """The package index gave no pure wheel (offline, or the release has none)."""


def pure_wheel(name: str, version: str, folder: Path, python: str) -> Path:
    """The pure wheel of ``name==version`` for Python ``python`` (as "3.14") from the
    package index, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    fetched = subprocess.run(
        [*PIP, "download", "--quiet", "--no-deps", "--only-binary=:all:", "--platform", "any",
         "--implementation", "py", "--abi", "none", "--python-version", python, "-d", folder,
         f"{name}=={version}"], capture_output=True, text=True)
    if fetched.returncode != 0:
        last = (fetched.stderr.strip().splitlines() or ["no word from pip"])[-1]
        raise NoPureWheel(f"cannot fetch the pure wheel of {name}=={version}: {last}")
    prefix = name.lower().replace("-", "_").replace(".", "_") + "-" + version + "-"
    found = [p for p in folder.glob("*.whl") if p.name.lower().startswith(prefix)]
    if not found:
        raise NoPureWheel(f"pip fetched no wheel named {prefix}*.whl into {folder}")
    return found[0]
