"""Generate synthetic but valid mscref data sets of N trials (deterministic for a given seed).

    python benchmarks/generate.py 10000 /tmp/mscref-10k          # a data directory
    python benchmarks/generate.py 1000 /tmp/mscref-1k --seed 7

The directory gets the bundled sources, indications, references, claims and statements, and a
trials.yaml of N synthetic trials with a realistic mix of fields: designs, arms, outcomes with
per-arm counts and values, continuous outcomes (mean with SD or SE in one of two units, or a
median with its IQR), reported hazard ratios and mean differences with their CIs, registry
blocks, countries and notes. Every trial validates. The
trials are made up: they are for measuring speed, never for reading.
"""

from __future__ import annotations

import argparse
import json
import math
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


CONT_TIMEPOINTS = ["week 12", "month 6", "month 12"]


def _ci(rng: random.Random, log: bool) -> str:
    """A reported effect with its CI (rounded so that the interval still holds the estimate)."""
    y, se = (
        rng.gauss(-0.1 if log else 20.0, 0.3 if log else 15.0),
        rng.uniform(0.1, 0.5) if log else rng.uniform(5, 20),
    )
    level = rng.choice([0.95, 0.95, 0.95, 0.9])
    z = {0.95: 1.959964, 0.9: 1.644854}[level]
    lo, hi = y - z * se, y + z * se
    if log:
        y, lo, hi = (math.exp(v) for v in (y, lo, hi))
    est, low, high = round(y, 3), math.floor(lo * 1000) / 1000, math.ceil(hi * 1000) / 1000
    if log:
        low = max(low, 0.001)
    return f"estimate: {est}, ci_low: {low}, ci_high: {high}, ci_level: {level}"


def extra_outcomes(rng: random.Random, arms: list[str], n_arm: list[int]) -> list[str]:
    """Continuous outcomes and reported effects of a controlled trial (from their own random
    stream, so the count outcomes stay as they were)."""
    lines: list[str] = []
    if rng.random() < 0.35:
        unit, scale = rng.choice([("cm", 1.0), ("cm", 1.0), ("mm", 10.0)])
        lines += [
            "      - endpoint: pain-vas",
            f"        endpoint_label: {q('Pain (VAS)')}",
            f"        timepoint: {rng.choice(CONT_TIMEPOINTS)}",
            "        kind: continuous",
            "        arms:",
        ]
        medians = rng.random() < 0.1
        change = str(rng.random() < 0.3).lower()
        for arm, n in zip(arms, n_arm, strict=True):
            analysed = rng.randint(max(1, n - 10), n)
            centre = rng.gauss(3.0 if arm == "msc" else 4.0, 0.8) * scale
            if medians:
                q1, q3 = centre - rng.uniform(0.5, 1.5) * scale, centre + rng.uniform(0.5, 1.5) * scale
                lines.append(
                    f"          - {{arm: {arm}, median: {centre:.1f}, iqr_low: {q1:.1f}, iqr_high: {q3:.1f}, "
                    f"unit: {unit}, n_analysed: {analysed}}}"
                )
                continue
            sd = rng.uniform(0.8, 2.5) * scale
            spread = f"sd: {sd:.2f}" if rng.random() < 0.8 else f"se: {sd / math.sqrt(analysed):.3f}"
            lines.append(
                f"          - {{arm: {arm}, mean: {centre:.2f}, {spread}, unit: {unit}, "
                f"n_analysed: {analysed}, change_from_baseline: {change}}}"
            )
    if rng.random() < 0.25:
        lines += [
            "      - endpoint: overall-survival",
            f"        endpoint_label: {q('Overall survival')}",
            f"        timepoint: {rng.choice(CONT_TIMEPOINTS)}",
            "        kind: time-to-event",
            "        effects:",
            f"          - {{measure: hr, {_ci(rng, True)}, arm: msc, comparator: control}}",
        ]
    if rng.random() < 0.15:
        lines += [
            "      - endpoint: six-minute-walk",
            f"        endpoint_label: {q('6-minute walk distance')}",
            f"        timepoint: {rng.choice(CONT_TIMEPOINTS)}",
            "        kind: continuous",
            "        effects:",
            f"          - {{measure: md, {_ci(rng, False)}, unit: m, "
            f"adjusted: {str(rng.random() < 0.5).lower()}}}",
        ]
    return lines


def trial(i: int, rng: random.Random, indications: list[str], extra: random.Random | None = None) -> str:
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
    if randomized and extra is not None:
        lines += extra_outcomes(extra, arms, n_arm)
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
    extra = random.Random(seed + 1)
    body = "\n".join(trial(i, rng, indications, extra) for i in range(n))
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
