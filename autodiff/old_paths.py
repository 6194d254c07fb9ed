"""Old import paths, kept: a module that moved can still be imported by its old name.

The packages are grouped by job (``autodiff.replay``, ``autodiff.views``,
``nn.training``, ...). Code written before that grouping imports, say,
``nn.plots`` or ``autodiff.tape``; :func:`keep_old_paths` answers such an
import with the module as it is now, the very same module object, so that
``import nn.plots`` and ``import nn.lecture.plots`` give one module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, moved: Mapping[str, str]) -> None:
        self.moved = dict(moved)

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in self.moved:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.moved[spec.name])
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module ran when it was imported by its own name; put back the spec
        # that importlib's bookkeeping has just replaced with the old name's.
        module.__spec__ = self._spec


def keep_old_paths(moved: Mapping[str, str]) -> None:
    """Let ``import OLD`` give the module now at ``moved[OLD]`` (imported when first asked for)."""
    sys.meta_path.insert(0, _OldPaths(moved))  # before the path search: the names are ours
