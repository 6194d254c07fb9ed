"""nn.training.torch_bridge: nn's networks as PyTorch modules and back, and PyTorch's gradients
against the lecture's formulas. Skipped only where PyTorch is not installed."""

import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")

import nn.training.torch_bridge as nt  # noqa: E402  (after the skip: this module needs PyTorch)
from nn import (  # noqa: E402
    ACTIVATIONS,
    MLP,
    TrainingDiverged,
    backprop,
    backprop_batch,
    evaluate,
    moons,
    quadratic_cost,
    train,
)


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
    # and nn.training.torch_bridge.gradients, which compare uses, gives the same numbers
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


# ---------------------------------------------------------------- one definition of each cost


@settings(max_examples=40, deadline=None)
@given(networks(), st.sampled_from(["quadratic", "cross_entropy"]), st.integers(1, 4),
       st.integers(0, 1000))
def test_tensor_cost_is_the_cost_built_from_values(net, name, n, seed):
    """The bridge reads nn.model.costs' definitions: on a batch of outputs, the same C."""
    from nn.model.costs import COSTS

    cost = COSTS[name]
    xs, ys = inputs(net, n, seed)
    a = nt.to_torch(net)(torch.tensor(xs, dtype=torch.float64))
    outputs = [net(x) for x in xs]
    try:
        expected = cost(outputs, ys).data
    except ValueError as error:  # cross-entropy of an output that is not a sigmoid's
        with pytest.raises(ValueError, match=str(error).split(",")[0]):
            nt.tensor_cost(cost, a, ys)
        return
    assert close(nt.tensor_cost(cost, a, ys).item(), expected)


# ---------------------------------------------------------------- train(engine="torch")


def trained(engine, net, data, **kwargs):
    options = dict(epochs=1, batch_size=10, eta=3.0, seed=0, progress=False)
    return train(net, data, engine=engine, **{**options, **kwargs})


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize("sizes, activations", [([2, 16, 16, 1], "sigmoid"),
                                                ([2, 8, 3], ["tanh", "sigmoid"])])
def test_one_epoch_with_torch_gives_the_values_engines_weights(cost, sizes, activations):
    """The same shuffling, batches, steps and cost: the weights agree to 1e-9 (in fact ~1e-15)."""
    from nn.model.costs import COSTS

    data = moons(n=200, noise=0.1, seed=0)
    if sizes[-1] == 3:  # three classes, one-hot: the upper moon split at x = 0.5
        data = [(x, [float(y[0] == 0 and x[0] < 0.5), float(y[0] == 0 and x[0] >= 0.5), y[0]])
                for x, y in data]
    nets = {engine: MLP(sizes, activations, seed=1) for engine in ("values", "torch")}
    histories = {engine: trained(engine, net, data, cost=COSTS[cost], test_data=data[:50])
                 for engine, net in nets.items()}
    ours, theirs = ([p.data for p in net.parameters()] for net in nets.values())
    assert max(abs(u - v) for u, v in zip(ours, theirs)) < 1e-9
    assert ours != [p.data for p in MLP(sizes, activations, seed=1).parameters()]  # it learned
    h, t = histories["values"], histories["torch"]
    assert (t.epoch, t.iterations, t.accuracy, t.test_accuracy) == (h.epoch, h.iterations,
                                                                    h.accuracy, h.test_accuracy)
    assert t.cost == pytest.approx(h.cost, rel=1e-12)
    assert t.test_cost == pytest.approx(h.test_cost, rel=1e-12)


def engine_gradient(net, xs, ys, cost, **kwargs):
    """The torch engine's C and dC/dp (in nn's order) on one batch, and the engine."""
    from nn.model.costs import as_cost

    engine = nt.TorchEngine(net, as_cost(cost), **kwargs)
    C = engine.gradient(list(zip(xs, ys)))
    return C, [p.grad for p in net.parameters()], engine


def central_differences(net, xs, ys, cost, h=1e-6):
    """dC/dp of every parameter by (C(p + h) - C(p - h)) / 2h, C built from Values."""
    from nn.model.costs import as_cost

    cost = as_cost(cost)
    grads = []
    for p in net.parameters():
        here = p.data
        sides = []
        for shift in (h, -h):
            p.data = here + shift
            sides.append(cost([net(x) for x in xs], ys).data)
        p.data = here
        grads.append((sides[0] - sides[1]) / (2 * h))
    return grads


@settings(max_examples=40, deadline=None)
@given(networks(), st.sampled_from(["quadratic", "cross_entropy"]), st.integers(1, 5),
       st.integers(0, 1000))
def test_the_four_equations_on_tensors_agree_with_autograd_and_central_differences(
        net, cost, n, seed):
    """The engine's backward is the lecture's equations (1)-(4) on the batch's matrices,
    sigma' from each activation record's df and dC/da from the cost record's dC_da:
    checked against PyTorch's autograd of the same network (to_torch) and against
    central differences of C built from Values."""
    if cost == "cross_entropy":
        net = MLP(net.sizes, net.activations[:-1] + ["sigmoid"], seed=seed)
    xs, ys = inputs(net, n, seed)
    if cost == "cross_entropy":
        assume(all(1e-3 < a_j < 1 - 1e-3 for x in xs for a_j in nt.to_torch(net)(
            torch.tensor([x], dtype=torch.float64))[0].tolist()))
    C, ours, engine = engine_gradient(net, xs, ys, cost)
    assert engine.by_hand and engine.checked  # the four equations did it
    theirs = nt.gradients(net, xs, ys, cost)
    autograd = [g for l in sorted(theirs.grad_w) for row, b in zip(theirs.grad_w[l],
                                                                    theirs.grad_b[l])
                for g in (*row, b)]
    assert close(C, theirs.C)
    assert all(close(u, v, 1e-10) for u, v in zip(ours, autograd, strict=True))
    # central differences of C, away from relu's kink where C has no derivative
    relu_kinks = any(a == "relu" for a in net.activations)
    if not relu_kinks:
        for u, v in zip(ours, central_differences(net, xs, ys, cost), strict=True):
            assert abs(u - v) <= 1e-5 * max(1.0, abs(u))


def test_a_cost_without_dC_da_is_differentiated_by_autograd():
    """A cost record that does not write dC/da out: PyTorch's autograd of its term."""
    from nn.model.costs import Cost

    class Quartic(Cost):
        name = "quartic"

        def term(self, a_j, y_j):
            return (y_j - a_j) ** 4

        def factor(self, n):
            return 1.0 / n

    quartic = Quartic()
    data = moons(n=40, seed=7)
    nets = {engine: MLP([2, 5, 1], ["tanh", "sigmoid"], seed=7) for engine in ("values", "torch")}
    for engine, net in nets.items():
        trained(engine, net, data, cost=quartic, epochs=2)
    ours, theirs = ([p.data for p in net.parameters()] for net in nets.values())
    assert max(abs(u - v) for u, v in zip(ours, theirs)) < 1e-12
    engine = nt.TorchEngine(MLP([2, 5, 1], seed=7), quartic)
    engine.gradient(data[:5])
    assert not engine.by_hand


def test_an_activation_whose_df_is_not_its_derivative_is_caught_and_autograd_trains():
    """The first batch compares the four equations with autograd: a df that is not f's
    derivative is said in a warning, and autograd takes over (the values engine's weights)."""
    from nn import Activation

    # softplus, with the derivative of the wrong function (tanh's) as df
    wrong = Activation("softplus", f=lambda z: (1 + z.exp()).log(),
                       df=lambda z: 1 - z.tanh() * z.tanh(), text="ln(1 + exp(z))",
                       df_text="sigma(z)")
    data = moons(n=30, seed=8)
    nets = {engine: MLP([2, 4, 1], [wrong, "sigmoid"], seed=8) for engine in ("values", "torch")}
    trained("values", nets["values"], data)
    with pytest.warns(RuntimeWarning, match="differ from PyTorch's autograd.*Training goes on "
                                            "with autograd"):
        trained("torch", nets["torch"], data)
    ours, theirs = ([p.data for p in net.parameters()] for net in nets.values())
    assert max(abs(u - v) for u, v in zip(ours, theirs)) < 1e-12


def test_an_activation_whose_df_works_on_floats_only_is_differentiated_by_autograd():
    import math

    from nn import Activation

    softplus = Activation("softplus", f=lambda z: (1 + z.exp()).log(),
                          df=lambda z: 1 / (1 + math.exp(-z.data)), text="ln(1 + exp(z))",
                          df_text="sigma(z)")
    net = MLP([2, 3, 1], [softplus, "sigmoid"], seed=9)
    xs, ys = inputs(net, 4, 9)
    C, ours, engine = engine_gradient(net, xs, ys, "quadratic")
    assert not engine.by_hand
    assert all(abs(u - v) <= 1e-5 * max(1.0, abs(u)) for u, v in
               zip(ours, central_differences(net, xs, ys, "quadratic"), strict=True))


@pytest.mark.parametrize("data, eta, batch_size", [
    ([([1.0], [2.0]), ([2.0], [-1.0]), ([-1.5], [0.5])], 1e200, 1),  # C overflows
    ([([1.0], [2.0]), ([2.0], [-1.0]), ([-1.5], [0.5])], 1e308, 3),  # the update does
    ([([1e200], [0.0])], 1.0, 1),  # z = w x overflows in the first forward pass
], ids=["C", "update", "z"])
def test_divergence_under_torch_is_named_as_the_values_engine_names_it(data, eta, batch_size,
                                                                      linear_net):
    """Where PyTorch's numbers stop being finite, the values engine takes the step: the
    message names the node (or the parameter) in its words, and the weights stay."""
    outcomes = []
    for engine in ("torch", "values"):
        net = linear_net()
        if data[0][0] == [1e200]:
            net.layers[0].neurons[0].w[0].data = 1e200
        before = [p.data for p in net.parameters()]
        with pytest.raises(TrainingDiverged) as caught:
            trained(engine, net, data, epochs=3, batch_size=batch_size, eta=eta)
        outcomes.append((str(caught.value), [p.data for p in net.parameters()]))
        if "batch 1:" in str(caught.value) and "epoch 1," in str(caught.value):
            assert [p.data for p in net.parameters()] == before
    (torch_says, torch_left), (values_say, values_left) = outcomes
    assert torch_says == values_say
    assert torch_left == pytest.approx(values_left, rel=1e-14)


def test_the_weights_come_back_into_the_network_after_each_epoch():
    """on_epoch, pictures and reports see what PyTorch learned, in the net's own Values."""
    data = moons(n=60, seed=2)
    net = MLP([2, 4, 1], seed=0)
    seen = []
    history = trained("torch", net, data, epochs=3, on_epoch=lambda h: seen.append(
        (h.cost[-1], evaluate(net, data, engine="values")[0])))
    assert [round(C, 12) for C, _ in seen] == [round(C, 12) for _, C in seen]
    assert seen[-1][0] == history.cost[-1]
    # and the gradients of the last step, as the values engine leaves them
    assert any(p.grad != 0.0 for p in net.parameters())


def test_training_goes_on_from_the_networks_weights_as_they_are():
    data = moons(n=40, seed=3)
    nets = [MLP([2, 3, 1], seed=4) for _ in range(2)]
    for engine, net in zip(("values", "torch"), nets):
        trained(engine, net, data, epochs=1)
        net.layers[0].neurons[0].b.data = 0.5  # the user changes a weight between calls
        trained(engine, net, data, epochs=1, seed=1)
    ours, theirs = ([p.data for p in net.parameters()] for net in nets)
    assert max(abs(u - v) for u, v in zip(ours, theirs)) < 1e-12


def test_torch_engine_evaluates_and_gives_outputs_as_the_values_engine():
    from nn.model.costs import cross_entropy_cost
    from nn.training.engines import choose_engine
    from nn.training.metrics import outputs

    net = MLP([2, 5, 1], seed=5)
    data = moons(n=30, seed=5)
    for cost in (quadratic_cost, cross_entropy_cost):
        C, right = evaluate(net, data, cost, engine="torch")
        C_values, right_values = evaluate(net, data, cost, engine="values")
        assert close(C, C_values) and right == right_values
    xs = [x for x, _ in data]
    assert all(close(u[0], v[0]) for u, v in zip(outputs(net, xs, engine="torch"),
                                                  outputs(net, xs, engine="values")))
    with pytest.raises(ValueError, match=r"xs\[1\] must be a list of 2 numbers, got 3"):
        choose_engine(net, quadratic_cost, "torch").outputs([[0.0, 1.0], [0.0, 1.0, 2.0]])


def test_divergence_with_torch_names_the_step_and_keeps_the_weights_before_it(linear_net):
    data = [([1.0], [2.0]), ([2.0], [-1.0]), ([-1.5], [0.5])]
    net = linear_net()
    before = [p.data for p in net.parameters()]
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 1: w_11\^2 would become "
                                               r"-?inf.*smaller learning rate"):
        trained("torch", net, data, batch_size=3, eta=1e308)
    assert [p.data for p in net.parameters()] == before
    # C over the data overflows after a step that was fine: that step is taken back,
    # as the values engine takes it back
    left = {}
    for engine in ("values", "torch"):
        net = linear_net()
        net.layers[0].neurons[0].w[0].data = 1.2e154
        net.layers[0].neurons[0].b.data = 0.0
        with pytest.raises(TrainingDiverged, match="epoch 1, batch 2: after this step C overflows"):
            trained(engine, net, [([1.0], [0.0]), ([-1.0], [0.0])], batch_size=1, eta=1e-300)
        left[engine] = [p.data for p in net.parameters()]
    assert left["torch"] == pytest.approx(left["values"], rel=1e-15)
    assert left["values"][1] != 0.0  # the first step stays: only the last is taken back


def test_what_torch_cannot_train_and_bad_devices():
    net = MLP([2, 3, 1], seed=0)
    net.layers[0].neurons[1].activation = "tanh"  # one layer, two activations
    data = moons(n=10, seed=0)
    with pytest.raises(ValueError, match=r"engine='torch' cannot train this: layer 2 mixes "
                                         r"activations \['sigmoid', 'tanh'\]"):
        trained("torch", net, data)
    with pytest.raises(ValueError, match="torch knows the costs quadratic_cost"):
        trained("torch", MLP([2, 1], seed=0), data, cost=lambda a, y: quadratic_cost(a, y))
    with pytest.raises(ValueError, match="device must name a PyTorch device, such as 'cpu' or "
                                         "'cuda', got 'gpu'"):
        trained("torch", MLP([2, 1], seed=0), data, device="gpu")
    with pytest.raises(ValueError, match="device='cpu' is for engine='torch'"):
        trained("replay", MLP([2, 1], seed=0), data, device="cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="PyTorch sees no CUDA GPU here"):
            trained("torch", MLP([2, 1], seed=0), data, device="cuda")
    with pytest.raises(ValueError, match=r"^device='meta' holds no numbers .*leave device out"):
        trained("torch", MLP([2, 1], seed=0), data, device="meta")


@pytest.mark.parametrize("device", ["mps", "xla", "hpu"])
def test_a_device_this_pytorch_cannot_use_is_said_in_one_line(device):
    try:
        torch.zeros(1, device=device).tolist()
        pytest.skip(f"this PyTorch computes on {device}")
    except Exception:
        pass
    with pytest.raises(ValueError) as caught:
        trained("torch", MLP([2, 1], seed=0), moons(n=10, seed=0), device=device)
    message = str(caught.value)
    assert message == (f"device={device!r}, but PyTorch cannot compute there on this machine (no "
                       f"{device} support in this build, or no such device); leave device out "
                       "to train on the CPU")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="PyTorch sees no CUDA GPU here")
def test_training_on_a_gpu_gives_the_cpus_weights():
    data = moons(n=100, seed=6)
    nets = {device: MLP([2, 8, 1], seed=6) for device in ("cpu", "cuda")}
    for device, net in nets.items():
        trained("torch", net, data, device=device, epochs=2)
    ours, theirs = ([p.data for p in net.parameters()] for net in nets.values())
    assert max(abs(u - v) for u, v in zip(ours, theirs)) < 1e-9


def test_auto_never_imports_torch():
    code = ("import sys; from nn import MLP, moons, train, evaluate; net = MLP([2, 3, 1], seed=0);"
            "train(net, moons(20), epochs=1, batch_size=5, eta=1.0, progress=False);"
            "evaluate(net, moons(20)); assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
