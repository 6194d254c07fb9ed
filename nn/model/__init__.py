"""The lecture's networks: perceptron layers, their activations and their costs.

    activations  Activation; the records sigmoid, tanh, relu, linear: sigma and sigma'
    costs        Cost, quadratic_cost, cross_entropy_cost: C = k(n) sum_i sum_j c(a_j, y_j)
    layers       Neuron, Layer, MLP: z_j^l = sum_k w_jk^l a_k^{l-1} + b_j^l, a_j^l = sigma(z_j^l)
"""

from nn.model.activations import ACTIVATIONS, Activation
from nn.model.costs import COSTS, Cost, cross_entropy_cost, quadratic_cost
from nn.model.layers import MLP, Layer, Neuron

__all__ = ["ACTIVATIONS", "COSTS", "MLP", "Activation", "Cost", "Layer", "Neuron",
           "cross_entropy_cost", "quadratic_cost"]
