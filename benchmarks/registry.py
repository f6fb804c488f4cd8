"""Measure `mscref registry summary` over 10k stored studies, as a ratio to the import floor.

    python benchmarks/registry.py            # 10k synthetic studies (5 runs each side, in turns)
    python benchmarks/registry.py --check    # exit 1 when the target is missed
    python benchmarks/registry.py --studies 100000

Target (issue "The registry, live"): `registry summary` over 10k stored studies well under a
second warm. A second depends on the machine, so it is taken as a ratio to the import floor
`python -c "import typer, rich.console, rich.table, yaml"` measured in the same run, the two
sides in turns: at most 2x the floor (the floor is 0.10-0.15 s on the project's machine). The
store is filled by the same code `mscref fetch` uses (Store.put_page, a page of 1,000 at a
time) with SYNTHETIC records that vary tissue, indication, phase, status, country and year.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import PY, measure, mscref  # noqa: E402

FLOOR = [PY, "-c", "import typer, rich.console, rich.table, yaml"]
TARGET = 2.0

TISSUES = [
    "Umbilical cord mesenchymal stem cells",
    "Wharton’s jelly MSCs",
    "Bone‑marrow‑derived mesenchymal stromal cells",
    "AdiposeDerived stem cells",
    "Placental MSCs",
    "Mesenchymal stromal cells",
]
CONDITIONS = [
    "Knee Osteoarthritis",
    "Graft Versus Host Disease",
    "ARDS",
    "Crohn's Disease",
    "Stroke",
    "COVID-19",
]
PHASES = [["PHASE1"], ["PHASE1", "PHASE2"], ["PHASE2"], ["PHASE3"], ["NA"]]
STATUSES = ["RECRUITING", "COMPLETED", "UNKNOWN", "ACTIVE_NOT_RECRUITING", "WITHDRAWN", "TERMINATED"]
COUNTRIES = ["China", "United States", "Spain", "Iran, Islamic Republic of", "Korea, Republic of", "Brazil"]


def synthetic(n: int) -> list[dict[str, object]]:
    """``n`` SYNTHETIC API v2 records (NCT ids from NCT90000000; not real studies)."""
    base = {
        "protocolSection": {
            "identificationModule": {},
            "statusModule": {"lastUpdatePostDateStruct": {"date": "2024-01-15"}},
            "conditionsModule": {},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "enrollmentInfo": {"count": 40, "type": "ACTUAL"},
            },
            "armsInterventionsModule": {"interventions": [{"type": "BIOLOGICAL"}]},
            "contactsLocationsModule": {},
        },
        "hasResults": False,
    }
    out = []
    for i in range(n):
        s = copy.deepcopy(base)
        ps = s["protocolSection"]
        assert isinstance(ps, dict)
        words = TISSUES[i % len(TISSUES)]
        ps["identificationModule"] = {
            "nctId": f"NCT{90000000 + i}",
            "briefTitle": f"SYNTHETIC: {words} ({i})",
        }
        ps["statusModule"]["overallStatus"] = STATUSES[i % len(STATUSES)]
        ps["statusModule"]["startDateStruct"] = {"date": f"{2005 + i % 20}-0{1 + i % 9}"}
        ps["conditionsModule"]["conditions"] = [CONDITIONS[(i // 7) % len(CONDITIONS)]]
        ps["designModule"]["phases"] = PHASES[i % len(PHASES)]
        ps["armsInterventionsModule"]["interventions"][0]["name"] = words
        ps["contactsLocationsModule"]["locations"] = [
            {"country": COUNTRIES[(i + k) % len(COUNTRIES)]} for k in range(1 + i % 3)
        ]
        out.append(s)
    return out


def fill(path: Path, n: int) -> float:
    from mscref.data.loader import bundled_data_dir, load_dataset
    from mscref.registry.store import Store

    ds = load_dataset(bundled_data_dir())
    studies = synthetic(n)
    t = time.perf_counter()
    with Store(path) as st:
        for i in range(0, n, 1000):
            st.put_page(studies[i : i + 1000], ds)
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mscref-registry-bench-"))
    store = work / "registry.sqlite"
    seconds = fill(store, args.studies)
    print(
        f"filled {store} with {args.studies:,} studies in {seconds:.1f} s ({args.studies / seconds:,.0f}/s)"
    )
    env = {
        **os.environ,
        "MSCREF_CACHE_DIR": str(work / "cache"),
        "COLUMNS": "120",
        "MSCREF_STORE": str(store),
    }
    cmd = mscref("registry", "summary")
    measure(cmd, env)  # warm: the data set's cache and the page cache
    floor, summary = [], []
    for _ in range(args.runs):
        floor.append(measure(FLOOR, env)[0])
        summary.append(measure(cmd, env)[0])
    f, s = statistics.median(floor), statistics.median(summary)
    ratio = s / f
    print(f"registry summary, {args.studies:,} studies, warm: {s:.3f} s; import floor {f:.3f} s")
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x)")
    return 1 if args.check and ratio > TARGET else 0


if __name__ == "__main__":
    raise SystemExit(main())
