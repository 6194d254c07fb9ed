"""nn.check_backprop: a student's own backprop against autograd, the first wrong quantity
found and the mistake named, in every array style; and what it says when it cannot check."""

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import autograd_numbers, page, python_blocks

from nn import MLP, check_backprop, check_backprop_batch, cross_entropy_cost, exercise
from nn.checking.checker import untransposed_layers
from nn.checking.mistakes import MISTAKES
from nn.checking.student_backprops import backprop_lists, backprop_numpy

ONE_EXAMPLE = [m for m in MISTAKES.values() if not m.batch]
STYLES = ["lists", "numpy", "numpy-column"]


def numpy_or_skip():
    return pytest.importorskip("numpy", reason="arrays='numpy' needs numpy")


def square_cases():
    """Networks on which every slip gives numbers: each hidden layer as wide as the next."""
    ex = exercise(0, (2, 2, 2))
    return [(ex.net, ex.x, ex.y), (MLP([3, 3, 3], seed=2), [0.3, -0.7, 0.9], [1.0, 0.0, 1.0]),
            (MLP([2, 2, 2, 2], seed=4), [-0.5, 0.8], [0.0, 1.0])]


def non_square_cases():
    return [(ex.net, ex.x, ex.y) for ex in (exercise(1, (2, 3, 1)), exercise(2, (3, 2, 2, 1)))]


def check(fn, case, arrays="lists", cost="quadratic", **options):
    net, x, y = case
    if arrays != "lists":
        numpy_or_skip()
    return check_backprop(fn, net, x, y, cost, arrays=arrays, **options)


# ---------------------------------------------------------------- right ones pass


def lists_by_hand(weights, biases, x, y, error=lambda a, t: a - t):
    """A correct backprop written apart from the library, returning tuples."""
    s = [list(x)]
    for W, b in zip(weights, biases):
        s.append([1 / (1 + math.exp(-(sum(w * a for w, a in zip(row, s[-1])) + c)))
                  for row, c in zip(W, b)])
    delta = [error(a, t) * a * (1 - a) for a, t in zip(s[-1], y)]
    grads = []
    for i in range(len(weights) - 1, -1, -1):
        grads.append((tuple(delta), tuple(tuple(a * d for a in s[i]) for d in delta)))
        if i:
            delta = [sum(weights[i][k][j] * delta[k] for k in range(len(delta)))
                     * s[i][j] * (1 - s[i][j]) for j in range(len(s[i]))]
    grads.reverse()
    return tuple(g[0] for g in grads), tuple(g[1] for g in grads)


def flat_numpy_by_hand(weights, biases, x, y):
    """A correct backprop on one-dimensional numpy vectors, with @ and np.outer."""
    import numpy as np

    acts = [x]
    for W, b in zip(weights, biases):
        acts.append(1 / (1 + np.exp(-(W @ acts[-1] + b))))
    delta = (acts[-1] - y) * acts[-1] * (1 - acts[-1])
    nabla_b, nabla_w = [], []
    for i in reversed(range(len(weights))):
        nabla_b.insert(0, delta)
        nabla_w.insert(0, np.outer(delta, acts[i]))
        delta = (weights[i].T @ delta) * acts[i] * (1 - acts[i])
    return nabla_b, nabla_w


def column_numpy_by_hand(weights, biases, x, y, back=lambda W: W.T, before=-2):
    """A correct backprop on (n, 1) columns with np.dot, in the style of Nielsen's book.

    ``back`` is what equation 2 multiplies delta^(l+1) by, ``before`` which activation
    (counted from the end) equation 4 takes for layer L: ways to slip, for the tests.
    """
    import numpy as np

    acts, zs = [x], []
    for W, b in zip(weights, biases):
        zs.append(np.dot(W, acts[-1]) + b)
        acts.append(1 / (1 + np.exp(-zs[-1])))
    delta = (acts[-1] - y) * acts[-1] * (1 - acts[-1])
    nabla_b, nabla_w = [delta], [np.dot(delta, acts[before].T)]
    for i in range(len(weights) - 2, -1, -1):
        delta = np.dot(back(weights[i + 1]), delta) * acts[i + 1] * (1 - acts[i + 1])
        nabla_b.insert(0, delta)
        nabla_w.insert(0, np.dot(delta, acts[i].T))
    return nabla_b, nabla_w


@pytest.mark.parametrize("fn, arrays", [
    (lists_by_hand, "lists"), (flat_numpy_by_hand, "numpy"),
    (column_numpy_by_hand, "numpy-column"), (backprop_lists, "lists"),
    (backprop_numpy, "numpy"), (backprop_numpy, "numpy-column"),
])
@pytest.mark.parametrize("case", square_cases() + non_square_cases())
def test_right_implementations_pass_in_every_array_style(fn, arrays, case):
    result = check(fn, case, arrays)
    assert result.ok, result.text()
    assert result.first_wrong is None and result.mistake is None and result.hint is None
    assert result.problem is None and result.findings == []
    net = case[0]
    assert len(result.rows) == sum(n + n * m for m, n in zip(net.sizes, net.sizes[1:]))


def test_answers_may_come_back_in_another_style_than_given():
    np = numpy_or_skip()
    case = non_square_cases()[0]

    def arrays_in_lists_out(*a):
        nabla_b, nabla_w = flat_numpy_by_hand(*a)
        return tuple(b.tolist() for b in nabla_b), [W.tolist() for W in nabla_w]

    def lists_in_arrays_out(*a):
        nabla_b, nabla_w = lists_by_hand(*a)
        return [np.array(b).reshape(-1, 1) for b in nabla_b], np.array(nabla_w, dtype=object)

    assert check(arrays_in_lists_out, case, "numpy").ok
    assert check(lists_in_arrays_out, case, "lists").ok


def test_rows_hold_autograds_numbers_which_central_differences_confirm():
    net, x, y = square_cases()[0]
    result = check(backprop_lists, (net, x, y))
    n = autograd_numbers(net, [x], [y])
    rows = {r.symbol: r for r in result.rows}
    assert rows["dC/db_2^3"].autograd == n["b"][3][1]
    assert rows["dC/dw_12^2"].autograd == n["w"][2][0][1]
    # central differences of C = 1/2 ||y - a||^2 in w_12^2, independent of every backward pass
    w = net.layers[0].neurons[0].w[1]
    h, saved = 1e-6, w.data

    def C():
        return autograd_numbers(net, [x], [y])["C"]

    w.data = saved + h
    up = C()
    w.data = saved - h
    down = C()
    w.data = saved
    assert rows["dC/dw_12^2"].autograd == pytest.approx((up - down) / (2 * h), rel=1e-6)
    assert [r.symbol for r in result.rows][:4] == ["dC/db_1^3", "dC/db_2^3", "dC/dw_11^3",
                                                   "dC/dw_12^3"]


def test_the_networks_own_numbers_are_never_handed_over():
    net, x, y = square_cases()[0]
    before = [p.data for p in net.parameters()]

    def vandal(weights, biases, x, y):
        right = backprop_lists(weights, biases, x, y)
        weights[0][0][0] = 99.0
        biases[0][0] = -99.0
        x[0] = 42.0
        return right

    assert check(vandal, (net, x, y)).ok
    assert [p.data for p in net.parameters()] == before and x[0] != 42.0


@pytest.mark.parametrize("arrays", STYLES)
def test_a_cross_entropy_backprop_is_checked_against_that_cost(arrays):
    case = square_cases()[0]
    fn = backprop_lists if arrays == "lists" else backprop_numpy
    right = check(lambda *a: fn(*a, cost="cross_entropy"), case, arrays, cross_entropy_cost)
    assert right.ok, right.text()
    assert not check(fn, case, arrays, cross_entropy_cost).ok  # quadratic code, CE cost


# ---------------------------------------------------------------- each mistake named


@pytest.mark.parametrize("arrays", STYLES)
@pytest.mark.parametrize("mistake", ONE_EXAMPLE, ids=lambda m: m.id)
def test_every_mistake_is_diagnosed_as_itself(mistake, arrays):
    for case in square_cases():
        result = check(mistake.reference(arrays), case, arrays, mistake.cost)
        assert not result.ok
        assert result.mistakes == (mistake.id,), result.text()
        assert result.mistake == mistake.id and result.problem is None
        assert result.hint == result.findings[0].hint


@pytest.mark.parametrize("arrays", STYLES)
@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=lambda m: m.id)
def test_every_mistake_in_a_batch_is_diagnosed_as_itself(mistake, arrays):
    if arrays != "lists":
        numpy_or_skip()
    net, x, y = square_cases()[0]
    xs, ys = [x, [0.1, -0.9], [0.7, 0.2]], [y, [0.0, 1.0], [1.0, 1.0]]
    fn = mistake.reference(arrays, batch=True)
    result = check_backprop_batch(fn, net, xs, ys, mistake.cost, arrays=arrays)
    assert result.mistakes == (mistake.id,), result.text()


@pytest.mark.parametrize("arrays", ["lists", "numpy"])
@pytest.mark.parametrize("mistake", [m for m in ONE_EXAMPLE if m.id != "untransposed_weights"],
                         ids=lambda m: m.id)
def test_on_non_square_layers_too(mistake, arrays):
    for case in non_square_cases():
        result = check(mistake.reference(arrays), case, arrays, mistake.cost)
        assert result.mistakes == (mistake.id,), result.text()


def test_a_transposition_on_a_non_square_layer_is_told_by_its_shape():
    case = non_square_cases()[0]  # (2, 3, 1): dC/dw^3 is 1 x 3
    for mistake, shape in (("weight_gradient_transposed", "(3, 1)"),
                           ("a_of_wrong_layer", "(1, 1)")):
        result = check(MISTAKES[mistake].reference(), case)
        assert result.first_wrong == "dC/dw_11^3" and result.mistake == mistake
        assert f"yours is {shape}, where (1, 3) belongs" in result.hint
        assert [r.student for r in result.rows if r.symbol.endswith("^3")][1:] == [None] * 3


@pytest.mark.parametrize("arrays", ["numpy", "numpy-column"])
def test_numpys_shape_error_for_the_untransposed_sum_names_that_mistake(arrays):
    for case in non_square_cases():
        result = check(MISTAKES["untransposed_weights"].reference(arrays), case, arrays)
        assert result.problem.startswith("backprop_with_untransposed_weights raised ValueError")
        assert "student_backprops.py, line" in result.problem
        assert result.mistake == "untransposed_weights"
        assert result.first_wrong == "dC/db_1^" + str(len(case[0].sizes) - 1)
        assert "Seen from numpy's error" in result.hint


def test_slips_in_code_written_apart_from_the_catalogue_are_named_too():
    numpy_or_skip()
    square, non_square = square_cases()[0], non_square_cases()[0]
    flipped = check(lambda *a: lists_by_hand(*a, error=lambda a, t: t - a), square)
    assert flipped.mistakes == ("error_sign",)
    untransposed = check(lambda *a: column_numpy_by_hand(*a, back=lambda W: W), non_square,
                         "numpy-column")
    assert "shapes (1,3) and (1,1) not aligned" in untransposed.problem
    assert untransposed.mistakes == ("untransposed_weights",)
    assert check(lambda *a: column_numpy_by_hand(*a, back=lambda W: W), square,
                 "numpy-column").mistakes == ("untransposed_weights",)
    wrong_layer = check(lambda *a: column_numpy_by_hand(*a, before=-1), non_square,
                        "numpy-column")
    assert wrong_layer.mistakes == ("a_of_wrong_layer",)


def test_np_dot_and_matmul_messages_name_the_layer():
    np = numpy_or_skip()
    sizes = [2, 3, 1]
    for product in (np.dot, np.matmul):
        with pytest.raises(ValueError) as error:
            product(np.ones((1, 3)), np.ones((1, 1)))
        assert untransposed_layers(str(error.value), sizes) == [2]
    assert untransposed_layers("shapes (2,2) and (3,) not aligned", sizes) == []


def test_a_list_index_error_is_reported_with_the_students_line_and_its_mistake_named():
    # issue 22: the IndexError of list code that sums W^(l+1) untransposed on a non-square
    # network is put to the test on a square one, where the same code gives the mistake's
    # numbers; an IndexError of code that makes no square-only slip names nothing
    case = non_square_cases()[0]
    result = check(MISTAKES["untransposed_weights"].reference(), case)
    assert result.problem.startswith("backprop_with_untransposed_weights raised IndexError")
    assert "student_backprops.py, line" in result.problem and "in <genexpr>" in result.problem
    assert result.mistake == "untransposed_weights" and not result.ok
    assert result.first_wrong == "dC/db_1^2"
    assert "Seen by running it on a square network, every layer 3 wide" in result.hint

    def index_error(weights, biases, x, y):
        return [[0.0] * len(b) for b in biases], [weights[0][5]]

    other = check(index_error, case)
    assert other.problem.startswith("index_error raised IndexError")
    assert other.mistake is None and other.first_wrong is None and not other.ok


# ---------------------------------------------------------------- the order, and what follows


def test_the_first_wrong_quantity_is_in_the_lectures_order():
    case = square_cases()[0]
    first = {m.id: check(m.reference(), case, cost=m.cost).first_wrong for m in ONE_EXAMPLE}
    assert first["error_sign"] == "dC/db_1^3"  # delta^L, before its weights
    assert first["missing_sigma_prime_hidden"] == "dC/db_1^2"  # layer L right, then layer 2
    assert first["a_of_wrong_layer"] == "dC/dw_11^3"  # dC/db^3 right, dC/dw^3 not
    assert first["weight_gradient_transposed"] == "dC/dw_12^3"  # its diagonal is right


def test_an_early_mistake_is_not_blamed_on_the_layers_that_carry_it():
    case = square_cases()[2]  # four layers
    result = check(MISTAKES["error_sign"].reference(), case)
    assert [f.mistakes for f in result.findings] == [("error_sign",), (), (), (), (), ()]
    assert all(f.follows for f in result.findings[1:])
    assert "follows from your own earlier numbers by equation 2" in result.findings[2].hint
    assert "follows from your earlier numbers" in result.text()


def test_a_slip_made_at_every_layer_is_named_at_every_layer():
    result = check(MISTAKES["sigma_prime_of_a"].reference(), square_cases()[2])
    named = [(f.symbol, f.mistakes) for f in result.findings if not f.follows]
    assert named == [("dC/db_1^4", ("sigma_prime_of_a",)), ("dC/db_1^3", ("sigma_prime_of_a",)),
                     ("dC/db_1^2", ("sigma_prime_of_a",))]
    assert "equation 1" in result.hint and "equation 2" in result.findings[2].hint


def test_two_mistakes_are_each_named_where_they_are_made():
    def two_slips(weights, biases, x, y):
        nabla_b, _ = MISTAKES["error_sign"].reference()(weights, biases, x, y)
        _, nabla_w = MISTAKES["a_of_wrong_layer"].reference()(weights, biases, x, y)
        return nabla_b, [[[-v for v in row] for row in W] for W in nabla_w]

    result = check(two_slips, square_cases()[0])
    assert [f.mistakes for f in result.findings] == [("error_sign",), ("a_of_wrong_layer",),
                                                    (), ("a_of_wrong_layer",)]
    # the report says the second mistake's hint once, where it is first made
    text = result.text()
    assert text.count("Equation 4 is ∂C/∂w_jk^") == 1 and "∂C/∂w_jk^3 = a_k^2 δ_j^3" in text
    assert result._repr_html_().count("<br/>") == 1


def test_where_two_mistakes_give_the_same_numbers_the_hint_names_both():
    # a batch of two: the sum is twice the mean, as is the gradient without the 1/2
    net, x, y = square_cases()[0]
    fn = MISTAKES["sum_not_mean"].reference()
    result = check_backprop_batch(fn, net, [x, [0.2, 0.4]], [y, [1.0, 1.0]])
    assert result.mistakes == ("factor_two", "sum_not_mean")
    assert "2 catalogued mistakes" in result.hint
    assert "factor_two:" in result.hint and "sum_not_mean:" in result.hint


def test_numbers_no_mistake_gives_are_said_to_be_off_with_the_equation():
    def off_by_a_little(weights, biases, x, y):
        nabla_b, nabla_w = backprop_lists(weights, biases, x, y)
        nabla_b[0][1] += 0.01
        return nabla_b, nabla_w

    result = check(off_by_a_little, square_cases()[0])
    assert result.first_wrong == "dC/db_2^2" and result.mistake is None
    assert result.hint.startswith("dC/db_2^2 is off: by equation 2, δ_j^2 = Σ_k w_kj^3")
    assert "; yours is " in result.hint and "no catalogued mistake gives it" in result.hint
    assert len(result.findings) == 1  # dC/dw^2 was worked from the right delta^2


# ---------------------------------------------------------------- the tolerance


def test_the_tolerance_is_stated_and_adjustable():
    def a_bit_off(weights, biases, x, y):
        nabla_b, nabla_w = backprop_lists(weights, biases, x, y)
        return ([[v * (1 + 1e-4) for v in b] for b in nabla_b],
                [[[v * (1 + 1e-4) for v in r] for r in W] for W in nabla_w])

    case = square_cases()[0]
    strict = check(a_bit_off, case)
    assert not strict.ok and (strict.rtol, strict.atol) == (1e-5, 1e-8)
    assert "|yours − autograd| ≤ 1e-08 + 1e-05 |autograd|" in strict.text()
    loose = check(a_bit_off, case, rtol=1e-3)
    assert loose.ok and "1e-08 + 0.001 |autograd|" in loose.text()
    for bad, error in ((-1e-5, ValueError), (math.nan, ValueError), ("1e-5", TypeError)):
        with pytest.raises(error, match="rtol must be"):
            check(a_bit_off, case, rtol=bad)


# ---------------------------------------------------------------- when it cannot check


def returning(value):
    def backprop(weights, biases, x, y):
        return value(weights, biases, x, y) if callable(value) else value

    return backprop


def right(weights, biases, x, y):
    return backprop_lists(weights, biases, x, y)


@pytest.mark.parametrize("value, words", [
    (None, "backprop returned None; it must return (nabla_b, nabla_w) (is its return statement"),
    ((1, 2, 3), "backprop must return a pair (nabla_b, nabla_w), got a tuple of 3"),
    (5.0, "backprop must return a pair (nabla_b, nabla_w), got a float: 5.0"),
    (lambda *a: (right(*a)[0][:1], right(*a)[1]),
     "nabla_b must hold 2 entries, one per layer l = 2..3 (nabla_b[0] is layer 2; layer 1, "
     "the input, has no biases); got a list of 1"),
    (lambda *a: (right(*a)[0], "w"), "nabla_w must hold 2 entries, one per layer l = 2..3"),
    (lambda *a: right(*a)[::-1],
     "backprop returned (nabla_w, nabla_b); it must return (nabla_b, nabla_w)"),
])
def test_answers_laid_out_wrongly_are_a_problem_said_in_one_line(value, words):
    result = check(returning(value), (MLP([2, 3, 1], seed=0), [0.5, 0.1], [1.0]))
    assert not result.ok and result.problem.startswith(words), result.problem
    assert "\n" not in result.problem
    assert result.rows and all(r.student is None for r in result.rows)
    assert result.hint == result.problem and result.first_wrong is None
    assert result.problem in result.text()


def test_layers_in_reverse_order_are_said_to_be():
    def reversed_layers(*a):
        nabla_b, nabla_w = right(*a)
        return nabla_b[::-1], nabla_w[::-1]

    result = check(reversed_layers, non_square_cases()[1])
    assert "returned the layers from L down to 2" in result.problem


@pytest.mark.parametrize("change, words", [
    (lambda b, w: b.__setitem__(1, [[0.1, 0.2]]),
     "nabla_b[1] (dC/db^3, layer 3) has shape (1, 2); expected (1,) or the column (1, 1)"),
    (lambda b, w: b.__setitem__(0, [0.1, 0.2, 0.3, 0.4]),
     "nabla_b[0] (dC/db^2, layer 2) has shape (4,); expected (3,) or the column (3, 1)"),
    (lambda b, w: w.__setitem__(0, [[0.0, 0.0, 0.0]] * 2),
     "nabla_w[0] (dC/dw^2, layer 2) has shape (2, 3); expected (3, 2): a row per node j of "
     "layer 2 and a column per node k of layer 1"),
    (lambda b, w: w[1].__setitem__(0, [0.1, None, 0.2]), "nabla_w[1][0][1] is None, not a number"),
    (lambda b, w: w[0].__setitem__(1, [0.1]), "nabla_w[0] has rows of different shapes"),
    (lambda b, w: b[0].__setitem__(2, math.nan), "dC/db_3^2 is nan, not a number"),
    (lambda b, w: w[1][0].__setitem__(2, math.inf), "dC/dw_13^3 is inf, not a number"),
])
def test_a_bad_block_is_named_with_its_layer_and_shape_and_the_rest_still_checked(change, words):
    def fn(*a):
        nabla_b, nabla_w = right(*a)
        change(nabla_b, nabla_w)
        return nabla_b, nabla_w

    result = check(fn, non_square_cases()[0])  # (2, 3, 1)
    assert not result.ok and result.problem is None
    assert result.hint.startswith(words), result.hint
    assert sum(not r.right for r in result.rows) < len(result.rows)  # the others compared


def test_an_exception_inside_fn_is_one_line_with_the_students_file_and_line():
    def broken(weights, biases, x, y):
        delta = [0.0] * len(y)
        return delta[5], None

    result = check(broken, square_cases()[0])
    assert result.problem.startswith("broken raised IndexError: list index out of range at "
                                     "test_checker.py, line ")
    assert result.problem.endswith("in broken: return delta[5], None")
    assert "Traceback" not in result.text()

    def exits(weights, biases, x, y):
        sys.exit(3)

    assert check(exits, square_cases()[0]).problem.startswith("exits raised SystemExit: 3")


def test_a_function_of_the_wrong_kind_is_refused_at_the_call():
    case = square_cases()[0]
    with pytest.raises(TypeError, match=r"fn must be a function backprop\(weights, biases, x, "
                                        r"y\), got int"):
        check(3, case)
    with pytest.raises(TypeError, match=r"two must take four arguments \(weights, biases, x, "
                                        r"y\); it takes \(a, b\)"):
        check(two, case)
    with pytest.raises(ValueError, match="arrays must be one of 'lists', 'numpy', "
                                         "'numpy-column', got 'matrix'"):
        check(right, case, arrays="matrix")
    with pytest.raises(ValueError, match="x must be a list of 2 numbers|x has 3 entries"):
        check_backprop(right, case[0], [1.0, 2.0, 3.0], case[2])


def two(a, b):
    return a, b


def test_nn_imports_and_checks_lists_without_numpy(tmp_path):
    script = (
        "import sys; sys.modules['numpy'] = None\n"
        "import nn\n"
        "from nn.checking.student_backprops import backprop_lists\n"
        "net = nn.MLP([2, 2, 1], seed=0)\n"
        "assert nn.check_backprop(backprop_lists, net, [0.5, 0.1], [1.0]).ok\n"
        "try:\n"
        "    nn.check_backprop(backprop_lists, net, [0.5, 0.1], [1.0], arrays='numpy')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "arrays='numpy' needs numpy: pip install numpy"


# ---------------------------------------------------------------- the report


def test_the_report_reads_as_text_and_as_html():
    result = check(MISTAKES["error_sign"].reference(), square_cases()[0])
    text = result.text()
    assert str(result) == text
    assert "layer 3 = L (output)" in text and "layer 2" in text
    assert "Wrong: 12 of 12 quantities; the first wrong one is dC/db_1^3 (error_sign)." in text
    assert "the opposite sign" in text
    fragment = result._repr_html_()
    ET.fromstring(fragment)  # well-formed
    assert "∂C/∂<I>b</I><SUB>1</SUB><SUP>3</SUP>" in fragment
    assert fragment.count("<tr") == 1 + 2 + 12  # header, two layer rows, the quantities
    assert "a<sub>j</sub><sup>3</sup> − y<sub>j</sub> for the" in fragment  # the hint, typeset
    assert "(error_sign)" in fragment  # an id stays as it is
    page = result.html()
    assert page.startswith("<!DOCTYPE html>") and fragment in page
    good = check(right, square_cases()[0])
    assert "Right: all 12 quantities agree with autograd." in good.text()
    assert "Right: all 12" in good._repr_html_()


def test_the_docs_show_what_the_checker_does():
    (_, code), *_ = python_blocks(page("docs/checking.md"))
    namespace = {}
    exec(code, namespace)
    check = namespace["check"]
    shown = next(line for line in code.splitlines() if line.startswith("check.ok"))
    assert repr((check.ok, check.first_wrong, check.mistake)) == shown.split("#")[1].strip()
    assert check.hint.startswith("σ' takes the weighted input z: ")
    assert "your δ^3 has σ'(a_j^3) = σ(a_j^3)(1 − σ(a_j^3))" in check.hint


# ---------------------------------------------------------------- issue 22: whose numbers are whose


def test_a_slip_in_the_forward_pass_is_said_to_be_one_never_a_wrong_equation_1():
    case = square_cases()[0]
    for id_ in ("forward_missing_bias", "forward_weights_transposed", "sigma_of_input"):
        result = check(MISTAKES[id_].reference(), case)
        assert result.mistakes == (id_,) and result.first_wrong == "dC/db_1^3"
        assert result.hint.startswith("Your forward pass: the lecture's is ")
        assert "your own earlier numbers" not in result.text()


def test_numbers_off_at_the_output_say_the_forward_pass_is_autograds():
    def tanh_forward(weights, biases, x, y):  # a forward pass no mistake of the catalogue makes
        acts = [list(x)]
        for W, b in zip(weights, biases):
            acts.append([math.tanh(sum(w * a for w, a in zip(row, acts[-1])) + c)
                         for row, c in zip(W, b)])
        delta = [(a - t) * a * (1 - a) for a, t in zip(acts[-1], y)]
        grads = []
        for i in range(len(weights) - 1, -1, -1):
            grads.append((delta, [[a * d for a in acts[i]] for d in delta]))
            if i:
                delta = [sum(weights[i][k][j] * delta[k] for k in range(len(delta)))
                         * acts[i][j] * (1 - acts[i][j]) for j in range(len(acts[i]))]
        grads.reverse()
        return [g[0] for g in grads], [g[1] for g in grads]

    net, x, y = case = square_cases()[0]
    result = check(tanh_forward, case)
    assert result.first_wrong == "dC/db_1^3" and result.mistake is None
    hint = result.hint
    assert "by equation 1, δ_j^3 = ∂C/∂a_j^3 σ'(z_j^3), autograd's a^3 and z^3 give" in hint
    assert "your own earlier numbers" not in hint
    # the a^2 written into its dC/dw^3 is read back and set beside autograd's
    assert "Your forward pass: z^l = W^l a^(l-1) + b^l, a^l = σ(z^l)." in hint
    a2 = [math.tanh(sum(w.data * v for w, v in zip(n.w, x)) + n.b.data)
          for n in net.layers[0].neurons]
    assert f"a^2 = ({a2[0]:.4g}, {a2[1]:.4g})" in hint


def test_a_quantity_that_follows_says_which_numbers_were_yours_and_which_autograds():
    result = check(MISTAKES["error_sign"].reference(), square_cases()[2])
    follows = result.findings[2]
    assert follows.symbol == "dC/db_1^3" and follows.follows
    assert "(from your δ^4 with autograd's z^3)" in follows.hint
    dw = result.findings[1]
    assert dw.symbol == "dC/dw_11^4" and "(from your δ^4 with autograd's a^3)" in dw.hint


def test_a_hand_worked_answer_that_follows_names_the_answers_it_follows_from():
    ex = exercise(0, (2, 2, 1))
    z = ex.solution().step("z_1^2").value
    result = ex.check({"z_1^2": z + 0.5, "a_1^2": 1 / (1 + math.exp(-(z + 0.5)))})
    assert result.findings[1].follows
    assert "(from your z^2)" in result.findings[1].hint


@pytest.mark.parametrize("fn", ["flat_numpy_by_hand", "column_numpy_by_hand"])
def test_numpy_code_checked_as_lists_is_told_to_pass_arrays_numpy(fn):
    numpy_or_skip()
    result = check(globals()[fn], square_cases()[0])  # arrays="lists", the default
    error = {"flat_numpy_by_hand": "TypeError", "column_numpy_by_hand": "AttributeError"}[fn]
    assert result.problem.startswith(f"{fn} raised {error}")
    assert 'it looks like numpy code: check it with arrays="numpy"' in result.problem
    assert "--arrays numpy" in result.problem

    def list_code_that_fails(weights, biases, x, y):
        return weights[0] + 1

    plain = check(list_code_that_fails, square_cases()[0]).problem
    assert plain.startswith("list_code_that_fails raised TypeError") and "numpy" not in plain
