"""nn.lecture.plots: a history's cost curve and a network's decision boundary (needs matplotlib)."""

from __future__ import annotations

import pytest

from nn.lecture.plots import (
    cost_by_step,
    decision_boundary,
    plot_history,
    save_training_pictures,
    step_figure,
    time_machine,
    time_machine_frames,
)
from nn.model.layers import MLP
from nn.training.sgd import History, train

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.fixture
def history(small_data):
    return train(MLP([2, 2, 1], seed=0), small_data(6), epochs=3, batch_size=2, eta=1.0,
                 seed=0, progress=False, test_data=small_data(3, seed=1))


@pytest.mark.parametrize("x", ["iterations", "epoch"])
def test_history_plot_has_title_and_labelled_axes(plt, x, history):
    ax = plot_history(history, x=x)
    try:
        assert labelled(ax)
        xs, ys = ax.lines[0].get_data()
        assert list(ys) == history.cost
        assert list(xs) == getattr(history, x)
    finally:
        plt.close(ax.figure)


def test_plot_history_draws_test_cost_and_both_accuracies(plt, history):
    ax = plot_history(history)
    assert [list(line.get_ydata()) for line in ax.lines] == [history.cost, history.test_cost]
    (accuracy_ax,) = [other for other in ax.figure.axes if other is not ax]
    assert [list(line.get_ydata()) for line in accuracy_ax.lines] == [
        history.accuracy, history.test_accuracy]


def test_plot_history_draws_into_given_axes(plt, history):
    _, ax = plt.subplots()
    assert plot_history(history, ax) is ax


def test_history_plot_refuses_an_unknown_axis(plt):
    with pytest.raises(ValueError, match="steps"):
        plot_history(History(), x="steps")


def test_decision_boundary_has_title_and_labelled_axes(plt, small_data):
    data = small_data(8)
    ax = decision_boundary(MLP([2, 3, 1], seed=0), data, resolution=10)
    try:
        assert labelled(ax)
        assert ax.collections  # the shading and the points are drawn
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("sizes", [[2, 3, 1], [2, 4, 3]])
def test_the_boundarys_grid_is_replayed_and_shades_as_net_x_does(plt, small_data, monkeypatch,
                                                                 sizes):
    import nn.training.engines
    from nn.training.metrics import predicted_class

    asked, drawn = [], []
    replayed = nn.training.engines.ReplayEngine.outputs

    def watched(self, xs):
        asked.append(xs)
        return replayed(self, xs)

    monkeypatch.setattr(nn.training.engines.ReplayEngine, "outputs", watched)
    _, ax = plt.subplots()
    contourf = ax.contourf
    ax.contourf = lambda gx, gy, grid, **kwargs: (drawn.append((gx, gy, grid)),
                                                  contourf(gx, gy, grid, **kwargs))[1]
    net = MLP(sizes, seed=1)
    decision_boundary(net, small_data(8), ax=ax, resolution=7)
    assert len(asked) == 1 and len(asked[0]) == 49  # one replay call for the whole grid
    [(gx, gy, grid)] = drawn
    by_values = [[a[0].data if len(a) == 1 else predicted_class(a) for a in
                  (net([u, v]) for u in gx)] for v in gy]
    assert grid == by_values


def test_decision_boundary_needs_two_inputs(plt):
    with pytest.raises(ValueError, match="2 inputs.*3"):
        decision_boundary(MLP([3, 1], seed=0), [([0.0, 0.0, 0.0], [1.0])])


def test_save_training_pictures_writes_pngs(plt, history, small_data, tmp_path):
    paths = save_training_pictures(MLP([2, 2, 1], seed=0), small_data(6), history, tmp_path)
    assert [p.name for p in paths] == ["cost.png", "boundary.png"]
    assert all(p.read_bytes()[:8] == PNG_MAGIC for p in paths)


def test_without_matplotlib_plotting_says_how_to_install(monkeypatch, history):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'deltagrad\[plots\]'"):
        plot_history(history)


def legend_hides_a_curve(ax) -> bool:
    """True when a point of one of the curves of ax's figure lies under one of its legends."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    legends = [a.get_legend() for a in ax.figure.axes if a.get_legend() is not None]
    boxes = [legend.get_window_extent(renderer) for legend in legends]
    for a in ax.figure.axes:
        for line in a.get_lines():
            points = a.transData.transform(list(zip(*line.get_data())))
            if any(box.contains(px, py) for box in boxes for px, py in points):
                return True
    return False


@pytest.mark.parametrize("given_axes", [False, True])
def test_no_legend_covers_the_curves(plt, given_axes):
    # a history whose accuracy curves run high and flat, where a legend on the
    # right of a shared axis used to sit on them
    history = History(epoch=[1, 2, 3, 4, 5, 6], iterations=[10, 20, 30, 40, 50, 60],
                      cost=[0.2, 0.12, 0.09, 0.08, 0.075, 0.07],
                      accuracy=[0.6, 0.9, 0.95, 0.97, 0.98, 0.99],
                      test_cost=[0.21, 0.14, 0.1, 0.09, 0.085, 0.08],
                      test_accuracy=[0.55, 0.85, 0.92, 0.95, 0.96, 0.97],
                      time=[0.1] * 6)
    ax = plt.subplots()[1] if given_axes else None
    ax = plot_history(history, ax)
    try:
        assert not legend_hides_a_curve(ax)
        assert len(ax.figure.axes) == 2  # the accuracy has axes of its own
    finally:
        plt.close(ax.figure)


# ----------------------------------------------------------------------
# The time machine's pictures (a training kept with keep="steps")
# ----------------------------------------------------------------------


@pytest.fixture
def kept(small_data):
    return train(MLP([2, 3, 1], seed=0), small_data(12), epochs=4, batch_size=3, eta=2.0,
                 seed=0, progress=False, keep="steps")


def test_cost_by_step_draws_every_steps_batch_cost_and_marks_a_step(plt, kept):
    ax = cost_by_step(kept, marker=5)
    try:
        batch, epochs, marker = ax.lines
        assert list(batch.get_xdata()) == list(range(1, 17))
        assert list(batch.get_ydata()) == [kept.cost_at(k) for k in range(1, 17)]
        assert list(epochs.get_ydata()) == kept.cost
        assert list(marker.get_xdata()) == [5, 5]
    finally:
        plt.close(ax.figure)


def test_a_step_figure_shows_that_steps_network(plt, kept):
    fig = step_figure(kept, 7, resolution=8)
    try:
        boundary, cost = fig.axes
        assert boundary.get_title() == "Decision boundary after step 7"
        assert list(cost.lines[-1].get_xdata()) == [7, 7]
    finally:
        plt.close(fig)


def test_the_frames_spread_over_the_training(plt, kept):
    fig = time_machine_frames(kept, resolution=6)
    try:
        titles = [ax.get_title() for ax in fig.axes]
        assert titles[:4] == ["after step 0", "after step 5", "after step 11", "after step 16"]
        cost = fig.axes[4]
        assert sorted(line.get_xdata()[0] for line in cost.lines[2:]) == [0, 5, 11, 16]
    finally:
        plt.close(fig)


def test_the_time_machine_slides_through_the_steps_and_has_a_static_view(plt, kept):
    pytest.importorskip("anywidget", reason="anywidget comes with the notebooks extra")
    widget = time_machine(kept, resolution=6)
    assert (widget.first, widget.last) == (0, 16)
    first, first_diagram = widget.image, widget.picture
    widget.step = 9
    assert widget.image != first and widget.image.startswith("data:image/png;base64,")
    assert "<svg" in widget.picture and widget.picture != first_diagram
    bundle, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,')
    assert "Steps 0 to 16" in bundle["text/html"]
    with pytest.raises(Exception, match="step must be from 0 to 16, got 17"):
        widget.step = 17


def test_the_time_machine_needs_kept_steps(plt, history):
    with pytest.raises(ValueError, match='kept no steps: train with keep="steps"'):
        time_machine_frames(history)


@pytest.mark.parametrize("resolution, error", [
    (1, r"resolution must be a whole number >= 2, got 1"),
    (0, r"resolution must be a whole number >= 2, got 0"),
    (2.5, r"resolution must be a whole number, got float"),
    (10**6, r"resolution must be at most 1000 \(nn.lecture.plots.MAX_RESOLUTION"),
])
def test_a_grid_too_small_or_too_large_is_refused(plt, resolution, error):
    from nn.lecture.plots import decision_boundary
    from nn.model.layers import MLP

    with pytest.raises((ValueError, TypeError), match=error):
        decision_boundary(MLP([2, 3, 1], seed=0), [([0.0, 0.0], [0.0]), ([1.0, 1.0], [1.0])],
                          resolution=resolution)
