import os

import pytest

from sklearn_bptt._engine import Objective

# scikit-learn's array-API estimator check runs only when this is set; it
# must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture(scope="module")
def client(request):
    """A Dask client of two single-threaded worker processes on 127.0.0.1.

    Started for each test module that asks for it and closed after it.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    dask_client = distributed.Client(cluster)

    def close():
        dask_client.close()
        cluster.close()

    request.addfinalizer(close)
    return dask_client


@pytest.fixture
def ctrl_c_on_call(monkeypatch):
    """``ctrl_c_on_call(n)``: Ctrl-C on the n-th loss evaluation from now on.

    Returns the list that counts the evaluations.
    """

    def arm(n):
        calls = []
        evaluate = Objective.__call__

        def interrupted(self, theta):
            calls.append(1)
            if len(calls) == n:
                raise KeyboardInterrupt
            return evaluate(self, theta)

        monkeypatch.setattr(Objective, "__call__", interrupted)
        return calls

    return arm
