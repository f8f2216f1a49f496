"""
==============================
Sequences of different lengths
==============================

Real sequences rarely share one length. The estimators take them in one 3D
array padded at the end with steps that are NaN in every feature;
:func:`~sklearn_bptt.preprocessing.to_padded_array` builds that array from a
list of sequences. Past its own last step a sequence's hidden state is
frozen, so its prediction comes from its own last real step and the padding
changes nothing.

The task: every sequence is a noisy sine wave of random phase, 5 to 30 steps
long, and the target is its frequency.
"""

# %%
# A list of sequences, padded into one array
# ------------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.preprocessing import to_padded_array

rng = np.random.RandomState(0)


def noisy_sines(n_samples):
    """Sines of 5 to 30 steps; the target is in cycles per 10 steps."""
    frequency = rng.uniform(0.5, 2.5, size=n_samples)
    sequences = []
    for f in frequency:
        steps = np.arange(rng.randint(5, 31))
        phase = rng.uniform(0, 2 * np.pi)
        noise = rng.normal(scale=0.1, size=steps.size)
        sequences.append(np.sin(2 * np.pi * f * steps / 10 + phase) + noise)
    return sequences, frequency


train_sequences, y_train = noisy_sines(300)
test_sequences, y_test = noisy_sines(300)
print("lengths of the first five:", [len(s) for s in train_sequences[:5]])

X_train = to_padded_array(train_sequences, n_timesteps=30)
X_test = to_padded_array(test_sequences, n_timesteps=30)
print("padded array:", X_train.shape)

# %%
# Each row of the image is one sequence, sorted by length; white is NaN
# padding.
order = np.argsort([len(s) for s in train_sequences[:40]])
fig, ax = plt.subplots(figsize=(8, 4))
image = ax.imshow(
    X_train[order, :, 0],
    cmap="coolwarm",
    vmin=-1.2,
    vmax=1.2,
    aspect="auto",
    extent=(0.5, 30.5, 39.5, -0.5),
)
ax.set_xlabel("step")
ax.set_ylabel("sequence (sorted by length)")
ax.set_title("40 training sequences in one NaN-padded array")
fig.colorbar(image, ax=ax, label="value")
fig.tight_layout()

# %%
# Fitting and checking
# --------------------
# 300 L-BFGS iterations are enough here; the ConvergenceWarning saying that
# the loss could still go down a little is silenced.
model = BPTTRegressor(n_hidden=6, max_iter=300, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
print(f"R^2 on held-out sequences: {model.score(X_test, y_test):.3f}")

# %%
# The padding does not change a prediction: a sequence given alone, with no
# padding at all, is predicted exactly as inside the padded array.
alone = model.predict(np.asarray(test_sequences[0]).reshape(1, -1, 1))
in_array = model.predict(X_test[:1])
print(f"alone: {alone[0]:.6f}  padded: {in_array[0]:.6f}")

# %%
# Predicted against true frequency
# --------------------------------
# Every point is one held-out sequence, coloured by its length. Short
# sequences hold less than one cycle of the slow sines, so their estimates
# spread more; the long ones sit on the diagonal.
lengths = np.array([len(s) for s in test_sequences])
y_pred = model.predict(X_test)
fig, ax = plt.subplots(figsize=(6, 5))
points = ax.scatter(y_test, y_pred, c=lengths, cmap="viridis", s=14)
ax.plot([0.5, 2.5], [0.5, 2.5], "k--", linewidth=1)
ax.set_xlabel("true frequency (cycles per 10 steps)")
ax.set_ylabel("predicted frequency")
fig.colorbar(points, ax=ax, label="sequence length (steps)")
fig.tight_layout()
plt.show()
