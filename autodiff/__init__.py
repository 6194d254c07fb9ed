"""autodiff: a scalar reverse-mode automatic differentiation engine.

>>> from autodiff import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b.exp()
>>> c.backward()
>>> a.grad, round(b.grad, 4)
(-3.0, 2.0498)
"""

from autodiff.check import gradcheck, numerical_gradient
from autodiff.draw import draw
from autodiff.replay import Replayed, Tape, record
from autodiff.value import Value

__all__ = ["Replayed", "Tape", "Value", "draw", "gradcheck", "numerical_gradient", "record"]
