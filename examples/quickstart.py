"""Quick start: learn the adding problem with a BPTTRegressor.

Each sequence has 20 to 22 steps of (random value, marker); the target, given
at the end, is set by the sum of the two marked values (Hochreiter and
Schmidhuber, 1997, experiment 4). The script trains a small recurrent net on
1,000 sequences, which stops by itself once its loss no longer improves, and
scores it on 1,000 new ones.

Run it with ``python examples/quickstart.py``.
"""

import time

import numpy as np

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.datasets import make_adding_problem

X_train, y_train = make_adding_problem(n_samples=1000, n_timesteps=20, random_state=0)
X_test, y_test = make_adding_problem(n_samples=1000, n_timesteps=20, random_state=1)

start = time.perf_counter()
model = BPTTRegressor(n_hidden=8, random_state=0)
model.fit(X_train, y_train)
elapsed = time.perf_counter() - start

print("Adding problem, 20 to 22 steps, 1000 training sequences")
print(f"fit: {model.n_iter_} L-BFGS iterations in {elapsed:.1f} s")
print(f"stopped: {model.stop_reason_}")
print(f"test R^2: {model.score(X_test, y_test):.4f}")
within = np.mean(np.abs(model.predict(X_test) - y_test) < 0.04)
print(f"test sequences within 0.04 of the target: {within:.1%}")
