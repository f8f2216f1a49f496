"""
==========================================
Classification by settling into attractors
==========================================

A :class:`~sklearn_bptt.BPTTAttractorClassifier` reads a sequence, then keeps
running with no input for ``n_settle_steps`` steps. Its class is the target
at each of the last ``n_target_steps`` of those steps, so training asks the
network to *settle* into a state that stands for the class and to stay there,
rather than pass through it. Each class then owns an attractor of the
network's free-running dynamics, and a sequence is classified by the
attractor it falls into.

The task: every sequence is 8 steps of noisy 2D evidence drawn around one of
three directions, 120 degrees apart; the class is the direction. A single
step is too noisy to tell, so the network must accumulate evidence.
:meth:`~sklearn_bptt.BPTTAttractorClassifier.trajectory` returns the hidden
states and class probabilities at every step, to watch it decide.
"""

# %%
# Data and model
# --------------
from copy import deepcopy

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from sklearn_bptt import BPTTAttractorClassifier

rng = np.random.RandomState(0)
angles = 2 * np.pi * np.arange(3) / 3
directions = np.column_stack([np.cos(angles), np.sin(angles)])


def noisy_evidence(n_samples, n_timesteps=8):
    y = rng.randint(3, size=n_samples)
    X = directions[y][:, np.newaxis, :] + rng.normal(size=(n_samples, n_timesteps, 2))
    return X, y


X_train, y_train = noisy_evidence(400)
X_test, y_test = noisy_evidence(500)

clf = BPTTAttractorClassifier(
    n_hidden=4, n_settle_steps=10, n_target_steps=6, alpha=1.0, random_state=0
)
# The fit ends by itself once its loss stops improving (``min_improvement``),
# after about 200 L-BFGS iterations here.
clf.fit(X_train, y_train)
print(f"held-out accuracy after 10 settle steps: {clf.score(X_test, y_test):.3f}")

# %%
# The attractors hold when the network runs longer than it was trained to:
# with 40 free steps instead of 10, the predictions barely change.
# Prediction reads ``n_settle_steps`` when it runs, so a copy of the fitted
# model with the parameter changed runs the same network for longer.
long_run = deepcopy(clf).set_params(n_settle_steps=40)
print(f"held-out accuracy after 40 settle steps: {long_run.score(X_test, y_test):.3f}")

# %%
# Hidden-state trajectories
# -------------------------
# Every line is one test sequence's path through the 4D hidden space,
# projected on its first two principal components. All paths start at the
# learned initial state (black star), wander while the noisy input arrives,
# and then, with no more input, run into one of three fixed points: one per
# class. Dots mark the state after the 8 input steps; squares the state
# after 40 free steps.
path = long_run.trajectory(X_test[:90])
states = path.hidden_states  # (90, 1 + 8 + 40, 4)
pca = PCA(n_components=2).fit(states.reshape(-1, states.shape[-1]))
projected = pca.transform(states.reshape(-1, states.shape[-1])).reshape(
    states.shape[0], states.shape[1], 2
)

colours = np.array(["tab:blue", "tab:orange", "tab:green"])
fig, ax = plt.subplots(figsize=(7, 6))
for sample in range(len(projected)):
    colour = colours[y_test[sample]]
    ax.plot(*projected[sample].T, color=colour, alpha=0.35, linewidth=1)
    ax.plot(*projected[sample, 8], "o", color=colour, markersize=4)
    ax.plot(
        *projected[sample, -1], "s", color=colour, markersize=7, markeredgecolor="black"
    )
ax.plot(*projected[0, 0], "*", color="black", markersize=18, label="initial state")
for label in range(3):
    ax.plot([], [], color=colours[label], label=f"class {label}")
ax.set_xlabel("first principal component")
ax.set_ylabel("second principal component")
ax.set_title("hidden states: 8 input steps, then 40 free-running steps")
ax.legend(loc="best")
fig.tight_layout()

# %%
# Class probabilities at every step
# ---------------------------------
# ``trajectory(X).proba`` holds the class probabilities read out at every
# step; index 0 is the initial state, index ``t`` the state after step ``t``.
# For each class, the plot follows the correctly classified test sequence
# that was hardest to call after 3 steps. The network hesitates while the
# evidence arrives (grey), then settles during the free steps. The training
# loss looked only at the purple window (the last 6 of 10 free steps); the
# probabilities stay put long after it.
early = long_run.trajectory(X_test).proba[:, 3]  # (500, 3), after 3 steps
correct = long_run.predict(X_test) == y_test
examples = [
    np.flatnonzero(correct & (y_test == label))[
        np.argmin(early[correct & (y_test == label)].max(axis=1))
    ]
    for label in range(3)
]
proba = long_run.trajectory(X_test[examples]).proba  # (3, 49, 3)
steps = np.arange(proba.shape[1])

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
for ax, label, p in zip(axes, range(3), proba, strict=True):
    ax.axvspan(0.5, 8.5, color="0.88", zorder=0)
    ax.axvspan(12.5, 18.5, color="tab:purple", alpha=0.2, zorder=0)
    for k in range(3):
        ax.plot(steps, p[:, k], color=colours[k], linewidth=2, label=f"P(class {k})")
    ax.text(4.5, 0.3, "input", ha="center", fontsize=9)
    ax.text(15.5, 0.3, "target\nwindow", ha="center", fontsize=9, color="tab:purple")
    ax.set_title(f"a sequence of class {label}")
    ax.set_xlabel("step")
    ax.set_ylim(-0.02, 1.02)
axes[0].set_ylabel("probability")
axes[-1].legend(loc="center right", fontsize=8)
fig.tight_layout()

# %%
# The fixed points themselves
# ---------------------------
# :meth:`~sklearn_bptt.BPTTAttractorClassifier.find_attractors` runs the free
# network for 300 steps from the end of every training sequence and groups
# the states where the runs come to rest. It returns the fixed points, the
# class read out at each, the fixed point every run ends at (its basin), and
# the distance from every run's state to its fixed point after each free
# step. A class may own more than one fixed point: the printout counts them,
# and how many training sequences of which class end at each.
found = clf.find_attractors(X_train, n_free_steps=300)
print(f"{len(found.fixed_points)} fixed points, of classes {found.classes}")
for point, label in enumerate(found.classes):
    in_basin = found.basin == point
    agree = np.mean(y_train[in_basin] == label)
    print(
        f"  fixed point {point} (class {label}): {in_basin.sum()} training "
        f"sequences end there, {agree:.0%} of them of that class"
    )
print(f"runs that had not settled after 300 steps: {np.sum(found.basin == -1)}")

# %%
# How fast the states converge: the distance to the fixed point falls
# geometrically (a straight line on the log scale) once the input has
# stopped; the training window (purple) ends long before the states are
# still. Each line is the median over the training sequences that end at one
# fixed point, coloured by its class; the band spans the 10th to 90th
# percentiles.
fig, ax = plt.subplots(figsize=(7, 4))
free_steps = np.arange(found.distance.shape[1])
for point, label in enumerate(found.classes):
    distance = found.distance[found.basin == point]
    low, median, high = np.percentile(distance, [10, 50, 90], axis=0)
    style = "-" if point == list(found.classes).index(label) else "--"
    ax.plot(
        free_steps,
        median,
        style,
        color=colours[label],
        label=f"fixed point {point} (class {label})",
    )
    ax.fill_between(free_steps, low, high, color=colours[label], alpha=0.2)
ax.axvspan(4.5, 10.5, color="tab:purple", alpha=0.2)
ax.set_yscale("log")
ax.set_xlabel("free steps after the input")
ax.set_ylabel("distance to the fixed point")
ax.set_xlim(0, 100)
ax.set_title("convergence to the attractors (training sequences)")
ax.legend()
fig.tight_layout()

# %%
# When a window of targets is not enough
# --------------------------------------
# On this task the window alone gives attractors that hold. That is not the
# rule. Here the class is the sign of the sum of 10 Gaussian steps, with 20
# hidden units. With the window alone, the state is in the right class
# region during the 10 trained free steps, but it is only passing through:
# the network has a single fixed point, of class 0, and every run ends
# there. Two weak
# penalties fix that: ``fixed_point_penalty`` (0.01) asks the window's states
# to stand still, and ``contraction_penalty`` (0.03) asks that a small push
# away from a free-running state shrink, so nearby states run into the same
# basin and the still state is a stable fixed point. The curves show
# held-out accuracy against how many free steps the network runs, with the
# trained 10 marked.
sign_rng = np.random.RandomState(0)


def sign_of_sum(n_samples):
    X = sign_rng.normal(size=(n_samples, 10, 1))
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


X_sign, y_sign = sign_of_sum(400)
X_sign_test, y_sign_test = sign_of_sum(600)
window = {"n_hidden": 20, "n_settle_steps": 10, "n_target_steps": 6}
fits = {
    "window alone": BPTTAttractorClassifier(**window, random_state=0),
    "window, fixed-point and contraction penalties": BPTTAttractorClassifier(
        **window, fixed_point_penalty=0.01, contraction_penalty=0.03, random_state=0
    ),
}
free_run_lengths = [10, 20, 40, 60, 80, 100]
fig, ax = plt.subplots(figsize=(7, 4))
for (name, model), colour in zip(fits.items(), ["tab:red", "tab:blue"], strict=True):
    model.fit(X_sign, y_sign)
    accuracy = [
        deepcopy(model).set_params(n_settle_steps=k).score(X_sign_test, y_sign_test)
        for k in free_run_lengths
    ]
    found = model.find_attractors(X_sign_test)
    print(
        f"{name}: accuracy {accuracy[0]:.3f} after 10 free steps, "
        f"{accuracy[-1]:.3f} after 100; the test runs end at "
        f"{len(found.fixed_points)} fixed point(s), of classes {found.classes}"
    )
    ax.plot(free_run_lengths, accuracy, "o-", color=colour, label=name)
ax.axvline(10, color="0.5", linestyle=":", label="trained free steps")
ax.set_xlabel("free steps after the input")
ax.set_ylabel("held-out accuracy")
ax.set_ylim(0.4, 1.0)
ax.set_title("sign of a sum: do the attractors hold?")
ax.legend(loc="center right")
fig.tight_layout()
plt.show()
