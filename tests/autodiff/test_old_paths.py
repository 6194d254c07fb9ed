"""Modules that moved into subpackages answer to their old import paths, as the same module."""

import importlib
import subprocess
import sys

import pytest

import autodiff  # noqa: F401  (installs the old paths of both packages' modules)
import nn  # noqa: F401
from autodiff.old_paths import _OldPaths


def old_paths() -> dict[str, str]:
    found = {}
    for finder in sys.meta_path:
        if isinstance(finder, _OldPaths):
            found.update(finder.moved)
    return found


def test_both_packages_keep_their_old_paths():
    moved = old_paths()
    expected = {"autodiff.tape", "autodiff.pictures", "nn.plots", "nn.torch", "nn.mistakes"}
    assert expected <= set(moved)


@pytest.mark.parametrize(("old", "new"), sorted(old_paths().items()))
def test_an_old_path_gives_the_module_itself(old, new):
    if new == "nn.training.torch_bridge":
        pytest.importorskip("torch")
    module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert module.__name__ == new and module.__spec__.name == new


def test_an_old_import_works_as_the_first_thing_a_program_does():
    code = ("from nn.plots import plot_history\nfrom nn.mistakes import MISTAKES\n"
            "import autodiff.tape, nn.lecture.plots\n"
            "print(plot_history.__module__, len(MISTAKES) > 0, autodiff.tape.record.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["nn.lecture.plots", "True", "autodiff.replay.tape"]


def test_a_name_that_never_existed_is_still_not_found():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("nn.no_such_module")


def test_the_walkthrough_is_the_function_whatever_is_imported():
    # nn.walkthrough was once also a module, which an import of it put in the
    # function's place; the module is nn.lecture.step_by_step now.
    import nn.lecture.step_by_step

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("nn.walkthrough")
    assert callable(nn.walkthrough) and nn.walkthrough is nn.lecture.step_by_step.walkthrough
