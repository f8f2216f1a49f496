"""from_long_table / to_long_table: sequences to and from a long table."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.preprocessing import (
    SequenceStandardScaler,
    from_long_table,
    to_long_table,
)

pd = pytest.importorskip("pandas")


def long_frame(seed=0):
    """Series 'a' (3 steps), 'b' (1 step), 'c' (4 steps), rows shuffled.

    Features x = 10 * series number + step and z = -step; label 'up' for a
    and c, 'down' for b; daily datetimes.
    """
    rows = []
    for number, (name, length, label) in enumerate(
        [("a", 3, "up"), ("b", 1, "down"), ("c", 4, "up")]
    ):
        for step in range(length):
            rows.append(
                {
                    "series": name,
                    "day": pd.Timestamp("2024-01-01") + pd.Timedelta(days=step),
                    "x": 10.0 * number + step,
                    "z": -float(step),
                    "label": label,
                }
            )
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_dataframe_to_padded_sequences_in_time_order():
    X, y, ids = from_long_table(
        long_frame(), id_column="series", time_column="day", label_column="label"
    )
    assert X.shape == (3, 4, 2)
    assert X.dtype == np.float64
    assert_array_equal(ids, ["a", "b", "c"])
    assert_array_equal(y, ["up", "down", "up"])
    assert_array_equal(
        X[:, :, 0], [[0, 1, 2, np.nan], [10] + [np.nan] * 3, [20, 21, 22, 23]]
    )
    assert_array_equal(
        X[:, :, 1], [[0, -1, -2, np.nan], [0] + [np.nan] * 3, [0, -1, -2, -3]]
    )


def test_row_order_of_the_table_does_not_matter():
    results = [
        from_long_table(
            long_frame(seed),
            id_column="series",
            time_column="day",
            feature_columns=["x", "z"],
        )
        for seed in range(3)
    ]
    for X, y, ids in results[1:]:
        assert_array_equal(X, results[0][0])
        assert_array_equal(ids, results[0][2])
        assert y is None


def test_feature_columns_choose_and_order_the_features():
    X, _, _ = from_long_table(
        long_frame(),
        id_column="series",
        time_column="day",
        feature_columns=["z", "x"],
    )
    assert_array_equal(X[2, :, 0], [0, -1, -2, -3])
    X, _, _ = from_long_table(
        long_frame(), id_column="series", time_column="day", feature_columns="x"
    )
    assert X.shape == (3, 4, 1)


def test_mapping_input_integer_ids_and_float32():
    table = {"id": [7, 3, 7], "t": [2.5, 0.0, 1.0], "v": [1, 2, 3]}
    X, y, ids = from_long_table(
        table, id_column="id", time_column="t", dtype=np.float32
    )
    assert X.dtype == np.float32
    assert_array_equal(ids, [3, 7])
    assert_array_equal(X[:, :, 0], [[2, np.nan], [3, 1]])


def test_no_time_column_keeps_the_row_order_within_each_series():
    table = {"id": ["b", "a", "b", "a"], "v": [1.0, 2.0, 3.0, 4.0]}
    X, _, ids, times = from_long_table(
        table, id_column="id", time_column=None, return_times=True
    )
    assert_array_equal(X[:, :, 0], [[2, 4], [1, 3]])
    assert [t.tolist() for t in times] == [[1, 3], [0, 2]]


def test_mappings_and_dicts_work_without_pandas():
    # scikit-learn itself imports pandas when it is installed, so pandas is
    # made unimportable instead of looked for in sys.modules.
    code = (
        "import sys\n"
        "sys.modules['pandas'] = None\n"
        "from sklearn_bptt.preprocessing import from_long_table, to_long_table\n"
        "X, y, ids = from_long_table({'i': [0, 0, 1], 't': [0, 1, 0], "
        "'v': [1., 2., 3.]}, id_column='i', time_column='t')\n"
        "table = to_long_table(X[:, 0, 0], ids, as_frame=False)\n"
        "assert table['value'].tolist() == [1.0, 3.0]\n"
        "try:\n"
        "    to_long_table(X[:, 0, 0], ids)\n"
        "except ImportError as error:\n"
        "    assert 'as_frame=False' in str(error)\n"
        "else:\n"
        "    raise AssertionError('no ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_round_trip_of_the_features_through_to_long_table():
    frame = long_frame()
    X, _, ids, times = from_long_table(
        frame,
        id_column="series",
        time_column="day",
        label_column="label",
        return_times=True,
    )
    back = to_long_table(
        X,
        ids,
        per_step=True,
        times=times,
        id_column="series",
        time_column="day",
        value_columns=["x", "z"],
    )
    expected = (
        frame.drop(columns="label")
        .sort_values(["series", "day"])
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_per_series_values_one_and_several_columns():
    table = to_long_table(np.array([0.5, 1.5]), np.array(["a", "b"]))
    assert list(table.columns) == ["id", "value"]
    assert table["value"].tolist() == [0.5, 1.5]
    proba = np.array([[0.2, 0.8], [0.9, 0.1]])
    table = to_long_table(proba, ["a", "b"], value_columns=["down", "up"])
    assert list(table.columns) == ["id", "down", "up"]
    assert table["up"].tolist() == [0.8, 0.1]
    table = to_long_table(proba, ["a", "b"], id_column="series")
    assert list(table.columns) == ["series", "value_0", "value_1"]


def test_per_step_values_drop_the_padding():
    values = np.arange(12.0).reshape(2, 3, 2)
    values[1, 1:] = np.nan  # series 1 has one step
    table = to_long_table(values, [10, 20], per_step=True)
    assert list(table.columns) == ["id", "time", "value_0", "value_1"]
    assert table["id"].tolist() == [10, 10, 10, 20]
    assert table["time"].tolist() == [0, 1, 2, 0]
    assert table["value_1"].tolist() == [1, 3, 5, 7]
    # A step with no value in the middle (a gap in per-step targets) is
    # dropped too; a partly NaN step is kept.
    values[0, 1, :] = np.nan
    values[0, 2, 0] = np.nan
    table = to_long_table(values, [10, 20], per_step=True)
    assert table["time"].tolist() == [0, 2, 0]
    assert np.isnan(table["value_0"][1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"id_column": "nope", "time_column": "day"}, "no column 'nope'"),
        ({"id_column": "series", "time_column": "when"}, "no column 'when'"),
        (
            {"id_column": "series", "time_column": "day", "label_column": "y"},
            "no column 'y'",
        ),
        (
            {"id_column": "series", "time_column": "day", "feature_columns": ["w"]},
            "no column 'w'",
        ),
        (
            {"id_column": "series", "time_column": "day"},
            "Feature column 'label' contains strings",
        ),
        (
            {"id_column": "series", "time_column": "day", "dtype": int},
            "floating dtype",
        ),
    ],
)
def test_errors_for_columns(kwargs, message):
    with pytest.raises(ValueError, match=message):
        from_long_table(long_frame(), **kwargs)


def test_duplicate_id_and_time_is_an_error():
    frame = long_frame()
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="has more than one row at day ="):
        from_long_table(
            frame, id_column="series", time_column="day", label_column="label"
        )


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_missing_or_infinite_feature_is_an_error(value):
    frame = long_frame()
    frame.loc[frame["series"].eq("c") & frame["day"].eq("2024-01-02"), "x"] = value
    with pytest.raises(
        ValueError,
        match=r"Feature column 'x' is .* at id 'c', "
        r"time .*2024-01-02.* NaN marks padding",
    ):
        from_long_table(
            frame, id_column="series", time_column="day", label_column="label"
        )


def test_nullable_integer_feature_with_a_missing_value_is_an_error():
    table = pd.DataFrame(
        {"id": [0, 0], "t": [0, 1], "v": pd.array([1, None], dtype="Int64")}
    )
    with pytest.raises(ValueError, match="Feature column 'v'"):
        from_long_table(table, id_column="id", time_column="t")


@pytest.mark.parametrize(
    "column, what", [("series", "id"), ("day", "time"), ("label", "label")]
)
def test_missing_id_time_or_label_is_an_error(column, what):
    frame = long_frame()
    frame.loc[2, column] = None
    with pytest.raises(
        ValueError, match=f"The {what} column '{column}' has a missing value"
    ):
        from_long_table(
            frame, id_column="series", time_column="day", label_column="label"
        )


def test_conflicting_labels_are_an_error():
    frame = long_frame()
    frame.loc[frame["series"].eq("c") & frame["day"].eq("2024-01-03"), "label"] = "x"
    with pytest.raises(ValueError, match="Series 'c' has conflicting labels"):
        from_long_table(
            frame, id_column="series", time_column="day", label_column="label"
        )


@pytest.mark.parametrize(
    "table, message",
    [
        ({"id": [], "t": [], "v": []}, "no rows"),
        ({"id": [0, 1], "t": [0, 0]}, "no feature column"),
        ({"id": [0, 1], "t": [0], "v": [1.0, 2.0]}, "differ in length"),
        ({"id": [0], "t": [0], "v": [1 + 1j]}, "complex"),
    ],
)
def test_errors_for_tables(table, message):
    with pytest.raises(ValueError, match=message):
        from_long_table(table, id_column="id", time_column="t")


def test_table_must_be_a_mapping():
    with pytest.raises(TypeError, match="DataFrame or a mapping"):
        from_long_table(np.zeros((3, 3)), id_column=0, time_column=1)


@pytest.mark.parametrize(
    "values, kwargs, message",
    [
        (np.zeros((2, 3, 1)), {}, "set per_step=True"),
        (np.zeros(3), {}, "one entry per series"),
        (np.zeros((2, 2)), {"value_columns": ["a"]}, "1 names for 2 values"),
        (np.zeros(2), {"times": [[0], [0]]}, "only used with per_step=True"),
        (
            np.zeros((2, 2)),
            {"per_step": True, "times": [[0, 1], [0]]},
            r"times\[1\] has 1 values",
        ),
        (np.zeros(2), {"per_step": True}, "must have shape"),
        (np.array([["a"], ["b"]]), {"per_step": True}, "must be numbers"),
        # A column named twice would keep only its last values.
        (np.zeros(2), {"value_columns": "id"}, r"\['id'\] is given more than once"),
        (np.zeros((2, 2)), {"value_columns": ["p", "p"]}, r"\['p'\] is given more"),
        (
            np.zeros((2, 2)),
            {"per_step": True, "value_columns": "time"},
            r"\['time'\] is given more",
        ),
        (
            np.zeros((2, 2)),
            {"per_step": True, "id_column": "x", "time_column": "x"},
            r"\['x'\] is given more",
        ),
    ],
)
def test_to_long_table_errors(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        to_long_table(values, ["a", "b"], **kwargs)


# ---------------------------------------------------------------------------
# The warning when a long table is passed to fit as it is


def stacked_frame():
    """A long table: 3 series of 4 steps, with features x and z."""
    rng = np.random.RandomState(0)
    return pd.DataFrame(
        {
            "series_id": np.repeat([5, 6, 7], 4),
            "step": np.tile(np.arange(4), 3),
            "x": rng.normal(size=12),
            "z": rng.normal(size=12),
        }
    )


def quick_regressor():
    return BPTTRegressor(n_hidden=2, max_iter=2, alpha=1e-2, random_state=0)


@pytest.mark.parametrize(
    "make_X, hint",
    [
        (lambda f: f, "column 'series_id' is named like an id"),
        (lambda f: f[["step", "x"]], "column 'step' is named like an id or time"),
        (
            lambda f: f.set_index(["series_id", "step"]),
            "index level 'series_id' is named like",
        ),
        (lambda f: f.rename(columns={"step": "k"})[["k", "x"]], "column 'k' counts"),
        (lambda f: f.rename(columns={"series_id": "Series_ID"}), "'Series_ID'"),
        (
            lambda f: f.rename(columns={"step": "Timestamp"})[["Timestamp", "x"]],
            "Timestamp",
        ),
    ],
)
def test_fit_on_a_long_table_warns(make_X, hint):
    X = make_X(stacked_frame())
    y = np.arange(12.0)
    with pytest.warns(UserWarning, match=f"X looks like a long table.*{hint}"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            quick_regressor().fit(X, y)
    with pytest.warns(UserWarning, match="from_long_table"):
        SequenceStandardScaler().fit(X)


def ordinary_tables():
    """2D feature tables whose rows are samples: none of them may warn."""
    rng = np.random.RandomState(0)
    n = 60
    yield pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    yield pd.DataFrame(
        {
            "count": rng.poisson(2.0, size=n),  # small integers, unsorted
            "flag": np.tile([0, 1], n // 2),  # alternating 0/1
            "year": np.sort(rng.randint(2000, 2010, size=n)),  # sorted, repeats
            "index": np.arange(n),  # a single run 0, 1, 2, ...
            "level": np.repeat(np.arange(6), 10),  # sorted runs
            "width": rng.uniform(size=n),
            "time_of_day_minutes": rng.uniform(0, 1440, size=n),  # not "time"
        }
    )
    yield pd.DataFrame(rng.normal(size=(n, 2)), index=np.arange(n) * 3)
    yield pd.DataFrame(np.eye(4), columns=["w", "x", "y", "z"])
    # A grid of integer samples (scikit-learn's check_sample_weights_pandas_series).
    yield pd.DataFrame([[i, j] for i in (1, 2, 3) for j in (1, 2, 3, 4)])


@pytest.mark.parametrize("X", list(ordinary_tables()))
def test_fit_on_ordinary_tables_does_not_warn(X):
    y = np.arange(len(X), dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Unscaled columns (years, minutes) rightly warn that they saturate
        # the units, and y of 0 to 59 that it is spread wide; no table here
        # may be taken for a long table.
        warnings.filterwarnings("ignore", "Features of large magnitude")
        warnings.filterwarnings("ignore", "Targets of large spread")
        quick_regressor().fit(X, y)
        SequenceStandardScaler().fit(X)


def test_only_fit_on_a_dataframe_warns():
    frame = stacked_frame()
    with pytest.warns(UserWarning, match="long table"):
        scaler = SequenceStandardScaler().fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaler.transform(frame)  # a later call: no second warning
        SequenceStandardScaler().fit(frame.to_numpy())  # no names, no hint
        X, _, _ = from_long_table(frame, id_column="series_id", time_column="step")
        SequenceStandardScaler().fit(X)


def test_an_ordered_categorical_time_sorts_by_its_categories():
    months = pd.Categorical(
        ["Mar", "Jan", "Feb"] * 2, categories=["Jan", "Feb", "Mar"], ordered=True
    )
    table = pd.DataFrame(
        {"id": [1, 1, 1, 2, 2, 2], "month": months, "v": [3.0, 1, 2] * 2}
    )
    X, _, _, times = from_long_table(
        table, id_column="id", time_column="month", return_times=True
    )
    assert_array_equal(X[:, :, 0], [[1, 2, 3], [1, 2, 3]])
    assert times[0].tolist() == ["Jan", "Feb", "Mar"]


@pytest.mark.parametrize(
    "times, problem",
    [
        (["10", "9", "2"], "holds strings"),
        (pd.Categorical(["b", "a", "c"]), "holds strings"),  # unordered
        ([0, "1", 2], "holds strings"),
        ([0, 1.5, pd.Timestamp("2020")], "mixes values that do not sort"),
    ],
)
def test_times_without_a_time_order_are_errors(times, problem):
    table = pd.DataFrame({"id": [1, 1, 1], "t": times, "v": [1.0, 2, 3]})
    with pytest.raises(ValueError, match=f"time column 't' {problem}"):
        from_long_table(table, id_column="id", time_column="t")


def test_an_unordered_categorical_of_numbers_sorts_by_its_values():
    times = pd.Categorical([3, 1, 2])
    table = pd.DataFrame({"id": [1, 1, 1], "t": times, "v": [3.0, 1.0, 2.0]})
    X, _, _ = from_long_table(table, id_column="id", time_column="t")
    assert_array_equal(X[0, :, 0], [1.0, 2.0, 3.0])


def test_ids_that_do_not_sort_together_are_an_error():
    table = pd.DataFrame({"id": ["b", 1, 1, "b"], "t": [0, 0, 1, 1], "v": [1.0] * 4})
    with pytest.raises(ValueError, match="id column 'id' mixes values .*int, str"):
        from_long_table(table, id_column="id", time_column="t")


def test_messages_show_the_tables_values_plainly():
    table = pd.DataFrame({"id": ["a", "a"], "t": [0, 0], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="more than one row at t = 0;"):
        from_long_table(table, id_column="id", time_column="t")
    table = pd.DataFrame({"id": ["a", "a"], "t": [0, 1], "v": [1.0, np.nan]})
    with pytest.raises(ValueError, match="is nan at id 'a', time 1\\."):
        from_long_table(table, id_column="id", time_column="t")


def test_a_dataframe_of_values_keeps_its_column_names():
    values = pd.DataFrame({"p": [1.0, 2.0], "q": [3.0, 4.0]})
    table = to_long_table(values, np.array(["a", "b"]))
    assert list(table.columns) == ["id", "p", "q"]
    assert_array_equal(table["q"], [3.0, 4.0])


def test_no_series_to_write_is_an_error():
    with pytest.raises(ValueError, match="values and ids are empty"):
        to_long_table(np.zeros(0), np.array([]))
