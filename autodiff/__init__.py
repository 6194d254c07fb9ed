"""autodiff: a scalar reverse-mode automatic differentiation engine.

>>> from autodiff import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b.exp()
>>> c.backward()
>>> a.grad, round(b.grad, 4)
(-3.0, 2.0498)

Modules: ``value`` (Value and backward), ``finite_differences`` (gradcheck),
``pictures`` (draw, save_picture), ``tape`` (record, Tape), ``files`` (atomic writes),
``collector`` (collector_paused: build big graphs without the garbage collector's walks).
"""

from autodiff.collector import collector_paused
from autodiff.finite_differences import gradcheck, numerical_gradient
from autodiff.pictures import draw, draw_grads, save_picture
from autodiff.steps import BackwardSteps, backward_steps
from autodiff.tape import Replayed, Tape, record
from autodiff.value import Value, topological_order

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
