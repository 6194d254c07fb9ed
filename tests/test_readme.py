"""The README's Python examples run as they are written, each on its own, in an empty folder.

(The op table's blocks, at the end, are excerpts of autodiff's source, checked
against it by tests/autodiff/test_ops.py, not programs to run.)
"""

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SECTIONS = re.split(r"^## ", README, flags=re.M)
BLOCKS = [(section.splitlines()[0], block) for section in SECTIONS
          if not section.startswith("The op table")
          for block in re.findall(r"```python\n(.*?)```", section, re.S)]


def test_there_are_examples_to_run():
    assert len(BLOCKS) >= 6


@pytest.mark.slow
@pytest.mark.parametrize("title, code", BLOCKS, ids=[title for title, _ in BLOCKS])
def test_each_example_runs(title, code, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the examples plot (the plots extra)")
    monkeypatch.chdir(tmp_path)  # whatever an example writes lands here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    exec(compile(code, f"README.md: {title}", "exec"), {"__name__": "readme_example"})
