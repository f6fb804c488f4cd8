"""``mscref registry list|summary|history|runs|export|classify``, the registry link in ``show``
and ``import ctgov --from-store``, over a store filled with the real and SYNTHETIC records."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mscref.data.dataset import Dataset
from mscref.registry.store import Store
from tests.conftest import FIXTURES
from tests.registry.conftest import run
from tests.registry.ctgov_server import nct, real_studies, synthetic_studies

ROOT = Path(__file__).resolve().parents[2]
STUDIES = real_studies() + synthetic_studies(24)
MSC = [nct(s) for s in STUDIES if nct(s).startswith("NCT9999")]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, bundled: Dataset) -> Path:
    path = tmp_path_factory.mktemp("store") / "registry.sqlite"
    with Store(path) as st:
        st.put_page(STUDIES, bundled)
    return path


def reg(filled: Path, *args: str) -> tuple[int, str, str]:
    return run("registry", *args, "--store", str(filled))


def ids(out: str) -> list[str]:
    return [r["id"] for r in json.loads(out)]


def test_list_shows_msc_studies_with_their_classification(filled: Path) -> None:
    code, out, _ = reg(filled, "list", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == sorted(MSC)
    first = rows[0]
    assert (first["source"], first["indication"], first["phase"], first["status"]) == (
        "uc",
        "knee-oa",
        "1/2",
        "RECRUITING",
    )
    assert first["tissue_evidence"].startswith("umbilical cord from interventions[0].name")
    unmatched = [r for r in rows if r["indication"] is None]
    assert unmatched and all(r["unmatched"] == r["conditions"] for r in unmatched)  # kept verbatim
    assert ["Made-up Condition Nobody Lists"] in [r["unmatched"] for r in unmatched]
    code, out, _ = reg(filled, "list", "--all", "--format", "json")
    assert len(json.loads(out)) == len(STUDIES)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", "脐带"], {"NCT99990001", "NCT99990002"}),  # uc, by its Chinese name
        (["--source", "ad"], {"NCT99990004"}),
        (["--indication", "knee osteoarthritis"], {"NCT99990001", "NCT99990004"}),
        (["--phase", "3"], {"NCT99990003"}),
        (["--phase", "1/2", "--phase", "II"], {"NCT99990001", "NCT99990002", "NCT99990004"}),
        (["--status", "active, not recruiting"], {"NCT99990003"}),
        (["--country", "korea, republic of"], {"NCT99990004"}),
        (["--since", "2020"], {"NCT99990001", "NCT99990002"}),
    ],
)
def test_list_filters(filled: Path, args: list[str], expected: set[str]) -> None:
    code, out, err = reg(filled, "list", *args, "--format", "json")
    assert code == 0, err
    # the synthetic records repeat every 6: compare the first cycle
    assert {i for i in ids(out) if i <= "NCT99990006"} == expected


def test_list_sorts_and_every_format(filled: Path) -> None:
    _, out, _ = reg(filled, "list", "--sort", "start", "--format", "json")
    starts = [r["start_date"] for r in json.loads(out)]
    known = [s for s in starts if s]
    assert known == sorted(known) and starts[-1] is None  # unknown last
    _, out, _ = reg(filled, "list", "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:3] == ["ID", "Title", "Source"] and len(table) == len(MSC) + 1
    _, out, _ = reg(filled, "list", "--format", "markdown")
    assert out.startswith("| ID | Title | Source |") and out.count("\n| NCT") == len(MSC)
    code, out, _ = reg(filled, "list")
    assert code == 0 and "NCT99990001" in out and f"{len(MSC)} registered studies" in out


def test_list_mistakes(filled: Path, tmp_path: Path) -> None:
    assert reg(filled, "list", "--source", "liver")[0] == 1
    code, _, err = reg(filled, "list", "--since", "last year")
    assert code == 2 and "--since takes a year" in err
    code, _, err = run("registry", "list", "--store", str(tmp_path / "none.sqlite"))
    assert code == 1 and "no registry store at" in err and "mscref fetch ctgov" in err
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    code, _, err = run("registry", "summary", "--store", str(bad))
    assert code == 1 and f"cannot open the registry store {bad}" in err


def test_summary_counts_add_up_and_show_unknowns(filled: Path) -> None:
    code, out, _ = reg(filled, "summary", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["studies"], data["msc_studies"]) == (len(STUDIES), len(MSC))
    for key in ("indication_by_source", "phase_by_status", "start_year"):
        assert sum(c["count"] for c in data[key]) == len(MSC)
    cells = {(c["indication"], c["source"]): c["count"] for c in data["indication_by_source"]}
    # "Crohn's Disease" matches the luminal crohns-disease indication; the made-up condition none
    assert cells[("knee-oa", "uc")] == 4 and cells[("crohns-disease", None)] == 4
    assert cells[(None, "placenta")] == 4 and (None, None) not in cells
    code, out, _ = reg(filled, "summary", "--format", "markdown")
    assert "unknown (conditions unmatched)" in out and "| Total |" in out
    assert (
        f"{len(STUDIES)} studies in" in out and f"{len(STUDIES) - len(MSC)} do not and are set aside" in out
    )


def test_summary_plot(filled: Path, tmp_path: Path) -> None:
    plot = tmp_path / "years.svg"
    code, _, err = reg(filled, "summary", "--plot", str(plot))
    assert code == 0, err
    assert (
        plot.read_text().lstrip().startswith("<?xml")
        and "Registered MSC studies by start year" in plot.read_text()
    )


def test_export_csv_json_parquet(filled: Path, tmp_path: Path) -> None:
    code, out, _ = reg(filled, "export", "--format", "json")
    records = json.loads(out)
    assert {r["id"] for r in records} == set(MSC)
    by_id = {nct(s): s for s in STUDIES}
    assert all(r["study"] == by_id[r["id"]] for r in records)  # the JSON as returned
    code, out, _ = reg(filled, "export", "--all")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(STUDIES) and json.loads(rows[0]["json"]) == by_id[rows[0]["id"]]
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow (the parquet extra) is not installed")
    target = tmp_path / "r.parquet"
    code, _, err = reg(filled, "export", "--format", "parquet", "-o", str(target))
    assert code == 0, err
    table = pq.read_table(target)
    assert table.num_rows == len(MSC) and sorted(table.column("id").to_pylist()) == sorted(MSC)
    first = table.slice(0, 1).to_pylist()[0]
    assert json.loads(first["json"]) == by_id[first["id"]] and isinstance(first["enrollment"], int)
    code, _, err = reg(filled, "export", "--format", "parquet", "-o", str(target))
    assert code == 1 and "exists; use --force" in err
    assert reg(filled, "export", "--format", "parquet")[0] == 2


def test_parquet_without_pyarrow_says_what_to_install(filled: Path, tmp_path: Path) -> None:
    """A real interpreter in which ``import pyarrow`` fails, as it does where the extra is absent."""
    blocker = tmp_path / "block" / "pyarrow"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('pyarrow is not installed')\n")
    env = {**os.environ, "PYTHONPATH": f"{blocker.parent}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mscref",
            "registry",
            "export",
            "--format",
            "parquet",
            "-o",
            str(tmp_path / "x.parquet"),
            "--store",
            str(filled),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert (
        "Parquet export needs pyarrow, which is not installed: pip install 'mscref[parquet]'" in done.stderr
    )
    assert "Traceback" not in done.stderr and not (tmp_path / "x.parquet").exists()


def test_classify_again_and_runs(filled: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    shutil.copy(filled, copy)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE studies SET source = NULL, indication = NULL")
    code, _, err = run("registry", "classify", "--store", str(copy))
    assert code == 0 and f"classified {len(STUDIES)} studies" in err
    with sqlite3.connect(copy) as db, sqlite3.connect(filled) as orig:
        assert list(db.execute("SELECT id, source, indication FROM studies ORDER BY id")) == list(
            orig.execute("SELECT id, source, indication FROM studies ORDER BY id")
        )
    code, out, _ = run("registry", "runs", "--store", str(copy), "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_show_links_a_curated_trial_to_its_registry_record(tmp_path: Path, bundled: Dataset) -> None:
    trial = next(t for t in bundled.trials if any(i.startswith("NCT") for i in t.registry_ids))
    sid = next(i for i in trial.registry_ids if i.startswith("NCT"))
    study = json.loads((FIXTURES / "ctgov" / "synthetic_bm_msc_gvhd.json").read_text())
    study.pop("_comment")
    study["protocolSection"]["identificationModule"]["nctId"] = sid
    study["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": "Synthetic Hospital", "city": "Testville", "country": "Testland"}
    ]
    store = tmp_path / "r.sqlite"
    with Store(store) as st:
        st.put_page([study], bundled)
    code, out, err = run("show", trial.id, "--store", str(store))
    assert code == 0, err
    assert f"Registry record {sid}" in out and "Synthetic Hospital, Testville, Testland" in out
    code, out, _ = run("show", trial.id, "--store", str(store), "--format", "json")
    (link,) = json.loads(out)["registry_records"]
    assert (link["id"], link["status"], link["enrollment"]) == (sid, "COMPLETED", 60)
    # no store: show works as before, and says nothing about registries
    code, out, err = run("show", trial.id, "--store", str(tmp_path / "absent.sqlite"))
    assert code == 0 and "Registry record" not in out and err == ""


def test_import_from_store_goes_through_the_lossless_merge(filled: Path, tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("# my trials\ntrials: []\n")
    code, _, err = run(
        "import", "ctgov", "--from-store", "NCT99990003", "-o", str(target), "--store", str(filled)
    )
    assert code == 0, err
    assert "added: ctgov-nct99990003 (NCT99990003)" in err
    text = target.read_text()
    assert text.startswith("# my trials\n") and "source: bm" in text and "indication: gvhd" in text
    code, _, err = run(
        "import", "ctgov", "--from-store", "NCT99990003", "-o", str(target), "--store", str(filled)
    )
    assert code == 0 and "file unchanged" in err
    code, _, err = run(
        "import", "ctgov", "--from-store", "NCT00000000", "nope", "-o", str(target), "--store", str(filled)
    )
    assert code == 1
    assert "NCT00000000: not in the store (fetch it: mscref fetch ctgov --nct ID)" in err
    assert "NOPE: not an NCT id" in err


def test_a_plain_listing_never_imports_the_network_stack() -> None:
    code = (
        "import sys\nfrom mscref.cli import main\n"
        "try:\n    main(['trials', '--indication', 'gvhd'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('httpx', 'tenacity', 'platformdirs', 'sqlite3') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
