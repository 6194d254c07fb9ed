"""nn.data.tables: arrays, data frames and CSV files as examples (x, y)."""

import pytest

from nn import MLP, evaluate, train
from nn.data.datasets import from_arrays, load_csv

np = pytest.importorskip("numpy", reason="numpy is not installed (the tests of arrays)")


class Frame:
    """Enough of a pandas DataFrame to read: ``to_numpy()``, no ``tolist``."""

    def __init__(self, rows):
        self.rows = np.array(rows, dtype=object)

    def to_numpy(self):
        return self.rows


class Series:
    """Enough of a pandas Series: ``tolist()`` and ``ndim``."""

    ndim = 1

    def __init__(self, values):
        self.values = list(values)

    def tolist(self):
        return list(self.values)


# ---------------------------------------------------------------- from_arrays


def test_rows_become_inputs_and_a_0_1_label_one_output():
    X = np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float32)
    data = from_arrays(X, np.array([1, 0]))
    assert data == [([0.5, -1.0], [1.0]), ([2.0, 0.0], [0.0])]
    assert all(type(v) is float for x, y in data for v in x + y)


def test_other_integer_labels_are_one_hot_in_sorted_order():
    data = from_arrays(np.zeros((4, 1)), np.array([7, 2, 9, 2]))
    assert [y for _, y in data] == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0],
                                    [1.0, 0.0, 0.0]]


def test_text_labels_are_one_hot_too():
    data = from_arrays([[0.0], [1.0], [2.0]], ["virginica", "setosa", "virginica"])
    assert [y for _, y in data] == [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]


def test_classes_fix_the_output_nodes():
    assert [y for _, y in from_arrays([[0.0], [1.0]], [0, 1], classes=3)] == [
        [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert [y for _, y in from_arrays([[0.0], [1.0]], ["b", "a"], classes=["b", "a"])] == [
        [1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ValueError, match=r"y\[1\] \(row 2\) is 'c', not one of the classes"):
        from_arrays([[0.0], [1.0]], ["a", "c"], classes=["a", "b"])
    with pytest.raises(ValueError, match="classes must be at least 2"):
        from_arrays([[0.0]], [0], classes=1)
    with pytest.raises(TypeError, match="classes must be a number of classes or a list"):
        from_arrays([[0.0]], [0], classes=2.5)


def test_numbers_with_a_fraction_are_targets_as_they_are():
    assert [y for _, y in from_arrays([[0.0], [1.0]], np.array([0.25, 3.5]))] == [[0.25], [3.5]]


def test_a_table_of_targets_gives_one_output_per_column():
    data = from_arrays(np.eye(2), np.array([[0.1, 0.9], [0.8, 0.2]]))
    assert data == [([1.0, 0.0], [0.1, 0.9]), ([0.0, 1.0], [0.8, 0.2])]
    with pytest.raises(ValueError, match="is a table: its rows are the targets already"):
        from_arrays(np.eye(2), np.eye(2), classes=2)


def test_data_frames_and_series_are_read_as_arrays():
    X = Frame([[1, 2.5], [3, 4.0]])
    assert from_arrays(X, Series([0, 1])) == [([1.0, 2.5], [0.0]), ([3.0, 4.0], [1.0])]


def test_real_pandas_if_installed():
    pd = pytest.importorskip("pandas", reason="pandas is optional")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4], "label": ["x", "y"]})
    data = from_arrays(frame[["a", "b"]], frame["label"])
    assert data == [([1.0, 3.0], [1.0, 0.0]), ([2.0, 4.0], [0.0, 1.0])]


@pytest.mark.parametrize("X, y, error, message", [
    (np.array([1.0, 2.0]), [0, 1], ValueError, r"row 1 is 1.0: for a single input, give a "
                                               r"column \(X.reshape\(-1, 1\)"),
    ([[1.0, 2.0], [3.0]], [0, 1], ValueError, r"X: row 2 has 1 entry, row 1 has 2"),
    ([[1.0], ["a"]], [0, 1], TypeError, r"X\[1\]\[0\] \(row 2, column 1\) must be a number, got "
                                        r"str"),
    ([[1.0], [float("nan")]], [0, 1], ValueError, r"X\[1\]\[0\] \(row 2, column 1\) must be a "
                                                  r"finite number"),
    ([[1.0], [2.0]], [0], ValueError, r"X has 2 rows but y has 1: one target per example"),
    ([], [], ValueError, "X must be a table of examples"),
    ([[1.0]], [float("inf")], ValueError, r"y\[0\] \(row 1\) must be a finite number"),
    ([[1.0]] * 101, list(range(101)), ValueError, r"y has 101 different labels, too many to be "
                                                   r"classes.*as floats"),
], ids=range(8))
def test_bad_tables_name_the_row_and_column(X, y, error, message):
    with pytest.raises(error, match=message):
        from_arrays(X, y)


# ---------------------------------------------------------------- training on arrays


def test_train_and_evaluate_take_a_pair_of_arrays_as_a_list_does(bits):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    as_arrays, as_list = MLP([2, 4, 1], seed=0), MLP([2, 4, 1], seed=0)
    h1 = train(as_arrays, (X, y), epochs=np.int64(3), batch_size=np.int64(5),
               eta=np.float64(2.0), seed=np.int64(1), progress=False,
               test_data=(X[:10], y[:10]))
    h2 = train(as_list, from_arrays(X, y), epochs=3, batch_size=5, eta=2.0, seed=1,
               progress=False, test_data=from_arrays(X[:10], y[:10]))
    assert h1.cost == h2.cost and h1.test_accuracy == h2.test_accuracy
    assert bits(p.data for p in as_arrays.parameters()) == bits(
        p.data for p in as_list.parameters())
    assert evaluate(as_arrays, (X, y)) == evaluate(as_list, from_arrays(X, y))


def test_a_network_takes_an_array_as_its_input(bits):
    net = MLP([3, 2], seed=0)
    assert bits(a.data for a in net(np.array([0.1, 0.2, 0.3]))) == bits(
        a.data for a in net([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match=r"shape \(1, 3\).*ravel"):
        net(np.ones((1, 3)))


# ---------------------------------------------------------------- CSV files


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_file_with_a_header_and_text_labels(tmp_path):
    path = _csv(tmp_path, "sepal,petal,species\n5.1,1.4,setosa\n\n6.3, 6.0 ,virginica\n")
    assert load_csv(path) == [([5.1, 1.4], [1.0, 0.0]), ([6.3, 6.0], [0.0, 1.0])]


def test_a_csv_file_without_a_header_and_0_1_labels(tmp_path):
    path = _csv(tmp_path, "0.5,1,1\n-2,0.25,0\n")
    assert load_csv(path) == [([0.5, 1.0], [1.0]), ([-2.0, 0.25], [0.0])]
    assert load_csv(path, target=0) == [([1.0, 1.0], [0.5]), ([0.25, 0.0], [-2.0])]


def test_the_target_by_name_or_position(tmp_path):
    path = _csv(tmp_path, "y,a,b\n1,0.5,0.25\n0,1.5,2\n")
    assert load_csv(path, target="y") == load_csv(path, target=0) == load_csv(path, target=-3)
    assert load_csv(path, target="y")[0] == ([0.5, 0.25], [1.0])
    with pytest.raises(ValueError, match=r"no column named 'z'; the columns are \['y', 'a', 'b'\]"):
        load_csv(path, target="z")
    with pytest.raises(ValueError, match=r"target 3 is not a column; the file has 3 \(0 to 2"):
        load_csv(path, target=3)
    with pytest.raises(TypeError, match="target must be a column name or position"):
        load_csv(path, target=1.0)


def test_whole_number_labels_and_classes(tmp_path):
    path = _csv(tmp_path, "a,label\n0.1,3\n0.2,1\n0.3,2\n")
    assert [y for _, y in load_csv(path)] == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert [y for _, y in load_csv(path, classes=4)][0] == [0, 0, 0, 1]


def test_numbers_with_fractions_as_targets(tmp_path):
    path = _csv(tmp_path, "x,y\n1,0.5\n2,1.5\n")
    assert load_csv(path) == [([1.0], [0.5]), ([2.0], [1.5])]


@pytest.mark.parametrize("text, message", [
    ("a,b,c\n1,2,0\n1,x,1\n", r"data.csv, line 3, column 2 \(b\): 'x' is not a number"),
    ("a,b,c\n1,2,0\n1,,1\n", r"data.csv, line 3, column 2 \(b\): empty, where a number belongs"),
    ("1,2,0\n1,2\n", r"data.csv, line 2: 2 fields, expected 3 as in line 1"),
    ("a,b,c\n1,2,0.5\n1,2,zero\n", r"line 3, column 3 \(c\): 'zero' is not a number"),
    ("a,b,c\n1,inf,0\n", r"line 2, column 2 \(b\): 'inf' is not a finite number"),
    ("a,b,c\n", r"no data rows after the header row"),
    ("\n\n", r"the file has no rows"),
    ("1\n2\n", r"line 1: one column only"),
], ids=range(8))
def test_bad_csv_files_name_the_line_and_column(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_csv(_csv(tmp_path, text))


def test_a_binary_file_or_a_folder_is_refused(tmp_path):
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ValueError, match="not a text"):
        load_csv(path)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_csv(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "missing.csv")


def test_header_can_be_said(tmp_path):
    path = _csv(tmp_path, "1,2,3\n0.5,0.5,1\n")
    assert len(load_csv(path)) == 2
    assert load_csv(path, header=True) == [([0.5, 0.5], [1.0])]


def test_the_lecture_s_formulas_and_the_comparison_take_arrays():
    from nn import backprop, compare

    net = MLP([2, 3, 2], seed=0)
    x, y = np.array([0.5, -0.1]), np.array([1, 0])
    assert backprop(net, x, y).grad_w == backprop(net, [0.5, -0.1], [1.0, 0.0]).grad_w
    assert str(compare(net, x, y, torch=False)) == str(
        compare(net, [0.5, -0.1], [1.0, 0.0], torch=False))


# ---------------------------------------------------------------- headers, names, limits


@pytest.mark.parametrize("first", ["nan,0.5,1", "0.5,inf,0", "1e400,0.5,1", "-inf,NaN,0"])
def test_a_first_row_of_numbers_is_data_even_nan_or_inf_and_refused_as_such(tmp_path, first):
    # (it used to be taken for a header: 20 of 21 rows trained on, and not a word)
    rows = [first] + [f"{i / 10},{i / 20},{i % 2}" for i in range(20)]
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"data.csv, line 1, column [12]: "
                                         r"'[^']+' is not a finite number"):
        load_csv(path)


def test_a_first_row_is_a_header_when_a_column_of_numbers_has_a_name_there(tmp_path):
    # iris without its header: a text label in the last column of every row is data
    path = _csv(tmp_path, "5.1,1.4,setosa\n6.3,6.0,virginica\n")
    assert len(load_csv(path)) == 2
    path = _csv(tmp_path, "age,income,2020\n30,1000,5.5\n40,2000,7.5\n")  # a name is a number
    assert load_csv(path, target="2020")[0] == ([30.0, 1000.0], [5.5])


def test_two_columns_of_one_name_are_refused(tmp_path):
    path = _csv(tmp_path, "x,x,y\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=r"^.*data.csv, line 1: columns 1 and 2 are both named "
                                         r"'x'; give each column its own name$"):
        load_csv(path)


def test_a_file_larger_than_the_limit_is_refused_after_reading_no_more(tmp_path):
    path = _csv(tmp_path, "a,b\n" + "1,0\n" * 1000)
    assert len(load_csv(path, max_bytes=5000)) == 1000
    with pytest.raises(ValueError, match=r"data.csv: larger than 3000 bytes, the most read of a "
                                         r"CSV file \(load_csv's max_bytes\)$"):
        load_csv(path, max_bytes=3000)


def test_a_fifo_is_read_once(tmp_path):
    import os
    import threading

    if not hasattr(os, "mkfifo"):
        pytest.skip("FIFOs of POSIX")
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as f:
            f.write("a,b\n1,0\n2,1\n")

    threading.Thread(target=feed, daemon=True).start()
    assert load_csv(fifo) == [([1.0], [0.0]), ([2.0], [1.0])]
