"""nn.exercise: backprop by hand, with a sheet to hand out, a check of the answers naming
the mistake, and the solution."""

import math
import shutil
import xml.etree.ElementTree as ET

import pytest

import nn.checking.exercises
from nn import MLP, Exercise, exercise
from nn.checking.mistakes import MISTAKES
from nn.lecture.step_by_step import Walkthrough

HAVE_DOT = shutil.which("dot") is not None


def by_hand(ex: Exercise) -> dict:
    """Every quantity of the exercise worked out here, on floats, as a student would."""
    a = [list(ex.x)]
    answers = {}
    layers = ex.net.layers
    for l, layer in enumerate(layers, start=2):
        z = [sum(w.data * a_k for w, a_k in zip(n.w, a[-1])) + n.b.data for n in layer.neurons]
        a.append([1 / (1 + math.exp(-z_j)) for z_j in z])
        for j in range(len(z)):
            answers[f"z_{j + 1}^{l}"], answers[f"a_{j + 1}^{l}"] = z[j], a[-1][j]
    answers["C"] = 0.5 * sum((y_j - a_j) ** 2 for y_j, a_j in zip(ex.y, a[-1]))
    delta = [(a_j - y_j) * a_j * (1 - a_j) for a_j, y_j in zip(a[-1], ex.y)]
    for l in range(len(layers) + 1, 1, -1):
        if l < len(layers) + 1:
            W = [[w.data for w in n.w] for n in layers[l - 1].neurons]
            delta = [sum(W[k][j] * delta[k] for k in range(len(delta))) * a[l - 1][j]
                     * (1 - a[l - 1][j]) for j in range(len(a[l - 1]))]
        for j, d in enumerate(delta):
            answers[f"delta_{j + 1}^{l}"] = answers[f"dC/db_{j + 1}^{l}"] = d
            for k, a_k in enumerate(a[l - 2]):
                answers[f"dC/dw_{j + 1}{k + 1}^{l}"] = a_k * d
    return answers


def four_digits(v: float) -> float:
    return float(f"{v:.4g}")


# ---------------------------------------------------------------- the numbers


def test_the_same_seed_gives_the_same_exercise_of_short_decimals():
    one, again = exercise(3), exercise(3)
    assert [p.data for p in one.net.parameters()] == [p.data for p in again.net.parameters()]
    assert (one.x, one.y) == (again.x, again.y) and one.sizes == [2, 2, 1]
    others = [exercise(seed) for seed in range(4, 8)]
    assert len({tuple(p.data for p in e.net.parameters()) for e in [one, *others]}) == 5
    for ex in [one, *others]:
        for v in [p.data for p in ex.net.parameters()] + ex.x:
            assert v != 0 and round(v * 10) == v * 10 and abs(v) <= 1.5
        assert set(ex.y) <= {0.0, 1.0}
    assert repr(one).startswith("Exercise(seed=3, sizes=[2, 2, 1], x=[")


@pytest.mark.parametrize("sizes, left_out", [
    ((2, 2, 1), {"sum_not_mean": "needs a batch", "mean_taken_twice": "needs a batch",
                 "cross_entropy_with_sigma_prime": "uses the quadratic cost",
                 "untransposed_weights": "as wide as layer l + 1",
                 "sigma_prime_of_next_layer": "as wide as layer l + 1",
                 "weights_of_wrong_layer": "as wide as layer l + 1",
                 "forward_weights_transposed": "every layer as wide as the others"}),
    ((2, 2, 2), {"sum_not_mean": "needs a batch", "mean_taken_twice": "needs a batch",
                 "cross_entropy_with_sigma_prime": "uses the quadratic cost"}),
    ((1, 1), {"sum_not_mean": "", "cross_entropy_with_sigma_prime": "",
              "untransposed_weights": "", "missing_sigma_prime_hidden": "needs a hidden layer",
              "z_instead_of_a": "needs a hidden layer",
              "weight_gradient_transposed": "two neighbouring layers of two nodes",
              "mean_taken_twice": "needs a batch",
              "sigma_prime_of_next_layer": "needs a hidden layer",
              "weights_of_wrong_layer": "needs a hidden layer",
              "forward_weights_transposed": "two neighbouring layers of two nodes"}),
])
@pytest.mark.parametrize("seed", range(6))
def test_every_mistake_the_sizes_allow_shows_and_is_named_as_itself(seed, sizes, left_out):
    ex = exercise(seed, sizes)
    assert set(ex.not_shown) == set(left_out)
    for id_, words in left_out.items():
        assert words in ex.not_shown[id_]
    assert set(ex.shown) == set(MISTAKES) - set(left_out)
    for id_ in ex.shown:  # made in a function, the checker names it, and only it
        fn = MISTAKES[id_].reference()
        assert nn.check_backprop(fn, ex.net, ex.x, ex.y).mistakes == (id_,)


# ---------------------------------------------------------------- checking answers


@pytest.mark.parametrize("sizes", [(2, 2, 1), (2, 3, 2)])
def test_answers_worked_by_hand_to_four_digits_are_right(sizes):
    ex = exercise(5, sizes)
    answers = {s: four_digits(v) for s, v in by_hand(ex).items()}
    assert sorted(answers) == sorted(ex.symbols())
    result = ex.check(answers)
    assert result.ok, result.text()
    assert len(result.rows) == len(answers) and result.first_wrong is None
    assert result.rtol == 5e-3 and "0.005 |autograd|" in result.text()
    assert [r.symbol for r in result.rows] == ex.symbols()  # the lecture's order


def test_a_wrong_answer_is_named_with_its_mistake_and_what_follows_from_it_is_not():
    ex = exercise(3)
    answers = by_hand(ex)
    # delta^3 with (y - a): then everything the student works from it carries the slip
    a3, y = answers["a_1^3"], ex.y[0]
    delta3 = (y - a3) * a3 * (1 - a3)
    answers["delta_1^3"] = answers["dC/db_1^3"] = delta3
    for k in (1, 2):
        answers[f"dC/dw_1{k}^3"] = answers[f"a_{k}^2"] * delta3
    w = ex.net.layers[1].neurons[0].w
    for j in (1, 2):
        a2 = answers[f"a_{j}^2"]
        d = w[j - 1].data * delta3 * a2 * (1 - a2)
        answers[f"delta_{j}^2"] = answers[f"dC/db_{j}^2"] = d
        for k in (1, 2):
            answers[f"dC/dw_{j}{k}^2"] = ex.x[k - 1] * d
    result = ex.check(answers)
    assert result.first_wrong == "delta_1^3" and result.mistake == "error_sign"
    assert "the opposite sign" in result.hint
    assert all(f.follows for f in result.findings[1:]) and len(result.findings) == 12
    right = [r.symbol for r in result.rows if r.right]
    assert right == [s for s in ex.symbols() if s[0] in "zaC"]


def test_answers_may_be_partial_and_each_is_judged_from_the_students_own():
    ex = exercise(3)
    answers = by_hand(ex)
    z = answers["z_1^2"] + 0.5
    given = {"z_1^2": z, "a_1^2": 1 / (1 + math.exp(-z)), "C": 2 * answers["C"],
             "dC/dw_12^2": answers["dC/dw_21^2"]}
    result = ex.check(given)
    assert [r.symbol for r in result.rows] == ["z_1^2", "a_1^2", "C", "dC/dw_12^2"]
    z_wrong, a_follows, c_twice, swapped = result.findings
    assert z_wrong.mistakes == () and not z_wrong.follows
    assert z_wrong.hint.startswith("z_1^2 is off: by z_j^2 = Σ_k w_jk^2 a_k^1 + b_j^2, your "
                                   "own earlier answers give")
    assert a_follows.follows and "a_j^2 = σ(z_j^2)" in a_follows.hint
    assert c_twice.mistakes == ("factor_two",)
    assert swapped.mistakes == ("weight_gradient_transposed",)


def test_symbols_may_be_written_with_greek_letters():
    ex = exercise(3)
    answers = by_hand(ex)
    assert ex.check({"δ_1^3": answers["delta_1^3"], "∂C/∂w_12^3": answers["dC/dw_12^3"],
                     " dC/db_1^3 ": answers["dC/db_1^3"]}).ok


@pytest.mark.parametrize("answers, error, words", [
    ([("delta_1^3", 0.1)], TypeError, "answers must be a dict from symbols such as 'delta_1^3'"),
    ({}, ValueError, "no answers given"),
    ({"delta_2^3": 0.1}, ValueError, "unknown quantity 'delta_2^3': expected symbols such as "
                                     "z_1^2, a_1^2, z_2^2, a_2^2, ... as on the sheet"),
    ({"delta_1^3": "0.1"}, TypeError, "the answer for delta_1^3 must be a number, got str"),
    ({"delta_1^3": math.nan}, ValueError, "the answer for delta_1^3 must be a finite number"),
])
def test_answers_of_the_wrong_kind_are_refused(answers, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace("^", r"\^")):
        exercise(3).check(answers)


def test_bad_seeds_and_sizes_are_refused():
    with pytest.raises(TypeError, match="seed must be a whole number, got str"):
        exercise("3")
    with pytest.raises(ValueError, match="at least two layers"):
        exercise(3, [2])


# ---------------------------------------------------------------- sheet, solution, batch


def test_the_solution_is_the_walkthrough_of_every_quantity():
    ex = exercise(3)
    solution = ex.solution()
    assert isinstance(solution, Walkthrough)
    hand = by_hand(ex)
    assert [step.symbol for step in solution.steps] == ex.symbols()
    for step in solution.steps:
        if step.symbol in hand:
            assert step.value == pytest.approx(hand[step.symbol], rel=1e-12)
    assert {s.symbol for s in solution.steps if s.kind == "backward"} <= set(hand)


def test_the_sheet_gives_every_number_and_every_quantity_to_compute():
    ex = exercise(3)
    md = ex.sheet().markdown(picture=False)
    assert md.startswith("# Backpropagation by hand: exercise 3\n")
    for p in ex.net.parameters():
        assert f"| {p.data:g} |" in md or f" {p.data:g} |" in md
    for symbol in ("$z_{1}^{2}$", "$C$", r"$\delta_{1}^{3}$", r"$\partial C/\partial w_{12}^{3}$"):
        assert symbol in md
    assert md.count("|  |") == len(ex.symbols())
    assert "deltagrad exercise --seed 3 --check answers.json" in md
    assert "--sizes 2,3,1" in exercise(3, (2, 3, 1)).sheet().markdown(picture=False)
    assert "data:image" not in md


def test_the_sheet_holds_the_network_diagram_and_saves_as_html_or_markdown(tmp_path):
    sheet = exercise(3).sheet()
    fragment = sheet._repr_html_()
    ET.fromstring(fragment)  # well-formed, the SVG inline
    assert "<svg" in fragment and "<SUB>j1</SUB>" in fragment
    assert "data:image/svg+xml;base64," in sheet.markdown()
    assert sheet.save(tmp_path / "sheet.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "sheet.md").exists() is False
    assert sheet.save(tmp_path / "sheet.md").read_text() == sheet.markdown()
    with pytest.raises(ValueError, match="give a name ending in .html or .md"):
        sheet.save(tmp_path / "sheet.pdf")


def test_without_graphviz_the_sheet_still_holds_the_diagram_and_the_tables(monkeypatch, tmp_path):
    # deltagrad draws the diagram itself (issue 24): a machine without Graphviz gets it too
    monkeypatch.setenv("PATH", str(tmp_path))
    sheet = exercise(3).sheet()
    assert "needs Graphviz's dot program" not in sheet.markdown()
    assert "<svg" in sheet.html() and "<table" in sheet.html()
    ET.fromstring(sheet._repr_html_())


def test_a_batch_starts_with_the_exercises_own_example():
    ex = exercise(3)
    xs, ys = ex.batch(4)
    assert len(xs) == len(ys) == 4 and xs[0] == ex.x and ys[0] == ex.y
    assert ex.batch(4) == (xs, ys)
    assert isinstance(ex.net, MLP)


def test_answers_may_name_their_quantities_in_tex():
    # issue 22: an answer key written in TeX, as a teacher types it into a sheet
    ex = exercise(3)
    solution = ex.solution()
    tex = {r"\delta_1^3": "delta_1^3", r"$\frac{\partial C}{\partial w_{12}^3}$": "dC/dw_12^3",
           r"\partial C/\partial b_{1}^{2}": "dC/db_1^2", "z^{2}_{1}": "z_1^2",
           "a_{1}^{2}": "a_1^2"}
    result = ex.check({key: solution.step(plain).value for key, plain in tex.items()})
    assert result.ok and sorted(r.symbol for r in result.rows) == sorted(tex.values())
    assert solution.step(r"\delta_1^3") is solution.step("delta_1^3")


def test_a_sheet_checks_typed_answers_unless_it_is_graded_afterwards(tmp_path):
    from nn.checking.class_sheets import sheet_exercise, write_sheets

    ex = exercise(3)
    delta = repr(ex.solution().step("delta_1^3").value)
    assert 'id="answer-key"' in ex.sheet().html() and delta in ex.sheet().html()
    with pytest.raises(ValueError, match="level must be one of score, quantity"):
        ex.sheet("everything")
    write_sheets(["ann"], tmp_path)  # a class's sheets, graded by `deltagrad grade`
    page = (tmp_path / "ann.html").read_text(encoding="utf-8")
    truth = sheet_exercise("ann", (2, 2, 1)).solution()
    assert "answer-key" not in page and "<input" not in page
    assert not [s for s in truth.steps if s.symbol.startswith(("delta", "dC/d"))
                and repr(s.value) in page]
