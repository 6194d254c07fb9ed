"""The lecture's networks: sigmoid perceptron layers and their costs.

    layers  Neuron, Layer, MLP: z_j^l = sum_k w_jk^l a_k^{l-1} + b_j^l, a_j^l = sigma(z_j^l)
    costs   Cost, quadratic_cost, cross_entropy_cost: C = k(n) sum_i sum_j c(a_j, y_j)
"""

from nn.model.costs import COSTS, Cost, cross_entropy_cost, quadratic_cost
from nn.model.layers import ACTIVATIONS, MLP, Layer, Neuron

__all__ = ["ACTIVATIONS", "COSTS", "MLP", "Cost", "Layer", "Neuron",
           "cross_entropy_cost", "quadratic_cost"]
