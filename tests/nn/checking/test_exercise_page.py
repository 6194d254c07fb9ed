"""The exercise sheet as a page a student types answers into, in headless Chromium.

The page checks each answer offline, by the answer key it carries. The reference is
Python's checker (``Exercise.check``) on the same answers: which rows are right, and
which catalogued mistakes the first wrong answer matches. The answers typed are a
student's who makes each catalogued mistake (its reference backprop's numbers).
"""

import re

import pytest
from conftest import axe_violations, requested_urls

from nn.checking.exercises import exercise, made_by_hand
from nn.checking.feedback import LEVELS, feedback
from nn.checking.mistakes import MISTAKES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_sheet(driver, tmp_path, ex, level="hint") -> str:
    url = ex.sheet(level).save(tmp_path / f"sheet-{level}.html").resolve().as_uri()
    requested_urls(driver)
    driver.get(url)
    return url


def fill(driver, answers: dict[str, str]) -> None:
    """Set every answer at once and tell the page, as an input event does (typing one by one
    is in the test of typing)."""
    driver.execute_script(
        "const answers = arguments[0];"
        "document.querySelectorAll('input[data-answer]').forEach(function (i) {"
        "  i.value = answers[i.dataset.answer] || '';"
        "  i.dispatchEvent(new Event('input'));"
        "});", answers)


def verdicts(driver) -> dict[str, tuple[str, str]]:
    """Each answered row's verdict: (right/wrong, what the page says)."""
    shown = driver.execute_script(
        "const out = {};"
        "document.querySelectorAll('[data-verdict]').forEach(function (c) {"
        "  if (c.textContent) out[c.dataset.verdict] ="
        "    [c.classList.contains('right') ? 'right' : 'wrong', c.textContent];"
        "});"
        "return out;")
    return {s: tuple(v) for s, v in shown.items()}


def forward_answers(ex) -> dict[str, float]:
    """Right answers for the forward pass and C, from Python's worked solution."""
    return {s.symbol: s.value for s in ex.solution().steps
            if s.symbol == "C" or s.symbol[0] in "za"}


def test_each_mistake_made_by_hand_is_named_as_the_checker_names_it(browser, tmp_path):
    ex = exercise(3, (2, 2, 2))
    open_sheet(browser, tmp_path, ex)
    assert len(ex.shown) >= 12
    for m in ex.shown:
        answers = made_by_hand(MISTAKES[m], ex)
        python = ex.check(answers)
        fill(browser, {s: repr(v) for s, v in answers.items()})
        page = verdicts(browser)
        assert {r.symbol: "right" if r.right else "wrong" for r in python.rows} == \
            {s: kind for s, (kind, _) in page.items()}, m
        told = feedback(python, "hint")  # the checker's words at the page's level
        first = told.first_wrong
        assert first is not None and told.mistakes == (m,)
        said = page[first][1]
        assert said.startswith("wrong: the first wrong quantity. "), (m, said)
        assert f"It is given by {told.equation}." in said
        assert f"The mistake: {m}, {MISTAKES[m].description}. Hint: {told.hint}" in said
        for s, (kind, text) in page.items():  # a later wrong answer points back to the first
            if kind == "wrong" and s != first:
                assert f"put {first} right first" in text


def test_typed_answers_are_checked_as_they_are_typed(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    ex = exercise(3)
    url = open_sheet(browser, tmp_path, ex)
    truth = {s.symbol: s.value for s in ex.solution().steps}
    field = browser.find_element("css selector", 'input[data-answer="delta_1^3"]')
    assert field.get_attribute("aria-label") == "delta sub 1 super 3"
    field.send_keys(f"{truth['delta_1^3']:.4g}")  # four digits, as the sheet asks
    assert verdicts(browser) == {"delta_1^3": ("right", "right")}
    assert ex.check({"delta_1^3": float(f"{truth['delta_1^3']:.4g}")}).ok
    field.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    field.send_keys(f"{-truth['delta_1^3']:.4g}".replace("-", "\u2212"))  # typed with a minus sign
    kind, said = verdicts(browser)["delta_1^3"]
    assert kind == "wrong" and "The mistake: error_sign, " in said
    assert ex.check({"delta_1^3": -truth["delta_1^3"]}).mistakes == ("error_sign",)
    field.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    field.send_keys("0.1.2")
    assert verdicts(browser)["delta_1^3"][1].startswith("not a number")
    field.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    field.send_keys("12345")
    said = verdicts(browser)["delta_1^3"][1]
    assert "No catalogued mistake gives your number" in said
    assert not ex.check({"delta_1^3": 12345}).mistakes
    assert browser.find_element("id", "answers-status").text == "Score: 0 of 1 quantities right."
    asked = {u for u in requested_urls(browser) if not u.startswith(("about:", "data:"))}
    assert asked == {url}  # offline: the page loads nothing


def test_the_sheet_and_the_check_report_pass_axe(browser, tmp_path):
    ex = exercise(3)
    open_sheet(browser, tmp_path, ex)
    assert browser.execute_script("return document.documentElement.lang") == "en"
    fill(browser, {"delta_1^3": "0", "z_1^2": repr(forward_answers(ex)["z_1^2"])})
    assert axe_violations(browser) == []
    report = tmp_path / "report.html"
    report.write_text(ex.check({"delta_1^3": 0.0, "z_1^2": -0.74}).html(), encoding="utf-8")
    browser.get(report.resolve().as_uri())
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert axe_violations(browser) == []


def test_the_page_tells_as_much_as_its_feedback_level(browser, tmp_path):
    ex = exercise(3)
    answers = forward_answers(ex) | made_by_hand(MISTAKES["missing_sigma_prime_output"], ex)
    python = ex.check(answers)
    right = sum(r.right for r in python.rows)
    for level in LEVELS:
        told = feedback(python, level)
        open_sheet(browser, tmp_path, ex, level)
        fill(browser, {s: repr(v) for s, v in answers.items()})
        page = verdicts(browser)
        status = browser.find_element("id", "answers-status").text
        assert status == f"Score: {right} of {len(python.rows)} quantities right.", level
        if level == "score":
            assert page == {}  # the score alone
            continue
        assert {s for s, (kind, _) in page.items() if kind == "wrong"} == \
            {r.symbol for r in python.rows if not r.right}
        said = page[told.first_wrong][1]
        assert said.startswith("wrong: the first wrong quantity."), level
        assert (f"It is given by {python.findings[0].equation}." in said) == \
            (told.equation is not None), level
        assert ("The mistake: missing_sigma_prime_output" in said) == bool(told.mistakes)
        given = re.search(r"Autograd gives (\S+)\.$", said)
        assert bool(given) == (level == "solution"), said
        if given:  # the right number, to the six digits shown
            truth = {r.symbol: r.autograd for r in python.rows}[told.first_wrong]
            assert float(given.group(1)) == pytest.approx(truth, rel=1e-5)


def test_the_sheet_fits_a_phone(browser, tmp_path):
    url = open_sheet(browser, tmp_path, exercise(3, (2, 3, 2)))
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    try:
        browser.get(url)
        width, scroll_width = browser.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth];")
        assert width == 390 and scroll_width <= width  # no horizontal scroll
        assert axe_violations(browser) == []  # a table that scrolls takes focus
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
