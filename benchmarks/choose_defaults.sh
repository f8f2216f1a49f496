#!/bin/sh
# The experiments behind the estimators' defaults (docs/learning.rst shows
# their results). Every line is one configuration of benchmarks/bench_tasks.py
# over seeds 0-2; run from the repository root, about 15 minutes on one core.
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

echo "== Regressor: time constant on memory and forecasting tasks"
for time_constant in 1 5 10 50; do
    $tasks first_T60 adding_T50 sine --set time_constant=$time_constant
done
echo "== Regressor: more iterations"
$tasks first_T60 adding_T50 --set max_iter=1000
