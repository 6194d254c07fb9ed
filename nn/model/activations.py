"""The activation functions sigma, one record each: all that nn knows of an activation.

An ``Activation`` holds five things, and every part of nn reads them from it
(layers, formulas, engines, the torch bridge, walkthroughs, diagrams, the checker):

    name     what ``MLP(activation=...)``, model files and the command line call it
    f        sigma itself, a function of z:  a_j^l = sigma(z_j^l)
    df       its derivative sigma', written out (the lecture's formula, not the engine's)
    text     sigma(z) as people read it, written in z: "sigma(z)"
    df_text  sigma'(z) as people read it: "sigma(z) * (1 - sigma(z))"

``f`` and ``df`` are written with what a ``Value`` and a PyTorch tensor both have
(``exp``, ``log``, ``tanh``, ``sigmoid``, ``relu``, ``+``, ``*``, ``**``, ...), so that
one pair of functions serves the Values a network is built from, plain floats
(through a Value: ``of`` and ``prime``) and the torch engine. A new activation is
one record, and nothing else to edit:

>>> softplus = Activation("softplus", f=lambda z: (1 + z.exp()).log(),
...                       df=lambda z: z.sigmoid(), text="ln(1 + exp(z))", df_text="sigma(z)")
>>> round(softplus.of(0.0), 6), softplus.prime(0.0)      # ln 2, and sigma(0)
(0.693147, 0.5)

``MLP([2, 3, 1], softplus)`` then builds it; a model file names it, and
``nn.load(path, activations=[softplus])`` reads such a file back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from autodiff import Value
from autodiff.validate import excerpt


@dataclass(frozen=True, eq=False)
class Activation:
    """sigma and sigma' of a layer, and how people read them (see the module's docstring).

    ``torch_module`` optionally names the ``torch.nn`` module computing the
    same sigma ("Sigmoid"), which ``nn.training.torch_bridge`` then uses and
    recognises in a user's PyTorch model; without one, the bridge applies ``f``.
    Records are compared by identity: two records of one name are two activations.
    """

    name: str
    f: Callable[[Any], Any]
    df: Callable[[Any], Any]
    text: str
    df_text: str
    torch_module: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(
                f"an activation's name must be a non-empty str, got {excerpt(self.name)}")
        for part in ("f", "df"):
            if not callable(getattr(self, part)):
                raise TypeError(f"activation {self.name!r}: {part} must be a function of z, got "
                                f"{excerpt(getattr(self, part))}")
        for part in ("text", "df_text"):
            if not isinstance(getattr(self, part), str):
                raise TypeError(f"activation {self.name!r}: {part} must be a str written in z, "
                                f"got {excerpt(getattr(self, part))}")

    def of(self, z: float) -> float:
        """sigma(z) on a float: ``f`` through a Value, so the number a network's node holds."""
        return _number(self.f(Value(z)))

    def prime(self, z: float) -> float:
        """sigma'(z) on a float by ``df``: the written-out formula, not the engine's derivative."""
        return _number(self.df(Value(z)))

    def autograd_prime(self, z: float) -> float:
        """sigma'(z) as the engine finds it, differentiating ``f``: the factor that the graph
        multiplies dC/da_j^l by to give delta_j^l (bit for bit when ``f`` is one operation)."""
        z_node = Value(z)
        self.f(z_node).backward()
        return z_node.grad

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


def _number(result: Any) -> float:
    """What f or df gave for a Value, as a float (df may give a constant, as linear's 1)."""
    return result.data if isinstance(result, Value) else float(result)


sigmoid = Activation(
    "sigmoid", f=lambda z: z.sigmoid(),
    # sigma(z) sigma(-z) is sigma(z) (1 - sigma(z)) without the subtraction, which
    # for large z would cancel to nothing (sigma'(40) would be 0 instead of 4e-18)
    df=lambda z: z.sigmoid() * (-z).sigmoid(),
    text="sigma(z)", df_text="sigma(z) * (1 - sigma(z))", torch_module="Sigmoid")
tanh = Activation(
    "tanh", f=lambda z: z.tanh(), df=lambda z: 1 - z.tanh() * z.tanh(),
    text="tanh(z)", df_text="1 - tanh(z)^2", torch_module="Tanh")
relu = Activation(
    # the slope is a number, not part of any graph (z.data, in PyTorch too); at the
    # kink z = 0 it is 0, as the engine and PyTorch take it
    "relu", f=lambda z: z.relu(), df=lambda z: (z.data > 0) * 1.0,
    text="max(0, z)", df_text="1 if z > 0, else 0", torch_module="ReLU")
linear = Activation(
    # a = z: the node a_j^l is z_j^l itself
    "linear", f=lambda z: z, df=lambda z: 1.0, text="z", df_text="1", torch_module="Identity")

BUILT_IN: dict[str, Activation] = {a.name: a for a in (sigmoid, tanh, relu, linear)}
# Their names, as MLP(activation=...) and the command line take them.
ACTIVATIONS = tuple(BUILT_IN)


def as_activation(activation: str | Activation, known: Iterable[Activation] = ()) -> Activation:
    """The record of sigma: an ``Activation`` as it is, a name as the record of that name.

    A name is looked up among ``known`` (records a caller was given, such as
    those of ``nn.load(path, activations=[...])``), then the built-in ones.
    """
    if isinstance(activation, Activation):
        return activation
    if not isinstance(activation, str):
        raise TypeError(f"an activation is the name of sigma, one of {ACTIVATIONS}, or an "
                        f"nn.Activation, got {type(activation).__name__}: {excerpt(activation)}")
    for record in (*known, *BUILT_IN.values()):
        if record.name == activation:
            return record
    raise ValueError(f"unknown activation {excerpt(activation)}; expected one of {ACTIVATIONS} "
                     "or an nn.Activation record")
