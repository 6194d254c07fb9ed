"""autodiff.backward_steps: backward()'s sweep, step by step, and its page, frames and GIF.

References: backward() itself (the steps must end with its grads, bit for bit,
having added the same terms in the same order), the numbers micrograd's README
prints for its example expression, and the op table's local derivatives.
"""

import re
import struct

import pytest
from conftest import outlined_parts, requested_urls, table_expression, table_operations
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, backward_steps, topological_order
from autodiff.views.steps import Formula, Step, StepByStep, Written


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def micrograd_readme_expression():
    """The example of micrograd's README (labels added for the leaves)."""
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.label = "g"
    return a, b, g


def test_micrograd_readme_example_steps_through_to_its_published_numbers():
    a, b, g = micrograd_readme_expression()
    walk = backward_steps(g)
    # micrograd's README: g 24.7041, a.grad 138.8338, b.grad 645.5773
    assert f"{walk.forward[-1].value:.4f}" == "24.7041"
    assert f"{walk.grad(a):.4f}" == "138.8338"
    assert f"{walk.grad(b):.4f}" == "645.5773"
    assert a.grad == 0.0 and b.grad == 0.0  # the graph itself is left alone
    g.backward()
    for v in topological_order(g):
        assert bits(walk.grad(v)) == bits(v.grad)


def test_steps_go_in_backwards_order_and_add_its_terms_in_its_order():
    _, _, g = micrograd_readme_expression()
    walk = backward_steps(g)
    order = topological_order(g)
    assert [s.node for s in walk.forward] == [v for v in order if v.op]
    assert [s.node for s in walk.backward] == order[::-1]
    assert walk.steps == walk.forward + walk.backward
    position = {id(v): i for i, v in enumerate(order)}
    for step in walk.backward:
        users = [t.user for t in step.terms]
        # each share comes from a user the sweep reached earlier, in sweep order
        assert [position[id(u)] for u in users] == sorted(
            (position[id(u)] for u in users), reverse=True)
        total = 0.0
        for t in step.terms:
            assert t.user.parents[t.operand] is step.node
            assert bits(t.local) == bits(t.user.local_grads[t.operand])
            assert bits(t.value) == bits(t.local * t.upstream)
            assert bits(t.upstream) == bits(walk.grad(t.user))
            total += t.value
        if step.node is not g:
            assert bits(step.value) == bits(total)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(table_operations(1)) + sorted(
    table_operations(2))), st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=12),
    st.lists(st.floats(0.2, 2.0), min_size=3, max_size=3))
def test_random_expressions_end_with_backwards_grads(program, xs):
    root = table_expression(program, xs)
    walk = backward_steps(root, max_nodes=1000)
    root.backward()
    for v in topological_order(root):
        assert bits(walk.grad(v)) == bits(v.grad)
    for step in walk.steps:
        assert step.text() and step.markdown()


def test_each_step_says_its_formula_and_its_numbers():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    z = w * x
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    walk = backward_steps(a, digits=4)
    forward = [s.text() for s in walk.forward]
    assert forward == ["z = w·x = (-3)·2 = -6", "a = σ(z) = σ(-6) = 0.002473"]
    dz = walk.backward[1].text()
    assert dz == ("da/dz = da/da × ∂(σ(z))/∂z = da/da × σ(z)·(1 − σ(z)) "
                  "= 1 × 0.002473·(1 − 0.002473) = 0.002467")
    dx = next(s for s in walk.backward if s.node is x)
    assert dx.symbol == "da/dx"
    assert dx.text().endswith(f"= {walk.grad(x):.4g}")
    assert "∂(w·x)/∂x" in dx.text() and "× w" in dx.text()
    md = dx.markdown()
    assert md.startswith(r"\frac{\partial a}{\partial x} = ")
    assert r"\frac{\partial (w \cdot x)}{\partial x}" in md


def test_a_negative_local_derivative_is_a_factor_in_parentheses():
    x = Value(1.5, label="x")
    y = -x
    y.label = "y"
    assert backward_steps(y).backward[-1].text() == (
        "dy/dx = dy/dy × ∂(−x)/∂x = dy/dy × (−1) = 1 × (−1) = -1")


def test_text_and_markdown_number_every_step():
    _, _, g = micrograd_readme_expression()
    walk = backward_steps(g)
    text = walk.text()
    assert text.startswith("Forward pass of g") and "Backward pass" in text
    assert len(re.findall(r"^\s*\d+\. ", text, re.M)) == len(walk.steps)
    md = walk.markdown()
    assert len(re.findall(r"^\d+\. \$.*\$$", md, re.M)) == len(walk.steps)


def test_refusals():
    with pytest.raises(TypeError, match="backward_steps expects a Value"):
        backward_steps(3.0)
    x = Value(1.0)
    for _ in range(30):
        x = x * 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        backward_steps(x, max_nodes=10)
    with pytest.raises(ValueError, match="digits"):
        backward_steps(Value(1.0) * 2, digits=0)


def test_save_by_suffix(tmp_path):
    _, _, g = micrograd_readme_expression()
    walk = backward_steps(g)
    assert walk.save(tmp_path / "w.txt").read_text(encoding="utf-8") == walk.text()
    assert walk.save(tmp_path / "w.md").read_text(encoding="utf-8") == walk.markdown()
    page = walk.save(tmp_path / "w.html").read_text(encoding="utf-8")
    assert page.count("<li ") == len(walk.steps) and "<svg" in page
    with pytest.raises(ValueError, match="suffix"):
        walk.save(tmp_path / "w.pdf")
    assert not (tmp_path / "w.pdf").exists()


def test_the_page_fetches_nothing_and_needs_nothing_from_elsewhere():
    x = Value(0.5, label="x")
    page = backward_steps((x * x).tanh()).html()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


@pytest.mark.slow
def test_frames_are_slide_sized_and_the_gif_has_one_frame_per_step(tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="Pillow comes with matplotlib (plots extra)")
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    out = (w * x + 1.0).tanh()
    out.label = "a"
    walk = backward_steps(out)
    paths = walk.frames(tmp_path, format="png")
    assert [p.name for p in paths] == [f"step{k:03d}.png" for k in range(1, len(walk.steps) + 1)]
    for p in paths:
        with Image.open(p) as im:
            assert im.width == 1920 or im.height == 1080  # scaled to fill a 1920x1080 slide
            assert im.width <= 1920 and im.height <= 1080
    svgs = walk.frames(tmp_path, format="svg")
    assert len(svgs) == len(walk.steps) and svgs[0].read_text().lstrip().startswith("<?xml")
    gif = walk.gif(tmp_path / "walk.gif")
    with Image.open(gif) as im:
        assert im.n_frames == len(walk.steps) and im.width >= 1000
    with pytest.raises(ValueError, match="png' or 'svg"):
        walk.frames(tmp_path, format="jpg")


# ----------------------------------------------------------------------
# In a real browser
# ----------------------------------------------------------------------


def current_step(driver):
    current = driver.find_element("id", "current")
    return current.get_attribute("data-symbol"), current.get_attribute("data-value")


def outlined(driver):
    parts = outlined_parts(driver)
    assert set(parts.values()) == {"rgb(230, 159, 0)"}  # the highlight is shown in orange
    return list(parts)


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_steps_with_the_arrow_keys_and_opens_at_step_n(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    a, b, g = micrograd_readme_expression()
    walk = backward_steps(g)
    path = walk.save(tmp_path / "walk.html")
    url = path.resolve().as_uri()
    requested_urls(browser)  # clear the log
    browser.get(url)
    assert current_step(browser) == (walk.steps[0].symbol, repr(walk.steps[0].value))
    body = browser.find_element("tag name", "body")
    for n in (1, 2, 3, 30, len(walk.steps) - 1):
        while int(browser.execute_script("return document.getElementById('slider').value")) < n + 1:
            body.send_keys(Keys.ARROW_RIGHT)
        step = walk.steps[n]
        assert current_step(browser) == (step.symbol, repr(step.value))
        assert walk.picture_id(step.node) in outlined(browser)
        assert browser.current_url.endswith(f"#step={n + 1}")
    body.send_keys(Keys.ARROW_RIGHT)  # past the end: stays on the last step
    assert current_step(browser)[0] == walk.steps[-1].symbol
    body.send_keys(Keys.ARROW_LEFT)
    assert current_step(browser)[0] == walk.steps[-2].symbol
    for n in (0, 17, len(walk.steps) - 1):  # opened at a step by its address
        browser.get("about:blank")
        browser.get(f"{url}#step={n + 1}")
        assert current_step(browser) == (walk.steps[n].symbol, repr(walk.steps[n].value))
    browser.find_element("id", "prev").click()
    assert current_step(browser)[0] == walk.steps[-2].symbol
    # the page asked for nothing but itself: no other file, nothing over a network
    # (chrome:, about: and data: are the browser's own, fetched from nowhere)
    asked = {u for u in requested_urls(browser)
             if not u.startswith(("about:", "chrome:", "data:"))}
    assert asked == {url}


# ----------------------------------------------------------------------
# One Step, one renderer of a formula with the numbers plugged in
# ----------------------------------------------------------------------


def test_a_formula_is_written_with_its_symbols_or_its_numbers_in_each_style():
    w = Written("w", r"w_{1}", "<i>w</i>")
    x = Written("x", "x", "<i>x</i>")
    product = Formula(Written("{w}·{x}", r"{w} \cdot {x}", "{w} · {x}"),
                      {"w": (w, -3.0), "x": (x, 2.0)})
    assert product.write("text", False, 4) == "w·x"
    assert product.write("tex", False, 4) == r"w_{1} \cdot x"
    assert product.write("html", False, 4) == "<i>w</i> · <i>x</i>"
    # a negative operand in parentheses, with a true minus sign in HTML
    assert product.write("text", True, 4) == "(-3)·2"
    assert product.write("html", True, 4) == "(\u22123) · 2"
    # a number that is all the formula is needs none; a function's argument one pair
    assert Formula(Written("{w}", "{w}", "{w}"), {"w": (w, -3.0)}).write("text", True, 4) == "-3"
    sigma = Formula(Written("σ({w})", r"\sigma({w})", "σ({w})"), {"w": (w, -0.5)})
    assert sigma.write("text", True, 3) == "σ(-0.5)"
    assert sigma.write("tex", False, 3) == r"\sigma(w_{1})"


def test_a_step_is_its_name_formulas_numbers_and_value_without_repeats():
    x = Written("x", "x", "x")
    double = Formula(Written("2·{x}", r"2 \cdot {x}", "2 · {x}"), {"x": (x, 1.5)})
    step = Step("y", 3.0, "forward", Written("y", "y", "<i>y</i>"), (double,), digits=4)
    assert step.text() == "y = 2·x = 2·1.5 = 3"
    assert step.tex() == step.markdown() == r"y = 2 \cdot x = 2 \cdot 1.5 = 3"
    assert step.html() == "<b><i>y</i></b> = 2 · x = 2 · 1.5 = 3"
    assert (step.formula, step.substituted) == ("2·x", "2·1.5")
    copy = Step("x", 1.5, "forward", x, (Formula(Written("{x}", "{x}", "{x}"), {"x": (x, 1.5)}),))
    assert copy.text() == "x = 1.5"  # x = x = 1.5 = 1.5, each part once


def test_the_walkthrough_of_a_network_is_made_of_the_same_steps():
    from nn import MLP, walkthrough

    walk = walkthrough(MLP([2, 2, 1], seed=0), [0.5, 0.1], [1.0])
    assert all(isinstance(s, Step) for s in walk.steps)
    assert isinstance(walk, StepByStep) and isinstance(backward_steps(Value(1.0) * 2), StepByStep)
    delta = walk.step("delta_1^3")
    assert delta.text().startswith(" = ".join(delta.parts("text")))  # nn adds its equation
