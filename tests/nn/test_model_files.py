"""Tests for nn.io: exact round trips, atomic writes, and clear errors for bad files."""

import json
import math
import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import model_files as nn_io
from nn.layers import MLP
from nn.model_files import FORMAT, VERSION, ModelFileError, load, save


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _assert_identical(a: MLP, b: MLP) -> None:
    assert b.sizes == a.sizes and b.activations == a.activations
    assert b.init == a.init and b.seed == a.seed
    pa, pb = a.parameters(), b.parameters()
    assert len(pa) == len(pb)
    for p, q in zip(pa, pb):
        assert _bits(q.data) == _bits(p.data), (p.label, p.data, q.data)
        assert q.label == p.label


NETWORKS = [
    lambda: MLP([2, 1], seed=0),
    lambda: MLP([2, 3, 1], seed=1),
    lambda: MLP([3, 12, 11, 2], activation="tanh", output_activation="linear", seed=2),
    lambda: MLP([4, 5, 3], activation=["relu", "sigmoid"], seed=3, init="scaled"),
    lambda: MLP([1, 1], seed=None),
    lambda: MLP([2, 2, 1], seed=2**70),
]


@pytest.mark.parametrize("make", NETWORKS)
def test_round_trip_is_exact(tmp_path, make):
    net = make()
    path = tmp_path / "model.json"
    assert save(net, path) == path
    again = load(path)
    _assert_identical(net, again)
    x = [0.1 * (k + 1) - 0.25 for k in range(net.sizes[0])]
    assert [_bits(a.data) for a in again(x)] == [_bits(a.data) for a in net(x)]


@settings(max_examples=40, deadline=None)
@given(
    numbers=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=13, max_size=13
    )
)
def test_any_finite_doubles_round_trip_bit_for_bit(tmp_path_factory, numbers):
    # subnormals, -0.0, the largest doubles, numbers with 17 significant digits
    net = MLP([2, 3, 1], seed=0)
    for p, v in zip(net.parameters(), numbers):
        p.data = v
    path = tmp_path_factory.mktemp("rt") / "m.json"
    save(net, path)
    _assert_identical(net, load(path))


def test_the_file_is_plain_json_in_the_documented_layout(tmp_path):
    net = MLP([2, 3, 1], seed=0)
    path = tmp_path / "m.json"
    save(net, path)
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    assert model["format"] == "deltagrad.mlp" and model["version"] == 1
    assert model["sizes"] == [2, 3, 1]
    assert model["activations"] == ["sigmoid", "sigmoid"]
    assert model["init"] == "normal" and model["seed"] == 0
    # weights[l-2][j][k] is w_jk^l, biases[l-2][j] is b_j^l
    for i, layer in enumerate(net.layers):
        for j, neuron in enumerate(layer.neurons):
            assert model["biases"][i][j] == neuron.b.data
            for k, w in enumerate(neuron.w):
                assert model["weights"][i][j][k] == w.data


def test_save_over_an_existing_model_replaces_it(tmp_path):
    path = tmp_path / "m.json"
    save(MLP([2, 3, 1], seed=0), path)
    second = MLP([2, 4, 2], seed=1)
    save(second, str(path))  # str paths work too
    _assert_identical(second, load(str(path)))
    assert os.listdir(tmp_path) == ["m.json"]


def test_saved_file_gets_ordinary_permissions(tmp_path):
    # a temporary file from tempfile is private (0o600); ours follows the umask
    # like a file opened for writing
    save(MLP([2, 1], seed=0), tmp_path / "m.json")
    (tmp_path / "plain.txt").write_text("x")
    mode = os.stat(tmp_path / "m.json").st_mode & 0o777
    assert mode == os.stat(tmp_path / "plain.txt").st_mode & 0o777


# --------------------------------------------------------------------------
# atomicity
# --------------------------------------------------------------------------


def _failing_dump(obj, f, **kwargs):
    """Write the first part of the JSON, then fail as a crash or a full disk would."""
    text = json.dumps(obj, **kwargs)
    f.write(text[: len(text) // 2])
    f.flush()
    raise OSError(28, "No space left on device")


def test_a_failed_save_leaves_the_old_model_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    old = MLP([2, 3, 1], seed=0)
    save(old, path)
    before = path.read_bytes()
    monkeypatch.setattr(nn_io.json, "dump", _failing_dump)
    with pytest.raises(OSError, match="No space left"):
        save(MLP([2, 3, 1], seed=1), path)
    assert path.read_bytes() == before
    _assert_identical(old, load(path))
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(nn_io.json, "dump", _failing_dump)
    with pytest.raises(OSError):
        save(MLP([2, 1], seed=0), tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def test_an_interrupted_save_cleans_up_too(tmp_path, monkeypatch):
    def interrupted(obj, f, **kwargs):
        f.write('{"format": "deltagrad.mlp", ')
        raise KeyboardInterrupt

    path = tmp_path / "m.json"
    save(MLP([2, 1], seed=0), path)
    before = path.read_bytes()
    monkeypatch.setattr(nn_io.json, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(MLP([2, 1], seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    def no_replace(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", no_replace)
    with pytest.raises(PermissionError):
        save(MLP([2, 1], seed=0), tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------
# bad arguments to save
# --------------------------------------------------------------------------


def test_save_needs_a_network(tmp_path):
    with pytest.raises(TypeError, match="save\\(\\) takes an MLP, got dict"):
        save({"sizes": [2, 1]}, tmp_path / "m.json")


def test_save_into_a_missing_folder_names_it(tmp_path):
    folder = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=f"the folder {folder} does not exist"):
        save(MLP([2, 1], seed=0), folder / "m.json")


def test_save_onto_a_folder_is_an_error(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        save(MLP([2, 1], seed=0), tmp_path)


# --------------------------------------------------------------------------
# malformed files: every one a ModelFileError naming the file and the problem
# --------------------------------------------------------------------------


def _good_model() -> dict:
    """A valid model dictionary for MLP([2, 2, 1]), written out by hand."""
    return {
        "format": "deltagrad.mlp",
        "version": 1,
        "sizes": [2, 2, 1],
        "activations": ["sigmoid", "sigmoid"],
        "init": "normal",
        "seed": 0,
        "weights": [[[0.5, -0.25], [1.0, 2.0]], [[-1.5, 0.75]]],
        "biases": [[0.125, -0.5], [3.0]],
    }


def test_a_hand_written_model_loads_with_its_numbers(tmp_path):
    path = tmp_path / "hand.json"
    path.write_text(json.dumps(_good_model()))
    net = load(path)
    assert net.sizes == [2, 2, 1]
    assert [n.w[k].data for n in net.layer(2).neurons for k in range(2)] == [0.5, -0.25, 1.0, 2.0]
    assert [n.b.data for n in net.layer(2).neurons] == [0.125, -0.5]
    assert [w.data for w in net.layer(3).neurons[0].w] == [-1.5, 0.75]
    assert net.layer(3).neurons[0].b.data == 3.0

    # the output by hand: a^2 = sigma(w^2 x + b^2), a^3 = sigma(w^3 a^2 + b^3)
    def sigma(z):
        return 1 / (1 + math.exp(-z))

    x = [0.3, -0.7]
    a2 = [sigma(0.5 * 0.3 - 0.25 * -0.7 + 0.125), sigma(1.0 * 0.3 + 2.0 * -0.7 - 0.5)]
    a3 = sigma(-1.5 * a2[0] + 0.75 * a2[1] + 3.0)
    assert net(x)[0].data == pytest.approx(a3, rel=1e-14)


def _edit(change):
    def make():
        model = _good_model()
        change(model)
        return json.dumps(model)

    return make


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def change(model):
        target = model
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return _edit(change)


def _delete(key):
    return _edit(lambda model: model.pop(key))


MALFORMED = {
    "empty file": (lambda: "", "not valid JSON"),
    "truncated": (lambda: json.dumps(_good_model())[:60], "not valid JSON"),
    "not json": (lambda: "sizes = [2, 2, 1]", "not valid JSON"),
    "a list": (lambda: "[1, 2, 3]", "expected a JSON object.*got a JSON array"),
    "a number": (lambda: "3.5", "expected a JSON object.*got a JSON number"),
    "other format": (_set("format", "keras"), "not a deltagrad model file.*'keras'"),
    "no format": (_delete("format"), "not a deltagrad model file: format is None"),
    "newer version": (_set("version", 2), "unsupported format version 2.*newer.*reads 1"),
    "version 0": (_set("version", 0), "unsupported format version 0"),
    "version string": (_set("version", "1"), "version must be an integer, got '1'"),
    "no version": (_delete("version"), "version must be an integer, got None"),
    "no sizes": (_delete("sizes"), r"missing keys \['sizes'\]"),
    "no weights": (_delete("weights"), r"missing keys \['weights'\]"),
    "no biases": (_delete("biases"), r"missing keys \['biases'\]"),
    "no seed": (_delete("seed"), r"missing keys \['seed'\]"),
    "no init": (_delete("init"), r"missing keys \['init'\]"),
    "no activations": (_delete("activations"), r"missing keys \['activations'\]"),
    "unknown key": (_set("momentum", 0.9), r"unknown keys \['momentum'\]"),
    "sizes not a list": (_set("sizes", "2,2,1"), "sizes must be a list"),
    "one layer": (_set("sizes", [2]), "invalid.*at least two layers"),
    "zero size": (_set("sizes", [2, 0, 1]), "invalid.*at least one node"),
    "float size": (_set("sizes", [2, 2.0, 1]), "invalid.*must be an int"),
    "bad activation": (_set("activations", ["sigmoid", "softmax"]), "invalid.*'softmax'"),
    "too few activations": (_set("activations", ["sigmoid"]), "invalid.*one activation per"),
    "activations not a list": (_set("activations", "sigmoid"), "activations must be a list"),
    "bad init": (_set("init", "xavier"), "init must be one of.*'xavier'"),
    "bad seed": (_set("seed", [1, 2]), r"seed must be an integer, a string or null, got \[1, 2\]"),
    "weights not a list": (_set("weights", {}), r"weights must be a list \(one per layer"),
    "one weight layer": (
        _set("weights", [[[0.5, -0.25], [1.0, 2.0]]]),
        "weights has 1 entries, expected 2",
    ),
    "missing row": (_set("weights", 0, [[0.5, -0.25]]), r"weights\[0\] has 1 entries, expected 2"),
    "short row": (_set("weights", 1, 0, [1.0]), r"weights\[1\]\[0\] has 1 entries, expected 2"),
    "long row": (_set("weights", 0, 1, [1.0, 2.0, 3.0]), r"weights\[0\]\[1\] has 3 entries"),
    "row not a list": (_set("weights", 0, 1, 1.0), r"weights\[0\]\[1\] must be a list"),
    "missing bias": (_set("biases", 0, [0.125]), r"biases\[0\] has 1 entries, expected 2"),
    "extra bias layer": (_set("biases", [[0.0, 0.0], [0.0], [0.0]]), "biases has 3 entries"),
    "string weight": (
        _set("weights", 0, 1, 0, "1.0"),
        r"weights\[0\]\[1\]\[0\] \(w_21\^2\) must be a number",
    ),
    "boolean weight": (
        _set("weights", 1, 0, 1, True),
        r"weights\[1\]\[0\]\[1\] \(w_12\^3\) must be a number",
    ),
    "null bias": (
        _set("biases", 1, 0, None),
        r"biases\[1\]\[0\] \(b_1\^3\) must be a number, got None",
    ),
    "NaN": (lambda: json.dumps(_good_model()).replace("0.125", "NaN"), "finite.*NaN"),
    "Infinity": (lambda: json.dumps(_good_model()).replace("3.0", "Infinity"), "finite.*Infinity"),
    "-Infinity": (
        lambda: json.dumps(_good_model()).replace("0.75", "-Infinity"),
        "finite.*-Infinity",
    ),
    "overflowing literal": (
        lambda: json.dumps(_good_model()).replace("0.75", "1e400"),
        r"weights\[1\]\[0\]\[1\] \(w_12\^3\) must be finite, got inf",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_names_the_file_and_the_problem(tmp_path, case):
    text, problem = MALFORMED[case]
    path = tmp_path / "broken-model.json"
    path.write_text(text(), encoding="utf-8")
    with pytest.raises(ModelFileError, match=problem) as caught:
        load(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error).startswith(f"{path}: ")
    assert error.path == str(path)


def test_a_binary_file_is_a_model_file_error(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04\x95\x00\xff\xfe")  # what a pickle starts like
    with pytest.raises(ModelFileError, match=f"{path}: not a text"):
        load(path)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        load(tmp_path / "nothing.json")


def test_malformed_cases_start_from_a_valid_model(tmp_path):
    # so that each case above fails for the one reason it names
    path = tmp_path / "good.json"
    path.write_text(json.dumps(_good_model()))
    load(path)
    assert FORMAT == _good_model()["format"] and VERSION == _good_model()["version"]


def test_huge_sizes_are_rejected_before_building_the_network(tmp_path, monkeypatch):
    # a file claiming a billion nodes must fail on its shapes, not try to build them
    built = []
    real_init = MLP.__init__

    def spy(self, sizes, *args, **kwargs):
        built.append(list(sizes))
        real_init(self, sizes, *args, **kwargs)

    monkeypatch.setattr(MLP, "__init__", spy)
    model = _good_model()
    model["sizes"] = [2, 10**9, 1]
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(model))
    with pytest.raises(ModelFileError, match=r"weights\[0\] has 2 entries, expected 1000000000"):
        load(path)
    assert built == []
