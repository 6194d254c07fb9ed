"""nn: the lecture's sigmoid perceptron networks, built from ``autodiff.Value`` alone.

>>> from nn import MLP, quadratic_cost
>>> net = MLP([2, 3, 1], seed=0)
>>> C = quadratic_cost([net([0.0, 1.0])], [[1.0]])
>>> C.backward()                         # backpropagation: the chain rule, nothing more
>>> delta = net.layer(2).z[0].grad       # the lecture's delta_1^2 = dC/dz_1^2
"""

# nn.compare is the function (the module nn/compare.py holds it and Report):
# from nn import compare; compare(net, x, y). PyTorch is never imported here.
from nn.compare import compare, compare_batch
from nn.cost import COSTS, cross_entropy_cost, quadratic_cost
from nn.data import DATASETS, check_data, circles, digits, load_dataset, moons, split, xor
from nn.draw import draw_network
from nn.formulas import backprop, backprop_batch
from nn.io import ModelFileError, load, save
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "DATASETS",
    "MLP",
    "Layer",
    "ModelFileError",
    "Neuron",
    "backprop",
    "backprop_batch",
    "check_data",
    "circles",
    "compare",
    "compare_batch",
    "cross_entropy_cost",
    "digits",
    "draw_network",
    "load",
    "load_dataset",
    "moons",
    "quadratic_cost",
    "save",
    "split",
    "xor",
]
