"""A real HTTP server that answers like ClinicalTrials.gov, and a way to run the CLI against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from tests.registry.ctgov_server import FakeRegistry, real_studies, serve, synthetic_studies

#: Short waits so the fault tests take fractions of a second: a 0.3 s timeout, 1 ms backoff.
FAST = ["--rate", "0", "--timeout", "0.3", "--backoff", "0.001", "--max-wait", "0.05", "--retries", "3"]

runner = CliRunner()


@pytest.fixture()
def registry() -> Iterator[FakeRegistry]:
    """7 real records and 24 SYNTHETIC MSC records, served on 127.0.0.1."""
    gen = serve(FakeRegistry(real_studies() + synthetic_studies(24)), slow_seconds=0.6)
    yield next(gen)
    gen.close()


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    return tmp_path / "registry.sqlite"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def fetch(reg: FakeRegistry, store: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        "fetch", "ctgov", "--base-url", reg.url, "--store", str(store), "--page-size", "10", *FAST, *extra
    )
