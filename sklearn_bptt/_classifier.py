"""BPTTAttractorClassifier: classify sequences by the attractor the net settles into."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from . import _dask
from ._base import BaseBPTT, fill_shared_docs
from ._engine import FinalWindowTargets, exact_sum
from ._functions import log_softmax, smoothed_labels, softmax
from ._validation import Count, check_no_missing_labels


def _class_proba(states, params):
    """Class probabilities read out from hidden states of shape (..., H)."""
    return softmax(states @ params["output_weights"] + params["output_bias"])


def _final_proba(batch, states, params):
    """Class probabilities after the last step, shape (n, n_classes)."""
    return _class_proba(states[-1], params)


def _final_log_proba(batch, states, params):
    """Log of the class probabilities after the last step, shape (n, n_classes)."""
    return log_softmax(states[-1] @ params["output_weights"] + params["output_bias"])


def _sample_major_states(batch, states, params):
    """The whole stack, shape (n, L + 1, H)."""
    return states.transpose(1, 0, 2)


def _weighted_accuracy(proba, y, sample_weight):
    """Weighted accuracy against one-hot ``y``, and the mean log-likelihood.

    The log-likelihood of the true classes breaks ties between equal
    accuracies, which a small validation set has often.
    """
    correct = np.argmax(proba, axis=1) == np.argmax(y, axis=1)
    with np.errstate(divide="ignore"):
        log_likelihood = np.log(np.sum(proba * y, axis=1))
    return (
        np.average(correct, weights=sample_weight),
        np.average(log_likelihood, weights=sample_weight),
    )


def _entropy(probabilities):
    """The entropy of a distribution over the classes, in nats."""
    probabilities = probabilities[probabilities > 0]
    return -float(probabilities @ np.log(probabilities))


def _free_run_states(batch, states, params):
    """States from the end of the input through the free steps, (n, S + 1, H)."""
    return states[batch.n_input_steps :].transpose(1, 0, 2)


def _group_end_points(end_points, radius):
    """Group points closer than ``radius`` (max norm) to a group's first point.

    Returns the groups' first points, ``(k, H)``, and every point's group.
    """
    centres, groups = [], np.empty(len(end_points), dtype=int)
    for i, point in enumerate(end_points):
        for k, centre in enumerate(centres):
            if np.abs(point - centre).max() < radius:
                groups[i] = k
                break
        else:
            groups[i] = len(centres)
            centres.append(point)
    centres = np.array(centres, dtype=end_points.dtype)  # also when there are none
    return centres.reshape(-1, end_points.shape[1]), groups


@fill_shared_docs
class BPTTAttractorClassifier(ClassifierMixin, BaseBPTT):
    """Recurrent network classifier, read out at the end or from a class attractor.

    The network reads a sequence one step at a time, then runs
    ``n_settle_steps`` more steps with no input::

        h_0 = initial_state_
        a_t = x_t @ input_weights_ + h_{t-1} @ recurrent_weights_ + hidden_bias_
        h_t = (1 - 1 / tau) h_{t-1} + (1 / tau) f(a_t),  tau = time_constant_
        p_t = softmax(h_t @ output_weights_ + output_bias_)

    The class is the target at each of the last ``n_target_steps`` steps.
    With the defaults (no settle steps, one target step) the class is read
    from the state after the last input step. With settle steps and a window
    of several target steps the network learns to *settle into* a state that
    stands for the class and to stay there, an attractor, rather than pass
    through it. Training minimises the cross-entropy averaged over the target
    steps with SciPy's L-BFGS, over one flat vector of all weights and the
    initial state, with the exact gradient computed by backpropagation
    through time. Predictions use the state after the last step.

    Parameters
    ----------
    n_hidden : int, default=64
        Number of hidden (recurrent) units.

    activation : {"tanh", "logistic", "relu", "identity"}, default="tanh"
        Activation of the hidden units.

    frame_length : int >= 1 or "auto", default="auto"
        Number of consecutive input steps the network reads as one step (a
        frame of ``frame_length * n_features`` inputs), so that it runs
        ``frame_length`` times fewer steps over a long sequence; every input
        value still reaches it. A sequence's frames end at its last real step
        (a length that is not a multiple starts with zeros). A frame as long
        as the sequence reads it whole, as one input: the net is then a
        one-hidden-layer network on the flattened sequence; a longer number
        is cut to the longest training sequence. ``"auto"`` reads
        sequences of up to 300 steps one step at a time and longer ones in
        the shortest frames that keep them within 300 frames (over 1460
        steps, frames of 5 scored 0.77 against 0.65 for single steps, in a
        sixth of the time). With fewer labels than free parameters, it also
        tries the whole sequence as one frame: three-fold cross-validation
        on the training sequences, each fit at most 150 iterations (the
        steps' first 50, enough if they are ahead by then; the first fold
        alone when each holds out 200 sequences or more), keeps the read
        that predicts the held-out labels better (the whole
        sequence won by 6 to 26 points on two real sets, the steps by 10 to
        24 on five; see the learning page). The search is skipped with
        settle steps or a target window of several steps (trained over
        several steps of the net) and for a warm start, which keeps the
        fitted frames (a number that gives other frames is an error there).
        Time constants, ``n_settle_steps`` and
        ``n_target_steps`` count frames. The value used is ``frame_length_``.
        A classifier fitted to read every sequence whole warns when it is
        asked to read longer ones (as several frames, a recurrence it was
        not fitted on).

    {time_constant_parameter}
    n_settle_steps : int, default=0
        Free-running steps with no input after the last input step. Prediction
        uses the current value, so ``set_params(n_settle_steps=50)`` after
        fitting with, say, 10 shows whether the attractors hold.

    n_target_steps : int, default=1
        The class is the target at each of the last ``n_target_steps`` steps
        of every sequence (counting settle steps). The defaults,
        ``n_settle_steps=0`` and ``n_target_steps=1``, are plain
        sequence-to-one classification. A window over several settle steps
        (for example 10 settle steps and 6 target steps) is what makes the
        settled state an attractor: trained on a window of 1, the state tends
        to pass through the class region and drift away when the net runs
        longer. Each settle step cost about a point of accuracy on digits
        read row by row (see the learning page of the documentation).

    {fixed_point_parameter}
    {state_parameters}
    alpha : float or "auto", default=1e-2
        Strength of the L2 penalty on the recurrent and output weights (not
        on the input weights, biases or the initial state). It is divided by
        the weighted number of sequences, as the loss is, so that it weighs
        less the more data there are (as in ``MLPClassifier``).
        ``"auto"``: with fewer labels than the network has free parameters
        (so that it could fit every label), it is chosen from 1e-4, 1e-2,
        1, 100 and 1e4 by three-fold cross-validation on the training
        sequences (each fold fits up that path, every fit going on from the
        one before, for at most ``init_max_iter`` iterations if set), then
        all the sequences are fitted with it: five to ten fits' time with
        the default ``init_max_iter=None``. With more labels, or a class
        with fewer than three distinct sequences, ``"auto"`` is 1e-2. The
        value used is ``alpha_``.

    class_weight : dict, "balanced" or None, default=None
        Weight of every class, ``{class_label: weight}``; classes not in the
        dict weigh 1. ``"balanced"`` weighs each class by ``n_samples /
        (n_classes * n_samples_of_the_class)``, counted in ``y`` without the
        sample weights, so that every class weighs the same in the loss.
        The class weights multiply ``sample_weight``, so ``class_weight``
        gives the same model as the equivalent ``sample_weight``.

    label_smoothing : float in [0, 1), default=0.0
        Trains on targets moved this share of the way from the one-hot
        class to the uniform distribution over the classes (as PyTorch's
        ``CrossEntropyLoss`` does): the true class gets ``1 - label_smoothing
        + label_smoothing / n_classes``. The cross-entropy then has its
        minimum at finite class scores, so the fit stops making the training
        sequences' scores ever more confident. On few real series it
        generalised better (0.1: PickupGestureWiimoteZ 0.853 against 0.793,
        Cylinder-Bell-Funnel 0.979 against 0.959 over ten seeds), though
        such fits more often use all ``max_iter`` iterations; see the
        learning page. The predicted probabilities are then less extreme.

    max_iter : int, default=500
        Maximum number of L-BFGS iterations.

    {optimiser_parameters}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    {recurrent_attributes}
    output_weights_ : ndarray of shape (n_hidden, n_classes)
        Weights from the hidden units to the class scores.
    output_bias_ : ndarray of shape (n_classes,)
        Bias of the class scores.
    {initial_state_attribute}
    n_outputs_ : int
        Number of class scores (``n_classes``).
    frame_length_ : int
        Input steps per step of the network (see ``frame_length``); the
        input weights' rows are the features of a frame's first step, then
        of its second, and so on.
    {fit_attributes}
    See Also
    --------
    BPTTRegressor : Recurrent network regressor.
    sklearn.neural_network.MLPClassifier : Feed-forward network classifier.

    Notes
    -----
    The loss is the sample-weighted mean, over samples and target steps, of
    the cross-entropy of the softmax outputs (against the classes smoothed
    by ``label_smoothing``), plus
    ``alpha / 2 * ||W||^2 / sum(sample_weight)`` for the recurrent and
    output weights. L-BFGS models the loss's curvature from its last 10 steps.

    ``X`` may be 3D, ``(n_samples, n_timesteps, n_features)``, with an input
    at every step, or 2D, ``(n_samples, n_features)``: the input is given once
    and sets where the network starts, after which it runs ``n_settle_steps``
    free steps. Sequences of different lengths are padded at the end with
    steps that are NaN in every feature; a sequence's settle steps follow its
    own last real step.

    References
    ----------
    Hopfield, J. J. (1982). Neural networks and physical systems with emergent
    collective computational abilities. *PNAS*, 79(8), 2554-2558.

    Werbos, P. J. (1990). Backpropagation through time: what it does and how
    to do it. *Proceedings of the IEEE*, 78(10), 1550-1560.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt import BPTTAttractorClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 10, 1))
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = BPTTAttractorClassifier(n_hidden=8, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> clf.score(X, y) > 0.95
    True
    """

    _parameter_constraints = {
        **BaseBPTT._parameter_constraints,
        "frame_length": [Count(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    _loss = "cross_entropy"
    _trivial_predictor = "the class frequencies"
    # Chosen on benchmarks/bench_tasks.py: the class must outlast the whole
    # sequence. On Cylinder-Bell-Funnel (10 seeds, the defaults, input weights
    # then penalised) ratio 2 scored 0.947, ratio 1 0.943 and ratio 4 0.917.
    _steps_per_time_constant = 2
    # SciPy's default. A history of 30 steps did worse here within the 500
    # iterations (input weights then penalised: digits 0.978 -> 0.972,
    # Cylinder-Bell-Funnel on ten seeds 0.947 -> 0.943).
    _lbfgs_history = 10
    # frame_length="auto" keeps the net's steps at most this many. Chosen on
    # the real sets of benchmarks/bench_real.py (see the learning page).
    _max_frames = 300

    def __init__(
        self,
        n_hidden=64,
        *,
        activation="tanh",
        frame_length="auto",
        time_constant="auto",
        learn_time_constant=False,
        settle_time_constant=None,
        n_settle_steps=0,
        n_target_steps=1,
        fixed_point_penalty=0.0,
        contraction_penalty=0.0,
        learn_initial_state=True,
        recurrent_mask=None,
        alpha=1e-2,
        class_weight=None,
        label_smoothing=0.0,
        max_iter=500,
        max_fun=15000,
        tol=1e-5,
        min_improvement=3e-4,
        n_init=1,
        init_max_iter=None,
        init_max_samples=500,
        n_jobs=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        mixed_precision=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=50,
    ):
        super().__init__(
            n_hidden,
            activation=activation,
            time_constant=time_constant,
            learn_time_constant=learn_time_constant,
            settle_time_constant=settle_time_constant,
            n_settle_steps=n_settle_steps,
            n_target_steps=n_target_steps,
            fixed_point_penalty=fixed_point_penalty,
            contraction_penalty=contraction_penalty,
            learn_initial_state=learn_initial_state,
            recurrent_mask=recurrent_mask,
            alpha=alpha,
            max_iter=max_iter,
            max_fun=max_fun,
            tol=tol,
            min_improvement=min_improvement,
            n_init=n_init,
            init_max_iter=init_max_iter,
            init_max_samples=init_max_samples,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
            mixed_precision=mixed_precision,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
        )
        self.frame_length = frame_length
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Input sequences, NaN-padded at the end if of different lengths. A
            Dask array, chunked along the samples, stays on its workers
            (:ref:`scaling_out`).
        y : array-like of shape (n_samples,)
            Class labels (ints, strings, ...), at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sequence, multiplied by the weight of its class
            when ``class_weight`` is set.

        Returns
        -------
        self : BPTTAttractorClassifier
            The fitted estimator.
        """
        if self.class_weight is not None and y is not None:
            sample_weight = self._weigh_classes(X, y, sample_weight)
        return self._fit(X, y, sample_weight)

    def _weigh_classes(self, X, y, sample_weight):
        """``sample_weight`` times the ``class_weight`` of every sample's class."""
        # The labels are checked here as in _validate_targets, so that bad
        # labels get the same errors with class_weight as without it.
        y = column_or_1d(y)  # _validate_targets warns about a column y
        check_consistent_length(X, y)
        check_no_missing_labels(y)
        check_classification_targets(y)
        if isinstance(self.class_weight, dict):
            classes = set(np.unique(y).tolist())
            unknown = [label for label in self.class_weight if label not in classes]
            if unknown:
                raise ValueError(
                    f"class_weight has keys {unknown} that are not classes of y; "
                    f"the classes are {sorted(classes)}."
                )
            negative = {k: w for k, w in self.class_weight.items() if not w >= 0}
            if negative:
                raise ValueError(
                    f"class_weight must be non-negative (and not NaN); got {negative}."
                )
        sample_weight = _check_sample_weight(sample_weight, y)
        return sample_weight * compute_sample_weight(self.class_weight, y)

    def _validate_targets(self, y, X, lengths, sample_weight):
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        check_no_missing_labels(y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        weighted_classes = np.unique(y[sample_weight > 0])
        if len(weighted_classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y (with a "
                f"positive sample weight); got only one class: {weighted_classes}."
            )
        warm = self.warm_start and hasattr(self, "classes_")
        if warm and not np.array_equal(encoder.classes_, self.classes_):
            raise ValueError(
                f"warm_start needs the fitted classes {self.classes_}; y has "
                f"classes {encoder.classes_}."
            )
        self.classes_ = encoder.classes_
        one_hot = np.eye(len(self.classes_), dtype=X.dtype)
        return one_hot[encoder.transform(y)]

    def _trivial_loss(self, y, sample_weight):
        # The entropy of the weighted mean target: the class frequencies, or
        # with label_smoothing the frequencies smoothed as every target is.
        y = smoothed_labels(y.astype(np.float64), self.label_smoothing)
        return _entropy(sample_weight @ y / exact_sum(sample_weight))

    def _least_loss(self):
        # Every smoothed target row has the same entropy, the least loss.
        return _entropy(
            smoothed_labels(np.eye(len(self.classes_))[0], self.label_smoothing)
        )

    def _validation_read_out(self):
        return _final_proba, _weighted_accuracy

    def _stratification_labels(self, y):
        # The labels themselves, so that a split's error names them.
        return self.classes_[np.argmax(y, axis=1)]

    def _make_targets(self, y, sample_weight):
        return FinalWindowTargets(
            smoothed_labels(y, self.label_smoothing),
            sample_weight,
            self.n_target_steps,
            per_output=False,
        )

    def _fit_frame_length(self, X, y, lengths, sample_weight, fit_weight, warm):
        """Resolve ``frame_length`` on the training sequences and keep it.

        A warm start keeps the fitted frames, which its input weights read.
        A frame never spans more steps than the longest sequence, so that a
        2D ``X`` (one step) stays one step. The search cross-validates on the
        sequences of positive ``fit_weight`` only: early stopping's held-out
        sequences score the chosen read, so they must not choose it.
        """
        longest = int(lengths[sample_weight > 0].max())
        if warm and self.frame_length == "auto":
            frame_length = self.frame_length_
        elif self.frame_length == "auto":
            frame_length = -(-longest // self._max_frames)
            # Only the plain read (no settle steps, the class at the last
            # step) is searched: attractors and target windows are trained
            # over several steps of the net, which one frame does not have.
            plain = self.n_settle_steps == 0 and self.n_target_steps == 1
            if plain and longest > frame_length:
                frame_length = self._search_frames(
                    X, y, lengths, fit_weight, frame_length, longest
                )
        else:
            frame_length = min(self.frame_length, longest)
        if warm and frame_length != self.frame_length_:
            if longest < self.frame_length_:
                raise ValueError(
                    f"warm_start needs the fitted frame_length_={self.frame_length_}"
                    f", which its input weights read, but the longest sequence "
                    f"has {longest} steps and a frame never spans more; fit "
                    "sequences of at least that length, or warm_start=False."
                )
            raise ValueError(
                f"warm_start needs the fitted frame_length_={self.frame_length_}, "
                f"which its input weights read, but this fit has frames of "
                f"{frame_length} steps (frame_length={self.frame_length!r}, the "
                f"longest sequence {longest} steps); set frame_length="
                f"{self.frame_length_} or warm_start=False."
            )
        self.frame_length_ = frame_length
        # One frame per training sequence: its recurrent weights never
        # carried a state from one frame to the next.
        self._reads_whole = 1 < frame_length == longest
        return frame_length

    def _fitted_frame_length(self):
        return self.frame_length_

    def _check_read_length(self, longest):
        if getattr(self, "_reads_whole", False) and longest > self.frame_length_:
            warnings.warn(
                f"This classifier reads every sequence whole, as one frame of "
                f"{self.frame_length_} steps (frame_length_, the longest training "
                f"sequence); X has sequences of up to {longest} steps, which it "
                "reads as several frames, a recurrence it was not fitted on. "
                f"Predict on sequences of at most {self.frame_length_} steps, or "
                "fit with frame_length=1 to read them step by step.",
                UserWarning,
                stacklevel=4,
            )

    def predict_proba(self, X):
        """Class probabilities from the state the network settles into.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Input sequences, NaN-padded at the end if needed.

        Returns
        -------
        proba : ndarray or dask.array.Array of shape (n_samples, n_classes)
            Probabilities after the last input step and the current
            ``n_settle_steps``; columns follow ``classes_``. A Dask array
            blocked like ``X`` when ``X`` is one.
        """
        return self._predict_rows(X, _final_proba)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Input sequences.

        Returns
        -------
        log_proba : ndarray or dask.array.Array of shape (n_samples, n_classes)
            Log-probabilities; columns follow ``classes_``.
        """
        # From the log-softmax: the log of an underflowed probability is -inf.
        return self._predict_rows(X, _final_log_proba)

    def predict(self, X):
        """Predict the class of every sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Input sequences.

        Returns
        -------
        y_pred : ndarray or dask.array.Array of shape (n_samples,)
            The most probable class of the settled state.
        """
        proba = self.predict_proba(X)
        if _dask.is_dask_array(proba):
            return _dask.classes_of(proba, self.classes_)
        return self.classes_[np.argmax(proba, axis=1)]

    def trajectory(self, X):
        """Hidden states and class probabilities at every step, for plotting.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Input sequences.

        Returns
        -------
        trajectory : :class:`~sklearn.utils.Bunch`
            With ``hidden_states`` of shape ``(n_samples, n_steps + 1,
            n_hidden)`` and ``proba`` of shape ``(n_samples, n_steps + 1,
            n_classes)``, where ``n_steps = n_timesteps + n_settle_steps``
            (``n_timesteps`` counted in frames when ``frame_length_ > 1``).
            Index 0 is the initial state, index ``t`` the state after step
            ``t``; the last ``n_settle_steps`` indices are the free-running
            steps. A padded sequence keeps its state over its padding steps.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_bptt import BPTTAttractorClassifier
        >>> X = np.random.RandomState(0).normal(size=(40, 6, 1))
        >>> y = X[:, :, 0].sum(axis=1) > 0
        >>> clf = BPTTAttractorClassifier(
        ...     n_hidden=4, n_settle_steps=10, n_target_steps=6, random_state=0
        ... ).fit(X, y)
        >>> path = clf.trajectory(X[:2])
        >>> path.hidden_states.shape, path.proba.shape
        ((2, 17, 4), (2, 17, 2))
        """
        _dask.reject(
            X,
            "trajectory",
            "it returns every hidden state of every sequence, more numbers than "
            "X holds, in this process.",
        )
        states = self._predict_rows(X, _sample_major_states, keep_width=True)
        return Bunch(
            hidden_states=states,
            proba=_class_proba(states, self._fitted_params(states.dtype)),
        )

    def find_attractors(self, X, n_free_steps=200, tol=1e-5):
        """The fixed points the free-running network reaches from ``X``.

        Every sequence is read, then the network runs ``n_free_steps`` free
        steps. A run has settled if its last step moved the state by less
        than ``tol`` (the largest change of a unit's state, divided by its
        leak rate: the distance to where the units are heading). The end
        states of settled runs that lie within ``100 * tol`` of each other are
        one fixed point. The class of a fixed point is the class the network
        reads out there.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Input sequences, for example the training set.
        n_free_steps : int, default=200
            Free steps to run after the input.
        tol : float, default=1e-5
            How still a state must be to count as a fixed point.

        Returns
        -------
        attractors : :class:`~sklearn.utils.Bunch`
            With

            - ``fixed_points``, ``(n_fixed_points, n_hidden)``: the states,
              in order of first appearance in ``X``;
            - ``classes``, ``(n_fixed_points,)``: the class read out at each;
            - ``basin``, ``(n_samples,)``: the fixed point each sequence's
              run ends at, -1 if it had not settled (or its state overflowed:
              an exploding run has no fixed point);
            - ``distance``, ``(n_samples, n_free_steps + 1)``: the distance
              (Euclidean) from the state to that fixed point after each free
              step (index 0 is the end of the input), NaN for runs that had
              not settled;
            - ``movement``, ``(n_samples,)``: the last step's movement, to
              compare with ``tol`` (inf or NaN where the state overflowed).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_bptt import BPTTAttractorClassifier
        >>> X = np.random.RandomState(0).normal(size=(60, 6, 1))
        >>> y = X[:, :, 0].sum(axis=1) > 0
        >>> clf = BPTTAttractorClassifier(
        ...     n_hidden=4, n_settle_steps=10, n_target_steps=6,
        ...     fixed_point_penalty=1.0, random_state=0).fit(X, y)
        >>> found = clf.find_attractors(X)
        >>> found.fixed_points.shape[1], found.distance.shape
        (4, (60, 201))
        """
        check_is_fitted(self)
        _dask.reject(
            X,
            "find_attractors",
            "it groups the end states of all sequences in this process.",
        )
        validate_parameter_constraints(
            {
                "n_free_steps": [Count(Integral, 1, None, closed="left")],
                "tol": [Interval(Real, 0, None, closed="neither")],
            },
            {"n_free_steps": n_free_steps, "tol": tol},
            caller_name="find_attractors",
        )
        # A run whose state overflows has not settled: basin -1, in float32
        # as in float64 (which overflows later on the same exploding run).
        with np.errstate(over="ignore", invalid="ignore"):
            runs = self._predict_rows(
                X, _free_run_states, n_settle_steps=n_free_steps, check_finite=False
            )
            leak = self._leak() if self._settle_leak() is None else self._settle_leak()
            movement = np.abs((runs[:, -1] - runs[:, -2]) / leak).max(axis=1)
        settled = np.isfinite(runs).all(axis=(1, 2)) & (movement < tol)
        fixed_points, groups = _group_end_points(runs[settled, -1], 100 * tol)
        basin = np.full(len(runs), -1)
        basin[settled] = groups
        distance = np.full(runs.shape[:2], np.nan, dtype=runs.dtype)
        distance[settled] = np.linalg.norm(
            runs[settled] - fixed_points[groups][:, None, :], axis=2
        )
        proba = _class_proba(fixed_points, self._fitted_params(runs.dtype))
        return Bunch(
            fixed_points=fixed_points,
            classes=self.classes_[np.argmax(proba, axis=1)],
            basin=basin,
            distance=distance,
            movement=movement,
        )
