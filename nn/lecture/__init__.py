"""The lecture itself: its equations on numbers, beside autograd, step by step, in pictures.

    formulas      equations 1-4 on plain floats (backprop, backprop_batch)
    comparison    autograd beside the formulas (and PyTorch), node by node
    step_by_step  walkthrough: one example's backprop, numbers plugged in
    diagrams      draw_network: layers as columns, w_jk^l as edges, delta_j^l
    plots         plot_history, decision boundaries, the time machine (matplotlib,
                  imported only by ``import nn.lecture.plots``)
"""

from nn.lecture.comparison import Report, compare, compare_batch
from nn.lecture.diagrams import draw_network
from nn.lecture.formulas import backprop, backprop_batch
from nn.lecture.step_by_step import Walkthrough, walkthrough

__all__ = ["Report", "Walkthrough", "backprop", "backprop_batch", "compare", "compare_batch",
           "draw_network", "walkthrough"]
