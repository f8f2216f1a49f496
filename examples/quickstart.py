"""Quick start: learn the adding problem with a BPTTRegressor.

Each sequence has 20 steps of (random value, marker); the target is the sum of
the two marked values. The script trains a small recurrent net on 1,000
sequences and prints its R^2 on 1,000 new ones.

Run it with ``python examples/quickstart.py``.
"""

import time

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.datasets import make_adding_problem

X_train, y_train = make_adding_problem(n_samples=1000, n_timesteps=20, random_state=0)
X_test, y_test = make_adding_problem(n_samples=1000, n_timesteps=20, random_state=1)

start = time.perf_counter()
model = BPTTRegressor(n_hidden=8, max_iter=300, random_state=0).fit(X_train, y_train)
elapsed = time.perf_counter() - start

print(
    f"Adding problem, {X_train.shape[1]} steps, {X_train.shape[0]} training sequences"
)
print(f"fit: {model.n_iter_} L-BFGS iterations in {elapsed:.1f} s")
print(f"test R^2: {model.score(X_test, y_test):.4f}")
