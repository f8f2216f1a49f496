"""
=====================
Watching L-BFGS train
=====================

Every fit records the loss after each L-BFGS iteration in ``loss_curve_``.
This example trains small networks on the adding problem of Hochreiter and
Schmidhuber (1997) and plots those curves.

In the adding problem each step carries a random value and a marker; the
target is the sum of the two marked values, one in each half of a
30-step sequence (the easier form of Le, Jaitly and Hinton, 2015:
:func:`~sklearn_bptt.datasets.make_adding_problem` with
``variant="le2015"``). A network that has not found the markers can do no
better than predict the mean target, and its loss then sits at half the
variance of the target.
"""

# %%
# Fitting with different seeds and sizes
# --------------------------------------
# One L-BFGS iteration is one step along a direction built from the current
# gradient and the last few gradient differences, followed by a line search
# that may evaluate the loss more than once. Every evaluation is a forward
# and a backward pass over the whole training set, so the curve is
# deterministic: the same data and ``random_state`` give the same curve.
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.datasets import make_adding_problem

X_train, y_train = make_adding_problem(400, 30, variant="le2015", random_state=0)
X_test, y_test = make_adding_problem(500, 30, variant="le2015", random_state=1)
baseline = y_train.var() / 2  # the loss of always predicting the mean


def fit(n_hidden, random_state):
    # One start each (the regressor's default is three short ones; see below).
    model = BPTTRegressor(
        n_hidden=n_hidden, n_init=1, max_iter=500, random_state=random_state
    )
    # 500 iterations are enough for a good model; the loss would still creep
    # down after them, which is what the warning would say.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X_train, y_train)


by_seed = {seed: fit(4, seed) for seed in range(4)}
by_size = {n_hidden: fit(n_hidden, 0) for n_hidden in (2, 8)}
by_size[4] = by_seed[0]
for seed, model in by_seed.items():
    print(
        f"n_hidden=4, random_state={seed}: final loss {model.loss_:.5f}, "
        f"held-out R^2 {model.score(X_test, y_test):.3f}"
    )

# %%
# The curves
# ----------
# The loss is on a log scale. Every run first leaves the starting point
# quickly, then lingers near the mean-prediction plateau while it looks for
# the markers, and drops once the network has found how to hold the first
# marked value. Different starting points linger for different times: this
# is what ``n_init`` guards against. By default the regressor runs three
# starts for ``init_max_iter=150`` iterations each and only the one with the
# lowest loss goes on; ``init_max_iter=None`` runs every start to the end
# and keeps the lowest final loss.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for seed, model in by_seed.items():
    axes[0].plot(model.loss_curve_, label=f"random_state={seed}")
axes[0].set_title("n_hidden=4, four starting points")
for n_hidden in sorted(by_size):
    axes[1].plot(by_size[n_hidden].loss_curve_, label=f"n_hidden={n_hidden}")
axes[1].set_title("random_state=0, three sizes")
for ax in axes:
    ax.axhline(baseline, color="0.5", linestyle=":", label="predicting the mean")
    ax.set_yscale("log")
    ax.set_xlabel("L-BFGS iteration")
    ax.legend(fontsize=9)
axes[0].set_ylabel("training loss (squared error / 2 + penalty)")
fig.tight_layout()
plt.show()

# %%
# Watching a fit as it runs
# -------------------------
# ``verbose=1`` prints about twenty lines per fit: the iteration out of
# ``max_iter``, the loss, the precision of the phase (a ``mixed_precision``
# fit runs in float32 first, then in float64, with one count throughout) and
# the time so far; the last line says why the fit stopped, which
# ``stop_reason_`` keeps.
model = BPTTRegressor(n_hidden=4, n_init=1, max_iter=300, verbose=1, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
print(model.stop_reason_)
