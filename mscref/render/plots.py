"""matplotlib (imported lazily), for the registry's chart of studies by start year. The report's
charts are drawn without it: ``mscref.render.forest`` and ``mscref.render.bars``."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mscref.data.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

FORMATS = {".svg": "svg", ".png": "png"}


def _import_matplotlib() -> Any:
    """matplotlib with only its own defaults. A ``matplotlibrc`` in the current folder or the
    user's config, or ``$MPLBACKEND``, could otherwise stop every plot (a bad value), print
    warnings, make matplotlib run LaTeX (``text.usetex``) or import a module of the file's
    choosing (``backend: module://…``): no file mscref did not ask for may change what it
    runs, and the same data gives the same chart anywhere."""
    import logging
    import sys

    if "matplotlib" in sys.modules:  # a program using mscref as a library chose its settings
        import matplotlib

        return matplotlib
    os.environ["MPLBACKEND"] = "agg"  # read (and checked) once, at the first import
    log = logging.getLogger("matplotlib")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a planted file's "Bad value" warnings are not the user's
    try:
        import matplotlib
    finally:
        log.setLevel(level)
    matplotlib.rcdefaults()  # forget every matplotlibrc read at import
    return matplotlib


def _pyplot() -> Any:
    matplotlib = _import_matplotlib()
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, small
    matplotlib.rcParams["svg.hashsalt"] = "mscref"  # stable ids: same data, same file
    matplotlib.rcParams["text.parse_math"] = False  # a '$' in a label is a dollar sign, not TeX
    import matplotlib.pyplot as plt

    return plt


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buf, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def plot_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot plot to {path.name}: use a .svg or .png file name")
    return fmt
