"""Pictures of training and of what a network learned, drawn with matplotlib.

``plot_history(history)`` draws the lecture's second knob at work: the cost C
(and the accuracy) against the number of iterations, or of epochs.
``decision_boundary(net, data)`` shades the plane by the class a two-input
network predicts. matplotlib is optional (``pip install 'deltagrad[plots]'``);
it is imported when a picture is drawn, never by ``import nn``.
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from autodiff.files import atomic_write
from autodiff.validate import whole_number
from autodiff.views.widgets import stepper
from nn.data.datasets import Example
from nn.lecture.diagrams import draw_network
from nn.model.layers import MLP
from nn.training.metrics import outputs, predicted_class, true_class
from nn.training.records import History
from nn.training.trajectory import Trajectory

if TYPE_CHECKING:  # (matplotlib is optional: imported when a picture is drawn)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

X_AXES = ("iterations", "epoch")


def plot_history(history: History, ax: Axes | None = None, *, x: str = "iterations") -> Axes:
    """Plot the cost, and the accuracy when known, after each epoch; returns the cost's axes.

    ``x`` is "iterations" (SGD steps, the lecture's knob) or "epoch". The test
    cost and accuracy are drawn too when ``train`` had ``test_data``. With no
    ``ax``, a new figure holds two panels side by side, the cost and the
    accuracy, each legend placed where it hides none of its curves. With an
    ``ax``, the accuracy goes on a second axis on the right (dashed), and one
    legend for all the curves sits below the axes, off the data.
    """
    plt = _pyplot()
    if x not in X_AXES:
        raise ValueError(f"x must be one of {X_AXES}, got {x!r}")
    xs = getattr(history, x)
    label = "iterations (SGD steps)" if x == "iterations" else "epoch"
    has_accuracy = any(a is not None for a in history.accuracy)
    twin = ax is not None
    if ax is None:
        panels = 2 if has_accuracy else 1
        _, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.8), squeeze=False)
        ax, accuracy_ax = axes[0][0], axes[0][1] if has_accuracy else None
    else:
        accuracy_ax = ax.twinx() if has_accuracy else None
    _cost_curves(ax, xs, history)
    ax.set(title="Cost during training", xlabel=label)
    if accuracy_ax is not None:
        _accuracy_curves(accuracy_ax, xs, history)
        if not twin:
            accuracy_ax.set(title="Accuracy during training", xlabel=label)
    if twin and accuracy_ax is not None:
        handles = ax.get_lines() + accuracy_ax.get_lines()
        ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
                  bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small", frameon=False)
    else:
        ax.legend(loc="best")
        if accuracy_ax is not None:
            accuracy_ax.legend(loc="best")
    _figure(ax).tight_layout()
    return ax


def _cost_curves(ax: Axes, xs: list[int], history: History) -> None:
    ax.plot(xs, history.cost, label="training cost C")
    if any(c is not None for c in history.test_cost):
        ax.plot(xs, _gaps(history.test_cost), label="test cost")
    ax.set_ylabel("cost C")


def _accuracy_curves(ax: Axes, xs: list[int], history: History) -> None:
    ax.plot(xs, _gaps(history.accuracy), "--", color="tab:green", label="training accuracy")
    if any(a is not None for a in history.test_accuracy):
        ax.plot(xs, _gaps(history.test_accuracy), "--", color="tab:red", label="test accuracy")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0.0, 1.05)

MAX_RESOLUTION = 1000  # points along each side of a decision boundary's grid: a million in all


def _gaps(values: list[float | None]) -> list[float]:
    """The numbers, None as NaN: a gap in the curve, as matplotlib draws None too."""
    return [math.nan if v is None else v for v in values]


def decision_boundary(
    net: MLP, data: Sequence[Example], ax: Axes | None = None, *, resolution: int = 60,
    title: str | None = None, engine: str = "auto", colorbar: bool = True,
) -> Axes:
    """Shade the plane by the class ``net`` predicts, and scatter ``data`` on top.

    For networks with two inputs (like ``moons`` and ``circles``). With one
    output the shading is a^L itself (the 0.5 contour is the boundary); with
    several it is the predicted class. Returns the axes. The grid's
    resolution^2 points (``resolution`` from 2 to ``MAX_RESOLUTION``) go through
    ``nn.training.metrics.outputs`` (a forward-only replay where ``engine``
    allows, as in ``train``).
    """
    resolution = whole_number(resolution, "resolution", minimum=2)  # (a grid has two ends)
    if resolution > MAX_RESOLUTION:
        raise ValueError(f"resolution must be at most {MAX_RESOLUTION} (nn.lecture.plots."
                         f"MAX_RESOLUTION: {MAX_RESOLUTION}^2 forward passes), got {resolution}")
    plt = _pyplot()
    if net.sizes[0] != 2:
        raise ValueError(f"a decision boundary needs a network with 2 inputs, got {net.sizes[0]}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    xs = [x for x, _ in data]
    x_lo, x_hi = _padded_range([x[0] for x in xs])
    y_lo, y_hi = _padded_range([x[1] for x in xs])
    gx = [x_lo + (x_hi - x_lo) * i / (resolution - 1) for i in range(resolution)]
    gy = [y_lo + (y_hi - y_lo) * i / (resolution - 1) for i in range(resolution)]
    shades = [_shade(a) for a in outputs(net, [[u, v] for v in gy for u in gx], engine=engine)]
    grid = [shades[row * resolution : (row + 1) * resolution] for row in range(resolution)]
    image = ax.contourf(gx, gy, grid, levels=20, cmap="RdBu", alpha=0.6)
    if net.sizes[-1] == 1:
        ax.contour(gx, gy, grid, levels=[0.5], colors="k", linewidths=1.5)
    classes = [true_class(y) for _, y in data]
    ax.scatter([x[0] for x in xs], [x[1] for x in xs], c=classes, cmap="RdBu",
               edgecolors="k", linewidths=0.5, s=25)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title or "Decision boundary")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="$a^L$" if net.sizes[-1] == 1 else "class")
    return ax


# ----------------------------------------------------------------------
# The time machine: a training kept step by step (train(..., keep="steps"))
# ----------------------------------------------------------------------


def cost_by_step(history: History, ax: Axes | None = None, *, marker: int | None = None) -> Axes:
    """C on each kept step's batch, and C over the data after each epoch; returns the axes.

    A batch's C jumps about from step to step (each batch is a few examples);
    the epochs' C is the cost the lecture minimises. ``marker`` draws a
    vertical line at that step.
    """
    plt = _pyplot()
    steps = _kept(history)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(steps.first + 1, steps.last + 1), list(steps.costs), lw=0.8, alpha=0.6,
            label="C on the step's batch")
    ax.plot(history.iterations, history.cost, "o-", ms=3, label="C over the data, per epoch")
    if marker is not None:
        ax.axvline(marker, color="tab:red", lw=1.5, label=f"step {marker}")
    ax.set(title="Cost during training", xlabel="iterations (SGD steps)", ylabel="cost C")
    ax.legend(loc="best", fontsize="small")
    return ax


def step_figure(history: History, step: int, *, resolution: int = 40) -> Figure:
    """One step of a kept training as a figure: the network's decision boundary after it
    (for two inputs) beside the cost curve with the step marked."""
    plt = _pyplot()
    net = history.network_at(step)
    boundary = net.sizes[0] == 2
    fig: Figure
    fig, axes = plt.subplots(1, 1 + boundary, figsize=(5 * (1 + boundary), 3.8), squeeze=False)
    if boundary:
        decision_boundary(net, _kept(history).data, axes[0][0], resolution=resolution,
                          title=f"Decision boundary after step {step}", colorbar=False)
    cost_by_step(history, axes[0][-1], marker=step)
    fig.tight_layout()
    return fig


def time_machine_frames(history: History, steps: Sequence[int] | None = None, *,
                        resolution: int = 30) -> Figure:
    """A few kept steps side by side, for where no slider runs (a notebook on a code host).

    One decision boundary per step (a network with two inputs), and below them
    the cost curve with each step marked. ``steps`` defaults to four spread
    over the training, the first and the last included.
    """
    plt = _pyplot()
    kept = _kept(history)
    if steps is None:
        steps = sorted({kept.first + round(i * len(kept) / 3) for i in range(4)})
    net = history.network_at(steps[0])
    boundary = net.sizes[0] == 2
    fig: Figure = plt.figure(figsize=(3.4 * len(steps), 6.4 if boundary else 3.5))
    grid = fig.add_gridspec(2 if boundary else 1, len(steps))
    if boundary:
        for i, k in enumerate(steps):
            ax = fig.add_subplot(grid[0, i])
            decision_boundary(history.network_at(k), kept.data, ax, resolution=resolution,
                              title=f"after step {k}", colorbar=False)
    cost_ax = fig.add_subplot(grid[-1, :])
    cost_by_step(history, cost_ax)
    for k in steps:
        cost_ax.axvline(k, color="tab:red", lw=1)
    fig.tight_layout()
    return fig


def time_machine(history: History, *, resolution: int = 40) -> Any:
    """In a notebook: a slider over the kept steps of a training, and a play button.

    At each step: the network diagram as it was after that step, its decision
    boundary (for two inputs) and the cost curve with the step marked, drawn by
    Python as the slider moves (an anywidget: ``autodiff.views.widgets``). Where
    widgets do not run (a saved notebook on a code host) it shows
    ``time_machine_frames`` instead. Needs anywidget and matplotlib.
    """
    plt = _pyplot()
    kept = _kept(history)
    widget = stepper(first=kept.first, last=kept.last, interval=400, continuous=False)
    frames = time_machine_frames(history)
    png = _data_url(_png(frames, dpi=60))  # small: it is saved in the notebook
    plt.close(frames)
    widget.static_html = (f'<img src="{png}"><p><i>Steps {kept.first} to {kept.last}: run the '
                          "notebook to move through them with the slider.</i></p>")

    def show(change: object = None) -> None:
        net = history.network_at(widget.step)
        widget.picture = draw_network(net, edge_labels=False).svg()
        fig = step_figure(history, widget.step, resolution=resolution)
        widget.image = _data_url(_png(fig))
        plt.close(fig)

    widget.observe(show, names="step")
    show()
    return widget


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _png(fig: Figure, dpi: int = 90) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _kept(history: History) -> Trajectory:
    if not isinstance(history, History):
        raise TypeError(f"expected the History of train(), got {type(history).__name__}")
    if not isinstance(history.steps, Trajectory):
        raise ValueError('this history kept no steps: train with keep="steps" first')
    return history.steps


def save_training_pictures(
    net: MLP, data: Sequence[Example], history: History, folder: str | os.PathLike[str]
) -> list[Path]:
    """Write cost.png (and boundary.png for two-input nets) into ``folder``; return the paths."""
    plt = _pyplot()
    folder = Path(folder)
    paths = []
    paths.append(_save(plot_history(history), folder / "cost.png", plt))
    if net.sizes[0] == 2:
        paths.append(_save(decision_boundary(net, data), folder / "boundary.png", plt))
    return paths


def _figure(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn on (a figure of its own: deltagrad makes no subfigures)."""
    return cast("Figure", ax.figure)


def _save(ax: Axes, path: Path, plt: ModuleType) -> Path:
    figure = _figure(ax)
    figure.tight_layout()
    atomic_write(path, lambda f: figure.savefig(f, format="png", dpi=120), binary=True)
    plt.close(figure)
    return path


def _shade(a: list[float]) -> float:
    return a[0] if len(a) == 1 else float(predicted_class(a))


def _padded_range(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = 0.1 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _pyplot() -> ModuleType:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install 'deltagrad[plots]'"
        ) from None
    return plt
