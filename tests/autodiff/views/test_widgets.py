"""autodiff.views.widgets: the stepper widget (anywidget), in Python and its JavaScript in Chromium.

The JavaScript is the one the widget ships (its ``_esm`` and ``_css``), rendered in
headless Chromium into a page with a stand-in for the notebook's model (get, set,
save_changes, on: the part of the model anywidget gives a widget). The references
are the steps' own texts and parts, and what the browser computes for the outline.
"""

import pytest
from conftest import open_widget, requested_urls, wait_for

from autodiff import Value, backward_steps
from autodiff.views.widgets import stepper
from nn import MLP, walkthrough

pytest.importorskip("anywidget", reason="anywidget comes with the notebooks extra")


def test_the_stepper_refuses_steps_it_does_not_have():
    with pytest.raises(ValueError, match="the last step 2 comes before the first 3"):
        stepper(first=3, last=2)
    with pytest.raises(ValueError, match="texts must hold one entry per step, 3, got 2"):
        stepper(first=1, last=3, texts=["a", "b"])
    widget = stepper(first=1, last=3)
    with pytest.raises(Exception, match="step must be from 1 to 3, got 0"):
        widget.step = 0


def test_backward_steps_show_a_stepper_over_the_sweep():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b).tanh()
    walk = backward_steps(c)
    widget = walk.show()
    assert (widget.first, widget.last) == (1, len(walk.steps))
    # the same steps as the page shows, each outlining its own node
    page = walk.slides().slides
    assert widget.texts == [s.html for s in page]
    assert widget.highlights == [list(s.highlight) for s in page]
    assert all(walk.picture_id(s.node) in parts for s, parts in zip(walk.steps, widget.highlights))
    assert all(f'data-part="{part}"' in widget.picture for parts in widget.highlights
               for part in parts)


# ----------------------------------------------------------------------
# The widget's JavaScript in a real browser
# ----------------------------------------------------------------------

def shown(browser) -> dict:
    """What the widget shows: the slider, the counter, the text, the outlined parts."""
    return browser.execute_script(
        "const root = document.querySelector('.deltagrad-stepper');"
        "const outlined = {};"
        "root.querySelectorAll('.deltagrad-hl').forEach(g => {"
        "  const shape = g.querySelector('ellipse, polygon, path');"
        "  outlined[g.dataset.part] = getComputedStyle(shape).stroke; });"
        "return {slider: root.querySelector('input').value,"
        "        counter: root.querySelector('.deltagrad-counter').textContent,"
        "        text: root.querySelector('.deltagrad-text').innerHTML,"
        "        step: window.model.get('step'), outlined: outlined};")


@pytest.mark.browser
@pytest.mark.slow
def test_the_walkthroughs_stepper_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    walk = walkthrough(MLP([2, 2, 1], seed=0), [0.5, 0.1], [1.0])
    widget = walk.show()
    requested_urls(browser)  # clear the log
    url = open_widget(browser, widget, tmp_path)
    n = len(walk.steps)
    orange = "rgb(230, 159, 0)"  # the highlight colour, as the browser computes it

    def expect(step: int):
        seen = shown(browser)
        assert (seen["step"], seen["slider"], seen["counter"]) == (step, str(step),
                                                                    f"step {step} of {n}")
        assert seen["text"].startswith(f"<b>Step {step} of {n}.</b> ")
        assert walk.steps[step - 1].html() in seen["text"] or \
            browser.execute_script(  # the browser may write the same HTML its own way
                "const t = document.createElement('div'); t.innerHTML = arguments[0];"
                "return document.querySelector('.deltagrad-text').innerHTML.endsWith("
                "t.innerHTML);", walk.steps[step - 1].html())
        assert seen["outlined"] == {part: orange for part in widget.highlights[step - 1]}

    expect(1)
    slider = browser.find_element("css selector", ".deltagrad-slider")
    browser.execute_script("arguments[0].value = 12;"
                           "arguments[0].dispatchEvent(new Event('input'));", slider)
    expect(12)
    assert browser.execute_script("return window.saved")[-1] == 12  # sent to Python
    root = browser.find_element("css selector", ".deltagrad-stepper")
    root.send_keys(Keys.ARROW_RIGHT)
    expect(13)
    root.send_keys(Keys.END)
    expect(n)
    root.send_keys(Keys.ARROW_RIGHT)  # past the end: stays on the last step
    expect(n)
    root.send_keys(Keys.HOME)
    expect(1)
    browser.execute_script("window.model.set('step', 7)")  # Python moved it
    expect(7)
    # play: every step in turn to the last, then it stops
    browser.execute_script("window.model.set('interval', 20); window.saved.length = 0;")
    browser.find_element("css selector", ".deltagrad-play").click()
    wait_for(browser, f"return window.model.get('step') === {n}")
    assert browser.execute_script("return window.saved") == list(range(8, n + 1))
    assert browser.find_element("css selector", ".deltagrad-play").get_attribute(
        "aria-label") == "play"
    expect(n)
    asked = {u for u in requested_urls(browser)
             if not u.startswith(("about:", "chrome:", "data:", "blob:"))}
    assert asked == {url}


@pytest.mark.browser
@pytest.mark.slow
def test_a_stepper_whose_pictures_python_draws_in_a_browser(browser, tmp_path):
    # the time machine's kind: no texts; Python redraws the picture and the image
    widget = stepper(first=0, last=5, continuous=False, picture="<svg></svg>",
                     image="data:image/png;base64,AAAA")
    open_widget(browser, widget, tmp_path)
    seen = shown(browser)
    assert (seen["step"], seen["counter"], seen["outlined"]) == (0, "step 0", {})
    assert browser.execute_script(
        "return document.querySelector('.deltagrad-text').hidden")
    slider = browser.find_element("css selector", ".deltagrad-slider")
    browser.execute_script("arguments[0].value = 3;"
                           "arguments[0].dispatchEvent(new Event('input'));", slider)
    assert shown(browser)["step"] == 0  # not while dragging: each step takes Python a while
    browser.execute_script("arguments[0].dispatchEvent(new Event('change'));", slider)
    assert shown(browser)["step"] == 3
    browser.execute_script("window.model.set('image', 'data:image/png;base64,BBBB');"
                           "window.model.set('picture', '<svg><g data-part=\"x\"></g></svg>');")
    assert browser.execute_script(
        "return [document.querySelector('.deltagrad-image').getAttribute('src'),"
        "        document.querySelectorAll('.deltagrad-picture [data-part=x]').length]"
    ) == ["data:image/png;base64,BBBB", 1]
    browser.execute_script("window.cleanup()")  # removed: the play timer is stopped
