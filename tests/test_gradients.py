"""The engine's gradient against central finite differences, every coordinate.

Each case builds a tiny problem and compares ``Objective``'s gradient with
``(loss(theta + eps e_i) - loss(theta - eps e_i)) / (2 eps)`` for every
coordinate ``i``, in float64.
"""

import numpy as np
import pytest

from sklearn_bptt._engine import (
    FinalWindowTargets,
    Objective,
    ParameterLayout,
    SequenceTargets,
    contraction_term,
    fixed_point_term,
    forward,
    plan_chunks,
    pull,
)
from sklearn_bptt._functions import ACTIVATIONS, smoothed_labels

N_SAMPLES, N_STEPS, N_FEATURES, N_HIDDEN, N_OUTPUTS = 5, 6, 2, 3, 2
EPS = 1e-6

# Leak rates (1 / time constant): one for all units, one per unit (a plain
# unit among them), or learned, as logits in the parameter vector.
LEAKS = {
    "plain": 1.0,
    "leaky": 0.3,
    "per_unit": np.array([0.3, 1.0, 0.06]),
    "learned": "learned",
}

# target mode -> (settle steps, target window); "sequence" is per-step targets.
TARGET_MODES = {
    "final": (0, 1),
    "window": (0, 3),
    "settle": (3, 1),
    "settle_window": (2, 4),
    "sequence": (0, None),
}


def make_problem(
    activation,
    target_mode,
    loss,
    padded,
    constrained,
    weighted,
    leak=1.0,
    seed=0,
    fixed_point=0.0,
    settle_leak=None,
    contraction=0.0,
    label_smoothing=0.0,
):
    """A small random problem and a random parameter vector."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(N_SAMPLES, N_STEPS, N_FEATURES))
    lengths = np.full(N_SAMPLES, N_STEPS)
    if padded:
        lengths = np.array([6, 4, 5, 3, 6])
        for i, length in enumerate(lengths):
            X[i, length:] = np.nan
    sample_weight = rng.uniform(0.2, 3, N_SAMPLES) if weighted else np.ones(N_SAMPLES)

    settle, window = TARGET_MODES[target_mode]
    if target_mode == "sequence":
        Y = rng.normal(size=(N_SAMPLES, N_STEPS, N_OUTPUTS))
        Y[rng.uniform(size=Y.shape) < 0.3] = np.nan  # NaN: no target here
        Y[np.arange(N_STEPS)[None, :] >= lengths[:, None]] = np.nan
        make_targets = SequenceTargets(Y, sample_weight)
    elif loss == "cross_entropy":
        y = np.eye(N_OUTPUTS)[rng.randint(N_OUTPUTS, size=N_SAMPLES)]
        y = smoothed_labels(y, label_smoothing)
        make_targets = FinalWindowTargets(y, sample_weight, window, per_output=False)
    else:
        y = rng.normal(size=(N_SAMPLES, N_OUTPUTS))
        make_targets = FinalWindowTargets(y, sample_weight, window, per_output=True)

    learned = isinstance(leak, str)
    layout = ParameterLayout(N_FEATURES, N_HIDDEN, N_OUTPUTS, learn_leaks=learned)
    free = None
    if constrained:
        # A recurrent mask and a fixed initial state, held by zeroing gradients.
        free = np.ones(layout.size)
        mask = rng.uniform(size=(N_HIDDEN, N_HIDDEN)) < 0.6
        free[layout.slices["recurrent_weights"]] = mask.ravel()
        free[layout.slices["initial_state"]] = 0
    # Chunks of 2 samples: the gradient is summed over chunks as in a big fit.
    n_steps = N_STEPS + settle
    two_samples = 2 * (2 * (n_steps + 1) * N_HIDDEN * 8)  # their two stacks, in bytes
    chunks = plan_chunks(lengths, n_steps, N_HIDDEN, 8, chunk_bytes=two_samples)
    assert len(chunks) == 3
    objective = Objective(
        layout,
        X,
        lengths,
        chunks,
        settle,
        make_targets,
        activation,
        loss,
        alpha=0.05,
        free=free,
        leak=1.0 if learned else leak,
        fixed_point=fixed_point,
        settle_leak=settle_leak,
        contraction=contraction,
    )
    theta = rng.normal(scale=0.7, size=layout.size)
    return objective, theta, free


def finite_difference_gradient(objective, theta):
    gradient = np.empty_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = EPS
        gradient[i] = (objective(theta + step)[0] - objective(theta - step)[0]) / (
            2 * EPS
        )
    return gradient


def assert_gradient_matches(objective, theta, free):
    _, gradient = objective(theta)
    expected = finite_difference_gradient(objective, theta)
    if free is not None:
        # Fixed parameters get no gradient: the constraint keeps them in place.
        assert np.all(gradient[free == 0] == 0)
        expected = expected * free
    scale = np.abs(expected).max()
    relative_error = np.abs(gradient - expected) / np.maximum(np.abs(expected), scale)
    assert relative_error.max() < 1e-6, relative_error.max()


@pytest.mark.parametrize("leak", [1.0, 0.3], ids=["plain", "leaky"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("constrained", [False, True], ids=["free", "constrained"])
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", list(TARGET_MODES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_squared_error_gradient(
    activation, target_mode, padded, constrained, weighted, leak
):
    objective, theta, free = make_problem(
        activation, target_mode, "squared_error", padded, constrained, weighted, leak
    )
    assert_gradient_matches(objective, theta, free)


@pytest.mark.parametrize("leak", [1.0, 0.3], ids=["plain", "leaky"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("constrained", [False, True], ids=["free", "constrained"])
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", ["final", "window", "settle", "settle_window"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_cross_entropy_gradient(
    activation, target_mode, padded, constrained, weighted, leak
):
    objective, theta, free = make_problem(
        activation, target_mode, "cross_entropy", padded, constrained, weighted, leak
    )
    assert_gradient_matches(objective, theta, free)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", ["final", "window", "settle", "settle_window"])
def test_smoothed_labels_gradient(target_mode, padded, weighted):
    """Cross-entropy against smoothed labels (label_smoothing), leaky units."""
    objective, theta, free = make_problem(
        "tanh",
        target_mode,
        "cross_entropy",
        padded,
        False,
        weighted,
        0.3,
        label_smoothing=0.2,
    )
    assert_gradient_matches(objective, theta, free)


@pytest.mark.parametrize("leak", ["per_unit", "learned"])
@pytest.mark.parametrize("constrained", [False, True], ids=["free", "constrained"])
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", list(TARGET_MODES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_per_unit_and_learned_time_constant_gradient(
    activation, target_mode, padded, constrained, leak
):
    """One leak rate per unit, fixed or learned, in every target mode (weighted)."""
    loss = "squared_error" if target_mode == "sequence" else "cross_entropy"
    objective, theta, free = make_problem(
        activation, target_mode, loss, padded, constrained, True, LEAKS[leak]
    )
    assert_gradient_matches(objective, theta, free)
    if target_mode != "sequence":
        objective, theta, free = make_problem(
            activation,
            target_mode,
            "squared_error",
            padded,
            constrained,
            True,
            LEAKS[leak],
        )
        assert_gradient_matches(objective, theta, free)


def test_finite_differences_detect_a_wrong_gradient():
    """The comparison fails when the gradient is off, so it can catch a bug."""
    objective, theta, free = make_problem(
        "tanh", "window", "squared_error", True, False, True
    )

    def off_by_a_little(theta):
        loss, gradient = objective(theta)
        gradient = gradient.copy()
        gradient[3] *= 1 + 1e-4
        return loss, gradient

    with pytest.raises(AssertionError):
        assert_gradient_matches(off_by_a_little, theta, free)


def test_fixed_parameters_stay_fixed_under_lbfgs():
    """Zeroed gradients keep masked weights and a fixed initial state unchanged."""
    from scipy.optimize import minimize

    objective, theta, free = make_problem(
        "tanh", "settle", "squared_error", True, True, False
    )
    result = minimize(
        objective, theta, jac=True, method="L-BFGS-B", options={"maxiter": 50}
    )
    assert result.nit > 5
    np.testing.assert_array_equal(result.x[free == 0], theta[free == 0])
    assert np.any(result.x[free == 1] != theta[free == 1])


def test_alpha_penalises_the_recurrent_and_output_weights_only():
    """The penalty's gradient is alpha * W on those two, zero elsewhere."""
    objective, theta, _ = make_problem(
        "tanh", "final", "squared_error", False, False, False
    )
    _, gradient = objective(theta)
    alpha, objective.alpha = objective.alpha, 0.0
    _, unpenalised = objective(theta)
    layout = objective.layout
    penalised = np.zeros(layout.size, dtype=bool)
    for name in ("recurrent_weights", "output_weights"):
        penalised[layout.slices[name]] = True
    np.testing.assert_allclose(
        gradient[penalised] - unpenalised[penalised], alpha * theta[penalised]
    )
    np.testing.assert_array_equal(gradient[~penalised], unpenalised[~penalised])


def test_learned_leaks_stay_in_range_and_match_fixed_ones():
    """Logits give leak rates in (0, 1); the loss equals that of fixed leaks."""
    from sklearn_bptt._engine import leak_logits, leak_rates

    objective, theta, _ = make_problem(
        "tanh", "settle_window", "squared_error", True, False, True, "learned"
    )
    logits = theta[objective.layout.slices["leak_logits"]]
    logits[:] = leak_logits([1.5, 40.0, 1e4])
    leaks = leak_rates(logits)
    np.testing.assert_allclose(1 / leaks, [1.5, 40.0, 1e4])
    assert np.all((leaks > 0) & (leaks < 1))
    fixed, _, _ = make_problem(
        "tanh", "settle_window", "squared_error", True, False, True, leaks
    )
    n_fixed = fixed.layout.size
    np.testing.assert_allclose(objective(theta)[0], fixed(theta[:n_fixed])[0])
    np.testing.assert_allclose(
        objective(theta)[1][:n_fixed], fixed(theta[:n_fixed])[1], rtol=1e-12
    )


@pytest.mark.parametrize("leak", list(LEAKS.values()), ids=list(LEAKS))
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", ["final", "window", "settle", "settle_window"])
@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_fixed_point_term_gradient(loss, target_mode, padded, leak):
    """The fixed-point term over the target window, in every window and leak.

    With the "window" mode on padded sequences of 3 steps, the window reaches
    the first step, whose previous state is the learned initial state.
    """
    objective, theta, free = make_problem(
        "tanh", target_mode, loss, padded, False, True, leak, fixed_point=0.7
    )
    assert_gradient_matches(objective, theta, free)


def settle_window_problem(**terms):
    """Padded, weighted cross-entropy over a window of 4 reaching 2 settle steps."""
    return make_problem(
        "tanh", "settle_window", "cross_entropy", True, False, True, 0.3, **terms
    )


def chunk_states(objective, theta):
    """``(params, targets, states)`` of every chunk, from the forward pass."""
    params = objective.layout.unpack(theta)
    for rows in objective.chunks:
        batch, targets = objective._lay_out(rows)
        yield params, targets, forward(params, batch, "tanh", 0.3)[0]


def added_loss(theta, **terms):
    """How much the terms add to the loss of :func:`settle_window_problem`."""
    plain, _, _ = settle_window_problem()
    with_terms, _, _ = settle_window_problem(**terms)
    return with_terms(theta)[0] - plain(theta)[0]


def test_fixed_point_term_is_the_weighted_squared_velocity():
    objective, theta, _ = settle_window_problem()
    value = 0.0
    for _, targets, states in chunk_states(objective, theta):
        value += fixed_point_term(states, targets, 0.3, 2.0)[0]
        # Every sample's own window: its last 4 own steps, settle steps included.
        for row in range(targets.weights.shape[1]):
            own = np.flatnonzero(targets.weights[:, row, 0])
            assert len(own) == 4
    np.testing.assert_allclose(added_loss(theta, fixed_point=2.0), value)
    assert value > 0


@pytest.mark.parametrize("leak", list(LEAKS.values()), ids=list(LEAKS))
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", ["final", "window", "settle", "settle_window"])
@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_contraction_term_gradient(loss, target_mode, padded, leak):
    """The contraction term along the free run, with the fixed-point term too.

    Constrained: the recurrent mask must hold the term's direct gradient
    with respect to the weights at zero as well.
    """
    objective, theta, free = make_problem(
        "tanh",
        target_mode,
        loss,
        padded,
        True,
        True,
        leak,
        fixed_point=0.4,
        contraction=0.9,
    )
    assert_gradient_matches(objective, theta, free)


@pytest.mark.parametrize("leak", list(LEAKS.values()), ids=list(LEAKS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_contraction_term_gradient_of_every_activation(activation, leak):
    """Every activation's second derivative enters the term's gradient."""
    objective, theta, free = make_problem(
        activation,
        "settle_window",
        "cross_entropy",
        True,
        False,
        True,
        leak,
        contraction=0.9,
    )
    assert_gradient_matches(objective, theta, free)


def test_contraction_term_is_the_mean_squared_gain_of_the_pull():
    """The term against the Jacobian of ``f(h W + b)``, built by differences."""
    rng = np.random.RandomState(3)
    n_hidden = 4
    params = {
        "recurrent_weights": rng.normal(size=(n_hidden, n_hidden)),
        "hidden_bias": rng.normal(size=n_hidden),
    }
    states = rng.uniform(-1, 1, size=(3, n_hidden))
    state_weights = np.array([0.2, 0.5, 0.3])

    def tanh_pull(h):
        return np.tanh(h @ params["recurrent_weights"] + params["hidden_bias"])

    expected = 0.0
    for h, weight in zip(states, state_weights, strict=True):
        # Row i: how pushing unit i moves every unit's pull, by differences.
        pushes = EPS * np.eye(n_hidden)
        jacobian = np.vstack(
            [(tanh_pull(h + e) - tanh_pull(h - e)) / (2 * EPS) for e in pushes]
        )
        expected += weight * np.sum(jacobian**2) / n_hidden
    pulls = pull(params, states, "tanh")
    value = contraction_term(params, states, pulls, state_weights, "tanh", 2.5)[0]
    np.testing.assert_allclose(value, 2.5 * expected, rtol=1e-7)


def test_contraction_term_covers_the_free_run():
    """The objective adds the term at the state after the input and after
    every settle step, each with an equal share of its sample's weight."""
    objective, theta, _ = settle_window_problem()
    expected = 0.0
    for params, targets, states in chunk_states(objective, theta):
        sample_weights = targets.weights.sum(axis=(0, 2))
        for t in range(N_STEPS, N_STEPS + 3):  # input end, then the 2 settle steps
            pulls = pull(params, states[t], "tanh")
            expected += contraction_term(
                params, states[t], pulls, sample_weights / 3, "tanh", 1.5
            )[0]
    np.testing.assert_allclose(added_loss(theta, contraction=1.5), expected)
    assert expected > 0


# Extra loss terms: (fixed-point strength, contraction strength).
TERMS = {"plain_loss": (0.0, 0.0), "fixed_point": (0.7, 0.0), "both": (0.7, 0.9)}


@pytest.mark.parametrize("terms", list(TERMS.values()), ids=list(TERMS))
@pytest.mark.parametrize("leak", list(LEAKS.values()), ids=list(LEAKS))
@pytest.mark.parametrize("padded", [False, True], ids=["equal", "padded"])
@pytest.mark.parametrize("target_mode", ["settle", "window", "settle_window"])
@pytest.mark.parametrize("settle_leak", [1.0, np.array([0.5, 1.0, 0.2])])
def test_settle_steps_with_their_own_leak_gradient(
    settle_leak, target_mode, padded, leak, terms
):
    """Settle steps that leak at their own rate (plain units, or per unit)."""
    fixed_point, contraction = terms
    objective, theta, free = make_problem(
        "tanh",
        target_mode,
        "cross_entropy",
        padded,
        False,
        True,
        leak,
        fixed_point=fixed_point,
        settle_leak=settle_leak,
        contraction=contraction,
    )
    assert_gradient_matches(objective, theta, free)
