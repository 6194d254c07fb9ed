"""nn: the lecture's sigmoid perceptron networks, built from ``autodiff.Value`` alone.

>>> from nn import MLP, quadratic_cost
>>> net = MLP([2, 3, 1], seed=0)
>>> C = quadratic_cost([net([0.0, 1.0])], [[1.0]])
>>> C.backward()                         # backpropagation: the chain rule, nothing more
>>> delta = net.layer(2).z[0].grad       # the lecture's delta_1^2 = dC/dz_1^2

Every name exported here is a function or a class; each module's name says what
it holds and is never the name of a function: ``from nn import train`` is the
function, ``import nn.sgd`` the module that defines it. PyTorch is never
imported here (``nn.torch`` imports it).
"""

from nn.comparison import Report, compare, compare_batch
from nn.costs import COSTS, cross_entropy_cost, quadratic_cost
from nn.data import DATASETS, check_data, circles, digits, load_dataset, moons, split, xor
from nn.diagrams import draw_network
from nn.formulas import backprop, backprop_batch
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.model_files import ModelFileError, load, save
from nn.sgd import History, TrainingDiverged, evaluate, train

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "DATASETS",
    "History",
    "MLP",
    "Layer",
    "ModelFileError",
    "Neuron",
    "Report",
    "TrainingDiverged",
    "backprop",
    "backprop_batch",
    "check_data",
    "circles",
    "compare",
    "compare_batch",
    "cross_entropy_cost",
    "digits",
    "draw_network",
    "evaluate",
    "load",
    "load_dataset",
    "moons",
    "quadratic_cost",
    "save",
    "split",
    "train",
    "xor",
]
