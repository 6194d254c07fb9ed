"""nn.torch: nn's networks as PyTorch modules and back, and PyTorch's gradients
against the lecture's formulas. Skipped only where PyTorch is not installed."""

import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")

import nn.torch as nt  # noqa: E402  (after the skip: this module needs PyTorch)
from nn import ACTIVATIONS, MLP, backprop, backprop_batch  # noqa: E402


def close(u: float, v: float, tol: float = 1e-12) -> bool:
    return abs(u - v) <= tol * max(1.0, abs(u), abs(v))


@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    acts = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(sizes) - 1,
                         max_size=len(sizes) - 1))
    return MLP(sizes, acts, seed=draw(st.integers(0, 2**32 - 1)))


def inputs(net, n, seed):
    g = torch.Generator().manual_seed(seed)
    xs = (torch.rand(n, net.sizes[0], generator=g, dtype=torch.float64) * 4 - 2).tolist()
    ys = torch.rand(n, net.sizes[-1], generator=g, dtype=torch.float64).tolist()
    return xs, ys


# ---------------------------------------------------------------- the bridge


def test_nn_torch_is_the_real_pytorch_and_nn_does_not_import_it():
    assert nt.torch is sys.modules["torch"] and nt.torch.__name__ == "torch"
    assert torch.nn.__name__ == "torch.nn"  # PyTorch's nn, not ours
    code = "import sys, nn; nn.compare; assert 'torch' not in sys.modules, 'nn imported torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_to_torch_layout_and_dtype():
    net = MLP([2, 3, 2, 1], ["sigmoid", "relu", "linear"], seed=0)
    model = nt.to_torch(net)
    assert isinstance(model, torch.nn.Sequential)
    assert [type(m) for m in model] == [torch.nn.Linear, torch.nn.Sigmoid, torch.nn.Linear,
                                        torch.nn.ReLU, torch.nn.Linear, torch.nn.Identity]
    assert all(p.dtype == torch.float64 for p in model.parameters())
    # weight[j, k] is w_jk^l, bias[j] is b_j^l
    assert model[2].weight[1, 0].item() == net.layer(3).neurons[1].w[0].data
    assert model[2].bias[1].item() == net.layer(3).neurons[1].b.data


@settings(max_examples=40, deadline=None)
@given(networks(), st.integers(0, 1000))
def test_to_torch_computes_the_same_function(net, seed):
    xs, _ = inputs(net, 3, seed)
    out = nt.to_torch(net)(torch.tensor(xs, dtype=torch.float64))
    for i, x in enumerate(xs):
        for j, a_j in enumerate(net(x)):
            assert close(out[i, j].item(), a_j.data)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_round_trip_keeps_every_weight_and_activation(net):
    again = nt.from_torch(nt.to_torch(net))
    assert again.sizes == net.sizes and again.activations == net.activations
    assert [p.data for p in again.parameters()] == [p.data for p in net.parameters()]


def test_from_torch_of_a_users_float32_model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    net = nt.from_torch(model)
    assert net.sizes == [3, 4, 2] and net.activations == ["tanh", "linear"]
    assert net.layer(2).neurons[3].w[2].data == model[0].weight[3, 2].item()
    x = [0.3, -0.7, 1.1]
    expected = model(torch.tensor([x])).tolist()[0]
    assert [a.data for a in net(x)] == pytest.approx(expected, rel=1e-6)  # float32 model


def test_from_torch_linear_without_bias_has_zero_bias():
    net = nt.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False), torch.nn.ReLU()))
    assert [n.b.data for n in net.layers[0].neurons] == [0.0, 0.0]
    assert net.activations == ["relu"]


# ---------------------------------------------------------------- gradients


def torch_reference(net, xs, ys, cost):
    """PyTorch's gradients, with the costs written here in torch's own terms."""
    model = nt.to_torch(net)
    a = model(torch.tensor(xs, dtype=torch.float64))
    y = torch.tensor(ys, dtype=torch.float64)
    n = len(xs)
    if cost == "quadratic":
        C = torch.nn.functional.mse_loss(a, y, reduction="sum") / (2 * n)
    else:
        C = -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum() / n
    C.backward()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    return C.item(), linears


@settings(max_examples=60, deadline=None)
@given(networks(), st.sampled_from(["quadratic", "cross_entropy"]), st.integers(1, 4),
       st.integers(0, 1000))
def test_torch_gradients_agree_with_the_formulas(net, cost, n, seed):
    if cost == "cross_entropy":
        net = MLP(net.sizes, net.activations[:-1] + ["sigmoid"], seed=seed)
    xs, ys = inputs(net, n, seed)
    try:
        formulas = backprop_batch(net, xs, ys, cost)
    except ValueError:  # a saturated sigmoid under cross-entropy
        return
    if cost == "cross_entropy":
        # PyTorch takes sigma' as s (1 - s) and ln(1 - a) as is: near saturation 1 - s
        # keeps few correct digits, so compare where it keeps most of them
        assume(all(1e-3 < e.a[e.L][j] < 1 - 1e-3
                   for e in formulas.examples for j in range(len(e.a[e.L]))))
    C, linears = torch_reference(net, xs, ys, cost)
    assert close(C, formulas.C)
    for l, linear in enumerate(linears, start=2):
        for j in range(linear.out_features):
            assert close(linear.bias.grad[j].item(), formulas.grad_b[l][j])
            for k in range(linear.in_features):
                assert close(linear.weight.grad[j, k].item(), formulas.grad_w[l][j][k])
    # and nn.torch.gradients, which compare uses, gives the same numbers
    theirs = nt.gradients(net, xs, ys, cost)
    assert close(theirs.C, C)
    for l, linear in enumerate(linears, start=2):
        assert all(close(u, v) for u, v in zip(theirs.grad_b[l], linear.bias.grad.tolist()))
        for row, expected in zip(theirs.grad_w[l], linear.weight.grad.tolist()):
            assert all(close(u, v) for u, v in zip(row, expected))


def test_torch_delta_is_the_grad_of_z_for_one_example():
    net = MLP([2, 3, 2], ["tanh", "sigmoid"], seed=3)
    theirs = nt.gradients(net, [[0.5, -0.2]], [[1.0, 0.0]])
    mine = backprop(net, [0.5, -0.2], [1.0, 0.0])
    for l in (2, 3):
        assert all(close(u, v) for u, v in zip(theirs.delta[l], mine.delta[l]))
    assert nt.gradients(net, [[0.5, -0.2]] * 2, [[1.0, 0.0]] * 2).delta is None


# ---------------------------------------------------------------- bad input


def test_from_torch_names_an_unsupported_layer():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(), torch.nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"module 1 of the Sequential is LeakyReLU.*unsupported"
                                         r".*expected a stack of Linear layers.*Sigmoid, Tanh"):
        nt.from_torch(model)
    with pytest.raises(ValueError, match=r"module 0 .* Conv1d"):
        nt.from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 3)))


def test_from_torch_refuses_an_activation_without_linear():
    with pytest.raises(ValueError, match=r"module 0 .*Sigmoid.*no Linear before it"):
        nt.from_torch(torch.nn.Sequential(torch.nn.Sigmoid(), torch.nn.Linear(2, 1)))
    with pytest.raises(ValueError, match=r"module 2 .*Tanh.*no Linear before it"):
        nt.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Tanh(), torch.nn.Tanh()))


def test_from_torch_refuses_mismatched_shapes_empty_stacks_and_other_modules():
    with pytest.raises(ValueError, match=r"takes 4 inputs, but the layer before it has 3 outputs"):
        nt.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)))
    with pytest.raises(ValueError, match="empty Sequential"):
        nt.from_torch(torch.nn.Sequential())
    with pytest.raises(TypeError, match=r"expects a torch.nn.Sequential .* got ModuleList"):
        nt.from_torch(torch.nn.ModuleList([torch.nn.Linear(2, 1)]))


def test_to_torch_refuses_what_is_not_an_mlp():
    with pytest.raises(TypeError, match="expects an nn.MLP, got Sequential"):
        nt.to_torch(torch.nn.Sequential())
