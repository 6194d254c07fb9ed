"""A new activation is one record: softplus, defined here, works everywhere in nn.

softplus(z) = ln(1 + e^z), softplus'(z) = sigma(z). Nothing in nn knows it: the
forward pass, the lecture's equations 1-4, the three engines, the walkthrough,
the diagrams, the backprop checker and the model files all read its record.
References: softplus on floats written here with math, central differences,
autograd, and PyTorch (whose own Softplus is not used by nn).
"""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import (
    MLP,
    Activation,
    ModelFileError,
    backprop,
    check_backprop,
    compare,
    draw_network,
    load,
    moons,
    quadratic_cost,
    save,
    train,
    walkthrough,
)
from nn.checking.mistakes import MISTAKES

softplus = Activation(
    "softplus", f=lambda z: (1 + z.exp()).log(), df=lambda z: z.sigmoid(),
    text="ln(1 + exp(z))", df_text="sigma(z)")


def softplus_float(z: float) -> float:
    return math.log1p(math.exp(z))


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def net_of(sizes=(2, 3, 2), seed=0) -> MLP:
    return MLP(list(sizes), softplus, seed=seed)


X, Y = [0.4, -0.7], [0.3, 0.9]


def test_the_forward_pass_applies_softplus():
    net = net_of()
    a = net(X)
    a_prev = X
    for layer in net.layers:
        a_prev = [softplus_float(sum(w.data * a_k for w, a_k in zip(n.w, a_prev)) + n.b.data)
                  for n in layer.neurons]
    assert [v.data for v in a] == pytest.approx(a_prev, rel=1e-14)
    assert net.activations == ["softplus", "softplus"] and "softplus" in repr(net)


def test_its_derivative_is_sigma_by_central_differences():
    for z in (-3.0, -0.2, 0.0, 0.5, 4.0):
        numeric = (softplus_float(z + 1e-6) - softplus_float(z - 1e-6)) / 2e-6
        assert softplus.prime(z) == pytest.approx(numeric, abs=1e-9)
        assert softplus.prime(z) == pytest.approx(logistic(z), rel=1e-15)
        assert softplus.autograd_prime(z) == pytest.approx(logistic(z), rel=1e-14)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.integers(0, 10**6))
def test_equations_1_to_4_agree_with_autograd(sizes, seed):
    net = net_of(sizes, seed)
    x = [0.3 * k - 0.4 for k in range(sizes[0])]
    y = [0.5] * sizes[-1]
    report = compare(net, x, y, torch=False)
    assert report.max_abs_diff < 1e-12
    # and the formulas' delta^L is (a - y) sigma(z) with softplus' own derivative
    lecture = backprop(net, x, y)
    L = lecture.L
    for j, (a_j, z_j) in enumerate(zip(lecture.a[L], lecture.z[L])):
        assert lecture.delta[L][j] == pytest.approx((a_j - y[j]) * logistic(z_j), rel=1e-12)


def test_pytorch_gives_the_same_gradients():
    pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    report = compare(net_of(), X, Y, torch=True)
    assert report.methods == ("autograd", "formulas", "torch")
    assert report.max_abs_diff < 1e-12


def test_the_three_engines_train_it_alike(bits):
    data = moons(40, seed=1)
    kwargs = dict(epochs=2, batch_size=8, eta=0.5, seed=3, progress=False)
    results = {}
    engines = ["values", "replay"]
    try:
        import torch  # noqa: F401
        engines.append("torch")
    except ImportError:
        pass
    for engine in engines:
        net = MLP([2, 4, 1], softplus, seed=2, output_activation="sigmoid")
        history = train(net, data, engine=engine, **kwargs)
        results[engine] = ([p.data for p in net.parameters()], history.cost)
    # replay replays the values engine's own graph: the same numbers, bit for bit
    assert bits(results["replay"][0]) == bits(results["values"][0])
    assert results["replay"][1] == results["values"][1]
    if "torch" in results:  # PyTorch adds the terms of a sum in its own order
        assert results["torch"][0] == pytest.approx(results["values"][0], rel=1e-9, abs=1e-12)


def test_the_walkthrough_writes_its_sigma_and_sigma_prime_verbatim():
    walk = walkthrough(net_of(), X, Y)
    for text in (walk.text(), walk.markdown()):
        assert softplus.df_text in text and softplus.text in text
    assert walk.step("a_1^2").formula == "ln(1 + exp(z_1^2))"
    # each delta is dC/da times sigma'(z), which is sigma(z) here
    for s in walk.steps:
        if s.symbol.startswith("delta"):
            z = walk.step(f"z_{s.j}^{s.l}").value
            (_, dC_da), (_, sigma_prime) = s.factors.items()
            assert sigma_prime == pytest.approx(logistic(z), rel=1e-14)
            assert s.value == pytest.approx(dC_da * sigma_prime, rel=1e-14)


def test_the_diagram_shows_its_sigma_prime():
    net = net_of()
    net(X)
    source = draw_network(net, factors=True).source
    z = net.layer(3).z[0].data
    shown = float(re.findall(r"σ′\(z\) = ([^<]+)<", source)[-2].replace("\u2212", "-"))
    assert shown == pytest.approx(logistic(z), rel=1e-3)


def softplus_backprop(weights, biases, x, y, wrong=False):
    """A student's backprop for a softplus network, on lists: sigma' is the logistic function."""
    zs, acts = [], [list(x)]
    for W, b in zip(weights, biases):
        zs.append([sum(w * a for w, a in zip(row, acts[-1])) + b_j for row, b_j in zip(W, b)])
        acts.append([math.log1p(math.exp(z)) for z in zs[-1]])
    slope = (lambda a, z: logistic(a)) if wrong else (lambda a, z: logistic(z))
    delta = [(a - t) * slope(a, z) for a, t, z in zip(acts[-1], y, zs[-1])]
    nabla_b, nabla_w = [None] * len(weights), [None] * len(weights)
    for i in reversed(range(len(weights))):
        if i < len(weights) - 1:
            W = weights[i + 1]
            delta = [sum(W[k][j] * delta[k] for k in range(len(delta))) * slope(acts[i + 1][j], z)
                     for j, z in enumerate(zs[i])]
        nabla_b[i] = delta
        nabla_w[i] = [[a * d for a in acts[i]] for d in delta]
    return nabla_b, nabla_w


def test_check_backprop_accepts_a_right_softplus_backprop_and_flags_a_wrong_one():
    net = net_of()
    right = check_backprop(softplus_backprop, net, X, Y)
    assert right.ok, right.text()
    wrong = check_backprop(lambda *args: softplus_backprop(*args, wrong=True), net, X, Y)
    assert not wrong.ok and wrong.first_wrong == "dC/db_1^3"
    assert wrong.mistake == "sigma_prime_of_a", wrong.text()  # sigma'(a) for sigma'(z)
    # a catalogued slip made on a softplus network is named too
    assert check_backprop(MISTAKES["error_sign"].reference(), MLP([2, 2], seed=0), X, Y).mistake \
        == "error_sign"


def test_a_model_file_names_it_and_loading_asks_for_its_record(tmp_path, run_cli, bits):
    net = net_of()
    path = save(net, tmp_path / "m.json")
    with pytest.raises(ModelFileError, match=r"layer 2 has the activation 'softplus', which is "
                                             r"not built in .*nn.load\(path, "
                                             r"activations=\[softplus\]\)"):
        load(path)
    again = load(path, activations=[softplus])
    assert again.layer(2).sigma is softplus and again.activations == net.activations
    assert bits(p.data for p in again.parameters()) == bits(p.data for p in net.parameters())
    with pytest.raises(TypeError, match="activations must be a list of nn.Activation records"):
        load(path, activations=["softplus"])
    # the command line cannot be given a record: it says what Python needs, in one line
    result = run_cli(tmp_path, "compare", "m.json", "--x", "0.4,-0.7", "--y", "0.3,0.9")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("deltagrad compare: error: ") and "nn.load(path, activations=" in line


def test_pytorch_runs_it_through_its_record_and_back():
    torch = pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    from nn.training.torch_bridge import Sigma, from_torch, to_torch

    net = net_of()
    model = to_torch(net)
    assert [type(m) for m in model] == [torch.nn.Linear, Sigma] * 2
    out = model(torch.tensor([X], dtype=torch.float64))[0].tolist()
    assert out == pytest.approx([a.data for a in net(X)], rel=1e-14)
    again = from_torch(model)
    assert again.layer(3).sigma is softplus
    with pytest.raises(ValueError, match="engine='torch' cannot train this"):
        mixed = net_of((2, 3, 1))
        mixed.layer(2).neurons[0].activation = "tanh"
        train(mixed, moons(10, seed=0), epochs=1, batch_size=5, eta=1.0, engine="torch",
              progress=False,
              cost=quadratic_cost)
