"""Warnings: valid data a curator should still look at; validate prints them and exits 0."""

from __future__ import annotations

from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.lint import data_warnings
from tests.conftest import Edit

runner = CliRunner()


def test_a_reference_without_a_locator_is_a_warning_not_an_error(edit: Edit) -> None:
    data = edit(
        "references.yaml",
        "    registry_id: NCT00000001\n",
        "    registry_id: NCT00000001\n  - id: lost\n    kind: article\n    title: A paper nobody can find\n",
    )
    result = runner.invoke(app, ["validate", "--data-dir", str(data)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("OK: ")
    lines = result.stderr.splitlines()
    assert (
        f"{data}/references.yaml:8: references[2]: warning: reference 'lost' has no locator "
        "(no DOI, PMID, PMCID, URL or registry id); a reader cannot find it"
    ) in lines
    assert lines[-1].endswith("(the data is valid)")


def test_figures_without_their_own_reference_are_warned(minimal_copy: object) -> None:
    result = runner.invoke(app, ["validate", "--data-dir", str(minimal_copy)])
    assert result.exit_code == 0
    assert (
        "trials[0].outcomes[0].refs: warning: the figures of trial-a overall-response cite no reference"
        in result.stderr
    )


def test_an_indication_nothing_uses_is_warned(edit: Edit) -> None:
    data = edit(
        "indications.yaml",
        "indications:\n",
        "indications:\n  - id: orphan\n    name: Orphan\n    name_zh: 孤儿\n    system: other\n",
    )
    result = runner.invoke(app, ["validate", "--data-dir", str(data)])
    assert result.exit_code == 0
    assert (
        f"{data}/indications.yaml:2: indications[0]: warning: indication 'orphan' is used by no trial, "
        "product, claim or source trait" in result.stderr.splitlines()
    )


def test_the_shipped_data_warns_only_about_references_without_a_locator(bundled: Dataset) -> None:
    warnings = data_warnings(bundled, "data")
    assert warnings, "the shipped data has references the curation notes give no address for"
    assert all("has no locator" in w.message for w in warnings)
    # every figure of the shipped data cites a reference of its own, and every indication is used
    assert not [w for w in warnings if "cite no reference" in w.message or "is used by no" in w.message]
