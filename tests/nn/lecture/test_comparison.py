"""nn.compare: autograd beside the lecture's formulas (and PyTorch), and the report."""

import importlib.util
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.lecture.formulas
from nn import ACTIVATIONS, COSTS, MLP, compare, compare_batch
from nn.lecture.comparison import Report, Row

HAVE_TORCH = importlib.util.find_spec("torch") is not None


@st.composite
def cases(draw, batch: bool = False):
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    cost = draw(st.sampled_from(sorted(COSTS)))
    acts = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(sizes) - 1,
                         max_size=len(sizes) - 1))
    if cost == "cross_entropy":
        acts[-1] = "sigmoid"
    net = MLP(sizes, acts, seed=draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 3)) if batch else 1
    number = st.floats(-2.0, 2.0, allow_nan=False)
    xs = draw(st.lists(st.lists(number, min_size=sizes[0], max_size=sizes[0]),
                       min_size=n, max_size=n))
    ys = draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=sizes[-1], max_size=sizes[-1]),
                       min_size=n, max_size=n))
    return net, xs, ys, cost


def n_rows(sizes, with_delta=True):
    """delta and dC/db per node, dC/dw per weight, over layers 2..L."""
    per_node = 2 if with_delta else 1
    return sum(per_node * n + n * m for m, n in zip(sizes, sizes[1:]))


# ---------------------------------------------------------------- agreement


@settings(max_examples=60, deadline=None)
@given(cases())
def test_one_example_agrees_and_rows_hold_autograds_numbers(case):
    net, (x,), (y,), cost = case
    try:
        report = compare(net, x, y, cost, torch=False)
    except ValueError as error:  # only a saturated sigmoid under cross-entropy may refuse
        assert cost == "cross_entropy" and "strictly between 0 and 1" in str(error)
        return
    assert report.max_abs_diff <= 1e-12 * max(1.0, max(abs(r.autograd) for r in report.rows))
    assert len(report.rows) == n_rows(net.sizes)
    # an independent backward pass: the rows must carry its numbers at the right indices
    net.zero_grad()
    C = COSTS[cost]([net(x)], [y])
    C.backward()
    assert report.C["autograd"] == C.data
    for row in report.rows:
        layer = net.layer(row.l)
        neuron = layer.neurons[row.j - 1]
        expected = {"delta": layer.z[row.j - 1].grad, "dC/db": neuron.b.grad,
                    "dC/dw": neuron.w[(row.k or 1) - 1].grad}[row.quantity]
        assert row.autograd == expected, row


@settings(max_examples=40, deadline=None)
@given(cases(batch=True))
def test_batch_has_no_delta_rows_and_agrees(case):
    net, xs, ys, cost = case
    try:
        report = compare_batch(net, xs, ys, cost, torch=False)
    except ValueError as error:
        assert cost == "cross_entropy" and "strictly between 0 and 1" in str(error)
        return
    assert {r.quantity for r in report.rows} == {"dC/db", "dC/dw"}
    assert len(report.rows) == n_rows(net.sizes, with_delta=False)
    assert report.n == len(xs)
    assert report.max_abs_diff <= 1e-12 * max(1.0, max(abs(r.autograd) for r in report.rows))


def test_a_wrong_formula_shows_in_the_report(monkeypatch):
    wrong = nn.lecture.formulas.weight_gradient

    def off_by_a_little(a_prev, delta):
        return [[g + 1e-6 for g in row] for row in wrong(a_prev, delta)]

    monkeypatch.setattr(nn.lecture.formulas, "weight_gradient", off_by_a_little)
    report = compare(MLP([2, 3, 1], seed=0), [0.5, 0.1], [1.0], torch=False)
    assert report.max_abs_diff == pytest.approx(1e-6, rel=1e-6)
    for row in report.rows:
        assert (row.abs_diff > 1e-7) == (row.quantity == "dC/dw")


def test_row_differences():
    row = Row("dC/dw", 2, 1, 2, 1.0, 1.5, None, 0.5, 1 / 3)
    assert row.symbol == "dC/dw_12^2"
    from nn.lecture.comparison import make_row

    made = make_row("dC/dw", 2, 1, 2, 1.0, 1.5, 0.75)  # the spread: 1.5 - 0.75, over 1.5
    assert made.abs_diff == 0.75 and made.rel_diff == 0.5
    assert make_row("dC/dw", 2, 1, 2, 1.0, 1.5).abs_diff == 0.5
    assert make_row("delta", 3, 1, None, 0.0, 0.0).rel_diff == 0.0


# ---------------------------------------------------------------- layout and text


def test_rows_run_from_L_back_to_2_in_the_lectures_order():
    report = compare(MLP([2, 3, 2], seed=1), [0.5, 0.1], [1.0, 0.0], torch=False)
    order = [(r.l, r.quantity) for r in report.rows]
    assert order == sorted(order, key=lambda t: (-t[0], ["delta", "dC/db", "dC/dw"].index(t[1])))
    symbols = [r.symbol for r in report.rows]
    assert symbols[:6] == ["delta_1^3", "delta_2^3", "dC/db_1^3", "dC/db_2^3",
                           "dC/dw_11^3", "dC/dw_12^3"]
    assert symbols[-1] == "dC/dw_32^2"
    assert [r.l for r in report.layer(2)] == [2] * (3 + 3 + 3 * 2)


def test_text_table_is_aligned_and_shows_each_row():
    report = compare(MLP([2, 3, 1], seed=0), [0.5, 0.1], [1.0], torch=False)
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("autograd vs formulas 1-4: MLP([2, 3, 1]")
    assert "quadratic cost, x = [0.5, 0.1], y = [1.0]; C = " in lines[0]
    table = [line for line in lines if line.startswith("  ")]
    assert len(table) == 1 + len(report.rows)  # the header, then one line per row
    assert len({len(line) for line in table}) == 1  # right-aligned columns: equal widths
    assert table[0].split()[:3] == ["quantity", "autograd", "formulas"]
    assert "layer 3 = L (output)" in lines and "layer 2" in lines
    assert lines.index("layer 3 = L (output)") < lines.index("layer 2")
    for line, row in zip(table[1:], report.rows):
        cells = line.split()
        assert cells[0] == row.symbol
        assert float(cells[1]) == pytest.approx(row.autograd, rel=1e-14, abs=1e-300)
        assert float(cells[2]) == pytest.approx(row.formulas, rel=1e-14, abs=1e-300)
    assert lines[-1].startswith("largest difference:")


def test_html_table_uses_the_lectures_symbols():
    report = compare(MLP([2, 3, 1], seed=0), [0.5, 0.1], [1.0], torch=False)
    table = ET.fromstring(report._repr_html_())  # well-formed, or this raises
    assert table.tag == "table"
    assert table.find("caption").text.startswith("autograd vs formulas 1-4")
    heads = [th.text for th in table.find("thead").iter("th")]
    assert heads == ["quantity", "autograd", "formulas 1-4", "abs diff", "rel diff"]
    bodies = table.findall("tbody")
    assert [b.find("tr/th").text for b in bodies] == ["layer 3 = L (output)", "layer 2"]
    assert bodies[0].find("tr/th").get("colspan") == "5"
    rows = [tr for b in bodies for tr in b.findall("tr") if tr.find("td") is not None]
    assert len(rows) == len(report.rows)
    for tr, row in zip(rows, report.rows):
        symbol = tr.find("td")
        sub, sup = symbol.find("sub"), symbol.find("sup")
        indices = f"{row.j}" if row.k is None else f"{row.j}{row.k}"
        assert (sub.text, sup.text) == (indices, str(row.l))
        assert symbol.text == {"delta": "δ", "dC/db": "∂C/∂b", "dC/dw": "∂C/∂w"}[row.quantity]
        assert float(tr.findall("td")[1].text) == pytest.approx(row.autograd, rel=1e-14)


def test_two_digit_indices_are_separated_by_a_comma():
    report = compare(MLP([10, 1], seed=0), [0.1] * 10, [1.0], torch=False)
    assert report.rows[-1].symbol == "dC/dw_1,10^2"
    table = ET.fromstring(report._repr_html_())
    assert table.findall("tbody/tr")[-1].find("td/sub").text == "1,10"


# ---------------------------------------------------------------- the torch column


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is not installed")
def test_torch_column_when_installed():
    net = MLP([2, 3, 2], ["relu", "sigmoid"], seed=2)
    report = compare(net, [0.5, -0.1], [1.0, 0.0], "cross_entropy")  # torch=None: use it
    assert report.methods == ("autograd", "formulas", "torch")
    assert all(r.torch is not None for r in report.rows)
    assert report.max_abs_diff < 1e-12
    assert "PyTorch" in str(report).splitlines()[2]
    heads = [th.text for th in ET.fromstring(report._repr_html_()).find("thead").iter("th")]
    assert "PyTorch" in heads
    batch = compare_batch(net, [[0.5, -0.1], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]], torch=True)
    assert batch.methods[-1] == "torch" and batch.max_abs_diff < 1e-12


def test_without_torch_there_is_no_torch_column():
    report = compare(MLP([2, 1], seed=0), [0.5, 0.1], [1.0], torch=False)
    assert report.methods == ("autograd", "formulas")
    assert all(r.torch is None for r in report.rows)
    assert "PyTorch" not in str(report)


# ---------------------------------------------------------------- names and bad input


def test_nn_compare_is_the_function():
    assert nn.compare is compare and callable(nn.compare)
    assert isinstance(nn.compare(MLP([1, 1], seed=0), [1.0], [0.0], torch=False), Report)


def test_bad_input_is_named():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"y has 2 entries .* expected 1"):
        compare(net, [0.5, 0.1], [1.0, 0.0])
    with pytest.raises(ValueError, match="unknown cost 'mse'"):
        compare(net, [0.5, 0.1], [1.0], "mse")
    with pytest.raises(ValueError, match=r"example 2: x has 1 entry"):
        compare_batch(net, [[0.5, 0.1], [0.5]], [[1.0], [0.0]])
