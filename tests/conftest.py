import os

# scikit-learn's array-API estimator check runs only when this is set; it
# must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
