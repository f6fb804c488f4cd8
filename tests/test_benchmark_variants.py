"""The benchmark's plain alternatives are real and answer the same: a piece of speed machinery
is only worth measuring against a variant that does the same job without it.

Speed itself is measured by ``benchmarks/run.py``, never here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VARIANT = ROOT / "benchmarks" / "variant.py"


def run(*args: str, no_cache: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "150", "PYTHONPATH": str(ROOT)}
    if no_cache:
        env["MSCREF_NO_CACHE"] = "1"
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=300
    )


@pytest.mark.parametrize("variant", ["dataclass", "strict-yaml", "one-thread", "kwargs-build"])
@pytest.mark.parametrize(
    "command",
    [
        ["trials", "--indication", "gvhd", "--format", "csv"],
        ["compare", "uc", "ad", "bm", "am", "--format", "markdown"],
        ["show", "msb-gvhd001"],
    ],
)
def test_a_variant_answers_exactly_as_mscref_does(variant: str, command: list[str]) -> None:
    shipped = run(str(VARIANT), "as-is", *command)
    plain = run(str(VARIANT), variant, *command)
    assert shipped.returncode == plain.returncode == 0, plain.stderr
    assert plain.stdout == shipped.stdout
    assert len(shipped.stdout.splitlines()) > 3


def test_rich_tables_show_the_same_cells() -> None:
    shipped = run(str(VARIANT), "as-is", "trials", "--indication", "gvhd", "--columns", "id,phase,n")
    plain = run(str(VARIANT), "rich-table", "trials", "--indication", "gvhd", "--columns", "id,phase,n")
    assert shipped.returncode == plain.returncode == 0, plain.stderr

    def cells(text: str) -> list[list[str]]:
        rows = []
        for line in text.splitlines():
            parts = [p.strip() for p in line.replace("┃", "│").split("│")[1:-1]]
            if parts and any(parts):
                rows.append(parts)
        return rows

    assert cells(plain.stdout) == cells(shipped.stdout)
    assert len(cells(shipped.stdout)) > 3


def test_each_variant_really_swaps_its_piece() -> None:
    probe = (
        "import sys; sys.argv = ['x']; sys.path.insert(0, 'benchmarks'); import variant\n"
        "variant._plain_dataclasses()\n"
        "from mscref.data.models import Trial\n"
        "print('record' if hasattr(Trial, '__record_fields__') else 'dataclass')\n"
        "variant._strict_yaml()\n"
        "from mscref.data import yamlio\n"
        "print(yamlio.fast_parse('a: 1\\n'))\n"
        "variant._rich_table()\n"
        "import mscref.cli.common as c\n"
        "print(c.write_table.__module__)\n"
        "variant._one_thread()\n"
        "print(yamlio._parse_workers())\n"
        "variant._kwargs_build()\n"
        "from mscref.data import schema\n"
        "print(schema._filler.__module__)\n"
    )
    out = run("-c", probe)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["dataclass", "None", "variant", "0", "variant"]
    shipped = run("-c", "from mscref.data.models import Trial; print(hasattr(Trial, '__record_fields__'))")
    assert shipped.stdout.strip() == "True"


def test_the_parse_and_build_variants_load_the_same_data(tmp_path: Path) -> None:
    """On a set large enough to be cut into pieces, ``one-thread`` (pieces parsed without worker
    threads) and ``kwargs-build`` (records built through ``__init__``) load the data set that
    mscref loads."""
    from benchmarks.generate import generate

    data = generate(3000, tmp_path / "data")
    probe = (
        "import hashlib, sys, threading; sys.path.insert(0, 'benchmarks'); import variant\n"
        "from pathlib import Path\n"
        "{patch}"
        "from mscref.data import loader\n"
        "names = []\n"
        "start = threading.Thread.start\n"
        "def spy(self): names.append(self.name); return start(self)\n"
        "threading.Thread.start = spy\n"
        "ds = loader.load_dataset(Path(sys.argv[1]))\n"
        "print(any(n.startswith('mscref-yaml') for n in names), len(ds.trials), "
        "hashlib.sha256(repr((tuple(ds.trials), ds.products, ds.references)).encode()).hexdigest())\n"
    )
    outs = {}
    for name, patch in (
        ("as-is", ""),
        ("one-thread", "variant._one_thread()\n"),
        ("kwargs-build", "variant._kwargs_build()\n"),
    ):
        out = run("-c", probe.format(patch=patch), str(data))
        assert out.returncode == 0, out.stderr
        outs[name] = out.stdout.split()
    threads, n, digest = outs["as-is"]
    assert int(n) >= 3000
    assert outs["one-thread"] == ["False", n, digest]
    assert outs["kwargs-build"] == [threads, n, digest]


def test_an_unknown_variant_is_refused() -> None:
    out = run(str(VARIANT), "fastest", "trials")
    assert out.returncode != 0
    assert "usage" in out.stderr and "Traceback" not in out.stderr
