"""Run a command after removing a registry store it is about to fill, so every fetch starts empty.

    python benchmarks/fresh_fetch.py STORE COMMAND...     # STORE "-" removes nothing

Only files named STORE, STORE-wal, STORE-shm and STORE-journal are removed, and only when STORE
lies in a folder whose name starts with ``mscref-bench-`` (the benchmark's own temporary folder).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) < 3:
        raise SystemExit("usage: fresh_fetch.py STORE|- COMMAND...")
    store = sys.argv[1]
    if store != "-":
        path = Path(store).resolve()
        if not any(p.name.startswith("mscref-bench-") for p in path.parents):
            raise SystemExit(f"refusing to remove {path}: not in a benchmark folder")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return subprocess.run(sys.argv[2:], check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
