"""
=====================================================
Sequence-to-sequence regression with missing targets
=====================================================

With ``output="sequence"`` a :class:`~sklearn_bptt.BPTTRegressor` has a
target at every step: ``y`` has shape ``(n_samples, n_timesteps, n_outputs)``
and the network's outputs at every step are trained against it. NaN in ``y``
means "no target here", so a data set may leave any output at any step
without a target.

The network reads a random signal and produces two outputs at every step:

* a smoothed copy of the input, the exponential moving average
  ``m_t = 0.7 m_{t-1} + 0.3 x_t``;
* the input of three steps before, ``x_{t-3}``: an echo that must be held in
  the hidden state for three steps. It is undefined for the first three steps,
  where the target is NaN.

On top of that, half of all the remaining training targets are removed
(set to NaN) at random.
"""

# %%
# The data
# --------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_bptt import BPTTRegressor

DELAY = 3


def make_signals(n_samples, n_timesteps, rng):
    X = rng.uniform(-1, 1, size=(n_samples, n_timesteps, 1))
    smoothed = np.zeros((n_samples, n_timesteps))
    average = np.zeros(n_samples)
    for t in range(n_timesteps):
        average = 0.7 * average + 0.3 * X[:, t, 0]
        smoothed[:, t] = average
    echo = np.full((n_samples, n_timesteps), np.nan)  # no target before step 3
    echo[:, DELAY:] = X[:, :-DELAY, 0]
    return X, np.stack([smoothed, echo], axis=2)


rng = np.random.RandomState(0)
X_train, Y_train = make_signals(150, 25, rng)
X_test, Y_test = make_signals(200, 25, rng)
Y_train[rng.uniform(size=Y_train.shape) < 0.5] = np.nan
print("X_train:", X_train.shape, " Y_train:", Y_train.shape)
print(f"targets given: {np.mean(~np.isnan(Y_train)):.0%} of all entries")

# %%
# The targets the network is shown
# --------------------------------
# Each row is one training sequence, each column one step; white cells are
# NaN. The echo output has no target at all in its first three columns.
fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
for ax, k, name in zip(
    axes, range(2), ["moving average", "echo of x(t-3)"], strict=True
):
    ax.imshow(
        Y_train[:20, :, k],
        cmap="coolwarm",
        vmin=-1,
        vmax=1,
        aspect="auto",
        extent=(0.5, 25.5, 19.5, -0.5),  # steps numbered from 1
    )
    ax.set_title(f"training targets, output {k}: {name}")
    ax.set_xlabel("step")
axes[0].set_ylabel("sequence")
fig.tight_layout()

# %%
# Fitting
# -------
# The loss is the mean squared error over the entries that have a target;
# NaN entries add nothing to the loss and nothing to the gradient.
model = BPTTRegressor(n_hidden=6, output="sequence", max_iter=1000, random_state=0)
model.fit(X_train, Y_train)
print(f"L-BFGS iterations: {model.n_iter_}")
print(f"R^2 over every test target: {model.score(X_test, Y_test):.4f}")

# %%
# Predictions on a new sequence
# -----------------------------
# ``predict`` returns an output at every step, including the steps that
# never had a target in training (the echo's first three steps are
# meaningless, and left out of the plot).
Y_pred = model.predict(X_test)
print("prediction:", Y_pred.shape)

steps = np.arange(1, 26)
fig, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
for ax, k, name in zip(
    axes, range(2), ["moving average", "echo of x(t-3)"], strict=True
):
    ax.step(steps, X_test[0, :, 0], where="mid", color="0.75", label="input x(t)")
    ax.plot(steps, Y_test[0, :, k], "k-", linewidth=1.5, label="target")
    predicted = Y_pred[0, :, k].copy()
    if k == 1:
        predicted[:DELAY] = np.nan
    ax.plot(steps, predicted, "o", color="tab:orange", markersize=5, label="prediction")
    ax.set_ylabel(f"output {k}")
    ax.set_title(name, loc="left", fontsize=10)
axes[0].legend(loc="upper right", ncol=3, fontsize=9)
axes[1].set_xlabel("step")
fig.tight_layout()
plt.show()
