"""The deltagrad command line, run as a user would: in a subprocess, in a fresh folder."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn.data.datasets import load_dataset, split
from nn.lecture.comparison import compare
from nn.model.layers import MLP
from nn.training.metrics import evaluate
from nn.training.model_files import load, read_model, save

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NEEDS_MATPLOTLIB = "the demo's plots need matplotlib: pip install 'deltagrad[plots]'"
NEEDS_SKLEARN = "the digits need scikit-learn: pip install 'deltagrad[digits]'"

TRAIN = ["train", "--sizes", "2,8,1", "--data", "moons", "--epochs", "3", "--batch-size", "10",
         "--eta", "3", "--seed", "0", "--out", "model.json"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, run_cli):
    """A folder where the issue's train command (with fewer epochs) has run."""
    folder = tmp_path_factory.mktemp("train")
    result = run_cli(folder, *TRAIN, "--history", "history.json")
    return folder, result


def test_train_writes_a_model_that_loads(trained):
    folder, result = trained
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    net = load(folder / "model.json")
    assert isinstance(net, MLP) and net.sizes == [2, 8, 1]
    assert "model.json" in result.stdout
    assert len(re.findall(r"^epoch +\d", result.stdout, re.M)) == 3


def test_train_learns_the_same_as_the_library(trained):
    # the same seeds through the library give the same weights, bit for bit
    folder, _ = trained
    from nn.training.sgd import train

    train_data, test_data = split(load_dataset("moons", n=200, noise=0.1, seed=0),
                                  test_fraction=0.2, seed=0)
    net = MLP([2, 8, 1], seed=0)
    train(net, train_data, epochs=3, batch_size=10, eta=3.0, seed=0, test_data=test_data,
          progress=False)
    saved = load(folder / "model.json")
    assert [p.data for p in saved.parameters()] == [p.data for p in net.parameters()]


def test_train_writes_the_history(trained):
    folder, _ = trained
    history = json.loads((folder / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3]
    assert len(history["cost"]) == 3 and len(history["test_accuracy"]) == 3


def test_evaluate_reads_the_trained_model(trained, run_cli):
    folder, _ = trained
    result = run_cli(folder, "evaluate", "model.json", "--data", "moons")
    assert result.returncode == 0, result.stderr
    match = re.search(r"(\d+) test moons examples: C = ([0-9.e-]+), accuracy = ([0-9.]+)",
                      result.stdout)
    assert match, result.stdout
    _, test_data = split(load_dataset("moons", n=200, noise=0.1, seed=0), 0.2, seed=0)
    C, accuracy = evaluate(load(folder / "model.json"), test_data)
    assert int(match[1]) == len(test_data) == 40
    assert float(match[2]) == pytest.approx(C, abs=1e-6)
    assert float(match[3]) == pytest.approx(accuracy, abs=1e-3)


def test_evaluate_on_all_the_data(trained, run_cli):
    folder, _ = trained
    result = run_cli(folder, "evaluate", "model.json", "--data", "moons", "--all")
    assert result.returncode == 0, result.stderr
    assert "200 all moons examples" in result.stdout


@pytest.mark.slow
def test_demo_writes_model_history_and_pictures(tmp_path, run_cli):
    pytest.importorskip("matplotlib", reason=NEEDS_MATPLOTLIB)
    result = run_cli(tmp_path, "demo", "--epochs", "2", "--out", "results")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "results"
    for name in ("model.json", "history.json", "cost.png", "boundary.png"):
        assert (out / name).is_file(), name
        assert name in result.stdout
    for name in ("cost.png", "boundary.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert json.loads((out / "history.json").read_text())["epoch"] == [1, 2]
    assert load(out / "model.json").sizes == [2, 8, 1]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


@pytest.mark.slow
def test_demo_draws_every_picture_without_graphviz(tmp_path):
    import os
    import subprocess

    # an empty PATH: no Graphviz; deltagrad draws the pictures and the page itself
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "nn", "demo", "--epochs", "1", "--out",
                             "results"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "results"
    for name in ("network.svg", "graph.svg"):
        assert name in result.stdout
        ET.fromstring((out / name).read_bytes())
    page = (out / "walkthrough.html").read_text(encoding="utf-8")
    assert "<svg" in page and 'class="node"' in page
    assert "Graphviz" not in result.stdout + result.stderr


@pytest.mark.parametrize("data, sizes", [("xor", "2,3,1"), ("circles", "2,4,1")])
def test_train_on_the_other_small_datasets(tmp_path, data, sizes, run_cli):
    result = run_cli(tmp_path, "train", "--data", data, "--sizes", sizes, "--epochs", "2",
                 "--out", "m.json")
    assert result.returncode == 0, result.stderr
    assert load(tmp_path / "m.json").sizes == [int(s) for s in sizes.split(",")]


@pytest.mark.parametrize(
    "args", [[], ["train"], ["evaluate"], ["demo"], ["draw"], ["compare"]], ids=str
)
def test_help_everywhere(tmp_path, args, run_cli):
    result = run_cli(tmp_path, *args, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: deltagrad")


def test_no_command_is_an_error(tmp_path, run_cli):
    result = run_cli(tmp_path)
    assert result.returncode != 0 and "COMMAND" in result.stderr


@pytest.mark.parametrize("args, problem", [
    (["--sizes", "2,x,1"], r"--sizes.*2,x,1"),
    (["--sizes", "2"], r"--sizes.*at least two layers"),
    (["--sizes", "2,0,1"], r"--sizes"),
    (["--eta", "-1"], r"--eta.*-1"),
    (["--eta", "0"], r"--eta"),
    (["--batch-size", "0"], r"--batch-size.*0"),
    (["--data", "mnist"], r"--data.*mnist"),
    (["--epochs", "0"], r"--epochs"),
    (["--activation", "softmax"], r"--activation.*softmax"),
    (["--data", "xor", "--n", "5"], r"xor.*\bn\b"),
], ids=str)
def test_bad_train_arguments(tmp_path, args, problem, run_cli):
    base = ["train", "--epochs", "1", "--out", "m.json"]
    result = run_cli(tmp_path, *base, *args)
    assert result.returncode != 0
    assert re.search(problem, result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.json").exists()


def test_train_needs_a_length(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--out", "m.json")
    assert result.returncode != 0 and "--epochs" in result.stderr


def test_epochs_and_iterations_exclude_each_other(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "1", "--iterations", "5")
    assert result.returncode != 0 and "not allowed with" in result.stderr


def test_missing_model_file(tmp_path, run_cli):
    result = run_cli(tmp_path, "evaluate", "no-such-model.json", "--data", "moons")
    assert result.returncode != 0
    assert "no-such-model.json" in result.stderr
    assert "Traceback" not in result.stderr
    for command in ("evaluate", "compare", "draw", "explain"):
        result = run_cli(tmp_path, command, "no-such-model.json")
        assert result.stderr == (f"deltagrad {command}: error: cannot read the model file "
                                 "no-such-model.json: no such file or directory\n")


def test_malformed_model_file(tmp_path, run_cli):
    (tmp_path / "bad.json").write_text("{not json")
    result = run_cli(tmp_path, "evaluate", "bad.json")
    assert result.returncode != 0
    assert "bad.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_model_and_data_of_different_sizes(tmp_path, run_cli):
    pytest.importorskip("sklearn", reason=NEEDS_SKLEARN)
    assert run_cli(tmp_path, "train", "--sizes", "2,3,1", "--data", "xor", "--epochs", "1",
               "--out", "m.json").returncode == 0
    result = run_cli(tmp_path, "evaluate", "m.json", "--data", "digits")
    assert result.returncode != 0
    assert "64" in result.stderr and "Traceback" not in result.stderr


def test_divergence_is_reported_without_a_traceback(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--sizes", "2,1", "--output-activation", "linear",
                 "--epochs", "3", "--eta", "1e300", "--out", "m.json")
    assert result.returncode != 0
    assert "diverged in epoch" in result.stderr and "smaller" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.json").exists()


def test_the_console_script(tmp_path, run_cli):
    script = Path(sys.executable).parent / "deltagrad"
    assert script.is_file(), f"no deltagrad script beside {sys.executable}"
    result = run_cli(tmp_path, "--help", command=(str(script),))
    assert result.returncode == 0
    assert "train" in result.stdout and "evaluate" in result.stdout and "demo" in result.stdout
    bad = run_cli(tmp_path, "train", "--eta", "-1", command=(str(script),))
    assert bad.returncode != 0 and "--eta" in bad.stderr


def test_both_engines_save_the_same_model(tmp_path, run_cli, bits):
    for engine in ("replay", "values"):
        result = run_cli(tmp_path, "train", "--sizes", "2,4,1", "--epochs", "2", "--engine", engine,
                     "--out", f"{engine}.json", "--no-progress")
        assert result.returncode == 0, result.stderr
    replay, values = (read_model(tmp_path / f"{e}.json") for e in ("replay", "values"))
    assert bits(p.data for p in replay.net.parameters()) == bits(
        p.data for p in values.net.parameters())
    assert replay.history.cost == values.history.cost  # (the times and engine names differ)


def test_train_with_torch_saves_nearly_the_same_model(tmp_path, run_cli):
    pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    for engine in ("torch", "values"):
        result = run_cli(tmp_path, "train", "--sizes", "2,4,1", "--epochs", "2", "--engine",
                         engine, "--out", f"{engine}.json", "--no-progress")
        assert result.returncode == 0, result.stderr
    ours, theirs = (load(tmp_path / f"{engine}.json").parameters() for engine in ("values",
                                                                                 "torch"))
    assert max(abs(p.data - q.data) for p, q in zip(ours, theirs, strict=True)) < 1e-9


@pytest.mark.parametrize("args, problem", [
    (["--engine", "torch", "--device", "gpu"], "device must name a PyTorch device, such as "
                                               "'cpu' or 'cuda', got 'gpu'"),
    (["--engine", "values", "--device", "cpu"], "device='cpu' is for engine='torch'"),
], ids=str)
def test_bad_devices_are_one_line(tmp_path, args, problem, run_cli):
    pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    result = run_cli(tmp_path, "train", "--epochs", "1", "--out", "m.json", *args)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"deltagrad train: error: {problem}")


@pytest.mark.parametrize("device, problem", [
    ("cuda", "device='cuda', but PyTorch sees no CUDA GPU here"),
    ("mps", "device='mps', but PyTorch cannot compute there on this machine"),
])
def test_a_device_this_machine_lacks_is_one_line(tmp_path, device, problem, run_cli):
    torch = pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    try:
        torch.zeros(1, device=device).tolist()
        pytest.skip(f"this machine's PyTorch computes on {device}")
    except Exception:
        pass
    result = run_cli(tmp_path, "train", "--epochs", "1", "--out", "m.json", "--engine", "torch",
                     "--device", device)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"deltagrad train: error: {problem}")
    assert lines[0].endswith("leave device out to train on the CPU")
    assert not (tmp_path / "m.json").exists()


def test_torch_missing_is_one_line(tmp_path, run_cli):
    blocked = ("import sys; sys.modules['torch'] = None; from nn.cli import main; "
               "sys.exit(main(sys.argv[1:]))")
    result = run_cli(tmp_path, "train", "--epochs", "1", "--engine", "torch", "--out", "m.json",
                     command=(sys.executable, "-c", blocked))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.startswith("deltagrad train: error: nn.torch needs PyTorch")
    assert "pip install 'deltagrad[torch]'" in result.stderr


def test_evaluate_with_each_engine_prints_the_same(trained, run_cli):
    folder, _ = trained
    shown = {engine: run_cli(folder, "evaluate", "model.json", "--data", "moons", "--engine",
                             engine).stdout for engine in ("auto", "values", "replay")}
    assert shown["auto"] == shown["values"] == shown["replay"] and "accuracy" in shown["auto"]


# ---------------------------------------------------------------- compare


def test_cli_compare_prints_the_report_of_the_saved_model(tmp_path, run_cli):
    net = MLP([2, 3, 1], ["tanh", "sigmoid"], seed=5)
    save(net, tmp_path / "model.json")
    result = run_cli(tmp_path, "compare", "model.json", "--x", "0.5,0.1", "--y", "1",
                     "--no-torch", "--html", "report.html")
    assert result.returncode == 0, result.stderr
    expected = compare(load(tmp_path / "model.json"), [0.5, 0.1], [1.0], torch=False)
    assert result.stdout == f"{expected}\nwrote report.html\n"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in page
    ET.fromstring(page[page.index("<table"):page.index("</table>") + len("</table>")])


def test_cli_compare_names_bad_input(tmp_path, run_cli):
    save(MLP([2, 3, 1], seed=0), tmp_path / "model.json")
    result = run_cli(tmp_path, "compare", "model.json", "--x", "0.5,0.1", "--y", "1,0")
    assert result.returncode == 1
    assert "deltagrad compare: error: y has 2 entries" in result.stderr
    assert "1 output node (layer L = 3): expected 1" in result.stderr


@pytest.mark.slow
def test_demo_writes_the_comparison(tmp_path, run_cli):
    result = run_cli(tmp_path, "demo", "--epochs", "1", "--no-progress", "--out", "results")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "results" / "compare.txt").read_text(encoding="utf-8")
    page = (tmp_path / "results" / "compare.html").read_text(encoding="utf-8")
    assert "compare.txt" in result.stdout and "compare.html" in result.stdout
    # the report of the trained model on the example the demo picked: its first test point
    net = load(tmp_path / "results" / "model.json")
    x = [float(v) for v in text.split("x = [")[1].split("]")[0].split(", ")]
    y = [float(v) for v in text.split("y = [")[1].split("]")[0].split(", ")]
    report = compare(net, x, y)
    assert text == f"{report}\n"
    assert report.max_abs_diff < 1e-12
    assert page.count("<tr>") == 1 + len(report.rows) + 2  # header, rows, two layer headings


# ---------------------------------------------------------------- explain


def test_cli_explain_prints_the_walkthrough_of_the_saved_model(tmp_path, run_cli):
    from nn import walkthrough

    save(MLP([2, 2, 2], seed=3), tmp_path / "model.json")
    result = run_cli(tmp_path, "explain", "model.json", "--x", "0.05,0.10", "--y", "0.01,0.99",
                     "--eta", "0.5")
    assert result.returncode == 0, result.stderr
    expected = walkthrough(load(tmp_path / "model.json"), [0.05, 0.10], [0.01, 0.99], eta=0.5)
    assert result.stdout == expected.text()
    assert "SGD update, eta = 0.5" in result.stdout


@pytest.mark.parametrize("suffix", [".html", ".md", ".txt"])
def test_cli_explain_writes_the_format_of_the_suffix(tmp_path, run_cli, suffix):
    from nn import walkthrough

    save(MLP([2, 2, 1], seed=3), tmp_path / "model.json")
    result = run_cli(tmp_path, "explain", "model.json", "--x=-0.5,0.1", "--y", "1",
                     "--digits", "4", "--out", f"walk{suffix}")
    assert result.returncode == 0, result.stderr
    walk = walkthrough(load(tmp_path / "model.json"), [-0.5, 0.1], [1.0], digits=4)
    assert len(walk) == 19  # z, a: 3 nodes; C; delta, dC/db: 3 nodes; dC/dw: 6 weights
    assert result.stdout == f"wrote walk{suffix} ({len(walk)} steps)\n"
    written = (tmp_path / f"walk{suffix}").read_text(encoding="utf-8")
    expected = {".md": walk.markdown(), ".txt": walk.text()}.get(suffix)
    if expected is not None:
        assert written == expected
    else:
        assert written.startswith("<!DOCTYPE html>") and written.count("<li ") == len(walk)


def test_cli_explain_refusals_are_one_line(tmp_path, run_cli):
    save(MLP([2, 2, 1], seed=3), tmp_path / "model.json")
    for args, words in ((["--out", "walk.pdf"], "--out walk.pdf must end in one of .html"),
                        (["--x", "1,2,3"], "x has 3 entries"),
                        (["--eta", "0"], "expected a positive number")):
        result = run_cli(tmp_path, "explain", "model.json", *args)
        assert result.returncode != 0
        assert words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "walk.pdf").exists()


@pytest.mark.slow
def test_demo_writes_the_walkthrough(tmp_path, run_cli):
    result = run_cli(tmp_path, "demo", "--epochs", "1", "--no-progress", "--out", "results")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "results" / "walkthrough.html").read_text(encoding="utf-8")
    assert "walkthrough.html" in result.stdout
    assert page.startswith("<!DOCTYPE html>") and "delta_1^3" in page and "<svg" in page
