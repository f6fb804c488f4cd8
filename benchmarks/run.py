"""Measure mscref's speed and memory as ratios taken in the same run (machines are noisy).

    python benchmarks/run.py            # 1k, 10k and 100k synthetic trials
    python benchmarks/run.py --quick    # skip the 100k set
    python benchmarks/run.py --check    # exit 1 when a target is missed

Targets (issue "Speed and scale"):
1. on the bundled data, `mscref compare uc ad bm am` and `mscref trials --indication gvhd`
   take at most 1.25x the import floor `python -c "import typer, rich.console, rich.table, yaml"`;
2. on 10k trials, `mscref trials --indication gvhd` cold (first run after the data changed)
   takes at most 0.25x, and warm at most 0.1x, of parsing the same file with PyYAML's C loader;
3. peak memory at 10k at most 300 MB; 100k grows no worse than linearly in time and memory;
4. on 10k trials, `mscref evidence --format json` (every interval, comparison and pool) takes at
   most 3x a warm `mscref trials` on the same set (issue "Evidence synthesis").
Every figure is the median of several runs; each command runs in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

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


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one run of ``cmd`` in a fresh process."""
    out = subprocess.run([PY, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    seconds, kb = out.stdout.split()
    return float(seconds), int(kb) / 1024


def mscref(*args: str) -> list[str]:
    return [PY, "-m", "mscref", *args]


def evidence_ratio(data: Path, env: dict[str, str], runs: int, report: Any) -> None:
    """`evidence` over every trial of the set against a warm `trials`, taken in turns."""
    listing = mscref("trials", "--data-dir", str(data))
    evidence = mscref("evidence", "--data-dir", str(data), "--format", "json")
    measure(listing, env)  # warm the cache
    lists, evs = [], []
    for _ in range(runs):
        lists.append(measure(listing, env)[0])
        evs.append(measure(evidence, env)[0])
    t_list, t_ev = statistics.median(lists), statistics.median(evs)
    print(f"      10000 trials: evidence --format json {t_ev:.3f}s, warm trials {t_list:.3f}s")
    report("10k evidence / warm trials", t_ev / t_list, 3.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100k set")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    # Measure mscref as installed: with its bytecode compiled (pip compiles a regular install;
    # an editable one under PYTHONDONTWRITEBYTECODE=1 would recompile every module every run).
    subprocess.run([PY, "-m", "compileall", "-q", str(HERE.parent / "mscref")], check=True)
    work = Path(tempfile.mkdtemp(prefix="mscref-bench-"))
    env = {**os.environ, "MSCREF_CACHE_DIR": str(work / "cache"), "COLUMNS": "120"}
    results: list[tuple[str, float, float, str]] = []  # name, value, target, unit

    def report(name: str, value: float, target: float, unit: str = "x") -> None:
        results.append((name, value, target, unit))
        ok = value <= target
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value:.3f}{unit} (target <= {target}{unit})", flush=True)

    try:
        # 1. the bundled data against the import floor, taken in turns so that a slow spell of
        #    the machine falls on both sides of the ratio
        floor_cmd = [PY, "-c", "import typer, rich.console, rich.table, yaml"]
        bundled = {
            "compare uc ad bm am": mscref("compare", "uc", "ad", "bm", "am"),
            "trials --indication gvhd": mscref("trials", "--indication", "gvhd"),
        }
        measure(mscref("validate"), env)  # fills the cache for the bundled data
        times: dict[str, list[float]] = {"floor": [], **{name: [] for name in bundled}}
        for _ in range(2 * args.runs):
            times["floor"].append(measure(floor_cmd, env)[0])
            for name, cmd in bundled.items():
                times[name].append(measure(cmd, env)[0])
        floor = statistics.median(times["floor"])
        for name in bundled:
            t = statistics.median(times[name])
            print(f"      bundled {name}: {t:.3f}s, import floor {floor:.3f}s")
            report(f"bundled: {name} / import floor", t / floor, 1.25)

        # 2. 10k trials: cold and warm against PyYAML's C loader
        sizes = [1000, 10000] if args.quick else [1000, 10000, 100000]
        per_size: dict[int, tuple[float, float]] = {}
        for n in sizes:
            data = generate(n, work / f"data-{n}")
            trials = data / "trials.yaml"
            query = mscref("trials", "--indication", "gvhd", "--data-dir", str(data))
            counter = iter(range(10**6))

            def touch(path: Path = trials, edits: Iterator[int] = counter) -> None:
                # a real edit: new content, new cache key
                with path.open("a", encoding="utf-8") as handle:
                    handle.write(f"# edit {next(edits)}\n")

            runs = args.runs if n <= 10000 else max(1, args.runs // 2)
            load = (
                f"import yaml; yaml.load(open({str(trials)!r}, encoding='utf-8').read(), "
                "Loader=yaml.CSafeLoader)"
            )
            # cold, warm and (at 10k) the C-loader parse in turns, so that a slow spell of the
            # machine falls on both sides of each ratio
            colds, warms, parses, mems = [], [], [], []
            for i in range(runs):
                touch()
                t, m = measure(query, env)
                colds.append(t)
                mems.append(m)
                warms.append(measure(query, env)[0])
                if n == 10000 and i < max(1, runs // 2 + 1):
                    parses.append(measure([PY, "-c", load], env)[0])
            cold, cold_mem, warm = statistics.median(colds), max(mems), statistics.median(warms)
            per_size[n] = (cold, cold_mem)
            print(
                f"      {n} trials ({trials.stat().st_size / 1e6:.1f} MB): "
                f"cold {cold:.3f}s {cold_mem:.0f} MB, warm {warm:.3f}s"
            )
            if n == 10000:
                c_parse = statistics.median(parses)
                print(f"      10000 trials: PyYAML C loader parse alone {c_parse:.3f}s")
                report("10k cold / C-loader parse", cold / c_parse, 0.25)
                report("10k warm / C-loader parse", warm / c_parse, 0.10)
                report("10k peak memory", cold_mem, 300, " MB")
                evidence_ratio(data, env, args.runs, report)
        if 100000 in per_size:
            (t10, m10), (t100, m100) = per_size[10000], per_size[100000]
            report("100k time / (10 x 10k time)", t100 / (10 * t10), 1.0)
            report("100k memory / (10 x 10k memory)", m100 / (10 * m10), 1.0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    missed = [r for r in results if r[1] > r[2]]
    print(f"{len(results) - len(missed)} passed, {len(missed)} failed")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
