"""The notebooks as committed: executed, so they read well on a code host, and clean.

(`make test` also executes each one from scratch, through nbmake.)
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"/(tmp|home|root|work|farm|Users)/")


def test_the_notebooks_are_there():
    numbers = [p.name[:3] for p in NOTEBOOKS]
    assert {"01_", "02_", "03_", "04_", "05_", "07_"} <= set(numbers)
    assert len(set(numbers)) == len(numbers)  # one notebook per place on the teaching path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_executed_without_errors_or_machine_paths(path):
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in cells), "commit it executed"
    outputs = [o for c in cells for o in c["outputs"]]
    assert outputs, "commit it with its outputs"
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = json.dumps(outputs)
    assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text)
