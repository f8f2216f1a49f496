"""
==================================================
A recurrent net is a feed-forward net, unrolled
==================================================

A recurrent network run for ``T`` steps computes exactly what a ``T``-layer
feed-forward network computes when every layer uses the same weights. This
example draws that picture, then the ways the estimators take inputs and
targets. It fits nothing; the figures are what the
:ref:`user guide <user_guide>` refers to.

The hidden state follows ::

    h_0 = initial_state_
    h_t = f(x_t @ input_weights_ + h_{t-1} @ recurrent_weights_ + hidden_bias_)
    o_t = h_t @ output_weights_ + output_bias_
"""

# %%
# Drawing helpers
# ---------------
# A node is a rounded box; an arrow carries a label naming the weight matrix
# it stands for. Every box and arrow is placed by hand in data coordinates.
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

COLOURS = {
    "input": "#9ecae1",
    "hidden": "#fdd0a2",
    "initial": "#fdae6b",
    "output": "#a1d99b",
    "target": "#31a354",
    "none": "#f0f0f0",
}


def node(ax, x, y, text, kind, width=0.8, height=0.5):
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.03,rounding_size=0.12",
            facecolor=COLOURS[kind],
            edgecolor="black",
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def arrow(ax, start, end, text=None, colour="black", rad=0.0, offset=(0, 0)):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=12,
            color=colour,
            linewidth=1.3,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
        )
    )
    if text:
        x = (start[0] + end[0]) / 2 + offset[0]
        y = (start[1] + end[1]) / 2 + offset[1]
        ax.text(x, y, text, ha="center", va="center", fontsize=9, color=colour)


def blank(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


# %%
# The folded net and the unrolled net
# -----------------------------------
# Left: the recurrent net as it is usually drawn, with a loop from the hidden
# units back to themselves. Right: the same net run for four steps. Each
# column is one step, each hidden box one layer of a feed-forward net, and
# every arrow of one colour is a copy of the *same* weight matrix. The stack
# of hidden states ``h_0, ..., h_T`` is what the forward pass stores and what
# the backward pass peels off again, from the last step to the first.
T = 4
fig, (ax_folded, ax_unrolled) = plt.subplots(
    1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 3.2]}
)

blank(ax_folded, (-1.2, 1.6), (-0.4, 3.4))
node(ax_folded, 0, 0, "$x_t$", "input")
node(ax_folded, 0, 1.5, "$h_t$", "hidden")
node(ax_folded, 0, 3, "$o_t$", "output")
arrow(ax_folded, (0, 0.25), (0, 1.25), "input_weights_", "tab:blue")
arrow(ax_folded, (0, 1.75), (0, 2.75), "output_weights_", "tab:green")
arrow(ax_folded, (0.4, 1.6), (0.4, 1.4), None, "tab:red", rad=-3.5)  # the loop
ax_folded.text(
    0.9, 1.5, "recurrent_\nweights_", color="tab:red", fontsize=9, va="center"
)
ax_folded.set_title("recurrent net")

blank(ax_unrolled, (-1.0, 2.0 * T + 0.8), (-0.4, 3.4))
node(ax_unrolled, 0, 1.5, "$h_0$", "initial")
ax_unrolled.text(
    0, 0.85, "learned\ninitial state", ha="center", va="center", fontsize=9
)
for t in range(1, T + 1):
    x = 2.0 * t
    node(ax_unrolled, x, 0, f"$x_{t}$", "input")
    node(ax_unrolled, x, 1.5, f"$h_{t}$", "hidden")
    node(ax_unrolled, x, 3, f"$o_{t}$", "output")
    arrow(ax_unrolled, (x, 0.25), (x, 1.25), None, "tab:blue")
    arrow(ax_unrolled, (x, 1.75), (x, 2.75), None, "tab:green")
    arrow(ax_unrolled, (x - 1.6, 1.5), (x - 0.4, 1.5), None, "tab:red")
ax_unrolled.text(
    1.0,
    1.95,
    "recurrent_\nweights_",
    color="tab:red",
    ha="center",
    va="center",
    fontsize=8,
)
ax_unrolled.text(
    2.0 * T + 0.5, 0.75, "input_\nweights_", color="tab:blue", fontsize=8, va="center"
)
ax_unrolled.text(
    2.0 * T + 0.5, 2.25, "output_\nweights_", color="tab:green", fontsize=8, va="center"
)
ax_unrolled.set_title(
    "the same net unrolled for T = 4 steps: one layer per step, one set of weights"
)
fig.tight_layout()

# %%
# Shared weights, summed gradients
# --------------------------------
# Backpropagation through the unrolled net gives a gradient for every copy of
# a weight matrix, as if the copies were free to differ. Keeping them equal
# is a linear constraint, and backprop keeps linear constraints by changing
# the gradient: every copy gets the *sum* of the copies' gradients, so copies
# that start equal stay equal. The estimators therefore compute, for
# example, ``d recurrent_weights_ = sum over t of h_{t-1}^T @ delta_t`` in one
# matrix product after the backward loop. Carrying the error past the first
# layer gives the gradient of the initial state ``h_0``, which is learned like
# any weight.
fig, ax = plt.subplots(figsize=(11, 2.8))
blank(ax, (-1.0, 2.0 * T + 1.2), (0.4, 2.6))
node(ax, 0, 1.5, "$h_0$", "initial")
for t in range(1, T + 1):
    x = 2.0 * t
    node(ax, x, 1.5, f"$h_{t}$", "hidden")
    arrow(ax, (x - 1.6, 1.6), (x - 0.4, 1.6), None, "tab:red")
    arrow(ax, (x - 0.4, 1.35), (x - 1.6, 1.35), None, "tab:purple")
    ax.text(
        x - 1.0,
        2.05,
        f"$\\partial E / \\partial W^{{({t})}}$",
        ha="center",
        fontsize=10,
        color="tab:red",
    )
ax.text(
    -0.1,
    0.75,
    "$\\partial E / \\partial h_0$",
    ha="center",
    fontsize=10,
    color="tab:purple",
)
ax.text(
    2.0 * T + 0.6,
    1.5,
    "$\\partial E / \\partial W = \\sum_t \\partial E / \\partial W^{(t)}$",
    fontsize=11,
    va="center",
)
ax.text(
    T,
    0.65,
    "backward pass: from the last step to the first",
    ha="center",
    fontsize=9,
    color="tab:purple",
)
fig.tight_layout()

# %%
# Ways to give inputs and targets
# -------------------------------
# Each panel is one unrolled net, read from left to right. Blue boxes carry an
# input, grey ones none; a green output box has a target, a pale one has none.
#
# * **3D X, target at the end** (``BPTTRegressor()``): an input at every step,
#   one target after the last step.
# * **3D X, targets over the last steps** (``BPTTAttractorClassifier``): the
#   net reads the input, runs ``n_settle_steps`` free steps, and the target
#   holds over the last ``n_target_steps``: it must *settle* there, not pass
#   through. Each targeted step adds its error derivative as the backward
#   pass reaches it.
# * **3D X, a target at every step** (``BPTTRegressor(output="sequence")``);
#   NaN in ``y`` removes a target, here at steps 2 and 4.
# * **2D X**: the input is given once and sets where the net starts; the net
#   then runs free.


def unrolled(ax, title, inputs, targets, n_steps, no_target=""):
    blank(ax, (-0.8, 1.5 * 7 + 0.6), (-0.5, 3.5))
    node(ax, 0, 1.5, "$h_0$", "initial", width=0.7)
    for t in range(1, n_steps + 1):
        x = 1.5 * t
        has_input, has_target = t in inputs, t in targets
        node(
            ax,
            x,
            0,
            "$x$" if has_input else "",
            "input" if has_input else "none",
            width=0.7,
        )
        node(ax, x, 1.5, f"$h_{{{t}}}$", "hidden", width=0.7)
        node(
            ax,
            x,
            3,
            "$y$" if has_target else no_target,
            "target" if has_target else "none",
            width=0.7,
        )
        arrow(ax, (x - 1.15, 1.5), (x - 0.35, 1.5), None, "tab:red")
        if has_input:
            arrow(ax, (x, 0.25), (x, 1.25), None, "tab:blue")
        if has_target:
            arrow(ax, (x, 1.75), (x, 2.75), None, "tab:green")
    ax.set_title(title, fontsize=10)


fig, axes = plt.subplots(2, 2, figsize=(11, 4.6))
unrolled(axes[0, 0], "3D X, target after the last step", range(1, 6), {5}, 5)
unrolled(
    axes[0, 1],
    "3D X, 3 input steps + 4 settle steps, target over the last 3",
    range(1, 4),
    {5, 6, 7},
    7,
)
unrolled(
    axes[1, 0],
    'output="sequence": a target at every step, NaN = none',
    range(1, 6),
    {1, 3, 5},
    5,
    no_target="NaN",
)
unrolled(
    axes[1, 1], "2D X: the input sets the start, then the net runs free", {1}, {4, 5}, 5
)
fig.tight_layout()
plt.show()
