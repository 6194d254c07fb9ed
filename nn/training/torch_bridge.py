"""The lecture's last advice, "use a standard package": nn's networks in PyTorch and back.

    >>> from nn import MLP
    >>> from nn.training.torch_bridge import from_torch, to_torch
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

from autodiff.validate import finite_vectors, not_finite, plural
from nn.data.datasets import checked_data
from nn.model.activations import BUILT_IN, Activation
from nn.model.activations import linear as identity
from nn.model.costs import Cost, as_cost, quadratic_cost
from nn.model.layers import MLP


class Sigma(torch.nn.Module):
    """sigma of a layer whose activation has no module in torch.nn: its record's ``f`` on tensors.

    ``f`` is written with what tensors share with Values (``nn.Activation``), so
    the same function computes the layer here; PyTorch's autograd differentiates it.
    """

    def __init__(self, activation: Activation) -> None:
        super().__init__()
        self.activation = activation

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.activation.f(z)

    def extra_repr(self) -> str:
        return self.activation.name


def activation_module(activation: Activation) -> torch.nn.Module:
    """The module after a layer's Linear: the one torch.nn has for sigma if the record names it
    (``torch_module``, "Sigmoid"), else ``Sigma``."""
    if activation.torch_module is None:
        return Sigma(activation)
    return getattr(torch.nn, activation.torch_module)()


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
        modules += [linear, activation_module(activation)]
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Sequential) -> MLP:
    """An ``nn.MLP`` with the weights of a stack of ``Linear`` layers and activations.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers, each followed
    by at most one activation: a module of torch.nn that a built-in activation
    names (Sigmoid, Tanh, ReLU, Identity), or a ``Sigma``. None means linear.
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


def _read_stack(modules: list[torch.nn.Module]) -> tuple[list[torch.nn.Linear],
                                                          list[Activation]]:
    """Split a list of modules into Linear layers and the activation after each."""
    known = ", ".join(a.torch_module for a in BUILT_IN.values() if a.torch_module)
    expected = f"expected a stack of Linear layers, each followed by at most one of {known}"
    if not modules:
        raise ValueError(f"from_torch got an empty Sequential; {expected}")
    linears: list[torch.nn.Linear] = []
    activations: list[Activation] = []
    i = 0
    while i < len(modules):
        m = modules[i]
        if not isinstance(m, torch.nn.Linear):
            what = ("an activation with no Linear before it" if _activation_of(m) else
                    "unsupported")
            raise ValueError(f"module {i} of the Sequential is {m!r}: {what}; {expected}")
        if linears and m.in_features != linears[-1].out_features:
            raise ValueError(
                f"module {i} is {m!r}, which takes {plural(m.in_features, 'input')}, but "
                f"the layer before it has {plural(linears[-1].out_features, 'output')}"
            )
        linears.append(m)
        i += 1
        after = _activation_of(modules[i]) if i < len(modules) else None
        i += after is not None
        activations.append(after or identity)  # Linear then Linear, or the end: a = z
    return linears, activations


def _activation_of(module: torch.nn.Module) -> Activation | None:
    """The activation record a module computes, or None if it is no activation nn knows."""
    if isinstance(module, Sigma):
        return module.activation
    return next((a for a in BUILT_IN.values()
                 if a.torch_module and type(module) is getattr(torch.nn, a.torch_module)), None)


def _layer_activation(layer, l: int) -> Activation:
    sigmas = {neuron.sigma for neuron in layer.neurons}
    if len(sigmas) != 1:
        raise ValueError(
            f"layer {l} mixes activations {sorted(a.name for a in sigmas)}; a torch layer has "
            "one activation for all its nodes"
        )
    (sigma,) = sigmas
    return sigma


def _finite(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise ValueError(f"{what} is {v!r}; a network's weights must be finite numbers")
    return v


# ---------------------------------------------------------------- the costs, on tensors


def tensor_cost(cost: Cost, a: torch.Tensor, y: Sequence[Sequence[float]]) -> torch.Tensor:
    """C = k(n) * sum_i sum_j c(a_ij, y_ij) of a batch's outputs ``a`` (n rows), by ``cost``.

    The same definition the Values are built from (``nn.model.costs.Cost``): its
    ``term`` is written with operations a tensor has too (``-``, ``**``,
    ``.log()``), so here it works on all of a batch's outputs at once; its
    ``prepare`` gives the numbers each target y_ij stands for, and its
    ``check_output`` refuses the outputs it refuses on Values.
    """
    if type(cost).check_output is not Cost.check_output:  # a cost that refuses some outputs
        for i, a_i in enumerate(a.tolist()):
            for j, a_ij in enumerate(a_i):
                cost.check_output(a_ij, i, j)
    targets = torch.tensor([[cost.prepare(y_ij) for y_ij in y_i] for y_i in y],
                           dtype=torch.float64, device=a.device)
    return cost.term(a, *targets.unbind(-1)).sum() * cost.factor(a.shape[0])


@dataclass
class TorchGradients:
    """PyTorch's dC/db_j^l and dC/dw_jk^l, indexed like ``nn.lecture.formulas``.

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
    cost: Cost | str = quadratic_cost,
) -> TorchGradients:
    """PyTorch's gradients of the cost of the batch (xs, ys) for a copy of ``net``."""
    cost = as_cost(cost)
    model = to_torch(net)
    a = torch.tensor(xs, dtype=torch.float64)
    z = []
    for module in model:
        a = module(a)
        if isinstance(module, torch.nn.Linear):
            a.retain_grad()  # keep dC/dz^l: the lecture's delta^l
            z.append(a)
    C = tensor_cost(cost, a, ys)
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


# ---------------------------------------------------------------- training with PyTorch


class TorchEngine:
    """``train(..., engine="torch")``: the lecture's "standard package" taking the same steps.

    >>> from nn import MLP, moons, train
    >>> net = MLP([2, 8, 1], seed=0)
    >>> history = train(net, moons(100, seed=0), epochs=5, batch_size=10, eta=3.0, seed=0,
    ...                 engine="torch", progress=False)   # or device="cuda" on a GPU

    The network becomes a float64 ``torch.nn.Sequential`` (``to_torch``) on
    ``device``. Each step computes C on the batch from the same ``nn.Cost``
    the Values are built from (``tensor_cost``), lets PyTorch's autograd find
    dC/dw, and takes the lecture's step w -> w - eta dC/dw on the tensors;
    ``train`` does the rest as for the other engines (the same seeded
    shuffling, the same mini-batches, the same ``History``). The weights live
    in the tensors while an epoch runs, and go back into the network's Values
    (``write_back``) after each epoch, so every picture, report and
    walkthrough works on the result. The numbers agree with the values
    engine's to rounding (PyTorch adds the terms of a sum in its own order):
    after an epoch, to about 1e-15.

    A small network's matrices are not worth sharing between threads: on a
    busy machine ``torch.set_num_threads(1)`` can make an epoch ten times
    faster (``benchmarks/bench_train.py``). The engine leaves that to you.
    """

    name = "torch"

    def __init__(self, net: MLP, cost: Cost, device: str | None = None) -> None:
        if not isinstance(cost, Cost):
            raise TypeError(f"the torch engine needs an nn.Cost, got {cost!r}")
        self.net = net
        self.cost = cost
        self.params = net.parameters()
        self.device = _device(device)
        try:
            self.model = to_torch(net).to(self.device)
        except RuntimeError as error:
            raise ValueError(f"cannot put the network on device {device!r}: {error}") from None
        self.linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        self._before: list[torch.Tensor] | None = None

    @staticmethod
    def cannot_train(net: MLP, cost: Cost) -> str | None:
        """Why PyTorch cannot train ``net`` (an ``MLP``, with an ``nn.Cost``), or None."""
        for l, layer in enumerate(net.layers, start=2):
            try:
                _layer_activation(layer, l)
            except ValueError as error:
                return str(error)
        return None

    @classmethod
    def for_training(cls, net: MLP, cost: Cost, device: str | None = None) -> TorchEngine:
        """A new engine, with the network's weights as they are now."""
        return cls(net, cost, device)

    def prepare(self, data: Sequence, say: Callable[[str], None]) -> None:
        """Nothing to wait for: the network went to the device when the engine was made."""

    def gradient(self, batch: Sequence) -> float:
        """C on the batch; every parameter's ``grad`` set to PyTorch's dC/dp."""
        C = self._backward(batch)
        for p, g in zip(self.params, self._flat("grad").tolist()):
            p.grad = g
        return C

    def step(self, batch: Sequence, eta: float) -> float:
        """C on the batch, then w -> w - eta dC/dw on the tensors (nothing changed if a
        parameter would stop being finite: an OverflowError names it)."""
        C = self._backward(batch)
        with torch.no_grad():
            weights = list(self.model.parameters())
            updated = [w - eta * w.grad for w in weights]
            if not all(bool(torch.isfinite(w).all()) for w in updated):
                self._refuse(updated)
            self._before = [w.clone() for w in weights]
            for w, new in zip(weights, updated):
                w.copy_(new)
        return C

    def vanished(self, below: float = 0.0) -> bool:
        """True when the last step's dC/dp were all at most ``below`` in size (0: exactly 0)."""
        return not any(bool((w.grad.abs() > below).any()) for w in self.model.parameters())

    def undo(self) -> None:
        """Put the weights back as they were before the last step (in the network too)."""
        if self._before is not None:
            with torch.no_grad():
                for w, old in zip(self.model.parameters(), self._before):
                    w.copy_(old)
            self._before = None
        self.write_back()

    def write_back(self) -> None:
        """The tensors' weights, and the last step's gradients, into the network's Values."""
        weights = self._flat("data").tolist()
        grads = self._flat("grad").tolist() if self.linears[0].weight.grad is not None else None
        for k, p in enumerate(self.params):
            p.data = weights[k]
            if grads is not None:
                p.grad = grads[k]

    def evaluate(self, data: Sequence) -> tuple[float, list[list[float]]]:
        """C over ``data`` and each example's a^L, as floats."""
        data = checked_data(data, self.net.sizes[0], self.net.sizes[-1])
        with torch.no_grad():
            a = self.model(self._inputs([x for x, _ in data]))
            C = _finite_cost(tensor_cost(self.cost, a, [y for _, y in data]).item())
            return C, a.tolist()

    def outputs(self, xs: Sequence[Sequence[float]]) -> list[list[float]]:
        """a^L for each input x."""
        xs = finite_vectors(xs, self.net.sizes[0], "xs")
        with torch.no_grad():
            return self.model(self._inputs(xs)).tolist()

    def _backward(self, batch: Sequence) -> float:
        """C on the batch, and dC/dw in each weight's ``.grad`` (PyTorch's backward)."""
        self.model.zero_grad(set_to_none=False)
        a = self.model(self._inputs([x for x, _ in batch]))
        C = tensor_cost(self.cost, a, [y for _, y in batch])
        C.backward()
        C = _finite_cost(C.item())
        if not all(bool(torch.isfinite(w.grad).all()) for w in self.model.parameters()):
            raise OverflowError("backward: a gradient is inf or NaN; the derivatives along "
                                "some path multiply beyond the largest float")
        return C

    def _inputs(self, xs: Sequence[Sequence[float]]) -> torch.Tensor:
        return torch.tensor(xs, dtype=torch.float64, device=self.device)

    def _flat(self, what: str) -> torch.Tensor:
        """The weights (or their grads) in nn's order: by layer, by node, w_j1..w_jm then b_j."""
        return torch.cat([
            torch.cat([getattr(m.weight, what), getattr(m.bias, what)[:, None]], dim=1).flatten()
            for m in self.linears
        ])

    def _refuse(self, updated: list[torch.Tensor]) -> None:
        """Name the first parameter the step would make inf or NaN, in nn's order."""
        flat = torch.cat([torch.cat([w, b[:, None]], dim=1).flatten()
                          for w, b in zip(updated[::2], updated[1::2])])
        k = int((~torch.isfinite(flat)).nonzero()[0, 0])
        p = self.params[k]
        raise OverflowError(f"{p.label or 'a parameter'} would become {flat[k].item()!r}")


def _device(device: str | None) -> torch.device:
    """``device`` as a torch.device, "cpu" by default; a GPU only where PyTorch sees one."""
    try:
        found = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must name a PyTorch device, such as 'cpu' or 'cuda', got {device!r}"
        ) from None
    if found.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r}, but PyTorch sees no CUDA GPU here "
            "(torch.cuda.is_available() is False); leave device out to train on the CPU"
        )
    return found


def _finite_cost(C: float) -> float:
    if not math.isfinite(C):
        raise OverflowError(f"C = {C!r}: the cost is {not_finite(C)}")
    return C
