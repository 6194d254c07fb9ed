"""The notebooks as committed: executed, so they read well on a code host, and clean.

(`make test` also executes each one from scratch, through nbmake.)
"""

import json
import re
from pathlib import Path

import pytest
from conftest import page

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"/(tmp|home|root|work|farm|Users)/")


def test_the_notebooks_are_numbered_in_order_and_listed_in_the_docs():
    assert len(NOTEBOOKS) >= 7
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{n:02d}_" for n in range(1, len(NOTEBOOKS) + 1)]
    listed = page("docs/notebooks.md")
    for path in NOTEBOOKS:
        assert f"`{path.name}`" in listed, f"docs/notebooks.md does not list {path.name}"


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


# ---------------------------------------------------------------- what the pages say
#
# Slips a reader sees in the rendered Markdown, where they can be checked: a list of the
# lecture's equations numbered otherwise than the lecture numbers them (Markdown renumbers
# a list written 1, 3, 4 as 1, 2, 3), colours of a picture named otherwise than the
# pictures use, and a progress bar that a code host shows at 0%.


def rendered(path: Path) -> list[tuple[int, list]]:
    """Each Markdown cell of a notebook as Markdown renders it (mistune's tokens)."""
    mistune = pytest.importorskip("mistune", reason="reading Markdown needs mistune "
                                                     "(pip install -e '.[notebooks]')")
    parse = mistune.create_markdown(renderer="ast", plugins=["math"])
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, parse("".join(c["source"]))) for i, c in enumerate(cells)
            if c["cell_type"] == "markdown"]


def lecture_equation(math: str) -> int | None:
    """Which of the lecture's equations 1-4 a formula is, from its left-hand side."""
    lhs, _, rhs = math.partition("=")
    if r"\partial b" in lhs:
        return 3
    if r"\partial w" in lhs:
        return 4
    if lhs.strip().startswith(r"\delta"):
        if r"\sum" in rhs or "w_{k" in rhs:
            return 2
        if r"\partial a" in rhs:
            return 1
    return None


def ordered_lists(tokens: list):
    for token in tokens:
        if token.get("type") == "list" and token["attrs"].get("ordered"):
            yield token
        yield from ordered_lists(token.get("children", []))


def first_formula(item: dict) -> str | None:
    for token in item.get("children", []):
        if token["type"] == "inline_math":
            return token["raw"]
        found = first_formula(token)
        if found is not None:
            return found
    return None


def words(tokens: list) -> str:
    return " ".join(t.get("raw", "") if t["type"] == "text" else words(t.get("children", []))
                    for t in tokens)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lists_of_the_lecture_s_equations_are_numbered_as_the_lecture_numbers_them(path):
    for cell, tokens in rendered(path):
        for listed in ordered_lists(tokens):
            start = listed["attrs"].get("start", 1)
            for shown, item in enumerate(listed["children"], start=start):
                formula = first_formula(item)
                number = lecture_equation(formula) if formula else None
                assert number in (None, shown), (
                    f"cell {cell}: item {shown} of a numbered list is the lecture's equation "
                    f"{number}: {formula}")


def test_the_equation_check_sees_a_list_written_1_3_4():
    # the slip it is there for: Markdown shows such a list as 1, 2, 3
    mistune = pytest.importorskip("mistune", reason="reading Markdown needs mistune")
    parse = mistune.create_markdown(renderer="ast", plugins=["math"])
    slip = parse("1. $\\delta_1^2 = \\dfrac{\\partial C}{\\partial a_1^2}\\sigma'(z)$\n"
                 "3. $\\dfrac{\\partial C}{\\partial b_1^2} = \\delta_1^2$\n")
    (listed,) = ordered_lists(slip)
    numbers = [lecture_equation(first_formula(item)) for item in listed["children"]]
    assert numbers == [1, 3] and listed["attrs"].get("start", 1) == 1


# The colours of the pictures' roles (autodiff.views.pictures.ROLE_COLOURS), as a person names them.
COLOUR_NAMES = {"input": "lavender", "parameter": "orange", "constant": "grey",
                "output": "green"}


def test_the_colour_names_are_those_of_the_pictures():
    from autodiff.views.pictures import ROLE_COLOURS

    hues = {"#e6dcf5": "lavender", "#fde3c8": "orange", "#eeeeee": "grey", "#d5ecd4": "green"}
    assert {role: hues[ROLE_COLOURS[role]] for role in COLOUR_NAMES} == COLOUR_NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colours_are_named_as_the_pictures_colour_them(path):
    for cell, tokens in rendered(path):
        text = words(tokens)
        for role, colour in re.findall(r"\b(input|parameter|constant)s? (?:are|is) (\w+)", text,
                                       re.I):
            assert colour.lower() == COLOUR_NAMES[role.lower()], (
                f"cell {cell}: {role}s are {COLOUR_NAMES[role.lower()]} in the pictures, "
                f"not {colour}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_output_is_a_widget_a_code_host_cannot_show(path):
    # a tqdm bar in Jupyter is a widget; a static view shows its text, the bar at 0%.
    # A widget that brings a static view of its own (HTML or a picture) is fine.
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for i, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                assert {"text/html", "image/png", "image/svg+xml"} & set(data), (
                    f"cell {i} shows a widget with no static view: "
                    f"{data.get('text/plain', '')[:60]!r}")
