"""nn.checking.gradebook and grade_pages: grades.csv, Gradescope's results.json, the pages
(issue 22). The grades here are made in-process from real checks; tests/cli/test_grade.py
grades classes of files through child processes."""

import csv
import io
import json
import re

import pytest
from conftest import axe_violations

from nn import check_backprop
from nn.checking.feedback import LEVELS
from nn.checking.grade_pages import class_page, student_page
from nn.checking.gradebook import CSV_COLUMNS, grades_csv, gradescope_results, summary
from nn.checking.grading import Grade
from nn.checking.mistakes import MISTAKES
from nn.checking.student_backprops import backprop_lists
from nn.checking.submissions import student_exercise

SIZES = (2, 3, 2)
MAX = 3 * 3 + 2 * 4  # n_l (1 + n_(l-1)): 9 for layer 2, 8 for layer 3


def graded(student, fn, **more):
    ex = student_exercise(student, SIZES)
    check = check_backprop(fn, ex.net, ex.x, ex.y)
    score = sum(r.right for r in check.rows) if check.problem is None else 0
    status = "checked" if check.problem is None else "no answer"
    return Grade(student, f"{student}.py", score, MAX, status, check.problem or "", check, **more)


def a_class():
    """Right, two slips of one kind, one of another, an exception, and one that timed out."""
    return [
        graded("ada", backprop_lists),
        graded("bo", MISTAKES["missing_sigma_prime_hidden"].reference()),
        graded("cy", MISTAKES["missing_sigma_prime_hidden"].reference(), output="hello\n"),
        graded("di", MISTAKES["error_sign"].reference()),
        graded("ed", lambda *a: 1 / 0),
        Grade("fay", "fay.ipynb", 0, MAX, "timed out",
              "it did not finish within 10 s (student's time) while backprop"),
    ]


# ---------------------------------------------------------------- grades.csv


def test_grades_csv_is_a_row_per_student_with_numbers_and_the_mistakes_id():
    rows = list(csv.DictReader(io.StringIO(grades_csv(a_class()))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert CSV_COLUMNS[:5] == ("student", "score", "max_score", "first_wrong", "mistake")
    assert [r["student"] for r in rows] == ["ada", "bo", "cy", "di", "ed", "fay"]
    by = {r["student"]: r for r in rows}
    assert (by["ada"]["score"], by["ada"]["max_score"], by["ada"]["mistake"]) == ("17", "17", "")
    assert by["bo"]["mistake"] == "missing_sigma_prime_hidden"
    assert by["bo"]["first_wrong"] == "dC/db_1^2"
    # partial credit: the output layer right, the hidden layer wrong
    assert int(by["bo"]["score"]) == 8 and 0 < 8 < MAX
    assert by["di"]["mistake"] == "error_sign" and by["di"]["score"] == "0"
    assert by["ed"]["status"] == "no answer" and "ZeroDivisionError" in by["ed"]["reason"]
    assert by["fay"]["status"] == "timed out" and by["fay"]["score"] == "0"
    for r in rows:
        assert float(r["score"]) <= float(r["max_score"])


# ---------------------------------------------------------------- Gradescope


def check_gradescope_schema(results: dict) -> None:
    """Gradescope's autograder results.json, as its documentation specifies it:
    https://gradescope-autograders.readthedocs.io/en/latest/specs/ (Output format).

    Top level: "score" (a number; optional where the tests have scores), "execution_time",
    "output", "output_format", "test_output_format", "test_name_format", "visibility",
    "stdout_visibility", "extra_data", "tests", "leaderboard". Each test: "score",
    "max_score", "status" ("passed" or "failed"), "name", "name_format", "number",
    "output", "output_format", "tags", "visibility", "extra_data".
    """
    top = {"score", "execution_time", "output", "output_format", "test_output_format",
           "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
           "leaderboard"}
    per_test = {"score", "max_score", "status", "name", "name_format", "number", "output",
                "output_format", "tags", "visibility", "extra_data"}
    formats = {"text", "html", "simple_format", "md", "ansi"}
    visibilities = {"hidden", "after_due_date", "after_published", "visible"}
    assert isinstance(results, dict) and set(results) <= top, set(results) - top
    assert "score" in results or all("score" in t for t in results.get("tests", []))
    if "score" in results:
        assert isinstance(results["score"], (int, float)) and not isinstance(results["score"], bool)
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert results.get(key, "text") in formats
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in visibilities
    assert isinstance(results.get("output", ""), str)
    assert isinstance(results.get("tests", []), list)
    for test in results.get("tests", []):
        assert isinstance(test, dict) and set(test) <= per_test, set(test) - per_test
        for key in ("score", "max_score"):
            if key in test:
                assert isinstance(test[key], (int, float)) and not isinstance(test[key], bool)
        assert test.get("status", "passed") in {"passed", "failed"}
        assert isinstance(test.get("name", ""), str) and isinstance(test.get("output", ""), str)
        assert test.get("visibility", "visible") in visibilities
    json.dumps(results)  # and it is JSON


@pytest.mark.parametrize("level", LEVELS)
def test_gradescopes_results_follow_its_documented_format(level):
    for grade in a_class():
        results = gradescope_results(grade, level)
        check_gradescope_schema(results)
        assert results["score"] == grade.score
        assert sum(t["score"] for t in results["tests"]) == grade.score
        assert sum(t["max_score"] for t in results["tests"]) == MAX


def test_the_schema_check_refuses_what_gradescope_refuses():
    good = gradescope_results(a_class()[1], "hint")
    for broken in ({**good, "score": "8"}, {**good, "grade": 8},
                   {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                   {**good, "visibility": "public"}):
        with pytest.raises(AssertionError):
            check_gradescope_schema(broken)


def test_gradescopes_tests_are_the_blocks_and_the_output_the_feedback():
    results = gradescope_results(a_class()[1], "hint")
    assert [t["name"] for t in results["tests"]] == ["dC/db^3 (layer 3)", "dC/dw^3 (layer 3)",
                                                     "dC/db^2 (layer 2)", "dC/dw^2 (layer 2)"]
    assert [t["status"] for t in results["tests"]] == ["passed", "passed", "failed", "failed"]
    assert "missing_sigma_prime_hidden" in results["output"]
    assert "missing_sigma_prime_hidden" not in gradescope_results(a_class()[1], "equation")[
        "output"]
    timed_out = gradescope_results(a_class()[5], "hint")
    assert timed_out["tests"][0]["status"] == "failed" and "did not finish" in timed_out["output"]


# ---------------------------------------------------------------- the class in numbers


def test_the_summary_counts_the_mistakes_most_common_first():
    s = summary(a_class())
    assert (s.students, s.right, s.max_score) == (6, 1, MAX)
    assert list(s.mistakes) == ["missing_sigma_prime_hidden", "error_sign"]
    assert s.mistakes["missing_sigma_prime_hidden"] == ["bo", "cy"]
    assert s.statuses == {"no answer": 1, "timed out": 1}
    assert sum(s.bins) == 6 and s.bins[10] == 1 and s.bins[0] == 3


# ---------------------------------------------------------------- the pages


def text_of(page):
    return re.sub(r"<[^>]+>", "", page)


@pytest.mark.parametrize("level", LEVELS)
def test_a_students_page_tells_what_its_level_allows(level):
    bo = a_class()[1]
    page = student_page(bo, level)
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "Score: 8 of 17" in text_of(page)
    named = "missing_sigma_prime_hidden" in page
    assert named == (level in ("hint", "solution"))
    assert ("equation 2" in text_of(page)) == (level not in ("score", "quantity"))
    right = [r.autograd for r in bo.check.rows if not r.right]
    assert (f"{right[0]:.6g}" in page) == (level == "solution")
    assert not re.search(r"https?://|src=", page)  # nothing loaded from elsewhere


def test_right_and_wrong_are_said_in_words_not_by_colour_alone():
    page = student_page(a_class()[1], "quantity")
    rows = re.findall(r'<tr class="(right|wrong)">.*?<td>(right|wrong)</td>', page)
    assert len(rows) == 17 and all(cls == word for cls, word in rows)


def test_the_class_page_names_each_mistake_with_its_words_hint_and_an_example():
    page = class_page(a_class(), "hint")
    text = text_of(page)
    assert "6 submissions; 1 all right" in text
    first, second = "missing_sigma_prime_hidden: 2 students", "error_sign: 1 student"
    assert text.index(first) < text.index(second)
    assert MISTAKES["missing_sigma_prime_hidden"].description.split("(")[0][:30] in text
    assert "Hint, as bo was told it: Equation 2 is" in text
    assert 'href="bo.html"' in page and 'href="cy.html"' in page
    assert "timed out: 1" in text


def test_the_pages_in_chromium_meet_wcag_21_aa_and_fit_a_phone(browser, tmp_path):
    grades = a_class()
    pages = {"class.html": class_page(grades, "hint")}
    pages |= {f"{g.student}.html": student_page(g, "solution") for g in grades}
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for width in (1400, 390):
        browser.set_window_size(width, 900)
        for name in ("class.html", "bo.html", "ed.html", "fay.html"):
            browser.get((tmp_path / name).as_uri())
            assert axe_violations(browser) == [], name
            scroll = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert scroll <= 0, (name, width, scroll)
    browser.set_window_size(1400, 1000)
