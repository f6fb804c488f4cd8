"""mscref: a reference tool on mesenchymal stem/stromal cell therapies, every figure cited.

For notebooks::

    import mscref
    ds = mscref.load()                      # the bundled data set (or load("my/data"))
    outcomes = mscref.to_frame("outcomes")  # one row per arm of each outcome
    ev = mscref.evidence_frames(indication="gvhd")["pooled"]

Everything here imports its machinery when called, so ``import mscref`` stays cheap.
"""

from __future__ import annotations

#: Not ``typing.TYPE_CHECKING``: importing typing here would widen the moment at start-up
#: when Ctrl-C still meets Python's own handler (a traceback) instead of mscref's (exit 130).
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from os import PathLike
    from typing import Any

    import pandas as pd

    from mscref.data.dataset import Dataset
    from mscref.evidence.stats import Evidence

__version__ = "0.1.0"
__all__ = ["__version__", "evidence_frames", "load", "to_frame"]


def load(data_dir: str | PathLike[str] | None = None) -> Dataset:
    """The data set in ``data_dir`` (default: the bundled data), validated; raises
    ``mscref.data.errors.DataError`` listing every problem."""
    from pathlib import Path

    from mscref.data.loader import load_dataset

    return load_dataset(Path(data_dir) if data_dir is not None else None)


def to_frame(kind: str, dataset: Dataset | None = None) -> pd.DataFrame:
    """A tidy DataFrame: ``"trials"``, ``"outcomes"`` (one row per arm-outcome), ``"arms"``,
    ``"approvals"`` or ``"references"``, of ``dataset`` (default: the bundled data)."""
    from mscref.render.frames import to_frame as build

    return build(dataset if dataset is not None else load(), kind)


def evidence_frames(
    result: Evidence | None = None, dataset: Dataset | None = None, **filters: Any
) -> dict[str, pd.DataFrame]:
    """The evidence statistics as DataFrames (``proportions``, ``comparisons``, ``pooled``,
    ``studies``, ``refusals``), of an ``analyse`` result or, without one, of the analysis of
    ``dataset`` under ``filters`` (``indication=``, ``source=``, ``endpoints=`` … as in
    ``mscref.evidence.stats.EvidenceFilter``)."""
    from mscref.render.frames import evidence_frames as build

    if result is None:
        from mscref.evidence.stats import EvidenceFilter, analyse

        result = analyse(dataset if dataset is not None else load(), EvidenceFilter(**filters))
    return build(result)
