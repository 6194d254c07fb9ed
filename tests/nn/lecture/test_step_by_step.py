"""nn.walkthrough: backpropagation step by step in the lecture's equations, numbers plugged in.

References: Matt Mazur's published "step by step backpropagation example" (a
[2, 2, 2] sigmoid network, his weights, one SGD step with eta = 0.5), the
lecture's formulas on floats (``nn.lecture.formulas``), autograd itself (bit for bit),
one step of ``nn.train``, and Python evaluating the substituted formulas.
"""

import html
import math
import re
import struct

import pytest
from conftest import outlined_parts, page, requested_urls
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import ACTIVATIONS, MLP, backprop, cross_entropy_cost, quadratic_cost, train, walkthrough


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def mazur_net() -> MLP:
    """Mazur's network: i1, i2 -> h1, h2 -> o1, o2, his w1..w8, b1 = 0.35, b2 = 0.60."""
    net = MLP([2, 2, 2], seed=0)
    # w_jk^l is from node k of layer l-1 into node j of layer l: Mazur's w1 (i1 -> h1) is
    # w_11^2, w2 (i2 -> h1) w_12^2, w3 w_21^2, w4 w_22^2; w5 (h1 -> o1) w_11^3, w6 w_12^3, ...
    weights = {2: [[0.15, 0.20], [0.25, 0.30]], 3: [[0.40, 0.45], [0.50, 0.55]]}
    biases = {2: 0.35, 3: 0.60}  # Mazur shares one bias per layer
    for layer in net.layers:
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.data = weights[layer.l][j][k]
            neuron.b.data = biases[layer.l]
    return net


# Mazur's numbers, as he prints them (9 significant digits or as many as he gives)
MAZUR = {
    "a_1^2": 0.593269992, "a_2^2": 0.596884378,       # out_h1, out_h2
    "a_1^3": 0.75136507, "a_2^3": 0.772928465,        # out_o1, out_o2
    "C": 0.298371109,                                  # E_total
    "delta_1^3": 0.138498562,                          # dE/dnet_o1
    "dC/dw_11^3": 0.082167041,                         # dE/dw5
    "w_11^3": 0.35891648, "w_12^3": 0.408666186,      # updated w5, w6
    "w_21^3": 0.511301270, "w_22^3": 0.561370121,     # w7, w8
    "dC/dw_11^2": 0.000438568,                         # dE/dw1
    "w_11^2": 0.149780716, "w_12^2": 0.19956143,      # updated w1, w2
    "w_21^2": 0.24975114, "w_22^2": 0.29950229,       # w3, w4
}


def test_mazurs_worked_example_to_the_digits_he_gives():
    walk = walkthrough(mazur_net(), [0.05, 0.10], [0.01, 0.99], eta=0.5, digits=9)
    for symbol, published in MAZUR.items():
        step = walk.step(symbol)
        shown = float(re.split(r" = ", step.text().split("   (")[0])[-1])
        digits = len(re.sub(r"^0\.0*|\.", "", f"{published}"))
        assert shown == pytest.approx(published, rel=0.6 * 10 ** (1 - digits)), symbol
        assert step.value == pytest.approx(published, rel=10 ** (1 - digits)), symbol
    # and his intermediate factors appear in the substitution of delta_1^3
    assert walk.step("delta_1^3").substituted == "(0.75136507 - 0.01) * 0.186815602"


def test_steps_come_in_the_lectures_order():
    walk = walkthrough(MLP([2, 3, 2], seed=0), [0.5, -0.2], [1.0, 0.0], eta=0.1)
    symbols = [s.symbol for s in walk.steps]
    forward = ["z_1^2", "a_1^2", "z_2^2", "a_2^2", "z_3^2", "a_3^2",
               "z_1^3", "a_1^3", "z_2^3", "a_2^3", "C"]
    backward = ["delta_1^3", "delta_2^3", "dC/db_1^3", "dC/db_2^3",
                *(f"dC/dw_{j}{k}^3" for j in (1, 2) for k in (1, 2, 3)),
                "delta_1^2", "delta_2^2", "delta_3^2", "dC/db_1^2", "dC/db_2^2", "dC/db_3^2",
                *(f"dC/dw_{j}{k}^2" for j in (1, 2, 3) for k in (1, 2))]
    updates = [f"{p}^{l}" for l, n, m in ((2, 3, 2), (3, 2, 3)) for j in range(1, n + 1)
               for p in (*(f"w_{j}{k}" for k in range(1, m + 1)), f"b_{j}")]
    assert symbols == forward + backward + updates
    equations = [s.equation for s in walk.steps if s.kind == "backward"]
    assert equations == [1, 1, 3, 3] + [4] * 6 + [2, 2, 2, 3, 3, 3] + [4] * 6
    assert {s.kind for s in walk.steps[:11]} == {"forward"}
    assert all(s.equation is None for s in walk.steps if s.kind != "backward")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.sampled_from(ACTIVATIONS),
       st.integers(0, 10**6), st.booleans())
def test_every_number_is_autograds_and_the_lectures_formulas(sizes, activation, seed, entropy):
    cost = cross_entropy_cost if entropy else quadratic_cost
    net = MLP(sizes, activation, seed, output_activation="sigmoid")
    x = [0.3 * (k + 1) - 0.5 for k in range(sizes[0])]
    y = [float(j % 2) * 0.8 + 0.1 for j in range(sizes[-1])]
    walk = walkthrough(net, x, y, cost)
    lecture = backprop(net, x, y, cost)  # equations 1-4 on plain floats, no graph
    for s in walk.steps:
        if s.symbol == "C":
            expected = lecture.C
        elif s.symbol.startswith("dC/db_"):
            expected = lecture.grad_b[s.l][s.j - 1]
        elif s.symbol.startswith("dC/dw_"):
            expected = lecture.grad_w[s.l][s.j - 1][s.k - 1]
        else:
            quantity = {"z": lecture.z, "a": lecture.a, "delta": lecture.delta}[
                s.symbol.split("_")[0]]
            expected = quantity[s.l][s.j - 1]
        assert s.value == pytest.approx(expected, rel=1e-11, abs=1e-14), s.symbol
    # the values are the graph's own: the net holds them after the walkthrough
    for layer in net.layers:
        for j, (z, neuron) in enumerate(zip(layer.z, layer.neurons), start=1):
            assert bits(walk.step(f"delta_{j}^{layer.l}").value) == bits(z.grad)
            assert bits(walk.step(f"dC/db_{j}^{layer.l}").value) == bits(neuron.b.grad)


def evaluate(expression: str) -> float:
    """A substituted formula, computed by Python: numbers, + - * /, ^, sigma, tanh, ln, max."""
    code = expression.replace("^", "**")
    namespace = {"sigma": lambda t: 1.0 / (1.0 + math.exp(-t)), "tanh": math.tanh,
                 "ln": math.log, "max": max, "__builtins__": {}}
    return eval(code, namespace)  # noqa: S307 (text the test itself made from numbers)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("cost", [quadratic_cost, cross_entropy_cost])
def test_the_substituted_numbers_give_the_value(activation, cost):
    net = MLP([3, 2, 2], activation, seed=4, output_activation="sigmoid")
    walk = walkthrough(net, [0.2, -0.7, 1.1], [0.25, 0.9], cost, eta=0.3, digits=17)
    for s in walk.steps:
        if "sigma'" in s.formula:  # sigma'(z) is given as its number: the rest computes
            assert re.search(r"\* [-\d.e(]+\)?$", s.substituted)
        assert evaluate(s.substituted) == pytest.approx(s.value, rel=1e-12, abs=1e-15), s


def test_the_update_is_the_step_train_takes():
    x, y = [0.05, 0.10], [0.01, 0.99]
    walk = walkthrough(mazur_net(), x, y, eta=0.5)
    trained = mazur_net()
    train(trained, [(x, y)], epochs=1, batch_size=1, eta=0.5, seed=0, progress=False)
    for layer in trained.layers:
        for j, neuron in enumerate(layer.neurons, start=1):
            for k, w in enumerate(neuron.w, start=1):
                assert bits(walk.step(f"w_{j}{k}^{layer.l}").value) == bits(w.data)
            assert bits(walk.step(f"b_{j}^{layer.l}").value) == bits(neuron.b.data)
    # the walkthrough itself changes no weight
    assert mazur_net().layers[0].neurons[0].w[0].data == 0.15


def test_a_batch_is_refused_as_compare_refuses_it():
    with pytest.raises(ValueError, match="one example.*batch.*compare_batch"):
        walkthrough(MLP([2, 1], seed=0), [[0.1, 0.2], [0.3, 0.4]], [[1.0], [0.0]])


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"net": "net"}, TypeError, "walkthrough expects an nn.MLP"),
        ({"x": [0.1]}, ValueError, "2 input"),
        ({"y": [1.0, 0.0]}, ValueError, "1 output"),
        ({"cost": "hinge"}, ValueError, "unknown cost"),
        ({"eta": 0.0}, ValueError, "eta must be a positive number"),
        ({"digits": 0}, ValueError, "digits"),
        ({"digits": 2.5}, TypeError, "digits must be a whole number"),
    ],
)
def test_bad_arguments_say_what_was_expected(kwargs, error, words):
    args = {"net": MLP([2, 1], seed=0), "x": [0.1, 0.2], "y": [1.0], **kwargs}
    with pytest.raises(error, match=words):
        walkthrough(**args)


def test_text_and_markdown():
    walk = walkthrough(mazur_net(), [0.05, 0.10], [0.01, 0.99], eta=0.5)
    text = walk.text()
    assert "Forward pass:" in text and "equations 1-4" in text and "SGD update" in text
    assert len(re.findall(r"^\s*\d+\. ", text, re.M)) == len(walk.steps)
    assert ("delta_1^3 = (a_1^3 - y_1) * sigma'(z_1^3) = (0.751365 - 0.01) * 0.186816 = "
            "0.138499   (equation 1: dC/da_1^3 = 0.741365, sigma'(z_1^3) = 0.186816)") in text
    md = walk.markdown()
    assert len(re.findall(r"^\d+\. \$.*\$", md, re.M)) == len(walk.steps)
    assert r"\delta_{1}^{3} = (a_{1}^{3} - y_{1}) \cdot \sigma'(z_{1}^{3})" in md
    assert md.count("$") % 2 == 0 and md.count("{") == md.count("}")


def test_save_by_suffix(tmp_path):
    walk = walkthrough(mazur_net(), [0.05, 0.10], [0.01, 0.99], eta=0.5)
    assert walk.save(tmp_path / "w.txt").read_text(encoding="utf-8") == walk.text()
    assert walk.save(tmp_path / "w.md").read_text(encoding="utf-8") == walk.markdown()
    page = walk.save(tmp_path / "w.html").read_text(encoding="utf-8")
    assert page.count("<li ") == len(walk.steps) and "<svg" in page
    assert "default-src 'none'" in page
    assert "<iframe" in walk._repr_html_()
    with pytest.raises(ValueError, match="suffix"):
        walk.save(tmp_path / "w.docx")


@pytest.mark.slow
def test_frames_and_gif(tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="Pillow comes with matplotlib (plots extra)")
    walk = walkthrough(MLP([2, 2, 1], seed=0), [0.5, 0.1], [1.0])
    paths = walk.frames(tmp_path)
    assert len(paths) == len(walk.steps)
    with Image.open(paths[0]) as im:
        assert im.width == 1920 or im.height == 1080
    with Image.open(walk.gif(tmp_path / "w.gif")) as im:
        assert im.n_frames == len(walk.steps)


def test_the_widget_steps_through():
    pytest.importorskip("anywidget", reason="anywidget comes with the notebooks extra")
    walk = walkthrough(MLP([2, 2, 1], seed=0), [0.5, 0.1], [1.0])
    widget = walk.show()
    assert (widget.first, widget.last, widget.step) == (1, len(walk.steps), 1)
    widget.step = 12
    assert widget.texts[widget.step - 1] == walk.steps[11].html()
    # delta_1^2 gathers from the output's delta along the edge a_1^2 -> a_1^3
    assert widget.highlights[11] == ["a2_1", "a2_1->a3_1"]
    assert all(f'data-part="{html.escape(part)}"' in widget.picture
               for part in widget.highlights[11])
    # a saved notebook shows a static view where the widget cannot run
    bundle, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Step 1 of" in bundle["text/html"] and f"{len(walk.steps)} steps" in bundle["text/html"]
    assert walk.steps[0].html() in bundle["text/html"]


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    walk = walkthrough(mazur_net(), [0.05, 0.10], [0.01, 0.99], eta=0.5)
    url = walk.save(tmp_path / "walk.html").resolve().as_uri()
    requested_urls(browser)
    browser.get(url)
    body = browser.find_element("tag name", "body")
    for n in range(0, 24):
        current = browser.find_element("id", "current")
        step = walk.steps[n]
        assert (current.get_attribute("data-symbol"), current.get_attribute("data-value")) == (
            step.symbol, repr(step.value))
        outlined = outlined_parts(browser)
        assert set(outlined.values()) == {"rgb(230, 159, 0)"}  # shown in the highlight orange
        if step.k is not None:  # a weight's step outlines its edge
            assert f"a{step.l - 1}_{step.k}->a{step.l}_{step.j}" in outlined
        elif step.symbol != "C":
            assert f"a{step.l}_{step.j}" in outlined
        body.send_keys(Keys.ARROW_RIGHT)
    browser.get(f"{url}#step=14")
    current = browser.find_element("id", "current")
    assert current.get_attribute("data-symbol") == walk.steps[13].symbol == "dC/dw_11^3"
    asked = {u for u in requested_urls(browser)
             if not u.startswith(("about:", "chrome:", "data:"))}
    assert asked == {url}


def test_the_docs_show_what_walkthrough_prints():
    net = MLP([2, 2, 2], seed=0)
    walk = walkthrough(net, [0.05, 0.10], [0.01, 0.99], eta=0.5)
    assert f"# {walk.step('delta_1^3').text()}\n" in page("docs/step-by-step.md")


@pytest.mark.parametrize("cost", [quadratic_cost, cross_entropy_cost])
def test_each_delta_is_the_product_of_its_factors(cost):
    net = MLP([3, 4, 2], "tanh", seed=2, output_activation="sigmoid")
    walk = walkthrough(net, [0.3, -0.8, 1.5], [1.0, 0.0], cost)
    deltas = [s for s in walk.steps if s.symbol.startswith("delta")]
    assert len(deltas) == 6
    for s in deltas:
        (dC_da, value_1), (sigma_prime, value_2) = s.factors.items()
        assert dC_da == f"dC/da_{s.j}^{s.l}" and sigma_prime == f"sigma'(z_{s.j}^{s.l})"
        assert bits(value_1 * value_2 + 0.0) == bits(s.value + 0.0)
        # sigma' is the lecture's, computed on floats from z
        z = walk.step(f"z_{s.j}^{s.l}").value
        expected = 1 - math.tanh(z) ** 2 if s.l == 2 else 1 / (1 + math.exp(-z)) * (
            1 - 1 / (1 + math.exp(-z)))
        assert value_2 == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- issue 23's defects


def test_an_update_names_the_new_value_apart_from_the_parameter():
    walk = walkthrough(mazur_net(), [0.05, 0.10], [0.01, 0.99], eta=0.5)
    step = walk.step("w_11^3")  # a parameter's symbol finds its update, as before
    assert step.kind == "update"
    assert step.text().startswith("w_11^3 (new) = w_11^3 - eta * dC/dw_11^3 = ")
    assert step.tex().startswith(r"w_{11}^{3}\ (\text{new}) = w_{11}^{3} - \eta")
    assert "</SUP> (new)</b> = <I>w</I>" in step.html()


def test_people_count_steps_from_1_everywhere():
    walk = walkthrough(mazur_net(), [0.05, 0.10], [0.01, 0.99])
    n = len(walk.steps)
    assert walk.step(1) is walk.steps[0] and walk.step(n) is walk.steps[-1]
    assert walk.step(18).symbol == walk.steps[17].symbol  # was a KeyError
    assert re.search(r"^\s*18\. " + re.escape(walk.steps[17].text()), walk.text(), re.M)
    for wrong in (0, n + 1, -1):
        with pytest.raises(IndexError, match=rf"no step {wrong}: the steps are numbered from 1 "
                                             rf"to {n}"):
            walk.step(wrong)
        with pytest.raises(IndexError, match=f"from 1 to {n}"):
            walk.frame(wrong)
    assert walk.frame(18).figure.caption.startswith("18. ")
    shown = re.sub(r"<[^>]+>", "", walk.frame(18).figure.caption[4:])  # the text, typeset
    assert html.unescape(shown) == html.unescape(re.sub(r"<[^>]+>", "", walk.steps[17].html()))
