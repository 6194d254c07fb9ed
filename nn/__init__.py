"""nn: the lecture's sigmoid perceptron networks, built from ``autodiff.Value`` alone.

>>> from nn import MLP, quadratic_cost
>>> net = MLP([2, 3, 1], seed=0)
>>> C = quadratic_cost([net([0.0, 1.0])], [[1.0]])
>>> C.backward()                         # backpropagation: the chain rule, nothing more
>>> delta = net.layer(2).z[0].grad       # the lecture's delta_1^2 = dC/dz_1^2

The modules, from the bottom up (each imports only those above it):

    layers       Neuron, Layer, MLP: z_j^l = w_j^l . a^{l-1} + b_j^l, a_j^l = sigma(z_j^l)
    tables       from_arrays, load_csv: arrays, data frames and CSV files as examples
    data         xor, moons, circles, digits; split; check_data (and the two above)
    costs        Cost, quadratic_cost, cross_entropy_cost: C = k(n) sum_i sum_j c(a_j, y_j)
    engines      what computes C, dC/dw and the SGD step: ValuesEngine, ReplayEngine
    metrics      evaluate, outputs, accuracy, predicted_class, true_class
    records      History, and where training stopped (to resume it)
    sgd          train (mini-batch SGD, w -> w - eta dC/dw)
    formulas     the lecture's equations 1-4 on plain floats (backprop)
    torch        to_torch, from_torch, PyTorch's gradients, TorchEngine (engine="torch")
    comparison   autograd beside the formulas (and PyTorch), node by node
    diagrams     draw_network: layers as columns, w_jk^l as edges, delta_j^l
    model_files  save and load as JSON
    plots        plot_history, decision_boundary (matplotlib)
    mistakes     the catalogue of mistakes in backprop, each with the numbers it gives
    checker      check_backprop: a student's own backprop against autograd, the mistake named
    exercises    exercise: backprop by hand, with a sheet, a check and a solution
    cli          the ``deltagrad`` command

Each module's name says what it holds and is never the name of a function:
``from nn import train`` is the function, ``import nn.sgd`` the module that
defines it. PyTorch and matplotlib are never imported here (``nn.torch`` and
``nn.plots`` import them).
"""

from nn.check_report import BackpropCheck
from nn.checker import check_backprop, check_backprop_batch
from nn.comparison import Report, compare, compare_batch
from nn.costs import COSTS, Cost, cross_entropy_cost, quadratic_cost
from nn.data import (
    DATASETS,
    check_data,
    circles,
    digits,
    from_arrays,
    load_csv,
    load_dataset,
    moons,
    split,
    xor,
)
from nn.diagrams import draw_network
from nn.exercises import Exercise, exercise
from nn.formulas import backprop, backprop_batch
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.metrics import accuracy, evaluate
from nn.model_files import ModelFileError, SavedModel, load, read_model, save
from nn.records import History
from nn.sgd import TrainingDiverged, train
from nn.walkthrough import Walkthrough, walkthrough

__all__ = [
    "ACTIVATIONS",
    "BackpropCheck",
    "COSTS",
    "Cost",
    "DATASETS",
    "Exercise",
    "History",
    "MLP",
    "Layer",
    "ModelFileError",
    "Neuron",
    "Report",
    "SavedModel",
    "TrainingDiverged",
    "Walkthrough",
    "accuracy",
    "backprop",
    "backprop_batch",
    "check_backprop",
    "check_backprop_batch",
    "check_data",
    "circles",
    "compare",
    "compare_batch",
    "cross_entropy_cost",
    "digits",
    "draw_network",
    "evaluate",
    "exercise",
    "from_arrays",
    "load",
    "load_csv",
    "load_dataset",
    "moons",
    "quadratic_cost",
    "read_model",
    "save",
    "split",
    "train",
    "walkthrough",
    "xor",
]
