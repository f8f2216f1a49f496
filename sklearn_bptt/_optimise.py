"""The optimiser: SciPy's L-BFGS-B runs with the rules that end them.

A fit minimises one flat parameter vector. ``minimise`` runs L-BFGS-B on a
float32 draft of the objective, then in the data's precision from where the
draft stopped; it keeps the best finite point if the loss overflows, ends on
KeyboardInterrupt with what it has, and stops early when the validation score
(``ValidationMonitor``) or the training loss (``LossPlateau``) has stopped
improving, or when the first of both says so (``FirstToStop``).
"""

import time
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from ._engine import one_blas_thread


@dataclass
class Run:
    """What one L-BFGS run leaves: its parameters and how it got there.

    ``stopped`` is None when L-BFGS ended by itself, ``"non-finite"`` when the
    loss or gradient overflowed, ``"interrupted"`` on KeyboardInterrupt; the
    run then holds the best finite parameters it evaluated, and ``theta`` is
    None if there were none. With early stopping, ``validation_scores`` has
    the score after every iteration and ``best_validation`` the best score
    with its tie-break, those of ``theta``.
    """

    theta: np.ndarray
    loss: float
    n_iter: int
    n_fun: int
    loss_curve: list
    status: int
    message: str
    stopped: str = None
    validation_scores: list = None
    best_validation: tuple = None

    @property
    def stop_reason(self):
        return self.stopped or self.message


# SciPy's L-BFGS-B status when it stopped at maxiter or maxfun, when its line
# search found no step that lowers the loss, and SciPy's status when a
# callback stopped it.
BUDGET_SPENT = 1
LINE_SEARCH_FAILED = 2
STOPPED_BY_CALLBACK = 99


def stalled(run):
    """Whether L-BFGS ended because no step lowered the loss.

    Its line search failed, or (SciPy's ``ftol`` test, which the estimators
    set to 0) an iteration did not lower the loss at all: in float32 the
    second is how the first often shows.
    """
    no_decrease = run.status == 0 and "REDUCTION" in run.message
    return run.status == LINE_SEARCH_FAILED or no_decrease


class ValidationMonitor:
    """Scores every iterate on held-out sequences, keeps the best, says when to stop.

    Parameters
    ----------
    score : callable
        ``score(theta)``: the validation score of a parameter vector and a
        second number that breaks ties between equal scores (accuracy on a
        small validation set is often tied), higher is better for both.
    n_iter_no_change : int
        Iterations without a strictly better score after which to stop.
    """

    def __init__(self, score, n_iter_no_change):
        self.score = score
        self.n_iter_no_change = n_iter_no_change
        self.scores = []
        self.best = (-np.inf, -np.inf)
        self.best_theta = None
        self.best_iteration = 0

    def should_stop(self, intermediate_result):
        """Score the iterate; True once the score has stopped improving."""
        theta = intermediate_result.x
        score_and_tie_break = self.score(theta)
        self.scores.append(score_and_tie_break[0])
        if score_and_tie_break > self.best:
            self.best, self.best_theta = score_and_tie_break, theta.copy()
            self.best_iteration = len(self.scores)
        return len(self.scores) - self.best_iteration >= self.n_iter_no_change

    def stop_message(self):
        return (
            f"EARLY STOPPING: NO BETTER VALIDATION SCORE IN "
            f"{self.n_iter_no_change} ITERATIONS (BEST AT ITERATION "
            f"{self.best_iteration})"
        )

    def end(self, run):
        """Move the run to its best-scoring iterate, the one the fit keeps.

        Its loss is then unknown (None) until ``minimise`` evaluates it.
        """
        run.validation_scores = self.scores
        run.best_validation = self.best
        if self.best_theta is not None:
            run.theta, run.loss = self.best_theta, None


class LossPlateau:
    """Says when the training loss has stopped improving on the fit's scale.

    The run stops when the loss fell by less than ``min_improvement *
    loss_scale`` over the last ``n_iter_no_change`` iterations. The scale is
    the loss of the best constant prediction, so the rule reads the same for
    every data set: the last iterations explained less than this share of
    what a model can explain at all. (A rule relative to the current loss
    never ends a classifier's fit: its cross-entropy keeps falling by a
    steady fraction as the logits grow, long after the predictions settle.)

    Parameters
    ----------
    min_improvement : float
        Share of ``loss_scale`` the loss must fall by over the window.
    n_iter_no_change : int
        Length of the window, in iterations.
    loss_scale : float
        The loss of the best constant prediction.
    """

    def __init__(self, min_improvement, n_iter_no_change, loss_scale):
        self.min_improvement = min_improvement
        self.n_iter_no_change = n_iter_no_change
        self.threshold = min_improvement * loss_scale
        self.losses = []

    def should_stop(self, intermediate_result):
        """Record the iterate's loss; True once the loss has stopped falling."""
        self.losses.append(float(intermediate_result.fun))
        if len(self.losses) <= self.n_iter_no_change:
            return False
        fall = self.losses[-1 - self.n_iter_no_change] - self.losses[-1]
        return fall < self.threshold

    def was_falling(self, losses, n_iter):
        """Whether the last ``n_iter`` of ``losses`` fell at the rule's pace.

        The pace is ``threshold`` per ``n_iter_no_change`` iterations; fewer
        than two losses give nothing to judge by, and count as falling.
        """
        recent = losses[-(n_iter + 1) :]
        pace = self.threshold / self.n_iter_no_change
        return len(recent) < 2 or recent[0] - recent[-1] >= pace * (len(recent) - 1)

    def stop_message(self):
        return (
            f"CONVERGENCE: LOSS FELL BY LESS THAN {self.min_improvement:g} "
            f"OF A CONSTANT PREDICTION'S IN {self.n_iter_no_change} ITERATIONS"
        )

    def end(self, run):
        """Nothing to do: the run keeps its last iterate."""


class FirstToStop:
    """Early stopping and the plateau rule together: the first to say stop ends the run.

    Every iterate goes to both, so each keeps its whole history; the run
    then ends at the validation monitor's best iterate, whichever rule
    stopped it.
    """

    def __init__(self, validation, plateau):
        self.monitors = (validation, plateau)
        self.stopped_by = None

    @classmethod
    def made_by(cls, make_validation, make_plateau):
        """A new pair for a new run, from the makers of both monitors."""
        return cls(make_validation(), make_plateau())

    def should_stop(self, intermediate_result):
        says_stop = [m.should_stop(intermediate_result) for m in self.monitors]
        if any(says_stop):
            self.stopped_by = self.monitors[says_stop.index(True)]
        return self.stopped_by is not None

    def stop_message(self):
        return self.stopped_by.stop_message()

    def end(self, run):
        for monitor in self.monitors:
            monitor.end(run)


class _NonFiniteLoss(Exception):
    """Raised inside L-BFGS to stop it when the loss or gradient is not finite."""


class BestPoint:
    """Wraps the objective: remembers the best finite point, stops on overflow.

    A net whose dynamics explode (large weights, relu, long sequences) can
    overflow at a trial point of the line search; the run then ends at the
    best finite point seen rather than with NaN parameters.
    """

    def __init__(self, objective):
        self.objective = objective
        self.loss = np.inf
        self.theta = None
        self.n_calls = 0

    def __call__(self, theta):
        self.n_calls += 1
        loss, grad = self.objective(theta)
        if not (np.isfinite(loss) and np.isfinite(grad).all()):
            raise _NonFiniteLoss
        if loss < self.loss:
            self.loss, self.theta = loss, theta.copy()
        return loss, grad


class Progress:
    """Prints how a fit goes: a line every few iterations and one at the end.

    One count runs through both phases of a mixed-precision fit. ``verbose=1``
    prints about twenty lines per run (a fit with several starts has a run
    for every start, and with a trial one more for the start that goes on),
    2 and more every iteration.
    """

    def __init__(self, verbose, max_iter, before=0):
        self.verbose = verbose
        self.max_iter = max_iter
        self.every = 1 if verbose > 1 else max(1, max_iter // 20)
        self.before = before  # iterations of the run this one goes on from
        self.done = 0  # iterations of the phases before this one
        self.start = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.start

    def iteration(self, n_iter, loss, phase):
        """Report iteration ``n_iter`` of the current phase."""
        iteration = self.before + self.done + n_iter
        if not self.verbose or (iteration % self.every and iteration != 1):
            return
        width = len(str(self.max_iter))
        print(
            f"Iteration {iteration:>{width}}/{self.max_iter}  loss {loss:.8g}  "
            f"{phase}  {self.elapsed():.2f} s"
        )

    @staticmethod
    def starting(verbose, start, n_starts, max_iter):
        """Run ``start`` (counted from 1) of ``n_starts`` begins."""
        if verbose and n_starts > 1:
            print(f"Start {start} of {n_starts}, at most {max_iter} iterations")

    @staticmethod
    def going_on(verbose, n_starts, best):
        """The best of ``n_starts`` trial runs goes on from here."""
        if verbose:
            print(
                f"Going on with the best of {n_starts} starts after "
                f"{best.n_iter} iterations (loss {best.loss:.8g})"
            )

    def handover(self, draft_run):
        """The float32 phase ended; the float64 phase goes on from here."""
        self.done += draft_run.n_iter
        if self.verbose:
            print(
                f"Going on in float64 after {draft_run.n_iter} float32 iterations "
                f"({draft_run.stop_reason})"
            )

    def finished(self, run):
        if self.verbose:
            print(
                f"Stopped after {self.before + run.n_iter}/{self.max_iter} iterations: "
                f"{run.stop_reason}; loss {run.loss:.8g}, {self.elapsed():.2f} s"
            )


def run_lbfgs(objective, theta, options, progress, monitor=None):
    """Minimise ``objective`` from ``theta`` with SciPy's L-BFGS-B.

    ``options`` are SciPy's (see ``BaseBPTT._lbfgs_options``); ``progress``
    is told of every iteration, and a ``monitor`` (``ValidationMonitor``,
    ``LossPlateau`` or ``FirstToStop``) may stop it.
    """
    loss_curve = []
    phase = np.dtype(objective.dtype).name

    def record(intermediate_result):
        loss_curve.append(float(intermediate_result.fun))
        progress.iteration(len(loss_curve), loss_curve[-1], phase)
        if monitor is not None and monitor.should_stop(intermediate_result):
            raise StopIteration  # SciPy ends the run with status 99

    best = BestPoint(objective)
    try:
        # joblib workers are the parallel layer; BLAS threads on the small
        # products of a recurrent step cost more than they give, and much more
        # on a busy machine.
        with one_blas_thread():
            result = scipy.optimize.minimize(
                best,
                theta,
                method="L-BFGS-B",
                jac=True,
                callback=record,
                options=options,
            )
    except (_NonFiniteLoss, KeyboardInterrupt) as stop:
        stopped = "interrupted" if isinstance(stop, KeyboardInterrupt) else "non-finite"
        return Run(
            best.theta,
            best.loss,
            n_iter=len(loss_curve),
            n_fun=best.n_calls,
            loss_curve=loss_curve,
            status=0,
            message="",
            stopped=stopped,
        )
    return Run(
        result.x,
        float(result.fun),
        int(result.nit),
        int(result.nfev),
        loss_curve,
        result.status,
        str(result.message),
    )


def minimise(objective, draft, theta, options, verbose, make_monitor=None, before=0):
    """L-BFGS on ``objective`` from ``theta``, first on its float32 ``draft``.

    With no draft this is one L-BFGS run. Otherwise the float32 run ends when
    it has used its budget, or earlier when float32 rounding (or overflow)
    stops its progress; the run on ``objective`` then goes on from the best
    point it reached, with the iterations and loss evaluations that are left.

    ``make_monitor()`` makes the run's stopping rule, a ``ValidationMonitor``
    (the run then ends at the best-scoring parameters) or a ``LossPlateau``;
    each run gets its own, as it keeps the run's history. ``before`` counts
    the iterations of the run this one goes on from, for the progress lines.
    """
    progress = Progress(verbose, options["maxiter"] + before, before=before)
    monitor = None if make_monitor is None else make_monitor()
    if draft is None:
        run = run_lbfgs(objective, theta, options, progress, monitor)
    else:
        run = _finish_in_full_precision(
            objective, draft, theta, options, progress, monitor
        )
    if monitor is not None:
        if run.status == STOPPED_BY_CALLBACK:
            run.message = monitor.stop_message()
        monitor.end(run)
    if run.loss is None:  # ended in the float32 draft, or at another iterate
        with one_blas_thread():
            run.loss = float(objective(run.theta)[0])
    progress.finished(run)
    return run


def joined(first, rest):
    """The run made of ``first`` and ``rest``, which went on from its parameters.

    The counts add up and the curves join. With early stopping, the kept
    parameters are those of the better best validation score of the two.
    """
    rest.n_iter += first.n_iter
    rest.n_fun += first.n_fun
    rest.loss_curve = first.loss_curve + rest.loss_curve
    if first.validation_scores is not None:
        rest.validation_scores = first.validation_scores + rest.validation_scores
        if first.best_validation > rest.best_validation:
            rest.theta, rest.loss = first.theta, first.loss
            rest.best_validation = first.best_validation
    return rest


def _finish_in_full_precision(objective, draft, theta, options, progress, monitor):
    draft_run = run_lbfgs(draft, theta, options, progress, monitor)
    if draft_run.stopped == "interrupted":
        return draft_run  # Ctrl-C: stop now, with the float32 loss
    if draft_run.status in (BUDGET_SPENT, STOPPED_BY_CALLBACK):
        # The budget is spent, or the monitor stopped the run:
        # minimise reports the loss in the data's precision.
        draft_run.loss = None
        return draft_run
    progress.handover(draft_run)
    rest = {
        **options,
        "maxiter": options["maxiter"] - draft_run.n_iter,
        "maxfun": max(1, options["maxfun"] - draft_run.n_fun),
    }
    start = theta if draft_run.theta is None else draft_run.theta
    run = run_lbfgs(objective, start, rest, progress, monitor)
    run.n_iter += draft_run.n_iter
    run.n_fun += draft_run.n_fun
    run.loss_curve = draft_run.loss_curve + run.loss_curve
    return run
