"""The editor schemas: generated from the models, shipped up to date, and agreeing with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.jsonschema import file_schema, schema_names
from mscref.data.loader import bundled_data_dir
from mscref.data.yamlio import parse_text

runner = CliRunner()
DATA = bundled_data_dir()


@pytest.mark.parametrize("name", schema_names())
def test_shipped_schema_is_up_to_date(name: str) -> None:
    shipped = json.loads((DATA / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert shipped == file_schema(name), "regenerate with: mscref schema -o data/schemas --force"


@pytest.mark.parametrize("name", schema_names())
def test_shipped_data_validates_against_its_schema(name: str) -> None:
    Draft7Validator.check_schema(file_schema(name))
    text = (DATA / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"# yaml-language-server: $schema=schemas/{name}.schema.json\n")
    doc = parse_text(name, text)
    errors = list(Draft7Validator(file_schema(name)).iter_errors(doc.root))
    assert errors == []


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('phase: "3"', 'phase: "2b"', "phase"),
        ("    product_type: cells\n", "    product_typ: cells\n", "product_typ"),
        ("    n: 54\n", "    n: 0\n", "n"),
        ('date: "2024-12-18"', 'date: "18.12.2024"', "date"),
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(old: str, new: str, where: str) -> None:
    text = (DATA / "trials.yaml").read_text(encoding="utf-8")
    assert old in text
    doc = parse_text("trials.yaml", text.replace(old, new, 1))
    errors = list(Draft7Validator(file_schema("trials")).iter_errors(doc.root))
    assert errors
    assert any(where in (str(e.path) + e.message) for e in errors)


def test_schema_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "trials"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert runner.invoke(app, ["schema", "trial"]).exit_code == 2
    assert runner.invoke(app, ["schema", "-o", str(tmp_path)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.schema.json" for n in schema_names())
    again = runner.invoke(app, ["schema", "-o", str(tmp_path)])
    assert again.exit_code == 1
    assert "exists; use --force" in again.stderr
