"""nn: the lecture's sigmoid perceptron networks, built from ``autodiff.Value`` alone.

>>> from nn import MLP, quadratic_cost
>>> net = MLP([2, 3, 1], seed=0)
>>> C = quadratic_cost([net([0.0, 1.0])], [[1.0]])
>>> C.backward()                         # backpropagation: the chain rule, nothing more
>>> delta = net.layer(2).z[0].grad       # the lecture's delta_1^2 = dC/dz_1^2

The subpackages, from the bottom up (each imports only those above it):

    model      Neuron, Layer, MLP; Activation, Cost: a_j^l = sigma(w_j^l . a^{l-1} + b_j^l)
    data       xor, moons, circles, digits; split, check_data; from_arrays, load_csv
    training   train (mini-batch SGD), its engines, History, evaluate; save and load
    lecture    the lecture's equations 1-4 on floats, compare, walkthrough, draw_network, plots
    checking   check_backprop, the catalogue of mistakes, exercise
    cli        the ``deltagrad`` command

A module's name says what it holds and is never the name of a function beside
it: ``from nn import walkthrough`` is the function, ``nn.lecture.step_by_step``
the module that defines it. PyTorch and matplotlib are never imported here
(``nn.training.torch_bridge`` and ``nn.lecture.plots`` import them). Modules
that moved into the subpackages keep their old import paths (``nn.plots``,
``nn.torch``, ``nn.mistakes``, ...).
"""

from autodiff.old_paths import keep_old_paths
from nn.checking import BackpropCheck, Exercise, check_backprop, check_backprop_batch, exercise
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
from nn.lecture import (
    Report,
    Walkthrough,
    backprop,
    backprop_batch,
    compare,
    compare_batch,
    draw_network,
    walkthrough,
)
from nn.model import (
    ACTIVATIONS,
    COSTS,
    MLP,
    Activation,
    Cost,
    Layer,
    Neuron,
    cross_entropy_cost,
    quadratic_cost,
)
from nn.training import (
    History,
    ModelFileError,
    SavedModel,
    TrainingDiverged,
    accuracy,
    evaluate,
    load,
    read_model,
    save,
    train,
)

keep_old_paths({
    "nn.layers": "nn.model.layers", "nn.costs": "nn.model.costs",
    "nn.tables": "nn.data.tables",
    "nn.engines": "nn.training.engines", "nn.metrics": "nn.training.metrics",
    "nn.records": "nn.training.records", "nn.trajectory": "nn.training.trajectory",
    "nn.sgd": "nn.training.sgd", "nn.torch": "nn.training.torch_bridge",
    "nn.model_files": "nn.training.model_files",
    "nn.formulas": "nn.lecture.formulas", "nn.comparison": "nn.lecture.comparison",
    "nn.diagrams": "nn.lecture.diagrams", "nn.plots": "nn.lecture.plots",
    "nn.array_styles": "nn.checking.array_styles",
    "nn.student_backprops": "nn.checking.student_backprops",
    "nn.mistakes": "nn.checking.mistakes", "nn.checker": "nn.checking.checker",
    "nn.check_report": "nn.checking.reports", "nn.exercises": "nn.checking.exercises",
})

__all__ = [
    "ACTIVATIONS",
    "Activation",
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
