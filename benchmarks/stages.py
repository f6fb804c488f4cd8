"""Where the time of a run goes: import, parse, validate, cache, select, render, plot.

    python benchmarks/stages.py 10000          # a synthetic 10k set (generated in a temporary folder)
    python benchmarks/stages.py --data-dir D   # your own data directory

Each stage is timed in one process, in the order a command runs them, the median of
``--runs`` passes; the import stage is timed in fresh interpreters. Seconds, not ratios: read
them as proportions of one run, and compare runs with ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

IMPORT = """
import time
t = time.perf_counter()
import typer, rich.console, rich.table, yaml
f = time.perf_counter()
import mscref.cli.app, mscref.cli.commands
m = time.perf_counter()
print(f - t, m - f)
"""


def imports(runs: int) -> tuple[float, float]:
    """Seconds to import the floor (Typer, Rich, PyYAML) and then mscref's CLI, in fresh processes."""
    floor, own = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True)
        a, b = map(float, out.stdout.split())
        floor.append(a)
        own.append(b)
    return statistics.median(floor), statistics.median(own)


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trials", nargs="?", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from benchmarks.generate import generate
    from mscref.data import cache, loader, yamlio
    from mscref.data.models import TrialsFile
    from mscref.data.query import TrialFilter, select
    from mscref.data.schema import Builder
    from mscref.render.views.trials import trials_table

    work = Path(tempfile.mkdtemp(prefix="mscref-stages-"))
    os.environ["MSCREF_CACHE_DIR"] = str(work / "cache")
    data = args.data_dir or generate(args.trials, work / "data")
    rows: list[tuple[str, float]] = []

    floor, own = imports(max(3, args.runs))
    rows += [("import Typer, Rich, PyYAML (the floor)", floor), ("import mscref's CLI", own)]

    text = (data / "trials.yaml").read_text(encoding="utf-8")
    t_scan, _ = timed(lambda: yamlio._risky(text), args.runs)
    t_parse, root = timed(lambda: yamlio.fast_parse(text), args.runs)
    rows += [("safety scan of trials.yaml", t_scan), ("parse trials.yaml (scan + yaml-rs)", t_parse)]
    t_build, _ = timed(lambda: Builder("trials.yaml").build(TrialsFile, root), args.runs)
    rows.append(("build and check the trial records", t_build))
    os.environ["MSCREF_NO_CACHE"] = "1"
    t_load, ds = timed(lambda: loader.load_dataset(data), args.runs)
    rows.append(("load every file, uncached (read, parse, build, cross-check)", t_load))
    del os.environ["MSCREF_NO_CACHE"]
    listing, contents = loader._read_directory(data, {})
    assert listing is not None
    key = cache.cache_key(listing, {n: v for n, v in contents.items() if isinstance(v, bytes)})
    t_save, _ = timed(lambda: cache.save(data, key, ds), args.runs)
    rows.append(("write the cache entry", t_save))
    t_hit, _ = timed(lambda: loader.load_dataset(data), args.runs)
    rows.append(("load from the cache (hash the files, read, check the entry)", t_hit))
    t_all, _ = timed(lambda: list(loader.load_dataset(data).trials), args.runs)
    rows.append(("load from the cache and decode every trial", t_all))
    flt = TrialFilter(indication="gvhd")
    t_select, chosen = timed(lambda: select(loader.load_dataset(data), flt), args.runs)
    rows.append(("load from the cache and select one indication", t_select))

    from rich.console import Console

    from mscref.cli.common import write_table
    from mscref.render.i18n import Lang

    def render(selection: Any) -> None:
        console = Console(file=io.StringIO(), width=120)
        write_table(console, trials_table(ds, selection, Lang.EN))

    t_render_one, _ = timed(lambda: render(chosen), args.runs)
    rows.append((f"draw the table of one indication ({len(chosen.records)} rows)", t_render_one))
    every = select(ds, TrialFilter())
    t_render_all, _ = timed(lambda: render(every), args.runs)
    rows.append((f"draw the table of every trial ({len(every.records)} rows)", t_render_all))

    from mscref.evidence.stats import EvidenceFilter, analyse

    t_ev, ev = timed(lambda: analyse(ds, EvidenceFilter()), args.runs)
    rows.append((f"evidence: every interval, comparison and pool ({len(ev.pooled)} pools)", t_ev))
    if ev.pooled:
        from mscref.render.chart import to_svg
        from mscref.render.forest import pools_scene

        one = ev.pooled[0]
        t_plot, _ = timed(lambda: to_svg(pools_scene(ds, [one])), args.runs)
        rows.append((f"draw one forest plot as SVG (k = {one.k})", t_plot))

    width = max(len(r[0]) for r in rows)
    print(f"{len(ds.trials)} trials, trials.yaml {len(text) / 1e6:.1f} MB")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.1f} ms")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
