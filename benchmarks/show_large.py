"""``mscref show`` on one record with a huge field: time grows linearly with the field.

    python benchmarks/show_large.py            # 1 MB and 5 MB notes, words and short lines
    python benchmarks/show_large.py --check    # exit 1 when 5 MB takes more than 7x of 1 MB

Issue 12 found `show` on a 5 MB field taking 15 s (Rich's grid lays a cell out in time that
grows with the square of its length). Each figure is the median of a few fresh processes,
with the start-up (`show` of the same record without the field) taken off, so the ratio is
that of the layout alone: linear work gives about 5.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINIMAL = HERE.parent / "tests" / "fixtures" / "minimal"
PY = sys.executable
ANCHOR = "    title: Single-arm trial of product A\n"


def data_with(notes: str, target: Path) -> Path:
    shutil.copytree(MINIMAL, target)
    trials = target / "trials.yaml"
    text = trials.read_text(encoding="utf-8")
    trials.write_text(text.replace(ANCHOR, f'{ANCHOR}    notes: "{notes}"\n', 1), encoding="utf-8")
    return target


def seconds(data: Path, env: dict[str, str], runs: int) -> float:
    cmd = [PY, "-m", "mscref", "show", "trial-a", "--data-dir", str(data)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mscref-show-"))
    env = {**os.environ, "COLUMNS": "100", "MSCREF_CACHE_DIR": str(work / "cache")}
    shapes = {
        "words": lambda n: " ".join(f"w{i}" for i in range(n // 7))[:n],
        "short lines": lambda n: "\\n".join(f"line {i}" for i in range(n // 10))[:n],
    }
    missed = 0
    try:
        base = seconds(data_with("short", work / "base"), env, args.runs)
        for shape, make in shapes.items():
            t1, t5 = (
                seconds(data_with(make(size), work / f"{shape}-{size}"), env, args.runs) - base
                for size in (1_000_000, 5_000_000)
            )
            ratio = t5 / t1
            ok = ratio <= 7
            missed += not ok
            print(
                f"{'PASS' if ok else 'MISS'}  {shape}: 1 MB {t1:.2f}s, 5 MB {t5:.2f}s, "
                f"ratio {ratio:.1f} (<= 7)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
