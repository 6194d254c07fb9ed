"""A student's Python file, imported and checked: what ``deltagrad check`` runs in a child.

``check_file`` imports the file as ``import student`` would (its folder first
on the path, so that it can import its neighbours; its ``if __name__ ==
"__main__":`` part not run), calls its function on the exercise's network
(``nn.exercise``'s, on which every catalogued mistake shows) and returns the
report. Whatever goes wrong in the student's code is one line naming the file
and the line: a missing file, a syntax error, an exception, no such function.

It names its phases (``nn.checking.isolation.phase``): run by ``run_isolated``,
a timeout then says whose time ran out, the student's (importing the file,
running the function: ``timeout`` seconds each) or the checker's (building the
exercise, checking the numbers: ``CHECKER_SECONDS`` each).
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nn.checking.checker import check_backprop, check_backprop_batch, place, said
from nn.checking.exercises import Exercise, exercise
from nn.checking.isolation import phase
from nn.checking.reports import BackpropCheck
from nn.model.costs import quadratic_cost

CHECKER_SECONDS = 60.0  # for each part of the checker's own work: the exercise, the comparison


class StudentCodeError(ValueError):
    """The student's file could not be checked: one line saying where and why."""


@dataclass(frozen=True)
class FileCheck:
    """What to check: the file, its function, and the exercise and options to check it on."""

    file: str
    function: str = "backprop"
    seed: int = 0
    sizes: tuple[int, ...] = (2, 2, 2)
    cost: str = quadratic_cost.name
    arrays: str = "lists"
    batch: int | None = None
    rtol: float = 1e-5
    atol: float = 1e-8
    timeout: float = 10.0


def check_file(request: FileCheck, ex: Exercise | None = None) -> BackpropCheck | str:
    """The report of the student's function, or the one line saying why there is none.

    The function runs on ``ex``'s network and example; by default, those of
    ``nn.exercise`` for the request's seed and sizes.
    """
    try:
        if ex is None:
            sizes = ",".join(map(str, request.sizes))
            phase(f"building its exercise for sizes {sizes}", CHECKER_SECONDS, "checker")
            ex = exercise(request.seed, request.sizes)
        path = Path(request.file)
        phase(f"importing {path.name}", request.timeout, "student")
        fn = _phased(load_function(path, request.function), request.function, request.timeout)
        return _run(fn, ex, request)
    except StudentCodeError as error:
        return str(error)


def _phased(fn: Callable[..., Any], name: str, seconds: float) -> Callable[..., Any]:
    """``fn``, saying when the student's time starts and when the checker's starts again."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        phase(name, seconds, "student")
        try:
            return fn(*args, **kwargs)
        finally:
            phase("checking the numbers", CHECKER_SECONDS, "checker")

    return run


def _run(fn: Callable[..., Any], ex: Exercise, request: FileCheck) -> BackpropCheck:
    arrays, rtol, atol = request.arrays, request.rtol, request.atol
    try:
        if request.batch:
            xs, ys = ex.batch(request.batch)
            return check_backprop_batch(fn, ex.net, xs, ys, request.cost, arrays=arrays,
                                        rtol=rtol, atol=atol)
        return check_backprop(fn, ex.net, ex.x, ex.y, request.cost, arrays=arrays, rtol=rtol,
                              atol=atol)
    except TypeError as error:  # only the function's signature is refused so
        raise StudentCodeError(f"{Path(request.file).name}: {error}") from None


def load_function(path: Path, name: str) -> Callable[..., Any]:
    """``name`` from the Python file ``path``, imported as ``import <stem>`` would import it."""
    if not path.exists():
        raise StudentCodeError(f"no such file: {path}")
    if path.is_dir():
        raise StudentCodeError(f"{path} is a folder; give the Python file that defines {name}")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the file's neighbours import as they do for its author
    stem = path.stem
    module_name = stem if stem.isidentifier() and stem not in sys.modules else "deltagrad_student"
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    spec = importlib.util.spec_from_loader(module_name, loader)
    assert spec is not None  # (a loader given: a spec made)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        loader.exec_module(module)
    except SyntaxError as error:
        code = f": {error.text.strip()}" if error.text and error.text.strip() else ""
        raise StudentCodeError(f"{path.name}, line {error.lineno}: {type(error).__name__}: "
                               f"{error.msg}{code}") from None
    except (Exception, SystemExit) as error:
        raise StudentCodeError(f"importing {path.name} raised {said(error)} at "
                               f"{place(error)}") from None
    fn = getattr(module, name, None)
    if fn is None:
        defined = [n for n, v in vars(module).items()
                   if inspect.isfunction(v) and v.__module__ == module_name]
        others = f"; it defines {', '.join(defined)} (--function picks one)" if defined else ""
        raise StudentCodeError(f"{path.name} defines no function {name}{others}")
    if not callable(fn):
        raise StudentCodeError(f"{name} in {path.name} is a {type(fn).__name__}, not a function")
    return fn  # type: ignore[no-any-return]  # (a module's attribute: what the file made)
