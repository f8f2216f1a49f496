"""Reading order of the gallery, used by ``sphinx_gallery_conf`` in conf.py.

Sphinx-Gallery takes the sort key as an importable name, so that the
configuration stays picklable.
"""

from pathlib import Path

ORDER = [
    "plot_unrolled_network.py",
    "plot_sine_forecast.py",
    "plot_forecasting.py",
    "plot_sequence_to_sequence.py",
    "plot_attractors.py",
    "plot_digits_sequences.py",
    "plot_variable_length.py",
    "plot_initial_state.py",
    "plot_grid_search.py",
    "plot_loss_curve.py",
]


class ReadingOrder:
    """Sort key: the examples in ``ORDER`` first, in that order, then the rest."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        if name in ORDER:
            return (0, ORDER.index(name), name)
        return (1, 0, name)
