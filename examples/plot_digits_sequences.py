"""
==============================
Digits read row by row
==============================

scikit-learn's 8x8 images of handwritten digits, read by a recurrent network
as sequences: 8 steps, one image row of 8 pixels per step, top row first
(:func:`~sklearn_bptt.datasets.load_digits_sequences`). The network sees
only one row at a time, so it must keep what matters of the rows above in
its 64 hidden units.

This is plain sequence-to-one classification, the default of
:class:`~sklearn_bptt.BPTTAttractorClassifier`: with ``n_settle_steps=0`` and
``n_target_steps=1`` it is trained on the class probabilities after the last
row only.
"""

# %%
# Training
# --------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from sklearn_bptt import BPTTAttractorClassifier
from sklearn_bptt.datasets import load_digits_sequences

X, y = load_digits_sequences()
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=450, stratify=y, random_state=0
)
print("training sequences:", X_train.shape, " held out:", X_test.shape)

# 200 L-BFGS iterations, instead of the default 500, keep the example quick.
# Stopping there raises a ConvergenceWarning, silenced here. frame_length=1
# reads the image row by row: the default would also cross-validate reading
# it whole, as one input of 64 pixels, which scores as well on digits but
# has no rows to watch.
clf = BPTTAttractorClassifier(max_iter=200, frame_length=1, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train)
print(f"{clf.n_iter_} L-BFGS iterations")
print(f"held-out accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# A network that answers early
# ----------------------------
# The model above was trained on its answer after the last row only. A
# second model gets the class as the target after *every* row
# (``n_target_steps=8``): it must guess from the first row on, and revise the
# guess as more rows arrive. (100 iterations suffice to show the contrast.)
early = BPTTAttractorClassifier(n_target_steps=8, max_iter=100, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    early.fit(X_train, y_train)
print(f"held-out accuracy of the early guesser: {early.score(X_test, y_test):.3f}")

# %%
# What each network believes after each row
# -----------------------------------------
# :meth:`~sklearn_bptt.BPTTAttractorClassifier.trajectory` reads the class
# probabilities out of the hidden state after every row. Top: the image.
# Middle: the last-row model, whose read-out means nothing until the last
# row, since only that row was trained; before it, the hidden state is a
# memory of the rows so far, not a guess. Bottom: the early guesser, whose
# belief sharpens row by row.
models = {"trained on the last row": clf, "trained on every row": early}
shown = [0, 1, 2, 3, 4]
fig, axes = plt.subplots(3, len(shown), figsize=(12, 7.5))
for column, i in enumerate(shown):
    axes[0, column].imshow(X_test[i], cmap="gray_r", vmin=0, vmax=1)
    axes[0, column].set_title(f"digit {y_test[i]}")
    axes[0, column].set_xticks([])
    axes[0, column].set_yticks(range(8), [f"row {r + 1}" for r in range(8)])
    for row, (name, model) in enumerate(models.items(), start=1):
        proba = model.trajectory(X_test[i : i + 1]).proba[0, 1:]  # after rows 1..8
        axes[row, column].imshow(proba, cmap="Blues", vmin=0, vmax=1)
        axes[row, column].set_xticks(range(10))
        axes[row, column].set_yticks(range(8), [f"row {r + 1}" for r in range(8)])
        if column == 0:
            axes[row, column].set_ylabel(name)
    axes[2, column].set_xlabel("P(class) after each row")
for ax in axes.ravel():
    ax.tick_params(labelsize=7)
fig.tight_layout()

# %%
# How many rows does each one need?
# ---------------------------------
# Taking the most probable class after ``r`` rows gives an accuracy for every
# ``r``. The early guesser is right about a third of the time after one row
# and improves with every row; the cost of answering early is a lower
# accuracy at the end, since its hidden units also serve the early answers.
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for name, model in models.items():
    proba = model.trajectory(X_test).proba[:, 1:]  # (450, 8, 10)
    predicted = model.classes_[proba.argmax(axis=2)]
    accuracy = (predicted == y_test[:, np.newaxis]).mean(axis=0)
    ax.plot(np.arange(1, 9), accuracy, "o-", label=name)
ax.axhline(0.1, color="0.6", linestyle=":", label="chance")
ax.set_xlabel("rows read")
ax.set_ylabel("held-out accuracy")
ax.set_ylim(0, 1)
ax.legend(loc="upper left")
fig.tight_layout()

# %%
# Errors of the last-row model
# ----------------------------
ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, colorbar=False)
plt.show()
