"""The notebooks as committed: executed, so they read well on a code host, and clean.

(`make test` also executes each one from scratch, through nbmake.)
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"/(tmp|home|root|work|farm|Users)/")


def test_the_notebooks_are_numbered_in_order_and_listed_in_the_readme():
    assert len(NOTEBOOKS) >= 7
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{n:02d}_" for n in range(1, len(NOTEBOOKS) + 1)]
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"`{path.name}`" in readme, f"the README's list of notebooks lacks {path.name}"


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
