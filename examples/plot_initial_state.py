"""
==========================================
A learned initial state against a zero one
==========================================

Before the first step the hidden units must be in *some* state. A fixed guess
such as zero is the usual choice; these estimators instead treat the initial
state ``h_0`` as a parameter, and learn it like the weights, from the gradient
carried back through time all the way to step 0
(``learn_initial_state=True``, the default).

The task shows why it matters. A network with a single hidden unit must act
as a latch: its output at each step is -1 until some input has exceeded 0.8,
and +1 from then on. One tanh unit with a strong self-connection has two
stable states, near -1 ("off") and near +1 ("on"), and can do this, but only
if it starts in the "off" state. Zero lies between the two.
"""

# %%
# The latch task
# --------------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_bptt import BPTTRegressor


def latch_task(n_samples, rng, n_timesteps=8):
    X = rng.uniform(-1, 1, size=(n_samples, n_timesteps, 1))
    triggered = np.maximum.accumulate(X[:, :, 0], axis=1) > 0.8
    return X, np.where(triggered, 1.0, -1.0)


rng = np.random.RandomState(0)
X_train, Y_train = latch_task(200, rng)
X_test, Y_test = latch_task(500, rng)

# %%
# Two one-unit networks
# ---------------------
# Identical but for the initial state: learned, or held at zero. With
# ``output="sequence"`` each is trained on the output at every step. Both are
# plain networks (``time_constant=1``): a latch must switch in one step, which
# a slow, leaky unit cannot.
plain = dict(n_hidden=1, output="sequence", time_constant=1, random_state=0)
models = {
    "learned h_0": BPTTRegressor(**plain),
    "h_0 = 0": BPTTRegressor(**plain, learn_initial_state=False),
}
for name, model in models.items():
    model.fit(X_train, Y_train)
    print(
        f"{name:12s} initial state {model.initial_state_[0]:+.3f}   "
        f"held-out R^2 {model.score(X_test, Y_test):.3f}"
    )

# %%
# The learned network sets its initial state to about -1: the "off" state.
# Its weights make a clean latch. The unit's input is
# ``w_in * x + w_rec * h + b``: from ``h = -1`` it turns positive only when
# ``x`` exceeds ``(w_rec - b) / w_in``, and from ``h = +1`` it stays
# positive for any input in [-1, 1] when ``w_rec + b > w_in``.
learned = models["learned h_0"]
w_in = learned.input_weights_[0, 0]
w_rec = learned.recurrent_weights_[0, 0]
b = learned.hidden_bias_[0]
print(f"w_in = {w_in:.1f}, w_rec = {w_rec:.1f}, b = {b:.1f}")
print(f"switches on when x > {(w_rec - b) / w_in:.3f}")
print(f"stays on for any input in [-1, 1]: {w_rec + b > w_in}")

# %%
# Step by step
# ------------
# Three held-out sequences: the input (bars, with the 0.8 threshold), the
# target, and each network's output. Started from zero, the second network
# cannot tell "not yet triggered" from "just started", and its outputs hover
# in between; started from the learned state, the first one switches on
# exactly when the input first exceeds the threshold, or never.
first_trigger = np.argmax(Y_test > 0, axis=1)  # 0 also when never triggered
shown = [
    np.flatnonzero(Y_test.max(axis=1) < 0)[0],  # never triggered
    np.flatnonzero(first_trigger == 2)[0],  # triggered at step 3
    np.flatnonzero(first_trigger == 5)[0],  # triggered at step 6
]
steps = np.arange(1, 9)
fig, axes = plt.subplots(2, 3, figsize=(12, 5.5), sharex=True, height_ratios=[1, 1.4])
for column, i in enumerate(shown):
    ax = axes[0, column]
    ax.bar(steps, X_test[i, :, 0], color="0.7")
    ax.axhline(0.8, color="tab:red", linestyle="--", linewidth=1)
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(f"held-out sequence {i}")
    ax = axes[1, column]
    ax.step(steps, Y_test[i], where="mid", color="black", linewidth=2, label="target")
    for (name, model), colour in zip(
        models.items(), ["tab:blue", "tab:orange"], strict=True
    ):
        ax.plot(
            steps, model.predict(X_test[i : i + 1])[0], "o-", color=colour, label=name
        )
    ax.set_ylim(-1.6, 1.6)
    ax.set_xlabel("step")
axes[0, 0].set_ylabel("input x(t)")
axes[1, 0].set_ylabel("output")
axes[1, 0].legend(loc="upper left", fontsize=9)
fig.tight_layout()

# %%
# Where the unit starts
# ---------------------
# With a single unit the hidden state is one number, and one step is a map
# from ``h_(t-1)`` to ``h_t``. The curves are that map for the learned
# weights, with an input of 0 (solid) and of 0.9 (dashed). Where a curve
# crosses the diagonal ``h_t = h_(t-1)`` the state stays put: with an input
# of 0 there are two stable fixed points, -1 and +1, and an unstable one
# near -0.5 that separates them. The thin lines follow the state for two
# steps of zero input. From the learned initial state (blue star) the unit
# stays "off"; from zero (orange star) these weights would switch it "on"
# at the first step. A network held at ``h_0 = 0`` cannot use such weights,
# which is why the second network settles for a weak, leaky unit instead.
h = np.linspace(-1.2, 1.2, 400)


def step(state, x=0.0):
    return np.tanh(w_in * x + w_rec * state + b)


fig, ax = plt.subplots(figsize=(5.5, 5.5))
ax.plot(h, step(h), color="tab:blue", label="one step, input 0")
ax.plot(h, step(h, 0.9), "--", color="tab:blue", label="one step, input 0.9")
ax.plot(h, h, color="0.6", linewidth=1)
for start, colour, name in [
    (learned.initial_state_[0], "tab:blue", "learned h_0"),
    (0.0, "tab:orange", "h_0 = 0"),
]:
    path = [start]
    for _ in range(2):
        path.append(step(path[-1]))
    corners = np.repeat(path, 2)  # (h0, h0, h1, h1, h2, h2)
    ax.plot(corners[:-1], corners[1:], color=colour, linewidth=1)
    ax.plot(start, start, "*", color=colour, markersize=16, label=name)
ax.set_xlim(-1.25, 1.25)
ax.set_ylim(-1.25, 1.25)
ax.set_xlabel("h_(t-1)")
ax.set_ylabel("h_t")
ax.legend(loc="center right", fontsize=9)
fig.tight_layout()
plt.show()
