"""The exercise sheet as a page a student types answers into, in headless Chromium.

The page checks each answer offline, by the answer key it carries. The reference is
Python's checker (``Exercise.check``) on the same answers: which rows are right, and
which catalogued mistakes the first wrong answer matches. The answers typed are a
student's who makes each catalogued mistake (its reference backprop's numbers).
"""

import pytest
from conftest import axe_violations, requested_urls

from nn.checking.exercises import exercise, made_by_hand
from nn.checking.mistakes import MISTAKES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_sheet(driver, tmp_path, ex) -> str:
    url = ex.sheet().save(tmp_path / "sheet.html").resolve().as_uri()
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
    assert len(ex.shown) >= 8
    for m in ex.shown:
        answers = forward_answers(ex) | made_by_hand(MISTAKES[m], ex)
        python = ex.check(answers)
        fill(browser, {s: repr(v) for s, v in answers.items()})
        page = verdicts(browser)
        assert {r.symbol: "right" if r.right else "wrong" for r in python.rows} == \
            {s: kind for s, (kind, _) in page.items()}, m
        first = python.first_wrong
        assert first is not None and python.mistakes == (m,)
        said = page[first][1]
        assert said.startswith(f"wrong: {m}. "), (m, said)
        assert MISTAKES[m].hint(int(first[-1]), 3) in said
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
    field.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    field.send_keys(f"{-truth['delta_1^3']:.4g}".replace("-", "\u2212"))  # typed with a minus sign
    kind, said = verdicts(browser)["delta_1^3"]
    assert kind == "wrong" and said.startswith("wrong: error_sign. ")
    assert ex.check({"delta_1^3": -truth["delta_1^3"]}).mistakes == ("error_sign",)
    field.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    field.send_keys("0.1.2")
    assert verdicts(browser)["delta_1^3"][1].startswith("not a number")
    field.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    field.send_keys("12345")
    said = verdicts(browser)["delta_1^3"][1]
    assert "no catalogued mistake" in said and not ex.check({"delta_1^3": 12345}).mistakes
    assert "1 answered: 0 right, 1 wrong." in browser.find_element("id", "answers-status").text
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
