"""
=============================================
From a long table to predictions, and back
=============================================

Sequence data often arrives as a *long* table: one row per series and time
step, with a column naming the series, one giving the time, and one for each
measurement. :func:`~sklearn_bptt.preprocessing.from_long_table` turns such a
table into the NaN-padded 3D array the estimators take, one label per
series, and the series ids; :func:`~sklearn_bptt.preprocessing.to_long_table`
turns predictions back into a table to merge with the original.

The task: 300 sensor series of 15 to 30 hourly readings, each rising,
falling or peaking in its middle, at random levels and amplitudes. Only the
shape tells the class, so every series is z-normalised on its own with
:class:`~sklearn_bptt.preprocessing.SequenceZNormalizer`. A flat baseline,
:class:`~sklearn_bptt.preprocessing.SequenceFlattener` followed by logistic
regression, runs on the same table in the same kind of pipeline.
"""

# %%
# A long table
# ------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_bptt import BPTTAttractorClassifier
from sklearn_bptt.preprocessing import (
    SequenceFlattener,
    SequenceZNormalizer,
    from_long_table,
    to_long_table,
)

rng = np.random.RandomState(0)
SHAPES = {
    "rising": lambda u: u,
    "falling": lambda u: -u,
    "peak": lambda u: -np.abs(2 * u - 1),
}


def sensor_table(n_series):
    """One row per (sensor, hour): temperature and a noise channel."""
    parts = []
    for i in range(n_series):
        label = rng.choice(list(SHAPES))
        n_steps = rng.randint(15, 31)
        u = np.linspace(0, 1, n_steps)
        level, amplitude = rng.uniform(-20, 40), rng.uniform(2, 15)
        temperature = level + amplitude * SHAPES[label](u)
        parts.append(
            pd.DataFrame(
                {
                    "sensor": f"S{i:03d}",
                    "time": pd.Timestamp("2024-03-01")
                    + pd.to_timedelta(np.arange(n_steps), unit="h"),
                    "temperature": temperature + rng.normal(scale=0.1 * amplitude),
                    "humidity": rng.uniform(30, 70, size=n_steps),
                    "label": label,
                }
            )
        )
    # Rows in no particular order, as a database might return them.
    return pd.concat(parts).sample(frac=1.0, random_state=0, ignore_index=True)


table = sensor_table(300)
table.head()

# %%
# From the table to sequences
# ---------------------------
# One call builds the padded array, the label of every series (an error if a
# series had two) and the ids in the order of the rows of ``X``.
X, y, ids = from_long_table(
    table, id_column="sensor", time_column="time", label_column="label"
)
print(X.shape, y.shape, ids[:3])

# %%
# The steps of every series are in time order, and shorter series are padded
# at the end with NaN:
fig, ax = plt.subplots(figsize=(7, 3))
for i, color in zip(range(6), plt.cm.tab10.colors, strict=False):
    ax.plot(X[i, :, 0], color=color, label=f"{ids[i]} ({y[i]})")
ax.set_xlabel("step")
ax.set_ylabel("temperature")
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()

# %%
# Fitting on the table as it is would be a mistake: every row would be taken
# for a whole sequence of one step. ``fit`` warns about it when the table
# has an id or time column, or a column of step numbers.
#
# The recurrent classifier and a flat baseline
# --------------------------------------------
X_train, X_test, y_train, y_test, ids_train, ids_test = train_test_split(
    X, y, ids, test_size=0.3, random_state=0, stratify=y
)
recurrent = make_pipeline(
    SequenceZNormalizer(),
    BPTTAttractorClassifier(n_hidden=8, max_iter=150, random_state=0),
)
flat = make_pipeline(
    SequenceZNormalizer(), SequenceFlattener(), LogisticRegression(max_iter=1000)
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    recurrent.fit(X_train, y_train)
flat.fit(X_train, y_train)
print(f"recurrent net: {recurrent.score(X_test, y_test):.3f}")
print(f"flat baseline: {flat.score(X_test, y_test):.3f}")

# %%
# Both pipelines take the same 3D ``X``, so the baseline tells whether the
# recurrent net earns its cost. Here both get every test series right: the
# three shapes differ near the start and the end of a series, which the flat
# columns hold as well. On data like this, the baseline is the model to keep.
#
# Predictions back to a table
# ---------------------------
# One row per series, with the class probabilities as columns named after
# the classes, ready to merge with whatever else is known about the sensors.
proba = to_long_table(
    recurrent.predict_proba(X_test),
    ids_test,
    id_column="sensor",
    value_columns=recurrent.classes_,
)
predicted = to_long_table(
    recurrent.predict(X_test), ids_test, id_column="sensor", value_columns="predicted"
)
result = proba.merge(predicted, on="sensor")
result.head()
