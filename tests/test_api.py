"""The Python API for notebooks: mscref.load, mscref.to_frame, mscref.evidence_frames."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mscref
from mscref.data.dataset import Dataset
from mscref.evidence.stats import EvidenceFilter, analyse

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_import_and_load_leave_pandas_out() -> None:
    code = (
        "import sys, mscref\n"
        "ds = mscref.load()\n"
        "assert ds.trials\n"
        "heavy = [m for m in ('pandas', 'statsmodels', 'matplotlib', 'scipy') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_outcomes_frame_has_one_row_per_arm_outcome(bundled: Dataset) -> None:
    pd = pytest.importorskip("pandas")
    out = mscref.to_frame("outcomes", bundled)
    expected = sum(max(1, len(o.arms)) for t in bundled.trials for o in t.outcomes)
    assert len(out) == expected
    assert str(out["events"].dtype) == "Int64" and str(out["total"].dtype) == "Int64"
    assert str(out["value"].dtype) == "float64"
    assert str(out["primary"].dtype) == "boolean"
    assert str(out["trial_id"].dtype) == "string"
    # every count in the frame is the data's, and an unreported count is missing, not zero
    for t in bundled.trials:
        rows = out[out["trial_id"] == t.id]
        counts = [(a.arm, a.events) for o in t.outcomes for a in o.arms]
        with_arm = rows[rows["arm"].notna()]
        pairs = zip(with_arm["arm"], with_arm["events"], strict=True)
        got = [(a, None if pd.isna(e) else int(e)) for a, e in pairs]
        assert got == counts
    assert out["events"].isna().any()
    assert not (out["events"].fillna(-1) == 0).all()


@pytest.mark.parametrize("kind", ["trials", "arms", "approvals", "references"])
def test_every_frame_is_typed_and_whole(bundled: Dataset, kind: str) -> None:
    pd = pytest.importorskip("pandas")
    frame = mscref.to_frame(kind, bundled)
    sizes = {
        "trials": len(bundled.trials),
        "arms": sum(len(t.arms) for t in bundled.trials),
        "approvals": sum(len(p.approvals) for p in bundled.products),
        "references": len(bundled.references),
    }
    assert len(frame) == sizes[kind]
    assert "object" not in {str(d) for d in frame.dtypes}, frame.dtypes
    if kind == "trials":
        assert str(frame["n"].dtype) == "Int64"
        assert str(frame["phase"].dtype) == "category"
        by_id = frame.set_index("id")
        for t in bundled.trials:
            n = by_id.loc[t.id, "n"]
            assert (None if pd.isna(n) else int(n)) == t.n
    if kind == "references":
        assert str(frame["year"].dtype) == "Int64"
        assert str(frame["kind"].dtype) == "category"


def test_unknown_frame_says_which_there_are(bundled: Dataset) -> None:
    with pytest.raises(ValueError, match="frames are: trials, outcomes"):
        mscref.to_frame("patients", bundled)


def test_evidence_frames_match_the_analysis(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter(indication="gvhd"))
    frames = mscref.evidence_frames(ev)
    pooled, studies = frames["pooled"], frames["studies"]
    assert len(pooled) == len(ev.pooled) > 0
    assert list(pooled["estimate"]) == [p.estimate for p in ev.pooled]
    assert list(pooled["k"]) == [p.k for p in ev.pooled]
    assert len(studies) == sum(p.k for p in ev.pooled)
    for _pool, weights in studies.groupby("pool")["weight"]:
        assert weights.sum() == pytest.approx(1.0)
    assert len(frames["proportions"]) == len(ev.proportions)
    assert list(frames["comparisons"]["or"]) == [c.odds_ratio.estimate for c in ev.comparisons]
    assert str(frames["proportions"]["events"].dtype) == "Int64"
    again = mscref.evidence_frames(dataset=bundled, indication="gvhd")
    assert again["pooled"].equals(pooled)


def test_readme_python_example_runs() -> None:
    block = re.search(r"```pycon\n(.*?)```", README, re.S)
    assert block is not None, "the README has no Python example"
    test = doctest.DocTestParser().get_doctest(block.group(1), {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
