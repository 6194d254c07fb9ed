"""The README and the documentation's pages: every Python example runs as written, each
on its own in an empty folder, and what the pages say of the code stays true.

(A block with a ``title="..."`` is an excerpt of a source file, checked against that
file by the test of its module, such as tests/autodiff/test_ops.py, not a program to
run. `make test` also builds the site with ``mkdocs build --strict``, which fails on a
broken link between pages or a reference to a missing docstring.)
"""

import re

import pytest
from conftest import PAGES, ROOT, page, python_blocks

EXAMPLES = [(f"{path.relative_to(ROOT)} {i}", code)
            for path in PAGES
            for i, (attributes, code) in enumerate(
                python_blocks(path.read_text(encoding="utf-8")), start=1)
            if "title=" not in attributes]


def test_there_are_examples_to_run():
    readme = [name for name, _ in EXAMPLES if name.startswith("README.md")]
    assert len(readme) >= 6
    assert len(EXAMPLES) >= 15


@pytest.mark.slow
@pytest.mark.parametrize("name, code", EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_each_example_runs(name, code, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the examples plot (the plots extra)")
    monkeypatch.chdir(tmp_path)  # whatever an example writes lands here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    exec(compile(code, name, "exec"), {"__name__": "docs_example"})


def test_the_readme_is_a_front_page():
    readme = page("README.md")
    assert len(readme.splitlines()) <= 200
    assert "make demo" in readme and "make test" in readme


def test_the_readme_links_to_files_that_exist():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page("README.md"))
    assert len(links) >= 10
    for target in links:
        assert "://" not in target, f"the README links off the repository: {target}"
        assert (ROOT / target).exists(), f"the README links to {target}, which does not exist"


def test_the_layout_names_every_module():
    layout = page("docs/layout.md")
    for package in ("autodiff", "nn"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.stem not in ("__init__", "__main__"):
                assert f"{path.name}" in layout, f"docs/layout.md does not name {path}"
    for folder in sorted(p for p in (ROOT / "autodiff").iterdir() if (p / "__init__.py").exists()):
        assert f"{folder.name}/" in layout, f"docs/layout.md does not name {folder}"
    for folder in sorted(p for p in (ROOT / "nn").iterdir() if (p / "__init__.py").exists()):
        assert f"{folder.name}/" in layout, f"docs/layout.md does not name {folder}"


def test_each_subpackage_has_its_page_of_the_api_reference():
    api = {path.stem for path in (ROOT / "docs" / "api").glob("*.md")}
    packages = {".".join(path.parent.relative_to(ROOT).parts)
                for root in ("autodiff", "nn") for path in (ROOT / root).rglob("__init__.py")}
    assert packages - {"nn", "nn.cli"} <= api
    for name in api:
        assert f"::: {name}\n" in page(f"docs/api/{name}.md")


def test_the_site_s_configuration_lists_every_page_and_notebook():
    config = page("mkdocs.yml")
    for path in [*(ROOT / "docs").glob("*.md"), *(ROOT / "docs" / "api").glob("*.md")]:
        assert str(path.relative_to(ROOT / "docs")) in config, f"mkdocs.yml's nav lacks {path}"
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"notebooks/{path.name}" in config, f"mkdocs.yml's nav lacks {path.name}"
