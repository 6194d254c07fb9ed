"""backward()'s reverse sweep, written down: each share every node receives, and every grad.

``backward()`` adds into the Values' ``grad`` as it goes. :func:`reverse_sweep`
runs that very sweep (``autodiff.value.chain_rule``) on the graph with every grad
set aside, reads off what it left, and puts the grads back: for each node, the
shares its users passed back (the chain rule's ``upstream grad × local
derivative``, in ``chain_rule_steps`` order) and the grad they add up to.
Step-by-step views (``autodiff.views.steps``) show the shares; pictures that
compare a hand-written backward with the right one
(``autodiff.views.pictures.draw_grads``) take the grads.

>>> from autodiff import Value
>>> from autodiff.sweep import reverse_sweep
>>> x = Value(3.0)
>>> y = x * x                      # x is used twice: two shares
>>> sweep = reverse_sweep(y)
>>> [t.value for t in sweep.shares_of(x)], sweep.grad(x)
([3.0, 3.0], 6.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from autodiff.value import Value, chain_rule, chain_rule_steps, topological_order


@dataclass(frozen=True)
class Term:
    """One share of a node's gradient, passed back by one of its users.

    ``upstream`` is the user's gradient dC/du, ``local`` the user's local
    derivative du/dv (from the op table's rule), ``value`` their product as
    ``backward()`` computes it; ``operand`` says which operand of the user the
    node is (0 for x, 1 for y in the op table's formulas).
    """

    user: Value
    operand: int
    upstream: float
    local: float
    value: float


class Sweep:
    """The record of one reverse sweep; made by :func:`reverse_sweep`.

    ``order`` is ``topological_order(root)``: ``backward()`` visits it reversed.
    """

    def __init__(self, root: Value) -> None:
        self.root = root
        self.order = topological_order(root)
        kept = [v.grad for v in self.order]
        try:
            for v in self.order:
                v.grad = 0.0
            root.grad = 1.0  # dC/dC = 1
            chain_rule(self.order)
            self._grads = {id(v): v.grad for v in self.order}
        finally:
            for v, g in zip(self.order, kept):
                v.grad = g
        self._shares: dict[int, list[Term]] = {id(v): [] for v in self.order}
        for user, k, parent in chain_rule_steps(self.order, lambda v: v.parents):
            upstream, local = self._grads[id(user)], user.local_grads[k]
            self._shares[id(parent)].append(Term(user, k, upstream, local, local * upstream))

    def grad(self, v: Value) -> float:
        """dC/dv: what ``root.backward()`` leaves in ``v.grad`` (its leaves zeroed before)."""
        return self._grads[id(v)]

    def shares_of(self, v: Value) -> list[Term]:
        """The shares v received, in the order ``backward()`` adds them."""
        return list(self._shares[id(v)])


def reverse_sweep(root: Value) -> Sweep:
    """backward()'s arithmetic on ``root``'s graph, recorded; the graph is not changed."""
    if not isinstance(root, Value):
        raise TypeError(f"reverse_sweep expects a Value (the root), got {type(root).__name__}")
    return Sweep(root)
