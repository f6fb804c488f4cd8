"""ClinicalTrials.gov import: every shape the API returns, classification, lossless merging."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.loader import bundled_data_dir, load_dataset
from mscref.registry.ctgov import classify_origin, classify_tissue, parse_timepoint
from tests.conftest import FIXTURES

runner = CliRunner()
# Real ClinicalTrials.gov API v2 records, copied into the repository so a clone alone runs these tests.
SAMPLES = FIXTURES / "ctgov" / "real"
SYNTHETIC = FIXTURES / "ctgov" / "synthetic_bm_msc_gvhd.json"


def samples() -> list[Path]:
    found = sorted(SAMPLES.glob("*.json"))
    assert found, f"the ClinicalTrials.gov samples are expected in {SAMPLES}"
    return found


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def import_into(target: Path, *files: Path, extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    return run("import", "ctgov", *(str(f) for f in files), "-o", str(target), *extra)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(bundled_data_dir(), target)
    return target


def registry_of(path: Path, nct: str) -> dict[str, Any]:
    ds = load_dataset(path.parent) if (path.parent / "sources.yaml").exists() else None
    assert ds is not None
    (trial,) = [t for t in ds.trials if nct in t.registry_ids]
    assert trial.registry is not None
    return dataclasses.asdict(trial.registry)


@pytest.mark.parametrize("sample", samples(), ids=lambda p: p.name)
def test_each_sample_imports_and_validates(data_copy: Path, sample: Path) -> None:
    code, _, err = import_into(data_copy / "trials.yaml", sample)
    assert code == 0, err
    assert "added: ctgov-nct" in err
    code, _, err = run("validate", "--data-dir", str(data_copy))
    assert code == 0, err


def test_registry_fields_come_through_as_the_registry_says(data_copy: Path) -> None:
    code, _, err = import_into(data_copy / "trials.yaml", *samples())
    assert code == 0, err
    ds = load_dataset(data_copy)
    trials = {t.registry_ids[0]: t for t in ds.trials if t.registry}
    cf = trials["NCT00763412"]
    assert cf.registry is not None
    assert (cf.registry.start_date, cf.registry.completion_date) == (
        "2006-11",
        "2013-01",
    )  # partial stays partial
    assert (cf.registry.enrollment, cf.registry.enrollment_type) == (31, "ACTUAL")
    assert cf.registry.overall_status == "COMPLETED"
    assert cf.indication is None
    assert cf.registry.unmatched_conditions == (
        "Cystic Fibrosis Related Diabetes",
        "Pancreatic Insufficiency",
    )
    bm = trials["NCT00711542"]
    assert bm.phase is not None and bm.phase.value == "1/2"  # ["PHASE1", "PHASE2"]
    assert bm.registry is not None and bm.registry.overall_status == "TERMINATED"
    assert bm.indication == "myocardial-infarction"
    assert bm.countries == ("Germany",)
    melanoma = trials["NCT04114136"]  # a search page cut down with fields=: no location module
    assert melanoma.registry is not None and melanoma.registry.enrollment_type is None
    assert melanoma.n == 72 and melanoma.registry.completion_date == "2032-04-30"
    dupilumab = trials["NCT02210780"]
    assert dupilumab.indication == "atopic-dermatitis"
    assert dupilumab.outcomes[0].arms[0].unit == "%"  # a percentage, not a count


def test_msc_trial_with_results_gets_tissue_indication_and_counts(data_copy: Path) -> None:
    code, _, err = import_into(data_copy / "trials.yaml", SYNTHETIC)
    assert code == 0, err
    ds = load_dataset(data_copy)
    (trial,) = [t for t in ds.trials if "NCT99999901" in t.registry_ids]
    assert (trial.source, trial.indication) == ("bm", "gvhd")
    assert trial.origin is not None and trial.origin.value == "allogeneic"
    assert trial.design.randomized is True and trial.design.control is not None
    (outcome,) = trial.outcomes
    assert (outcome.endpoint, outcome.timepoint) == ("overall-response", "day 28")
    assert [(a.arm, a.events, a.total) for a in outcome.arms] == [("og000", 18, 30), ("og001", 11, 30)]
    assert trial.registry is not None
    assert trial.registry.source_evidence == "bone marrow from interventions[0].name: 'bone marrow'"
    # the imported trial is cited by its registry record
    (ref,) = [ds.reference(r) for r in trial.refs]
    assert ref.registry_id == "NCT99999901"
    # and it works in trials, evidence and report
    code, out, _ = run("trials", "--indication", "gvhd", "--format", "json", "--data-dir", str(data_copy))
    assert trial.id in {r["id"] for r in json.loads(out)}
    code, out, _ = run("evidence", "--indication", "gvhd", "--format", "json", "--data-dir", str(data_copy))
    assert any(c["trial"] == trial.id for c in json.loads(out)["comparisons"])
    code, out, _ = run("report", "--indication", "gvhd", "--data-dir", str(data_copy))
    assert code == 0 and trial.id in out and "NCT99999901" in out


def test_a_record_that_names_no_tissue_is_unknown() -> None:
    study = json.loads(SYNTHETIC.read_text())
    ivs = study["protocolSection"]["armsInterventionsModule"]["interventions"]
    ivs[0]["name"] = "Mesenchymal stromal cells"
    ivs[0]["description"] = "2 x 10^6 cells/kg"
    study["protocolSection"]["identificationModule"]["briefTitle"] = "MSCs for acute GVHD"
    study["protocolSection"]["identificationModule"]["officialTitle"] = "MSCs for acute GVHD"
    assert classify_tissue(study) == (None, "unknown: no source tissue named in the interventions or titles")
    assert classify_origin(study) == (None, "unknown: neither allogeneic nor autologous named")
    ivs[0]["description"] = "cells from umbilical cord Wharton's jelly; autologous bone marrow not used"
    tissue, evidence = classify_tissue(study)
    assert tissue is None and evidence.startswith("unknown: several tissues named")


@pytest.mark.parametrize(
    ("text", "tissue"),
    [
        ("Human umbilical cord blood-derived MSCs", "umbilical cord blood"),
        ("hUC-MSC injection", "umbilical cord"),
        ("Wharton's jelly mesenchymal cells", "umbilical cord"),
        ("adipose-derived stromal cells", "adipose"),
        ("human amniotic membrane MSCs", "amnion"),
        ("placental MSCs", "placenta"),
        ("dental pulp stem cells", "dental pulp"),
    ],
)
def test_tissue_words(text: str, tissue: str) -> None:
    study = {"protocolSection": {"armsInterventionsModule": {"interventions": [{"name": text}]}}}
    assert classify_tissue(study)[0] == tissue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Day 28", "day 28"),
        ("28 days after infusion", "day 28"),
        ("Week 16", "week 16"),
        ("2 year/end of study", "year 2"),
        ("baseline to end of study", None),
        ("", None),
    ],
)
def test_timepoints(text: str, expected: str | None) -> None:
    assert parse_timepoint(text) == expected


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert import_into(target, *samples(), SYNTHETIC)[0] == 0
    first = target.read_bytes()
    code, _, err = import_into(target, *samples(), SYNTHETIC)
    assert code == 0
    assert "file unchanged" in err
    assert target.read_bytes() == first


def test_importing_into_the_shipped_data_keeps_every_existing_field(data_copy: Path) -> None:
    before = load_dataset(data_copy)
    text_before = (data_copy / "trials.yaml").read_text(encoding="utf-8")
    study = json.loads(SYNTHETIC.read_text())
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT02336230"  # msb-gvhd001
    study["protocolSection"]["identificationModule"]["briefTitle"] = (
        "SYNTHETIC registry view of a shipped trial"
    )
    update = data_copy.parent / "update.json"
    update.write_text(json.dumps({"studies": [study, json.loads(SYNTHETIC.read_text())]}), encoding="utf-8")
    code, _, err = import_into(data_copy / "trials.yaml", update)
    assert code == 0, err
    assert "updated: msb-gvhd001 (NCT02336230)" in err
    after = load_dataset(data_copy)
    old = {t.id: t for t in before.trials}
    for trial in after.trials:
        if trial.id in old:
            assert dataclasses.replace(trial, registry=None) == old[trial.id]
    assert {p.id for p in after.products} == {p.id for p in before.products}
    msb = next(t for t in after.trials if t.id == "msb-gvhd001")
    assert (
        msb.registry is not None and msb.registry.brief_title == "SYNTHETIC registry view of a shipped trial"
    )
    text_after = (data_copy / "trials.yaml").read_text(encoding="utf-8")
    assert text_after.startswith(
        text_before.split("  - id: msb-gvhd001")[0]
    )  # comments and products as they were


def test_comments_survive_a_merge(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert import_into(target, SYNTHETIC)[0] == 0
    text = target.read_text(encoding="utf-8")
    text = text.replace("    status: completed\n", "    status: completed  # checked against the paper\n", 1)
    text = "# my own collection\n" + text
    target.write_text(text, encoding="utf-8")
    assert import_into(target, samples()[0])[0] == 0
    merged = target.read_text(encoding="utf-8")
    assert merged.startswith("# my own collection\n")
    assert "status: completed  # checked against the paper" in merged


def test_dry_run_shows_the_change_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    code, out, err = import_into(target, SYNTHETIC, extra=("--dry-run",))
    assert code == 0
    assert not target.exists()
    assert "+  - id: ctgov-nct99999901" in out
    assert "dry run: 1 added, 0 updated, 0 unchanged; nothing written" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"studies": [ {"protocolSection": ', "not valid JSON: Expecting value at line 1, column 35"),
        ('[{"protocolSection": {}}, {"nope": 1}]', "record 2: not a study record (an object with keys nope"),
        ('"just text"', "the file: not a study record (a str"),
        ('{"studies": "none"}', "'studies': not a study record (a str"),
    ],
)
def test_broken_json_names_file_and_record_and_writes_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, out, err = import_into(target, SYNTHETIC, bad)
    assert code == 1
    assert out == ""
    assert f"{bad}: {message}" in err
    assert err.rstrip().endswith("nothing was written")
    assert not target.exists()


def test_unknown_enum_value_names_the_record(tmp_path: Path) -> None:
    study = json.loads(SYNTHETIC.read_text())
    broken = copy.deepcopy(study)
    broken["protocolSection"]["designModule"]["phases"] = ["PHASE2", "PHASE7"]
    broken["protocolSection"]["statusModule"]["overallStatus"] = "FINISHED"
    bad = tmp_path / "page.json"
    bad.write_text(json.dumps({"studies": [study, broken]}), encoding="utf-8")
    target = tmp_path / "out.yaml"
    target.write_text("trials: []\n", encoding="utf-8")
    code, _, err = import_into(target, bad)
    assert code == 1
    assert f"{bad}: record 2 (NCT99999901): statusModule.overallStatus: unknown value 'FINISHED'" in err
    assert f"{bad}: record 2 (NCT99999901): designModule.phases[1]: unknown value 'PHASE7'" in err
    assert target.read_text(encoding="utf-8") == "trials: []\n"


@pytest.mark.parametrize("into_data_dir", [False, True])
def test_a_trial_that_would_not_validate_is_told_against_its_input_record(
    tmp_path: Path, data_copy: Path, into_data_dir: bool
) -> None:
    study = json.loads(SYNTHETIC.read_text())
    blank = copy.deepcopy(study)
    blank["protocolSection"]["identificationModule"]["briefTitle"] = "\u200b"
    blank["protocolSection"]["identificationModule"]["nctId"] = "NCT99999902"
    bad = tmp_path / "page.json"
    bad.write_text(json.dumps({"studies": [study, blank]}), encoding="utf-8")
    target = data_copy / "trials.yaml" if into_data_dir else tmp_path / "out.yaml"
    before = target.read_bytes() if target.exists() else None
    code, _, err = import_into(target, bad)
    assert code == 1
    record = f"{bad}: record 2 (NCT99999902): the trial it maps to:"
    assert err.splitlines() == [
        f"{record} title: expected a non-empty string, got one with nothing visible in it",
        f"{record} registry.brief_title: expected a non-empty string, got one with nothing visible in it",
        "error: 2 problems in the input; nothing was written",
    ]
    assert (target.read_bytes() if target.exists() else None) == before


def test_several_pages_in_one_file(tmp_path: Path) -> None:
    page = json.loads((SAMPLES / "biomcp_search_melanoma_recruiting_limit3_fields_subset.json").read_text())
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([page, {"studies": [json.loads(SYNTHETIC.read_text())]}]), encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, _, err = import_into(target, pages)
    assert code == 0, err
    assert err.count("added: ") == 4


def test_an_interrupted_import_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    target = tmp_path / "mine.yaml"
    assert import_into(target, SYNTHETIC)[0] == 0
    before = target.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    code, _, err = import_into(target, samples()[0])
    assert code == 1
    assert f"error: cannot write {target}: Input/output error" in err
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]


def _set(path: list[Any], value: Any) -> Any:
    def edit(study: dict[str, Any]) -> None:
        node: Any = study
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


_OM = ["resultsSection", "outcomeMeasuresModule", "outcomeMeasures", 0]


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (_set(["protocolSection", "designModule"], "INTERVENTIONAL"), 1),
        (_set(["protocolSection", "conditionsModule", "conditions"], 5), 1),
        (_set(["protocolSection", "conditionsModule", "conditions"], "GVHD"), 1),
        (_set(["protocolSection", "armsInterventionsModule", "interventions"], 5), 1),
        (_set(["protocolSection", "contactsLocationsModule", "locations"], 5), 1),
        (_set(["protocolSection", "armsInterventionsModule", "armGroups"], 5), 0),
        (_set([*_OM, "groups"], 5), 0),
        (_set([*_OM, "denoms"], 5), 0),
        (_set([*_OM, "classes", 0, "categories", 0, "measurements", 0, "value"], float("nan")), 0),
        (_set([*_OM, "denoms", 0, "counts", 0, "value"], float("inf")), 0),
        (_set([*_OM, "denoms", 0, "counts", 0, "value"], "9" * 400), 0),
        (_set([*_OM, "timeFrame"], "Day " + "9" * 5000), 0),
        (_set([*_OM, "groups", 0, "id"], "OG 0"), 0),
    ],
)
def test_misshapen_records_never_crash(tmp_path: Path, edit: Any, code: int) -> None:
    study = json.loads(SYNTHETIC.read_text())
    edit(study)
    source = tmp_path / "study.json"
    source.write_text(json.dumps(study), encoding="utf-8")
    result, _, err = import_into(tmp_path / "out.yaml", source)
    assert result == code, err
    if code:
        assert "NCT99999901" in err and "expected" in err
        assert not (tmp_path / "out.yaml").exists()


def test_a_comment_only_file_keeps_its_comments(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("# my collection, started by hand\n", encoding="utf-8")
    code, _, err = import_into(target, SYNTHETIC)
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# my collection, started by hand\ntrials:\n")
    assert "ctgov-nct99999901" in text
