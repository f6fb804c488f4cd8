"""TRIALS.md Part B as encoded in the shipped data: key figures read back through `show --format json`
and the loader, each as the curation record quotes it."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import Outcome, Trial

runner = CliRunner()


def show(record_id: str) -> Any:
    result = runner.invoke(app, ["show", record_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (found,) = [t for t in ds.trials if t.id == trial_id]
    return found


def outcome(t: Trial, endpoint: str, timepoint: str | None = None) -> Outcome:
    found = [o for o in t.outcomes if o.endpoint == endpoint and timepoint in (None, o.timepoint)]
    assert found, f"{t.id} has no outcome {endpoint} {timepoint}"
    return found[0]


def arm_figures(o: Outcome) -> dict[str, tuple[Any, ...]]:
    return {a.arm: (a.events, a.total, a.value) for a in o.arms}


def test_every_part_b_trial_cites_the_curation_record(bundled: Dataset) -> None:
    ids = [t.id for t in bundled.trials if t.id.startswith(("t1d-",))]
    assert len(ids) == 4
    for tid in ids:
        assert "trials-curation" in trial(bundled, tid).refs


def test_protrans_primary_result_is_marked_as_a_press_release() -> None:
    data = show("t1d-protrans")
    (o,) = data["outcomes"]
    assert o["figure_source"] == "press-release"
    assert [(a["arm"], a["mean"]) for a in o["arms"]] == [("msc", 90), ("placebo", 53)]
    assert {a["id"]: a["n"] for a in data["arms"]} == {"msc": 10, "placebo": 5}


def test_t1d_records_without_figures_keep_their_results_in_words(bundled: Dataset) -> None:
    for tid in ("t1d-nct01068951", "t1d-hu-2012", "t1d-irct-autologous-bm-msc"):
        t = trial(bundled, tid)
        assert all(not o.arms for o in t.outcomes), tid
        assert all(o.result for o in t.outcomes), tid
    assert trial(bundled, "t1d-nct01068951").n == 20
    assert trial(bundled, "t1d-hu-2012").n == 29
    assert trial(bundled, "t1d-irct-autologous-bm-msc").n == 21
