"""nn.checking.feedback: how much of a check a student is told, level by level (issue 22)."""

import math

import pytest

from nn import check_backprop, exercise, walkthrough
from nn.checking.feedback import LEVELS, feedback
from nn.checking.mistakes import MISTAKES


def case():
    ex = exercise(0, (2, 2, 2))
    return ex.net, ex.x, ex.y


def a_check(mistake="untransposed_weights"):
    return check_backprop(MISTAKES[mistake].reference(), *case())


def numbers_in(text):
    """Every number of 4 significant digits or more written in ``text``."""
    import re

    return [float(m) for m in re.findall(r"-?\d+\.\d{3,}(?:e-?\d+)?", text)]


def test_the_levels_are_the_issues_in_order():
    assert LEVELS == ("score", "quantity", "equation", "hint", "solution")
    with pytest.raises(ValueError, match="level must be one of score, quantity, equation, "
                                         "hint, solution, got 'all'"):
        feedback(a_check(), "all")


def test_each_level_adds_to_the_one_before():
    check = a_check()
    net, x, y = case()
    walk = walkthrough(net, x, y)
    said = {level: feedback(check, level, lambda s: walk.step(s).text()) for level in LEVELS}
    right = sum(r.right for r in check.rows)
    for fb in said.values():
        assert (fb.score, fb.max_score) == (right, len(check.rows)) and 0 < right < len(check.rows)
    assert said["score"].text() == f"Score: {right} of {len(check.rows)} quantities right."
    assert said["score"].first_wrong is None and said["score"].rows == ()
    assert said["quantity"].first_wrong == "dC/db_1^2" and said["quantity"].equation is None
    assert said["equation"].equation.startswith("equation 2, δ_j^2 = Σ_k w_kj^3 δ_k^3")
    assert said["equation"].hint is None and said["equation"].mistakes == ()
    assert said["hint"].mistakes == ("untransposed_weights",)
    assert said["hint"].hint == check.hint and said["hint"].worked is None
    assert said["solution"].worked == (walk.step("delta_1^2").text() + "\n"
                                       + walk.step("dC/db_1^2").text())
    texts = [said[level].text() for level in LEVELS]
    for shorter, longer in zip(texts, texts[1:]):
        assert longer.startswith(shorter) and len(longer) > len(shorter)
    assert "The mistake: untransposed_weights, equation 2 summing" in texts[3]


def test_no_right_number_is_given_away_below_solution():
    check = a_check("sigma_prime_of_a")
    autograd = {r.autograd for r in check.rows}
    for level in LEVELS[:-1]:
        fb = feedback(check, level)
        assert all(r.student is None and math.isnan(r.autograd) for r in fb.rows)
        assert not any(math.isclose(v, a, rel_tol=1e-3) for v in numbers_in(fb.text())
                       for a in autograd)
    solution = feedback(check, "solution")
    assert [r.autograd for r in solution.rows] == [r.autograd for r in check.rows]


def test_numbers_no_mistake_explains_are_not_quoted_at_the_hint_level():
    def off(weights, biases, x, y):
        nabla_b, nabla_w = MISTAKES["error_sign"].reference()(weights, biases, x, y)
        return [[v + 0.01 for v in b] for b in nabla_b], nabla_w

    check = check_backprop(off, *case())
    assert check.mistake is None and "gives" in check.hint and numbers_in(check.hint)
    hint = feedback(check, "hint")
    assert hint.hint.startswith("no catalogued mistake gives your numbers")
    assert numbers_in(hint.text()) == []
    assert feedback(check, "solution").hint == check.hint


def test_a_problem_is_said_at_every_level_and_scores_nothing():
    def raises(weights, biases, x, y):
        raise RuntimeError("not written yet")

    check = check_backprop(raises, *case())
    for level in LEVELS:
        fb = feedback(check, level)
        assert fb.score == 0 and fb.max_score == len(check.rows) == 12
        assert "raises raised RuntimeError: not written yet" in fb.text()
