#!/bin/sh
# The experiments behind the estimators' defaults (docs/learning.rst shows
# their results). Every line is one configuration of benchmarks/bench_tasks.py
# over seeds 0-2 unless it says otherwise; run from the repository root, about
# an hour on one core.
set -e
tasks="python benchmarks/bench_tasks.py --seeds 3"

echo "== Classifier on Cylinder-Bell-Funnel: time constant and alpha"
$tasks cbf --set time_constant=1
for time_constant in 25.6 64 128; do
    for alpha in 1e-3 1e-2 1e-1; do
        $tasks cbf --set time_constant=$time_constant --set alpha=$alpha | tail -1
    done
done
echo "== Classifier on Cylinder-Bell-Funnel: more hidden units"
$tasks cbf --set n_hidden=40 | tail -1
$tasks cbf --set n_hidden=64 | tail -1

echo "== Classifier on the temporal order problem and the digits"
$tasks order_T50 digits --set time_constant=1
$tasks order_T50 digits | tail -2
$tasks digits --set n_hidden=64 --set n_settle_steps=0 --set n_target_steps=1 | tail -1
echo "== Classifier: digits and Cylinder-Bell-Funnel pull the defaults apart"
# shellcheck disable=SC2086  # a setting may hold several --set pairs
for setting in n_hidden=32 n_hidden=40 n_hidden=64 "n_hidden=64 --set alpha=0.1" \
    alpha=1e-3 max_iter=1500 time_constant=9 time_constant=16 \
    "time_constant=9 --set n_hidden=64" "n_settle_steps=4 --set n_target_steps=4"; do
    $tasks digits --set $setting | tail -1
done
for setting in "n_settle_steps=0 --set n_target_steps=1" n_target_steps=1 \
    n_target_steps=10; do
    $tasks digits cbf --set $setting | tail -2
done
$tasks cbf --set n_settle_steps=3 --set n_target_steps=3 | tail -1
$tasks cbf --set n_hidden=64 --set n_settle_steps=0 --set n_target_steps=1 | tail -1

echo "== Regressor: time constant on memory and forecasting tasks"
# Earlier regressor runs quoted in docs/learning.rst used the defaults of their
# time (20 units, 500 iterations, SciPy's loss-reduction stop), which these
# commands no longer reproduce.
for time_constant in 5 25; do
    $tasks first_T60 adding_T50 sine --set time_constant=$time_constant
done
$tasks first_T60 --set time_constant=7.5 | tail -1
$tasks first_T30 --set time_constant=3.75 | tail -1
$tasks adding_T50 --set time_constant=6.25 | tail -1

echo "== L-BFGS history (SciPy keeps 10 steps)"
for history in 20 30 50; do
    $tasks first_T60 --lbfgs-history $history | tail -1
done
$tasks first_T30 adding_T50 cbf digits --lbfgs-history 30
python benchmarks/bench_tasks.py order_T50 --seeds 2 --lbfgs-history 30
python benchmarks/bench_tasks.py adding_T100 --seeds 1 --lbfgs-history 30
# The time constant again, with the regressor's history of 30
for time_constant in 5 25; do
    $tasks first_T60 --set time_constant=$time_constant | tail -1
done
$tasks adding_T50 --set time_constant=25 | tail -1
