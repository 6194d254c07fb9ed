"""Tests for nn.io: exact round trips, atomic writes, and clear errors for bad files."""

import json
import math
import os
import re
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.model.layers import MLP
from nn.training import model_files as nn_io
from nn.training.model_files import FORMAT, VERSION, ModelFileError, load, read_model, save


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
    assert model["format"] == "deltagrad.mlp" and model["version"] == 2
    assert model["training"] is None  # saved without a history
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
    with pytest.raises(OSError, match=f"(?i)^cannot write {path}: no space left"):
        save(MLP([2, 3, 1], seed=1), path)  # (the error names the file: autodiff.files)
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
    "newer version": (_set("version", 3), "unsupported format version 3.*newer.*reads 1 and 2"),
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
    "bad seed": (_set("seed", [1, 2]),
                 r"seed must be an integer >= 0, a string or null, got \[1, 2\]"),
    "negative seed": (_set("seed", -1), r"seed must be an integer >= 0, a string or null"),
    "weights not a list": (_set("weights", {}), r"weights must be a list \(one per layer"),
    "one weight layer": (
        _set("weights", [[[0.5, -0.25], [1.0, 2.0]]]),
        "weights has 1 entry, expected 2",
    ),
    "missing row": (_set("weights", 0, [[0.5, -0.25]]), r"weights\[0\] has 1 entry, expected 2"),
    "short row": (_set("weights", 1, 0, [1.0]), r"weights\[1\]\[0\] has 1 entry, expected 2"),
    "long row": (_set("weights", 0, 1, [1.0, 2.0, 3.0]), r"weights\[0\]\[1\] has 3 entries"),
    "row not a list": (_set("weights", 0, 1, 1.0), r"weights\[0\]\[1\] must be a list"),
    "missing bias": (_set("biases", 0, [0.125]), r"biases\[0\] has 1 entry, expected 2"),
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
        r"weights\[1\]\[0\]\[1\] \(w_12\^3\) must be a finite number, got inf",
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
    assert FORMAT == _good_model()["format"]
    assert _good_model()["version"] == 1 < VERSION  # as older deltagrads wrote: still read


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


# --------------------------------------------------------------------------
# what no reader of JSON should be made to do: every one a ModelFileError too
# --------------------------------------------------------------------------


def _write(tmp_path, text: str):
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, problem", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (json.dumps(_good_model()).replace("0.125", "1" * 5000),
     r"not a model file: Exceeds the limit \(4300 digits\) for integer string conversion: value "
     r"has 5000 digits$"),
    (json.dumps(_good_model()).replace("0.125", "1" * 400),
     r"biases\[0\]\[0\] \(b_1\^2\) must be a finite number, got 11111.*\.\.\., beyond the "
     r"largest float"),
    (json.dumps(_good_model())[:-1] + ', "weights": []}', "the key 'weights' is given twice"),
    ('{"format": "deltagrad.mlp", "format": "deltagrad.mlp"}', "the key 'format' is given twice"),
], ids=["deep", "5000 digits", "400 digits", "twice", "twice first"])
def test_files_that_would_break_a_reader_are_refused_with_one_message(tmp_path, text, problem):
    path = _write(tmp_path, text)
    with pytest.raises(ModelFileError, match=problem) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert len(str(caught.value)) < 300  # an excerpt of the bad value, not all of it


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(tmp_path):
    path = _write(tmp_path, json.dumps(_good_model()))
    size = path.stat().st_size
    assert load(path, max_bytes=size).sizes == [2, 2, 1]
    with pytest.raises(ModelFileError, match=f"larger than {size - 1} bytes"):
        load(path, max_bytes=size - 1)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_an_endless_file_is_refused():
    with pytest.raises(ModelFileError, match="/dev/zero: larger than 1000 bytes"):
        load("/dev/zero", max_bytes=1000)
    with pytest.raises(ModelFileError, match="larger than"):
        load("/dev/zero")  # the default limit, read and refused rather than filling memory


def test_a_version_1_file_with_a_string_seed_still_loads(tmp_path):
    model = _good_model()
    model["seed"] = "a string seed"  # version 1 allowed it
    net = load(_write(tmp_path, json.dumps(model)))
    assert net.seed == "a string seed" and net.sizes == [2, 2, 1]
    save(net, tmp_path / "again.json")  # written as version 2: the note dropped
    assert json.loads((tmp_path / "again.json").read_text())["seed"] is None
    model["version"] = 2
    model["training"] = None
    with pytest.raises(ModelFileError, match="seed must be an integer >= 0 or null"):
        load(_write(tmp_path, json.dumps(model)))


# --------------------------------------------------------------------------
# a model file remembers how it was trained
# --------------------------------------------------------------------------


MOONS = {"dataset": "moons", "n": 40, "noise": 0.1, "seed": 0, "test_fraction": 0.25}


def _trained(tmp_path, interrupt_after=None):
    from nn.data.datasets import moons
    from nn.training.sgd import train

    net = MLP([2, 3, 1], seed=0)
    history = train(net, moons(40, seed=0), epochs=3, batch_size=7, eta=2.0, seed=5,
                    progress=False)
    return net, history


def test_the_training_round_trips(tmp_path):
    net, history = _trained(tmp_path)
    save(net, tmp_path / "m.json", history=history, data=MOONS)
    saved = read_model(tmp_path / "m.json")
    _assert_identical(net, saved.net)
    assert saved.data == MOONS and saved.cost == "quadratic"
    assert saved.history == history  # every epoch, the arguments, the warnings
    assert saved.history.shuffle == history.shuffle
    assert saved.history.arguments["batch_size"] == 7 and saved.history.arguments["seed"] == 5


def test_a_model_saved_without_its_training_says_so(tmp_path):
    save(MLP([2, 1], seed=0), tmp_path / "m.json")
    saved = read_model(tmp_path / "m.json")
    assert saved.history is None and saved.data is None and saved.cost is None


def test_a_csv_file_is_remembered_relative_to_the_model(tmp_path, monkeypatch):
    net, history = _trained(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    save(net, "models/m.json", history=history,
         data={"csv": "data/points.csv", "target": -1, "seed": 0, "test_fraction": 0.2})
    text = json.loads((tmp_path / "models" / "m.json").read_text())
    assert text["training"]["data"]["csv"] == os.path.join("..", "data", "points.csv")
    monkeypatch.chdir(tmp_path / "data")  # read from elsewhere: the path still finds it
    assert read_model(tmp_path / "models" / "m.json").data["csv"] == str(
        tmp_path / "data" / "points.csv")


def _with_training(change):
    def make(tmp_path):
        net, history = _trained(tmp_path)
        save(net, tmp_path / "m.json", history=history, data=MOONS)
        model = json.loads((tmp_path / "m.json").read_text())
        change(model["training"])
        return json.dumps(model)

    return make


@pytest.mark.parametrize("change, problem", [
    (lambda t: t.pop("shuffle"), "training must be null or an object with the keys"),
    (lambda t: t["data"].update(dataset=3), "training.data: dataset must be a string, got 3"),
    (lambda t: t["data"].update(csv="x.csv"), "training.data: must be an object naming a "
                                              "dataset or a csv file"),
    (lambda t: t["data"].update(colour="red"), "training.data: unknown key 'colour'"),
    (lambda t: t["data"].update(n=True), "training.data: n must be an integer or null"),
    (lambda t: t["history"]["cost"].pop(), "training.history.cost must be a list with one entry"),
    (lambda t: t["history"]["cost"].__setitem__(0, "low"), "history.cost must hold numbers"),
    (lambda t: t["history"]["arguments"].update(momentum=0.9), "history.arguments must be an "
                                                               "object with some of the keys"),
    (lambda t: t["history"].pop("warnings"), r"history must have exactly the keys .*missing "
                                             r"\['warnings'\]"),
    (lambda t: t["shuffle"].update(order=[0, 0, 1]), "shuffle.order must list the examples"),
    (lambda t: t["shuffle"].update(order=["a"]), "shuffle.order must list the examples"),
    (lambda t: t["shuffle"].update(epoch=-1), "shuffle.epoch must be a whole number >= 0"),
    (lambda t: t["shuffle"]["rng"].__setitem__(0, 7), "shuffle.rng is not a state of Python's"),
    (lambda t: t["shuffle"]["rng"][1].__setitem__(3, 0.5), "shuffle.rng is not a state"),
    (lambda t: t["shuffle"]["rng"].__setitem__(1, [1, 2]), "shuffle.rng is not a state"),
], ids=range(15))
def test_a_damaged_training_record_is_a_model_file_error(tmp_path, change, problem):
    path = _write(tmp_path, _with_training(change)(tmp_path))
    with pytest.raises(ModelFileError, match=problem):
        read_model(path)


def test_save_checks_what_it_is_given(tmp_path):
    with pytest.raises(TypeError, match="history must be the History train.. returned"):
        save(MLP([2, 1], seed=0), tmp_path / "m.json", history={"epoch": []})
    with pytest.raises(ValueError, match="data: unknown key 'colour'"):
        save(MLP([2, 1], seed=0), tmp_path / "m.json", data={"dataset": "xor", "colour": 1})
    assert not (tmp_path / "m.json").exists()


def test_save_keeps_a_private_model_private(tmp_path):
    path = tmp_path / "m.json"
    save(MLP([2, 1], seed=0), path)
    path.chmod(0o600)
    save(MLP([2, 1], seed=1), path)
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("number, said", [(True, "must be a number, got True"),
                                          (float("inf"), "must be a finite number, got inf"),
                                          (float("nan"), "must be a finite number, got nan")])
def test_save_refuses_what_load_would_refuse(tmp_path, number, said):
    net = MLP([2, 3, 1], seed=0)
    net.layers[0].neurons[1].w[0].data = number
    with pytest.raises(ValueError, match=re.escape(f"weights[0][1][0] (w_21^2) {said}")):
        save(net, tmp_path / "m.json")
    assert os.listdir(tmp_path) == []
