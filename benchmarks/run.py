"""Time and memory of every mscref command, as ratios to yardsticks measured in the same run.

    python benchmarks/run.py                    # bundled data, 1k, 10k and 100k synthetic trials
    python benchmarks/run.py --quick            # bundled, 1k and 10k (no 100k set)
    python benchmarks/run.py --sizes bundled    # only these sizes (bundled, 1k, 10k, 100k)
    python benchmarks/run.py --check            # exit 1 when a target is missed
    python benchmarks/run.py --no-machinery     # skip the speed-machinery comparisons

Every command runs in a fresh process, as a user runs it; each figure is the median of
``--runs`` runs (half as many at 100k) taken in turns with its yardsticks, so that a slow spell
of a noisy machine falls on both sides of a ratio. Peak memory is the largest peak RSS seen. The
results go to ``benchmarks/results/last.json`` and ``last.md`` (``--out`` changes the folder).

Commands (bundled data and each synthetic set; the registry at 1k/10k/100k stored studies):
compare, trials (one indication, warm and cold), trials (every trial), show, summary,
indications, evidence --format json, report as markdown, HTML and Word, registry summary, and
fetch from a local server that answers like ClinicalTrials.gov.

Yardsticks:
- import floor: ``python -c "import typer, rich.console, rich.table, yaml"`` (start-up mscref
  cannot avoid);
- orjson decode: a fresh interpreter decoding the set's trial records from JSON with orjson
  (the floor for "read every record");
- PyYAML C loader and yaml-rs: a fresh interpreter parsing the set's data files, with
  PyYAML's C loader and with yaml-rs (raw parses, no validation);
- plain download: the same registry pages fetched with httpx and decoded, nothing stored.

Targets (issue 17):
1. bundled ``compare`` and ``trials``: at most 1.15x the import floor;
2. 10k warm ``trials``: at most 1.5x the orjson decode; 10k cold: at most 3x the yaml-rs parse;
3. ``report --format html``: at most 2x the markdown report, at 1k and 10k;
4. ``evidence`` at 10k: at most 3x a warm ``trials`` listing of every trial;
5. every command at 100k: time and peak memory at most 1.1x ten times its 10k figure;
   peak memory at 10k at most 300 MB for every command.

The speed machinery (``--no-machinery`` skips it): each piece against its plain alternative
through ``benchmarks/variant.py``, on the targets it serves. A piece is kept when it saves at
least 10% there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402

PY = sys.executable
MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
if r.returncode:
    sys.stderr.write(r.stderr.decode()); sys.exit(r.returncode)
print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
FLOOR = [PY, "-c", "import typer, rich.console, rich.table, yaml"]
SIZES = {"bundled": 0, "1k": 1_000, "10k": 10_000, "100k": 100_000}
SAVING = 0.10  # a piece of speed machinery stays when it saves at least this much


class Failed(Exception):
    """A measured command exited with an error."""


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one run of ``cmd`` in a fresh process."""
    out = subprocess.run([PY, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise Failed(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
    seconds, kb = out.stdout.split()
    return float(seconds), int(kb) / 1024


def mscref(*args: str) -> list[str]:
    return [PY, "-m", "mscref", *args]


# ---------------------------------------------------------------------------------------------
# The sets and the commands


@dataclass
class DataSet:
    """One size: its data directory (None: the bundled data), registry store and yardstick files."""

    name: str
    n: int
    data: Path | None
    work: Path
    trial_id: str
    store: Path | None = None
    records_json: Path | None = None
    server_url: str | None = None

    def data_args(self) -> list[str]:
        return [] if self.data is None else ["--data-dir", str(self.data)]


def first_trial_id(trials_yaml: Path) -> str:
    with trials_yaml.open(encoding="utf-8") as handle:
        for line in handle:
            m = re.match(r"\s*- id: ([\w.-]+)\s*$", line)
            if m and line.startswith("  - id:"):
                return m.group(1)
    raise SystemExit(f"no trial id in {trials_yaml}")


#: Commands timed only up to this many synthetic trials: a Word report of 10k trials (3,500
#: charts, a 130 MB document) takes minutes and over a gigabyte, one run of which is reported
#: in the README; timing it in turns at 10k and 100k would take hours.
MAX_TRIALS = {"report --format docx": 1_000}


def data_commands(s: DataSet) -> dict[str, list[str]]:
    """The data commands of a set, each as the argv a user would type."""
    d = s.data_args()
    out = s.work / "out"
    commands = {
        "compare uc ad bm am": mscref("compare", "uc", "ad", "bm", "am", *d),
        "trials --indication gvhd": mscref("trials", "--indication", "gvhd", *d),
        "trials (every trial)": mscref("trials", *d),
        "show TRIAL": mscref("show", s.trial_id, *d),
        "summary": mscref("summary", *d),
        "indications": mscref("indications", *d),
        "evidence --format json": mscref("evidence", "--format", "json", *d),
        "report (markdown)": mscref("report", "-o", str(out / "r.md"), "--force", *d),
        "report --format html": mscref(
            "report", "--format", "html", "-o", str(out / "r.html"), "--force", *d
        ),
        "report --format docx": mscref(
            "report", "--format", "docx", "-o", str(out / "r.docx"), "--force", *d
        ),
    }
    return {name: argv for name, argv in commands.items() if s.n <= MAX_TRIALS.get(name, s.n)}


def registry_commands(s: DataSet) -> dict[str, list[str]]:
    if s.store is None or s.server_url is None:
        return {}
    fetched = s.work / "fetched.sqlite"
    return {
        "registry summary": mscref("registry", "summary", "--store", str(s.store)),
        "fetch ctgov (local server)": [
            PY,
            str(HERE / "fresh_fetch.py"),
            str(fetched),
            *mscref("fetch", "ctgov", "--base-url", s.server_url, "--store", str(fetched), "--full"),
            *("--page-size", "1000", "--rate", "0", "--quiet"),
        ],
    }


def yardsticks(s: DataSet) -> dict[str, list[str]]:
    """The yardstick commands of a set."""
    out: dict[str, list[str]] = {"import floor": FLOOR}
    if s.data is None:
        return out
    files = sorted(str(p) for p in s.data.glob("*.yaml"))
    if s.n <= 10_000:  # today's yardstick at 10k (minutes a run at 100k, and no target there)
        out["PyYAML C loader parse"] = [
            PY,
            "-c",
            "import sys, yaml\nfor f in sys.argv[1:]:\n"
            "    yaml.load(open(f, encoding='utf-8').read(), Loader=yaml.CSafeLoader)",
            *files,
        ]
    out["yaml-rs parse"] = [
        PY,
        "-c",
        "import sys, yaml_rs\nfor f in sys.argv[1:]:\n"
        "    yaml_rs.loads(open(f, encoding='utf-8').read(), parse_datetime=False)",
        *files,
    ]
    if s.records_json is not None:
        out["orjson decode"] = [
            PY,
            "-c",
            "import sys, orjson; orjson.loads(open(sys.argv[1], 'rb').read())",
            str(s.records_json),
        ]
    if s.server_url is not None:
        out["plain download"] = [
            PY,
            str(HERE / "fresh_fetch.py"),
            "-",
            PY,
            "-c",
            PLAIN_DOWNLOAD,
            s.server_url,
        ]
    return out


PLAIN_DOWNLOAD = """
import sys, httpx, orjson
url, token, n = sys.argv[1] + "/studies", None, 0
with httpx.Client(timeout=60) as client:
    while True:
        params = {"pageSize": "1000", "format": "json"}
        if token:
            params["pageToken"] = token
        page = orjson.loads(client.get(url, params=params).content)
        n += len(page["studies"])
        token = page.get("nextPageToken")
        if not token:
            break
"""


# ---------------------------------------------------------------------------------------------
# Preparing a set


def records_json(trials_yaml: Path, target: Path) -> Path:
    """The trial records of ``trials_yaml`` as one JSON document (for the orjson yardstick)."""
    import orjson
    import yaml_rs

    doc = yaml_rs.loads(trials_yaml.read_text(encoding="utf-8"), parse_datetime=False)
    target.write_bytes(orjson.dumps(doc))
    return target


class _Registry:
    """A local server that answers like ClinicalTrials.gov with pages it prepared in advance,
    so that serving page k costs the same at 1k and at 100k studies."""

    def __init__(self, n: int) -> None:
        from benchmarks.registry import synthetic
        from tests.registry.ctgov_server import FakeRegistry, serve

        studies = synthetic(n)

        class Prepared(FakeRegistry):
            def select(self, params: dict[str, str]) -> list[dict[str, Any]]:
                if "filter.ids" in params or "filter.advanced" in params:
                    return super().select(params)
                return self.studies  # already in NCT order

        self._gen: Iterator[Any] = serve(Prepared(studies))
        self.url = next(self._gen).url

    def close(self) -> None:
        self._gen.close()


def prepare(name: str, root: Path, env: dict[str, str]) -> tuple[DataSet, _Registry | None]:
    from benchmarks.registry import fill
    from mscref.data.loader import bundled_data_dir

    n = SIZES[name]
    work = root / name
    (work / "out").mkdir(parents=True)
    if n == 0:
        return DataSet(name, n, None, work, first_trial_id(bundled_data_dir() / "trials.yaml")), None
    data = generate(n, work / "data")
    s = DataSet(name, n, data, work, first_trial_id(data / "trials.yaml"))
    s.records_json = records_json(data / "trials.yaml", work / "trials.json")
    s.store = work / "registry.sqlite"
    fill(s.store, n)
    server = _Registry(n)
    s.server_url = server.url
    return s, server


# ---------------------------------------------------------------------------------------------
# Running in turns


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def add(self, name: str, t: float, mb: float) -> None:
        self.seconds.setdefault(name, []).append(t)
        self.peak[name] = max(self.peak.get(name, 0.0), mb)

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])


def run_set(
    s: DataSet, env: dict[str, str], runs: int, log: Callable[[str], None], only: list[str] | None = None
) -> Timings:
    """Every command and yardstick of a set, in turns; ``trials --indication gvhd`` also cold
    (after a real edit to the data, so a new cache key). ``only``: the commands whose names
    start with one of these."""
    commands = {**data_commands(s), **registry_commands(s)}
    if only:
        commands = {k: v for k, v in commands.items() if any(k.startswith(o) for o in only)}
    sticks = yardsticks(s)
    timings = Timings()
    for name, cmd in list(commands.items()):  # warm the cache (and the page cache) once
        try:
            measure(cmd, env)
        except Failed as exc:  # reported, and left out of this set
            log(str(exc))
            timings.failed.append(name)
            del commands[name]
    edits = iter(range(10**6))
    for i in range(runs):
        for name, cmd in sticks.items():
            timings.add(name, *measure(cmd, env))
        for name, cmd in list(commands.items()):
            try:
                timings.add(name, *measure(cmd, env))
            except Failed as exc:
                log(str(exc))
                timings.failed.append(name)
                del commands[name]
        if s.data is not None and "trials --indication gvhd" in commands:
            with (s.data / "trials.yaml").open("a", encoding="utf-8") as handle:
                handle.write(f"# edit {next(edits)}\n")
            timings.add(
                "trials --indication gvhd (cold)", *measure(commands["trials --indication gvhd"], env)
            )
        log(f"  {s.name}: round {i + 1}/{runs} done")
    return timings


# ---------------------------------------------------------------------------------------------
# The speed machinery


def variant(name: str, *args: str) -> list[str]:
    return [PY, str(HERE / "variant.py"), name, *args]


def machinery(sets: dict[str, DataSet], env: dict[str, str], runs: int) -> list[dict[str, Any]]:
    """Each piece of speed machinery against its plain alternative, on the targets it serves:
    the two sides in turns, both through ``variant.py``."""
    nocache = {**env, "MSCREF_NO_CACHE": "1"}
    cases: list[tuple[str, str, list[str], list[str], dict[str, str], dict[str, str]]] = []
    bundled, big = sets.get("bundled"), sets.get("10k")
    if bundled is not None:
        for what, args in (
            ("bundled compare", ["compare", "uc", "ad", "bm", "am"]),
            ("bundled trials", ["trials", "--indication", "gvhd"]),
        ):
            cases.append(
                ("record class", what, variant("as-is", *args), variant("dataclass", *args), env, env)
            )
            cases.append(
                ("terminal table", what, variant("as-is", *args), variant("rich-table", *args), env, env)
            )
    if big is not None:
        d = big.data_args()
        gvhd = ["trials", "--indication", "gvhd", *d]
        cold, warm = "10k cold trials (no cache)", "10k warm trials"
        for piece, target, plain in (
            ("record class", cold, "dataclass"),
            ("record class", warm, "dataclass"),
            ("fast YAML path", cold, "strict-yaml"),
            ("parse on threads", cold, "one-thread"),
            ("fill functions", cold, "kwargs-build"),
        ):
            runs_in = nocache if target == cold else env
            cases.append((piece, target, variant("as-is", *gvhd), variant(plain, *gvhd), runs_in, runs_in))
        every = ["trials", *d]
        cases += [
            ("cache", warm, variant("as-is", *gvhd), variant("as-is", *gvhd), env, nocache),
            (
                "terminal table",
                "10k trials (every trial)",
                variant("as-is", *every),
                variant("rich-table", *every),
                env,
                env,
            ),
        ]
    out = []
    for piece, target, with_cmd, without_cmd, with_env, without_env in cases:
        measure(with_cmd, with_env)
        measure(without_cmd, without_env)
        w, wo = [], []
        for _ in range(runs):
            w.append(measure(with_cmd, with_env)[0])
            wo.append(measure(without_cmd, without_env)[0])
        t_with, t_without = statistics.median(w), statistics.median(wo)
        saving = 1 - t_with / t_without
        out.append(
            {
                "piece": piece,
                "target": target,
                "with_s": round(t_with, 4),
                "without_s": round(t_without, 4),
                "saving": round(saving, 4),
                "earns_keep": saving >= SAVING,
            }
        )
        print(
            f"  {piece:15} {target:28} with {t_with:.3f}s, plain {t_without:.3f}s: saves {100 * saving:.0f}%",
            flush=True,
        )
    return out


# ---------------------------------------------------------------------------------------------
# Targets and the report


@dataclass
class Check:
    name: str
    value: float
    target: float
    unit: str = "x"

    @property
    def ok(self) -> bool:
        return self.value <= self.target


def targets(results: dict[str, Timings]) -> list[Check]:
    """Every target whose two sides were measured in this run."""
    checks: list[Check] = []

    def ratio(size: str, name: str, over: str, limit: float, label: str) -> None:
        t = results.get(size)
        if t is not None and name in t.seconds and over in t.seconds:
            checks.append(Check(label, t.median(name) / t.median(over), limit))

    for name in ("compare uc ad bm am", "trials --indication gvhd"):
        ratio("bundled", name, "import floor", 1.15, f"bundled {name} / import floor")
    ratio("10k", "trials --indication gvhd", "orjson decode", 1.5, "10k warm trials / orjson decode")
    ratio("10k", "trials --indication gvhd (cold)", "yaml-rs parse", 3.0, "10k cold trials / yaml-rs parse")
    ratio(
        "10k",
        "evidence --format json",
        "trials (every trial)",
        3.0,
        "10k evidence / warm trials (every trial)",
    )
    for size in ("1k", "10k"):
        ratio(size, "report --format html", "report (markdown)", 2.0, f"{size} report html / markdown")
    t10, t100 = results.get("10k"), results.get("100k")
    if t10 is not None:
        for name in _commands_of(t10):
            checks.append(Check(f"10k peak memory: {name}", t10.peak[name], 300, " MB"))
    if t10 is not None and t100 is not None:
        for name in _commands_of(t100):
            if name in t10.seconds:
                checks.append(
                    Check(f"100k time / 10 x 10k: {name}", t100.median(name) / (10 * t10.median(name)), 1.1)
                )
                checks.append(
                    Check(f"100k memory / 10 x 10k: {name}", t100.peak[name] / (10 * t10.peak[name]), 1.1)
                )
    return checks


YARDSTICKS = ("import floor", "orjson decode", "PyYAML C loader parse", "yaml-rs parse", "plain download")


def _commands_of(t: Timings) -> list[str]:
    return [n for n in t.seconds if n not in YARDSTICKS]


def table_markdown(results: dict[str, Timings]) -> str:
    """Seconds (median) and peak MB of every command and yardstick at every size."""
    sizes = list(results)
    names: list[str] = []
    for t in results.values():
        names += [n for n in t.seconds if n not in names]
    head = "| command | " + " | ".join(f"{s} s | {s} MB" for s in sizes) + " |"
    rule = "|---|" + "---:|---:|" * len(sizes)
    lines = [head, rule]
    for name in names:
        cells = []
        for s in sizes:
            t = results[s]
            if name in t.seconds:
                cells += [f"{t.median(name):.3f}", f"{t.peak[name]:.0f}"]
            else:
                cells += ["", ""]
        label = f"*{name}* (yardstick)" if name in YARDSTICKS else f"`{name}`"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def checks_markdown(checks: list[Check]) -> str:
    lines = ["| target | measured | limit | |", "|---|---:|---:|---|"]
    for c in checks:
        lines.append(
            f"| {c.name} | {c.value:.2f}{c.unit} | {c.target}{c.unit} | {'met' if c.ok else 'MISSED'} |"
        )
    return "\n".join(lines) + "\n"


def machinery_markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| piece | on | with it, s | plain, s | saves | |", "|---|---|---:|---:|---:|---|"]
    for r in rows:
        verdict = "keep" if r["earns_keep"] else "below 10%"
        lines.append(
            f"| {r['piece']} | {r['target']} | {r['with_s']:.3f} | {r['without_s']:.3f} | "
            f"{100 * r['saving']:.0f}% | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bundled, 1k and 10k: no 100k set")
    parser.add_argument("--sizes", help="comma-separated: bundled,1k,10k,100k")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--no-machinery", action="store_true", help="skip the speed-machinery comparisons")
    parser.add_argument("--only", help="comma-separated: only the commands whose names start so")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (half at 100k)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder for last.json and last.md")
    args = parser.parse_args()
    if args.sizes:
        sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
        unknown = [s for s in sizes if s not in SIZES]
        if unknown:
            parser.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    else:
        sizes = ["bundled", "1k", "10k"] if args.quick else list(SIZES)

    # Measure mscref as installed: with its bytecode compiled (pip compiles a regular install;
    # an editable one under PYTHONDONTWRITEBYTECODE=1 would recompile every module every run).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "mscref")], check=True)
    root = Path(tempfile.mkdtemp(prefix="mscref-bench-"))
    env = {**os.environ, "MSCREF_CACHE_DIR": str(root / "cache"), "COLUMNS": "120"}
    env.pop("MSCREF_NO_CACHE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    started = dt.datetime.now(dt.UTC)
    results: dict[str, Timings] = {}
    sets: dict[str, DataSet] = {}
    servers: list[_Registry] = []

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        for name in sizes:
            log(f"{name}: preparing")
            s, server = prepare(name, root, env)
            if server is not None:
                servers.append(server)
            sets[name] = s
            runs = args.runs if s.n < 100_000 else max(1, args.runs // 2)
            only = [o.strip() for o in args.only.split(",")] if args.only else None
            results[name] = run_set(s, env, runs, log, only)
        rows = [] if args.no_machinery else machinery(sets, env, args.runs)
    finally:
        for server in servers:
            server.close()
        shutil.rmtree(root, ignore_errors=True)
    checks = targets(results)
    table, met = table_markdown(results), checks_markdown(checks)
    failures = [f"{size}: {name}" for size, t in results.items() for name in t.failed]
    if failures:
        table += "\nFailed (left out): " + "; ".join(failures) + "\n"
    parts = [
        f"Run of {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"medians of {args.runs} runs (half at 100k).\n",
        table,
        "\n",
        met,
    ]
    if rows:
        parts += ["\n", machinery_markdown(rows)]
    text = "".join(parts)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "last.md").write_text(text, encoding="utf-8")
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": args.runs,
        "sizes": {
            name: {
                "trials": sets[name].n,
                "failed": t.failed,
                "commands": {
                    cmd: {
                        "median_s": round(t.median(cmd), 4),
                        "runs_s": [round(x, 4) for x in t.seconds[cmd]],
                        "peak_mb": round(t.peak[cmd], 1),
                    }
                    for cmd in t.seconds
                },
            }
            for name, t in results.items()
        },
        "targets": [
            {
                "name": c.name,
                "value": round(c.value, 4),
                "limit": c.target,
                "unit": c.unit.strip(),
                "met": c.ok,
            }
            for c in checks
        ],
        "machinery": rows,
    }
    (args.out / "last.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    missed = [c for c in checks if not c.ok]
    log(f"{len(checks) - len(missed)} targets met, {len(missed)} missed; wrote {args.out / 'last.json'}")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
