"""autodiff: a scalar reverse-mode automatic differentiation engine.

>>> from autodiff import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b.exp()
>>> c.backward()
>>> a.grad, round(b.grad, 4)
(-3.0, 2.0498)

The core, read first: ``ops`` (the op table: each operation's rule), ``value``
(Value and backward), ``sweep`` (backward's sweep recorded), ``finite_differences``
(gradcheck). Beside it, each reading the core: ``replay`` (record a graph once,
replay it as generated code) and ``views`` (pictures, backward step by step,
slides). Support: ``validate`` (argument checks), ``files`` (atomic writes),
``collector`` (collector_paused: build big graphs without the garbage collector's
walks), ``old_paths`` (modules that moved keep their old import paths).
"""

from autodiff.collector import collector_paused
from autodiff.finite_differences import gradcheck, numerical_gradient
from autodiff.old_paths import keep_old_paths
from autodiff.replay import Replayed, Tape, record
from autodiff.value import Value, topological_order
from autodiff.views import BackwardSteps, backward_steps, draw, draw_grads, save_picture

keep_old_paths({
    "autodiff.tape": "autodiff.replay.tape", "autodiff.codegen": "autodiff.replay.codegen",
    "autodiff.pictures": "autodiff.views.pictures", "autodiff.notation": "autodiff.views.notation",
    "autodiff.steps": "autodiff.views.steps", "autodiff.slides": "autodiff.views.slides",
})

__all__ = [
    "BackwardSteps",
    "Replayed",
    "Tape",
    "Value",
    "backward_steps",
    "collector_paused",
    "draw",
    "draw_grads",
    "gradcheck",
    "numerical_gradient",
    "record",
    "save_picture",
    "topological_order",
]
