"""Tests for nn.data.datasets: the datasets' geometry, seeding, the split, and shape checks."""

import math
import statistics
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data.datasets import (
    DATASETS,
    check_data,
    circles,
    digits,
    load_dataset,
    moons,
    split,
    xor,
)
from nn.model.layers import MLP

NEEDS_SKLEARN = "the digits need scikit-learn: pip install 'deltagrad[digits]'"

# --------------------------------------------------------------------------
# xor
# --------------------------------------------------------------------------


def test_xor_is_the_truth_table():
    data = xor()
    assert sorted(tuple(x) for x, _ in data) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for x, y in data:
        assert y == [float(int(x[0]) ^ int(x[1]))]
        assert all(isinstance(v, float) for v in x + y)


# --------------------------------------------------------------------------
# moons and circles: geometry
# --------------------------------------------------------------------------


def _labels(data):
    return [y[0] for _, y in data]


def test_moons_without_noise_lie_on_their_half_circles():
    data = moons(n=200, noise=0.0, seed=1)
    assert len(data) == 200
    for (x1, x2), (label,) in data:
        if label == 0.0:  # upper half of the unit circle about (0, 0)
            assert math.hypot(x1, x2) == pytest.approx(1.0, abs=1e-12)
            assert x2 >= -1e-12
        else:  # lower half of the unit circle about (1, 0.5)
            assert label == 1.0
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert x2 <= 0.5 + 1e-12


def test_moons_cover_the_whole_arcs():
    data = moons(n=400, noise=0.0, seed=2)
    upper = [math.atan2(x2, x1) for (x1, x2), y in data if y == [0.0]]
    lower = [math.atan2(0.5 - x2, 1.0 - x1) for (x1, x2), y in data if y == [1.0]]
    for angles in (upper, lower):
        # 200 uniform angles on [0, pi]: the gap at each end is below 0.2 with
        # probability 1 - 2 (1 - 0.2/pi)^200 > 1 - 1e-5; the seed is fixed anyway
        assert min(angles) < 0.2 and max(angles) > math.pi - 0.2
        assert all(-1e-12 <= t <= math.pi + 1e-12 for t in angles)


def test_circles_without_noise_lie_on_their_circles():
    data = circles(n=200, noise=0.0, factor=0.3, seed=1)
    for x, (label,) in data:
        r = math.hypot(*x)
        assert r == pytest.approx(1.0 if label == 0.0 else 0.3, abs=1e-12)
    angles = [math.atan2(x2, x1) for (x1, x2), _ in data]
    assert min(angles) < -3.0 and max(angles) > 3.0  # all the way round


@pytest.mark.parametrize("make", [moons, circles])
@settings(max_examples=30, deadline=None)
@given(n=st.integers(min_value=1, max_value=301))
def test_classes_are_balanced(make, n):
    data = make(n=n, noise=0.1, seed=0)
    labels = _labels(data)
    assert len(data) == n
    assert set(labels) <= {0.0, 1.0}
    assert labels.count(0.0) == n // 2 and labels.count(1.0) == n - n // 2


@pytest.mark.parametrize("make", [moons, circles])
def test_both_classes_are_mixed_through_the_list(make):
    # the list is shuffled: a split or a first batch sees both classes
    labels = _labels(make(n=100, seed=0))
    assert set(labels[:20]) == {0.0, 1.0} and set(labels[-20:]) == {0.0, 1.0}


def test_noise_is_the_standard_deviation_of_each_coordinate():
    # on circles the radius r of a point shifted by small N(0, s^2) noise in
    # each coordinate is r0 + N(0, s^2) to first order, whatever the angle
    s = 0.02
    data = circles(n=4000, noise=s, factor=0.5, seed=3)
    residuals = [math.hypot(*x) - (1.0 if y == [0.0] else 0.5) for x, y in data]
    assert statistics.mean(residuals) == pytest.approx(0.0, abs=0.003)
    # 4000 samples: the sample sd is within 5% of s with overwhelming probability
    assert statistics.stdev(residuals) == pytest.approx(s, rel=0.05)


def test_moons_noise_moves_points_off_the_arcs():
    clean = moons(n=100, noise=0.0, seed=0)
    noisy = moons(n=100, noise=0.1, seed=0)
    dist = [
        abs(math.hypot(x1, x2) - 1.0) if y == [0.0] else abs(math.hypot(x1 - 1, x2 - 0.5) - 1.0)
        for (x1, x2), y in noisy
    ]
    assert max(dist) > 0.05
    assert clean != noisy


# --------------------------------------------------------------------------
# seeding
# --------------------------------------------------------------------------


@pytest.mark.parametrize("make", [moons, circles])
def test_same_seed_same_data_different_seed_different_data(make):
    assert make(n=50, seed=7) == make(n=50, seed=7)
    assert make(n=50, seed=7) != make(n=50, seed=8)
    # also without noise: the angles themselves are drawn from the seed
    assert make(n=50, noise=0.0, seed=7) != make(n=50, noise=0.0, seed=8)


def test_datasets_fit_a_network_and_check_data():
    for data in (xor(), moons(n=30, seed=0), circles(n=30, seed=0)):
        check_data(data, 2, 1)
        net = MLP([2, 3, 1], seed=0)
        assert all(len(net(x)) == 1 for x, _ in data)


# --------------------------------------------------------------------------
# bad arguments to the generators
# --------------------------------------------------------------------------


@pytest.mark.parametrize("make", [moons, circles])
@pytest.mark.parametrize("n", [0, -1, -100])
def test_n_below_one_is_a_value_error(make, n):
    with pytest.raises(ValueError, match=rf"n .*at least 1, got {n}"):
        make(n=n)


@pytest.mark.parametrize("make", [moons, circles])
@pytest.mark.parametrize("n", [2.0, "10", None, True])
def test_n_not_an_int_is_a_type_error(make, n):
    with pytest.raises(TypeError, match="n must be an int"):
        make(n=n)


@pytest.mark.parametrize("make", [moons, circles])
@pytest.mark.parametrize("noise", [-0.1, -1e-300, math.nan, math.inf])
def test_bad_noise_is_a_value_error(make, noise):
    with pytest.raises(ValueError, match=rf"noise .*got {noise!r}"):
        make(n=10, noise=noise)


@pytest.mark.parametrize("make", [moons, circles])
def test_non_numeric_noise_is_a_type_error(make):
    with pytest.raises(TypeError, match="noise must be a number"):
        make(n=10, noise="0.1")


@pytest.mark.parametrize("factor", [0.0, 1.0, 1.5, -0.5, math.nan])
def test_circles_factor_outside_zero_one_is_a_value_error(factor):
    with pytest.raises(ValueError, match=rf"0 < factor < 1, got {factor!r}"):
        circles(n=10, factor=factor)


def test_circles_factor_not_a_number_is_a_type_error():
    with pytest.raises(TypeError, match="factor must be a number"):
        circles(n=10, factor="half")


# --------------------------------------------------------------------------
# digits
# --------------------------------------------------------------------------


def test_digits_shape_scale_and_labels_match_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason=NEEDS_SKLEARN)
    reference = sklearn_datasets.load_digits()
    data = digits()
    assert len(data) == len(reference.target) == 1797
    check_data(data, 64, 10)
    for (x, y), pixels, label in zip(data, reference.data, reference.target):
        assert all(0.0 <= p <= 1.0 for p in x)
        assert x == [p / 16.0 for p in pixels]
        assert y == [1.0 if j == label else 0.0 for j in range(10)]
    assert {y.index(1.0) for _, y in data} == set(range(10))
    assert max(max(x) for x, _ in data) == 1.0 and min(min(x) for x, _ in data) == 0.0


def test_digits_subset_is_seeded_and_drawn_from_the_whole_set():
    pytest.importorskip("sklearn", reason=NEEDS_SKLEARN)
    everything = [tuple(x) for x, _ in digits()]
    some = digits(n=50, seed=0)
    assert len(some) == 50
    assert digits(n=50, seed=0) == some
    assert digits(n=50, seed=1) != some
    positions = [everything.index(tuple(x)) for x, _ in some]
    assert max(positions) > 200  # a random sample, not the first 50


def test_digits_bad_n():
    pytest.importorskip("sklearn", reason=NEEDS_SKLEARN)
    with pytest.raises(ValueError, match="1797 images, asked for n = 1798"):
        digits(n=1798)
    with pytest.raises(ValueError, match="at least 1, got 0"):
        digits(n=0)


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    # a None entry in sys.modules makes the import raise ImportError
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'deltagrad\[digits\]'"):
        digits()


# --------------------------------------------------------------------------
# load_dataset and DATASETS
# --------------------------------------------------------------------------


def test_registry_names_the_four_datasets():
    assert DATASETS == {"xor": xor, "moons": moons, "circles": circles, "digits": digits}


def test_load_dataset_passes_its_arguments():
    assert load_dataset("xor") == xor()
    assert load_dataset("moons", n=40, noise=0.2, seed=3) == moons(n=40, noise=0.2, seed=3)
    assert load_dataset("circles", n=40, seed=3) == circles(n=40, seed=3)
    assert load_dataset("moons", seed=3) == moons(seed=3)  # None means the default


def test_load_dataset_digits():
    pytest.importorskip("sklearn", reason=NEEDS_SKLEARN)
    assert load_dataset("digits", n=20, seed=1) == digits(n=20, seed=1)


def test_load_dataset_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown dataset 'spirals'.*circles.*digits.*moons.*xor"):
        load_dataset("spirals")


@pytest.mark.parametrize(
    "name, kwargs, key",
    [
        ("xor", {"n": 10}, "n"),
        ("xor", {"noise": 0.1}, "noise"),
        ("digits", {"noise": 0.1}, "noise"),
    ],
)
def test_load_dataset_rejects_arguments_the_dataset_does_not_take(name, kwargs, key):
    with pytest.raises(ValueError, match=rf"{name} dataset does not take {key}"):
        load_dataset(name, **kwargs)


def test_load_dataset_validates_through_the_generator():
    with pytest.raises(ValueError, match="got -3"):
        load_dataset("moons", n=-3)


# --------------------------------------------------------------------------
# split
# --------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=200),
    fraction=st.floats(min_value=0.01, max_value=0.99),
    seed=st.integers(0, 2**32),
)
def test_split_sizes_disjoint_and_complete(n, fraction, seed):
    data = [([float(i)], [0.0]) for i in range(n)]
    n_test = round(fraction * n)
    if n_test in (0, n):
        with pytest.raises(ValueError, match="both parts need at least one"):
            split(data, fraction, seed=seed)
        return
    train, test = split(data, fraction, seed=seed)
    assert len(test) == n_test and len(train) == n - n_test
    ids_train, ids_test = {id(e) for e in train}, {id(e) for e in test}
    assert not ids_train & ids_test
    assert ids_train | ids_test == {id(e) for e in data}


def test_split_is_reproducible_and_seed_dependent():
    data = moons(n=100, seed=0)
    assert split(data, 0.2, seed=5) == split(data, 0.2, seed=5)
    assert split(data, 0.2, seed=5) != split(data, 0.2, seed=6)


def test_split_shuffles():
    data = [([float(i)], [0.0]) for i in range(100)]
    train, test = split(data, 0.5, seed=0)
    assert test != data[:50] and train != data[50:]


def test_split_does_not_modify_its_input():
    data = moons(n=20, seed=0)
    before = [(list(x), list(y)) for x, y in data]
    split(data, 0.25, seed=0)
    assert data == before


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5, math.nan, math.inf])
def test_split_bad_fraction_is_a_value_error(fraction):
    with pytest.raises(ValueError, match=rf"0 < test_fraction < 1, got {fraction!r}"):
        split(xor(), fraction)


@pytest.mark.parametrize("fraction", ["0.2", None, True])
def test_split_non_numeric_fraction_is_a_type_error(fraction):
    with pytest.raises(TypeError, match="test_fraction must be a number"):
        split(xor(), fraction)


def test_split_that_leaves_a_part_empty_is_a_value_error():
    with pytest.raises(ValueError, match="0.1 of 4 examples gives 0 test and 4 training"):
        split(xor(), 0.1)
    with pytest.raises(ValueError, match="both parts"):
        split(xor()[:1], 0.5)


def test_split_of_a_non_list_is_a_type_error():
    with pytest.raises(TypeError, match="data must be a list"):
        split(iter(xor()), 0.5)


# --------------------------------------------------------------------------
# check_data
# --------------------------------------------------------------------------


def test_check_data_accepts_matching_data():
    check_data([([1, 2.5, -3], [0.0, 1.0])], 3, 2)
    check_data([((0.0,), (1.0,))], 1, 1)  # tuples are sequences too


def test_check_data_wrong_input_size_names_both_sizes_and_the_example():
    data = moons(n=5, seed=0) + [([1.0, 2.0, 3.0], [1.0])]
    with pytest.raises(ValueError, match=r"example 6 \(data\[5\]\): x has 3 entries .* 2 inputs"):
        check_data(data, 2, 1)


def test_check_data_wrong_output_size_names_both_sizes_and_the_example():
    data = [([0.0, 0.0], [1.0]), ([0.0, 1.0], [0.0, 1.0])]
    with pytest.raises(ValueError, match=r"example 2 \(data\[1\]\): y has 2 entries but the "
                                         r"network has 1 output \(layer L\)$"):
        check_data(data, 2, 1)


@pytest.mark.parametrize("bad", ["1", None, True, [1.0], complex(1, 0)])
def test_check_data_non_numeric_entry_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"example 1 \(data\[0\]\): x\[1\] must be a number"):
        check_data([([0.0, bad], [1.0])], 2, 1)
    with pytest.raises(TypeError, match=r"example 1 \(data\[0\]\): y\[0\] must be a number"):
        check_data([([0.0, 1.0], [bad])], 2, 1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_check_data_non_finite_entry_is_a_value_error(bad):
    with pytest.raises(ValueError, match=r"x\[0\] must be a finite number"):
        check_data([([bad, 0.0], [1.0])], 2, 1)


@pytest.mark.parametrize(
    "data, error, message",
    [
        ([], ValueError, "no examples"),
        ("xor", TypeError, "data must be a list"),
        ([([0.0], [1.0], [2.0])], ValueError, r"pair \(x, y\), got 3 items"),
        ([5.0], TypeError, r"pair \(x, y\), got float"),
        ([(0.0, [1.0])], TypeError, r"x must be a list of 1 number, got float 0.0: write \[0.0\]"),
        ([("ab", [1.0])], TypeError, "x must be a list of numbers, got str"),
        ([([0.0], 1.0)], TypeError, r"y must be a list of 1 number, got float 1.0: write \[1.0\]"),
    ],
)
def test_check_data_malformed_data(data, error, message):
    with pytest.raises(error, match=message):
        check_data(data, 1, 1)


@pytest.mark.parametrize("n_inputs, n_outputs", [(0, 1), (1, 0), (-2, 1)])
def test_check_data_bad_sizes_are_value_errors(n_inputs, n_outputs):
    with pytest.raises(ValueError, match="must be at least 1"):
        check_data(xor(), n_inputs, n_outputs)


def test_check_data_non_int_sizes_are_type_errors():
    with pytest.raises(TypeError, match="n_inputs must be an int"):
        check_data(xor(), 2.0, 1)


# --------------------------------------------------------------------------
# numpy's numbers are numbers
# --------------------------------------------------------------------------


def test_numpy_numbers_pass_as_python_numbers():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    assert moons(n=np.int64(20), noise=np.float32(0.25), seed=1) == moons(n=20, noise=0.25,
                                                                          seed=1)
    assert circles(n=np.int64(20), factor=np.float64(0.5), seed=1) == circles(n=20, seed=1)
    data = moons(n=10, seed=0)
    assert split(data, np.float64(0.2), seed=0) == split(data, 0.2, seed=0)
    checked = check_data([([np.float32(0.5), np.int64(2)], [np.float64(1.0)])],
                         np.int64(2), np.int64(1))
    assert checked == [([0.5, 2.0], [1.0])]
    assert all(type(v) is float for x, y in checked for v in x + y)


@pytest.mark.parametrize("bad, error, problem", [
    (math.nan, ValueError, "must be a finite number, got nan"),
    (-math.inf, ValueError, "must be a finite number, got -inf"),
    (True, TypeError, "must be a number, got bool"),
    ("0.5", TypeError, "must be a number, got str"),
])
@pytest.mark.parametrize("part, column", [("x", 36), ("y", 9)])
def test_a_bad_number_deep_in_the_data_is_named_by_example_and_column(bad, error, problem,
                                                                      part, column):
    """The quick look over all the numbers sees it, the careful one names it."""
    data = [([0.25] * 64, [0.0] * 10) for _ in range(1500)]
    x, y = list(data[999][0]), list(data[999][1])
    (x if part == "x" else y)[column] = bad
    data[999] = (x, y)
    with pytest.raises(error, match=rf"^example 1000 \(data\[999\]\): {part}\[{column}\] "
                                    f"{problem}"):
        check_data(data, 64, 10)


def test_numbers_whose_sum_overflows_are_each_finite_and_pass():
    data = [([1e308, 1e308], [1.0]), ([-1e308, 5.0], [0.0])]
    assert check_data(data, 2, 1) == data


def test_the_quick_look_and_the_careful_way_give_the_same_examples():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    floats = [([0.5, -2.0], [1.0]), ((1.5, 3.0), (0.0,))]  # the quick look
    mixed = [([np.float32(0.5), -2], [True and 1.0]), ([1.5, 3], [0])]  # the careful way
    assert check_data(floats, 2, 1) == [([0.5, -2.0], [1.0]), ([1.5, 3.0], [0.0])]
    assert check_data(mixed, 2, 1) == [([0.5, -2.0], [1.0]), ([1.5, 3.0], [0.0])]
    checked = check_data(floats, 2, 1)
    assert all(a is not b for a, b in zip(checked, floats))
    assert all(x is not x0 and y is not y0 for (x, y), (x0, y0) in zip(checked, floats))


def test_check_data_returns_the_examples_as_new_lists_of_floats():
    data = [((1, 2.5), (0,))]
    checked = check_data(data, 2, 1)
    assert checked == [([1.0, 2.5], [0.0])] and data == [((1, 2.5), (0,))]
    assert all(type(v) is float for x, y in checked for v in x + y)


# --------------------------------------------------------------------------
# seeds, and data that cannot be generated
# --------------------------------------------------------------------------


@pytest.mark.parametrize("make", [moons, circles])
def test_a_seed_is_a_whole_number_and_different_seeds_differ(make):
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    assert make(10, seed=np.int64(3)) == make(10, seed=3)
    # Python's random gives -1 and 1 (and True, and 1.0) the same numbers: only 0, 1, ... pass
    assert make(10, seed=1) != make(10, seed=2)
    for bad in (1.0, True, float("nan"), "1"):
        with pytest.raises(TypeError, match="seed must be a whole number"):
            make(10, seed=bad)
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        make(10, seed=-1)


def test_split_and_digits_check_their_seeds_too():
    with pytest.raises(TypeError, match="seed must be a whole number, got float: nan"):
        split(xor(), 0.5, seed=float("nan"))
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        digits(n=5, seed=-3)


@pytest.mark.parametrize("make", [moons, circles])
def test_noise_that_makes_infinite_points_is_refused_naming_noise(make):
    with pytest.raises(ValueError, match=r"noise = 1e\+308 is too large: it moves points beyond "
                                         r"the largest float"):
        make(50, noise=1e308, seed=0)


def test_generated_sets_default_to_the_command_line_s_size():
    # one default, whichever way the data is asked for
    assert len(moons()) == len(circles()) == 200
    assert load_dataset("moons", seed=0) == moons(seed=0)


# --------------------------------------------------------------------------
# arrays where lists go
# --------------------------------------------------------------------------


def test_check_data_takes_one_dimensional_arrays_as_x_and_y():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    data = [(np.array([0.5, 1.0]), np.array([1.0])), (np.array([0, 1]), np.array([0]))]
    assert check_data(data, 2, 1) == [([0.5, 1.0], [1.0]), ([0.0, 1.0], [0.0])]
    with pytest.raises(ValueError, match=r"x must be a list of numbers, got an array of shape "
                                         r"\(1, 2\); .*ravel"):
        check_data([(np.ones((1, 2)), [1.0])], 2, 1)


def test_check_data_takes_a_pair_of_arrays():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.5]])
    assert check_data((X, np.array([0, 1, 1])), 2, 1) == [
        ([0.0, 1.0], [0.0]), ([1.0, 1.0], [1.0]), ([2.0, 0.5], [1.0])]
    assert check_data((X, np.array([0, 2, 1])), 2, 3)[1] == ([1.0, 1.0], [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"y has 3 entries but the network has 1 output"):
        check_data((X, np.array([0, 2, 1])), 2, 1)


def test_a_label_where_a_one_hot_target_belongs_says_what_to_do():
    with pytest.raises(TypeError, match=r"y must be a list of 3 numbers, got int 2: one-hot "
                                        r"encode a class label, or let nn.data.from_arrays"):
        check_data([([0.0, 1.0], 2)], 2, 3)


def test_check_data_names_the_data_as_the_caller_knows_it():
    with pytest.raises(ValueError, match=r"example 1 \(test_data\[0\]\): x has 1 entry but the "
                                         r"network has 2 inputs \(layer 1\)"):
        check_data([([1.0], [1.0])], 2, 1, "test_data")
    with pytest.raises(ValueError, match="test_data has no examples"):
        check_data([], 2, 1, "test_data")


def test_one_table_for_data_says_to_give_inputs_and_targets_apart():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    table = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    with pytest.raises(TypeError, match=r"got one array of shape \(2, 3\): give the inputs and "
                                        r"the targets apart, such as \(data\[:, :-1\], "
                                        r"data\[:, -1\]\)"):
        check_data(table, 2, 1)
    assert check_data([table[:, :-1], table[:, -1]], 2, 1) == check_data(
        (table[:, :-1], table[:, -1]), 2, 1)
def test_checked_data_passes_checked_data_as_it_is_and_checks_the_rest():
    from nn.data.datasets import checked_data

    data = [([0.5, 1.0], [1.0]), ([0.0, -2.0], [0.0])]
    assert checked_data(data, 2, 1) is data  # lists of floats already: nothing to do
    ints = [([1, 2], [1])]
    assert checked_data(ints, 2, 1) == [([1.0, 2.0], [1.0])]
    assert all(type(v) is float for v in checked_data(ints, 2, 1)[0][0])
    for bad, message in [([([0.5, float("nan")], [1.0])], r"x\[1\] must be (a )?finite"),
                         ([([0.5], [1.0])], "inputs"), ([], "no examples"),
                         ([([0.5, 1.0], [1.0], [2.0])], "pair")]:
        with pytest.raises(ValueError, match=message):
            checked_data(bad, 2, 1)
