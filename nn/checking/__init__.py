"""Checking a student's own backprop: the checker, its catalogue of mistakes, exercises.

    array_styles       what a student's backprop takes and gives: lists, numpy, numpy columns
    student_backprops  backprop as a student writes it, with one catalogued slip or none
    mistakes           the catalogue: each mistake's numbers, hint and reference code
    checker            check_backprop: a student's backprop against autograd, the mistake named
    reports            BackpropCheck: the report of a check, as text and HTML
    feedback           how much of a check a student is told: score, quantity, ..., solution
    exercises          exercise: backprop by hand; the sheet, the check, the solution
    submissions        a class's files (.py, .ipynb), each student's seed and numbers
    grading            grade_class: each submission checked in a child process; Grade
    gradebook          grades.csv, Gradescope's results.json, the class in numbers
    grade_pages        the student's feedback page and the class page
    class_sheets       a sheet per student of a roster, the key, typed answers graded
"""

from nn.checking.checker import check_backprop, check_backprop_batch
from nn.checking.exercises import Exercise, exercise
from nn.checking.mistakes import MISTAKES
from nn.checking.reports import BackpropCheck

__all__ = ["MISTAKES", "BackpropCheck", "Exercise", "check_backprop", "check_backprop_batch",
           "exercise"]
