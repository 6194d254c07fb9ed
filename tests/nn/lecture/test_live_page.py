"""The walkthrough's live page in headless Chromium: change a number, every step recomputes.

Each test edits the page as a person does (typing into an input) and compares every step
the page then shows with what Python's ``walkthrough`` gives for the same numbers: its
value (``data-value``, to 1e-12) and its line (the plugged-in numbers, as written), and
the diagram's labels and colours with ``draw_network``'s.
"""

import html
import re
from urllib.parse import unquote

import pytest
from conftest import axe_violations, requested_urls

from nn import MLP, Activation, cross_entropy_cost, walkthrough
from nn.lecture.diagrams import draw_network

pytestmark = [pytest.mark.browser, pytest.mark.slow]

X, Y, ETA = [0.05, 0.10], [0.01, 0.99], 0.5


def edited_net(sizes, numbers: dict, **options) -> MLP:
    """MLP(sizes, seed=0, **options) with the parameters named in ``numbers`` set to them."""
    net = MLP(sizes, seed=0, **options)
    for p in net.parameters():
        if p.label in numbers:
            p.data = numbers[p.label]
    return net


def python_walk(sizes, numbers: dict, cost="quadratic", **options):
    """Python's walkthrough for the page's numbers: x_k, y_j, eta and parameters by name."""
    net = edited_net(sizes, numbers, **options)
    x = [numbers.get(f"x_{k}", v) for k, v in enumerate(X, start=1)]
    y = [numbers.get(f"y_{j}", v) for j, v in enumerate(Y[:sizes[-1]], start=1)]
    return walkthrough(net, x, y, cost, eta=numbers.get("eta", ETA)), net


def plain(fragment: str) -> str:
    """HTML as the text a browser shows of it (``textContent``)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def type_into(driver, symbol: str, text: str) -> None:
    """Type ``text`` into the input of ``symbol`` as a person does, then leave it (Tab)."""
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element("css selector", f'input[data-param="{symbol}"]')
    driver.execute_script("arguments[0].closest('details').open = true;"
                          "arguments[0].scrollIntoView({block: 'center'});", field)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)
    field.send_keys(Keys.TAB)


def shown_steps(driver) -> list[tuple[str, str, str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#list li')).map(li =>"
        " [li.dataset.symbol, li.dataset.value, li.textContent]);")


def assert_steps_match(driver, walk) -> None:
    shown = shown_steps(driver)
    assert len(shown) == len(walk.steps)
    for (symbol, value, text), step in zip(shown, walk.steps):
        assert symbol == step.symbol
        assert abs(float(value) - step.value) <= 1e-12 * max(1.0, abs(step.value)), symbol
        assert text == plain(step.html()), symbol


def diagram(driver) -> dict:
    """What the page's diagram shows: each node's fill and numbers, each edge's colour."""
    return driver.execute_script("""
        const out = {};
        document.querySelectorAll('#picture g.node, #picture g.edge').forEach(g => {
          const name = g.querySelector('title').textContent.replace(/\\s+/g, '');
          const shape = g.querySelector('ellipse, polygon, path');
          const texts = Array.from(g.querySelectorAll('text')).filter(
            t => getComputedStyle(t).visibility !== 'hidden').map(t => t.textContent).join(' ');
          out[name] = {fill: shape && shape.getAttribute('fill'),
                       stroke: shape && shape.getAttribute('stroke'),
                       numbers: (texts.match(/= [\\u2212-]?[0-9.]+(e[+\\u2212-]?[0-9]+)?/g) || [])};
        });
        return out;""")


def figure_numbers(cells) -> list[str]:
    return re.findall(r"= [\u2212-]?[0-9.]+(?:e[+\u2212-]?[0-9]+)?", " ".join(map(plain, cells)))


def assert_diagram_matches(driver, net) -> None:
    """At the last step (everything revealed): the diagram's numbers, fills and colours are
    those draw_network gives for the same numbers."""
    driver.execute_script("document.getElementById('slider').value = "
                          "document.getElementById('slider').max;"
                          "document.getElementById('slider').dispatchEvent(new Event('input'));")
    shown = diagram(driver)
    figure = draw_network(net, delta=True, z=True, edge_labels=True, digits=4).figure
    for node in figure.nodes:
        if node.kind == "neuron" and node.name in shown:
            assert shown[node.name]["fill"] == node.fill, node.name
            assert shown[node.name]["numbers"] == figure_numbers(node.cells), node.name
    for edge in figure.edges:
        assert shown[edge.name]["stroke"] == edge.colour, edge.name
    for tag in figure.tags:
        if tag.name in shown:
            assert shown[tag.name]["numbers"] == figure_numbers(tag.cells), tag.name


def open_page(driver, tmp_path, walk, name="walk.html") -> str:
    url = walk.save(tmp_path / name).resolve().as_uri()
    requested_urls(driver)
    driver.get(url)
    return url


def test_each_kind_of_input_recomputes_every_step(browser, tmp_path):
    sizes = [2, 3, 2]
    walk, _ = python_walk(sizes, {})
    url = open_page(browser, tmp_path, walk)
    assert_steps_match(browser, walk)
    numbers = {}
    for symbol, typed in [("x_1", "0.25"), ("y_2", "0.5"), ("w_12^3", "-0.75"),
                          ("b_2^2", "1.5"), ("w_31^2", "2"), ("eta", "0.125")]:
        type_into(browser, symbol, typed)
        numbers[symbol] = float(typed)
        walk, net = python_walk(sizes, numbers)
        assert_steps_match(browser, walk)
    assert_diagram_matches(browser, net)
    # the address holds the numbers: opened afresh, the page shows the same
    address = unquote(browser.current_url)
    assert "w_12^3=-0.75" in address and "x_1=0.25" in address and "eta=0.125" in address
    browser.get("about:blank")
    browser.get(address)
    assert_steps_match(browser, walk)
    assert browser.find_element("id", "current").get_attribute("data-symbol") == \
        walk.steps[-1].symbol
    # reset: the numbers the page was made with
    browser.find_element("id", "reset").click()
    assert_steps_match(browser, python_walk(sizes, {})[0])
    assert "w_12^3" not in unquote(browser.current_url)
    asked = {u for u in requested_urls(browser)
             if not u.startswith(("about:", "chrome:", "data:"))}
    assert asked == {url}


def test_a_link_opens_the_same_numbers_at_the_same_step(browser, tmp_path):
    walk, _ = python_walk([2, 2, 2], {})
    url = open_page(browser, tmp_path, walk)
    browser.get(f"{url}#step=7&w_12^2=0.75&x_2=0.25")
    walk, _ = python_walk([2, 2, 2], {"w_12^2": 0.75, "x_2": 0.25})
    assert_steps_match(browser, walk)
    current = browser.find_element("id", "current")
    assert current.get_attribute("data-symbol") == walk.steps[6].symbol
    assert float(current.get_attribute("data-value")) == pytest.approx(walk.steps[6].value,
                                                                       rel=1e-12)
    field = browser.find_element("css selector", 'input[data-param="w_12^2"]')
    assert field.get_attribute("value") == "0.75"


def test_a_custom_activation_and_cross_entropy_recompute_too(browser, tmp_path):
    softplus = Activation("softplus", f=lambda z: (1 + z.exp()).log(),
                          df=lambda z: z.sigmoid(), text="ln(1 + exp(z))", df_text="sigma(z)")
    sizes, options = [2, 3, 2], {"activation": softplus, "output_activation": "sigmoid"}
    walk, _ = python_walk(sizes, {}, cross_entropy_cost, **options)
    open_page(browser, tmp_path, walk)
    assert_steps_match(browser, walk)
    numbers = {}
    for symbol, typed in [("y_1", "0.75"), ("w_21^2", "-1.25"), ("b_3^2", "0.5")]:
        type_into(browser, symbol, typed)
        numbers[symbol] = float(typed)
    walk, _ = python_walk(sizes, numbers, cross_entropy_cost, **options)
    assert_steps_match(browser, walk)


def test_what_is_not_a_number_is_said_and_nothing_recomputed(browser, tmp_path):
    walk, _ = python_walk([2, 2, 2], {})
    open_page(browser, tmp_path, walk)
    before = shown_steps(browser)
    type_into(browser, "eta", "-1")
    status = browser.find_element("id", "status").text
    assert "eta must be a positive number" in status and "Not recomputed" in status
    assert shown_steps(browser) == before
    assert browser.find_element("css selector", 'input[data-param="eta"]').get_attribute(
        "aria-invalid") == "true"


def test_deltas_are_revealed_when_the_stepper_reaches_them(browser, tmp_path):
    walk, _ = python_walk([2, 2, 2], {})
    open_page(browser, tmp_path, walk)
    first_delta = next(n for n, s in enumerate(walk.steps, start=1) if s.symbol.startswith("delta"))
    shown = diagram(browser)  # step 1 computes z_1^2: the diagram shows it, and nothing else
    assert [len(shown[f"a{l}_{j}"]["numbers"]) for l in (2, 3) for j in (1, 2)] == [1, 0, 0, 0]
    assert shown["a3_1"]["fill"] == "#d5ecd4"  # the output's own colour, not yet a delta's
    browser.get(browser.current_url.split("#")[0] + f"#step={first_delta}")
    shown = diagram(browser)
    assert len(shown["a3_1"]["numbers"]) == 2 and len(shown["a2_1"]["numbers"]) == 1


def test_the_page_fits_a_phone(browser, tmp_path):
    walk, _ = python_walk([2, 3, 2], {})
    url = open_page(browser, tmp_path, walk)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    try:
        browser.get(url)
        sizes = browser.execute_script(
            "const svg = document.querySelector('#picture svg').getBoundingClientRect();"
            "return [document.documentElement.scrollWidth, window.innerWidth, svg.left,"
            " svg.right, svg.height, window.innerHeight];")
        scroll_width, width, left, right, height, inner_height = sizes
        assert width == 390 and scroll_width <= width  # no horizontal scroll
        assert 0 <= left and right <= width and height <= inner_height
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_inputs_and_stepper_by_keyboard_and_screen_reader(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    walk, _ = python_walk([2, 2, 2], {})
    open_page(browser, tmp_path, walk)
    field = browser.find_element("css selector", 'input[data-param="w_12^2"]')
    label = browser.execute_script("return arguments[0].labels[0].textContent", field)
    assert "w sub 1 2 super 2" in label
    assert browser.find_element("id", "list").get_attribute("tabindex") == "0"
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element("id", "current").get_attribute("data-symbol") == \
        walk.steps[2].symbol
    assert axe_violations(browser) == []


def test_hovering_a_number_links_where_it_comes_from_and_goes(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    walk, _ = python_walk([2, 2, 2], {})
    open_page(browser, tmp_path, walk)
    # the number delta_1^3 in the formula of dC/db_1^3
    db = next(n for n, s in enumerate(walk.steps) if s.symbol == "dC/db_1^3")
    span = browser.find_elements("css selector", "#list li")[db].find_element(
        "css selector", "span[data-q]")
    ActionChains(browser).move_to_element(span).perform()
    linked = browser.execute_script(
        "return [Array.from(document.querySelectorAll('#list li.from')).map(li =>"
        " li.dataset.symbol), Array.from(document.querySelectorAll('#list li.to')).map(li =>"
        " li.dataset.symbol), Array.from(document.querySelectorAll('#picture .linked')).map("
        "g => g.querySelector('title').textContent)]")
    came_from, goes_to, parts = linked
    assert came_from == ["delta_1^3"]
    # delta_1^3 is used by dC/db_1^3's neighbours: dC/dw_1k^3 and delta_j^2 (eq. 2)
    assert {"dC/dw_11^3", "dC/dw_12^3", "delta_1^2", "delta_2^2"} <= set(goes_to)
    assert "a3_1" in parts


def test_the_live_page_as_a_notebook_widget(browser, tmp_path):
    from conftest import open_widget, wait_for

    pytest.importorskip("anywidget", reason="anywidget comes with the notebooks extra")
    walk, _ = python_walk([2, 2, 2], {})
    widget = walk.explore()
    assert widget.page == walk.html()
    bundle, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Step 1 of" in bundle["text/html"]  # a static view where widgets cannot run
    open_widget(browser, widget, tmp_path)
    frame = browser.find_element("css selector", "iframe")
    assert frame.get_attribute("sandbox") == "allow-scripts"
    browser.switch_to.frame(frame)
    try:
        wait_for(browser, "return document.querySelectorAll('#list li').length > 0")
        type_into(browser, "w_21^3", "0.5")
        assert_steps_match(browser, python_walk([2, 2, 2], {"w_21^3": 0.5})[0])
    finally:
        browser.switch_to.default_content()
