"""Generate synthetic but valid mscref data sets of N trials (deterministic for a given seed).

    python benchmarks/generate.py 10000 /tmp/mscref-10k          # a data directory
    python benchmarks/generate.py 1000 /tmp/mscref-1k --seed 7

The directory gets the bundled sources, indications, references, claims and statements, and a
trials.yaml of N synthetic trials with a realistic mix of fields: designs, arms, outcomes with
per-arm counts and values, registry blocks, countries and notes. Every trial validates. The
trials are made up: they are for measuring speed, never for reading.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

from mscref.data.loader import bundled_data_dir

SOURCES = ["uc", "ad", "bm", "am", "ucb", None]
ORIGINS = ["allogeneic", "autologous", None]
PHASES = ["1", "1/2", "2", "2/3", "3", None]
COUNTRIES = ["China", "United States", "Japan", "Korea", "Spain", "Iran", "Brazil", "Germany"]
ENDPOINTS = [
    ("overall-response", "Overall response"),
    ("complete-response", "Complete response"),
    ("adverse-events", "Adverse events"),
    ("survival", "Survival"),
]
TIMEPOINTS = ["day 28", "day 56", "week 12", "week 24", "month 6", "month 12", "year 2"]
STATUSES = ["COMPLETED", "RECRUITING", "TERMINATED", "ACTIVE_NOT_RECRUITING", "UNKNOWN"]


def q(text: str) -> str:
    """A YAML double-quoted string (JSON's escaping is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def trial(i: int, rng: random.Random, indications: list[str]) -> str:
    nct = f"NCT{90000000 + i:08d}"
    source = rng.choice(SOURCES)
    randomized = rng.random() < 0.45
    arms = ["msc", "control"] if randomized else ["msc"]
    n_arm = [rng.randint(8, 120) for _ in arms]
    lines = [
        f"  - id: synthetic-{i:06d}",
        f"    title: {q(f'Synthetic trial {i}')}",
        f"    registry_ids: [{nct}]",
        f"    intervention: {q(rng.choice(['UC-MSCs', 'BM-MSCs', 'AD-MSCs', 'MSC exosomes', 'hAMSCs']))}",
        f"    product_type: {'extracellular-vesicles' if rng.random() < 0.1 else 'cells'}",
        f"    source: {source or 'null'}",
        f"    origin: {rng.choice(ORIGINS) or 'null'}",
        f"    indication: {rng.choice(indications)}",
    ]
    phase = rng.choice(PHASES)
    lines.append(f"    phase: {q(phase) if phase else 'null'}")
    control = rng.choice(["placebo", "active", "standard-care"]) if randomized else "none"
    blinding = rng.choice(["open-label", "single-blind", "double-blind"])
    lines.append(
        f"    design: {{randomized: {str(randomized).lower()}, blinding: {blinding}, control: {control}}}"
    )
    lines.append(f"    countries: [{q(rng.choice(COUNTRIES))}]")
    lines.append(f"    n: {sum(n_arm)}")
    lines.append("    arms:")
    for arm, n in zip(arms, n_arm, strict=True):
        lines.append(f"      - {{id: {arm}, label: {q(arm.upper() + ' arm')}, n: {n}}}")
    lines.append("    outcomes:")
    for endpoint, label in rng.sample(ENDPOINTS, 2 if rng.random() < 0.2 else 1):
        tp = rng.choice(TIMEPOINTS)
        lines += [
            f"      - endpoint: {endpoint}",
            f"        endpoint_label: {q(label)}",
            f"        timepoint: {tp}",
            f"        primary: {'true' if endpoint == 'overall-response' else 'false'}",
            "        arms:",
        ]
        for arm, n in zip(arms, n_arm, strict=True):
            events = rng.randint(0, n)
            lines.append(f"          - {{arm: {arm}, events: {events}, total: {n}}}")
    if rng.random() < 0.25:
        lines += [
            "    registry:",
            f"      id: {nct}",
            f"      overall_status: {rng.choice(STATUSES)}",
            f"      enrollment: {sum(n_arm)}",
            "      enrollment_type: ACTUAL",
            f"      start_date: {q(f'{rng.randint(2005, 2024)}-{rng.randint(1, 12):02d}')}",
            f"      conditions: [{q('Synthetic condition')}]",
        ]
    lines.append("    refs: [seed]")
    return "\n".join(lines)


def generate(n: int, target: Path, seed: int = 20261124) -> Path:
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    bundled = bundled_data_dir()
    for name in ("sources.yaml", "indications.yaml", "references.yaml", "claims.yaml", "statements.yaml"):
        shutil.copyfile(bundled / name, target / name)
    indications = [
        line.split(":", 1)[1].strip()
        for line in (bundled / "indications.yaml").read_text().splitlines()
        if line.startswith("  - id:")
    ]
    # the bundled trials and products stay (claims refer to them); the synthetic trials follow
    text = (bundled / "trials.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n"
    body = "\n".join(trial(i, rng, indications) for i in range(n))
    (target / "trials.yaml").write_text(text + body + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trials", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    out = generate(args.trials, args.target, args.seed)
    size = (out / "trials.yaml").stat().st_size
    print(f"{out}: {args.trials} synthetic trials, trials.yaml {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
