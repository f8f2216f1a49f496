import os

import pytest

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
