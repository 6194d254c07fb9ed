"""The type hints hold: mypy, configured in pyproject.toml (strict, module by module).

`make test` runs mypy too; this puts it in the quick loop, so that a module added or
changed is checked where its author looks first.
"""

import subprocess
import sys

import pytest
from conftest import ROOT


def test_mypy_finds_no_error():
    pytest.importorskip("mypy", reason="the type check needs mypy (the dev extra)")
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout + run.stderr
