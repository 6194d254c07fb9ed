"""The lecture's last advice, "use a standard package": nn's networks in PyTorch and back.

    >>> from nn import MLP
    >>> from nn.torch import from_torch, to_torch
    >>> net = MLP([2, 3, 1], seed=0)
    >>> model = to_torch(net)        # Sequential(Linear(2, 3), Sigmoid(), Linear(3, 1), Sigmoid())
    >>> again = from_torch(model)    # an nn.MLP with the same weights

A layer l of the lecture is one ``torch.nn.Linear`` followed by its activation.
Linear's ``weight[j, k]`` is exactly the lecture's w_jk^l (from node k of layer
l-1 into node j of layer l) and ``bias[j]`` is b_j^l; the Linear's output is z^l.

PyTorch is optional (``pip install 'deltagrad[torch]'``): ``import nn`` never
imports this module, and this module is the only one that imports torch at the
top. Inside the package ``nn`` the name ``torch`` below is still the real
PyTorch: imports are absolute in Python 3, and PyTorch's own ``torch.nn`` never
looks for a top-level ``nn``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

try:
    import torch
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "nn.torch needs PyTorch, which is optional: pip install 'deltagrad[torch]' "
        "(the CPU build is enough)"
    ) from error

from autodiff.validate import plural
from nn.formulas import cost_name
from nn.layers import MLP

# nn's activation names and the PyTorch modules that compute the same sigma.
# "linear" (a = z) becomes Identity, so that every lecture layer is a Linear
# and an activation; from_torch also accepts a Linear with no activation after it.
MODULES: dict[str, type[torch.nn.Module]] = {
    "sigmoid": torch.nn.Sigmoid,
    "tanh": torch.nn.Tanh,
    "relu": torch.nn.ReLU,
    "linear": torch.nn.Identity,
}


def to_torch(net: MLP) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` computing the same function as ``net``.

    Layer l becomes ``Linear(n_{l-1}, n_l)`` with ``weight[j, k] = w_jk^l`` and
    ``bias[j] = b_j^l``, followed by the module for its sigma.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"to_torch expects an nn.MLP, got {type(net).__name__}")
    modules: list[torch.nn.Module] = []
    for l, layer in enumerate(net.layers, start=2):
        activation = _layer_activation(layer, l)
        linear = torch.nn.Linear(len(layer.neurons[0].w), len(layer), dtype=torch.float64)
        with torch.no_grad():  # copying numbers in is not part of any gradient
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules += [linear, MODULES[activation]()]
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Sequential) -> MLP:
    """An ``nn.MLP`` with the weights of a stack of ``Linear`` layers and activations.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers, each followed
    by at most one of Sigmoid, Tanh, ReLU or Identity (none means linear).
    A Linear without bias gets b = 0. Any other layer raises ValueError naming it.
    """
    if isinstance(module, torch.nn.Linear):
        module = torch.nn.Sequential(module)
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            f"from_torch expects a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(module).__name__}"
        )
    linears, activations = _read_stack(list(module))
    sizes = [linears[0].in_features] + [linear.out_features for linear in linears]
    net = MLP(sizes, activations)
    for l, (layer, linear) in enumerate(zip(net.layers, linears, strict=True), start=2):
        weight = linear.weight.detach().double().tolist()
        bias = linear.bias.detach().double().tolist() if linear.bias is not None else None
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.data = _finite(weight[j][k], f"weight[{j}, {k}] of the Linear of layer {l}")
            neuron.b.data = 0.0 if bias is None else _finite(bias[j], f"bias[{j}] of layer {l}")
    return net


def _read_stack(modules: list[torch.nn.Module]) -> tuple[list[torch.nn.Linear], list[str]]:
    """Split a list of modules into Linear layers and the activation name after each."""
    names = {cls: name for name, cls in MODULES.items()}
    expected = (
        "expected a stack of Linear layers, each followed by at most one of "
        + ", ".join(cls.__name__ for cls in MODULES.values())
    )
    if not modules:
        raise ValueError(f"from_torch got an empty Sequential; {expected}")
    linears: list[torch.nn.Linear] = []
    activations: list[str] = []
    i = 0
    while i < len(modules):
        m = modules[i]
        if not isinstance(m, torch.nn.Linear):
            what = "an activation with no Linear before it" if type(m) in names else "unsupported"
            raise ValueError(f"module {i} of the Sequential is {m!r}: {what}; {expected}")
        if linears and m.in_features != linears[-1].out_features:
            raise ValueError(
                f"module {i} is {m!r}, which takes {plural(m.in_features, 'input')}, but "
                f"the layer before it has {plural(linears[-1].out_features, 'output')}"
            )
        linears.append(m)
        i += 1
        nxt = modules[i] if i < len(modules) else None
        if type(nxt) in names:
            activations.append(names[type(nxt)])
            i += 1
        else:
            activations.append("linear")  # Linear then Linear, or the end: a = z
    return linears, activations


def _layer_activation(layer, l: int) -> str:
    names = {neuron.activation for neuron in layer.neurons}
    if len(names) != 1:
        raise ValueError(
            f"layer {l} mixes activations {sorted(names)}; a torch layer has one activation "
            "for all its nodes"
        )
    (name,) = names
    if name not in MODULES:
        raise ValueError(f"layer {l} has activation {name!r}; expected one of {tuple(MODULES)}")
    return name


def _finite(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise ValueError(f"{what} is {v!r}; a network's weights must be finite numbers")
    return v


# ---------------------------------------------------------------- torch's gradients


def quadratic_cost(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """C = 1/(2n) sum_i ||y_i - a_i||^2 over the n rows of a batch."""
    return ((y - a) ** 2).sum() / (2 * a.shape[0])


def cross_entropy_cost(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """C = -1/n sum_i sum_j [y ln a + (1 - y) ln(1 - a)], by PyTorch's own binary cross-entropy."""
    return torch.nn.functional.binary_cross_entropy(a, y, reduction="sum") / a.shape[0]


COSTS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "quadratic": quadratic_cost,
    "cross_entropy": cross_entropy_cost,
}


@dataclass
class TorchGradients:
    """PyTorch's dC/db_j^l and dC/dw_jk^l, indexed like ``nn.formulas``.

    ``delta[l][j]`` = dC/dz_j^l is there for a single example only (None for a
    batch, where delta belongs to each example, not to the batch).
    """

    grad_b: dict[int, list[float]]
    grad_w: dict[int, list[list[float]]]
    delta: dict[int, list[float]] | None
    C: float


def gradients(
    net: MLP,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    cost: Callable | str = "quadratic",
) -> TorchGradients:
    """PyTorch's gradients of the cost of the batch (xs, ys) for a copy of ``net``."""
    cost_of = COSTS[cost_name(cost)]
    model = to_torch(net)
    a = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    z = []
    for module in model:
        a = module(a)
        if isinstance(module, torch.nn.Linear):
            a.retain_grad()  # keep dC/dz^l: the lecture's delta^l
            z.append(a)
    C = cost_of(a, y)
    C.backward()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    layers = range(2, len(linears) + 2)
    return TorchGradients(
        grad_b={l: m.bias.grad.tolist() for l, m in zip(layers, linears, strict=True)},
        grad_w={l: m.weight.grad.tolist() for l, m in zip(layers, linears, strict=True)},
        delta={l: z_l.grad[0].tolist() for l, z_l in zip(layers, z, strict=True)}
        if len(xs) == 1
        else None,
        C=C.item(),
    )
