"""Every pooled figure against R's metafor, on the shipped data and on data generated here.

All cases go to one Rscript run (``metafor_check.R``). Without R and metafor the tests skip
with the reason, unless ``MSCREF_REQUIRE_R=1`` (CI sets it), when they fail.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mscref.data.dataset import Dataset
from mscref.data.loader import load_dataset
from mscref.data.models import timepoint_days
from mscref.evidence import meta
from mscref.evidence.methods import Measure, PoolMethod, Subgroup, SummaryCI, Tau2Method
from mscref.evidence.stats import _OTHER_SCALES, REPORTED, SINGLE, EvidenceFilter, PooledEstimate, analyse

HERE = Path(__file__).parent
SCRIPT = HERE / "metafor_check.R"
TOL = 1e-6
TAU2S = list(Tau2Method)
CIS = list(SummaryCI)


def _r_problem() -> str | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not installed (apt-get install r-base-core r-cran-metafor r-cran-jsonlite)"
    probe = subprocess.run(
        [rscript, "-e", "suppressPackageStartupMessages({library(metafor); library(jsonlite)})"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode:
        return f"R's metafor or jsonlite is missing: {probe.stderr.strip().splitlines()[-1:]}"
    return None


def close(ours: float | None, theirs: float | None, what: str) -> None:
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        assert ours is None or not math.isfinite(ours), f"{what}: metafor has none, mscref {ours}"
        return
    assert ours is not None, f"{what}: mscref has none, metafor {theirs}"
    assert ours == pytest.approx(theirs, rel=TOL, abs=TOL), f"{what}: mscref {ours}, metafor {theirs}"


# ------------------------------------------------------------------------------------------
# Cases


def _tables(rng: np.random.Generator, k: int, zeros: bool) -> dict[str, list[int]]:
    n1 = rng.integers(8, 150, k)
    n2 = rng.integers(8, 150, k)
    p = rng.uniform(0.05, 0.9, k)
    a = rng.binomial(n1, np.clip(p * rng.uniform(0.6, 1.6, k), 0, 1))
    c = rng.binomial(n2, p)
    if zeros:
        a[0] = 0
        if k > 3:
            a[1], c[1] = 0, 0  # a double-zero table
            c[2] = n2[2]
    return {"a": a.tolist(), "n1": n1.tolist(), "c": c.tolist(), "n2": n2.tolist()}


def _keep(t: dict[str, list[int]]) -> dict[str, np.ndarray]:
    arr = {k: np.array(v, dtype=float) for k, v in t.items()}
    ok = ~meta.double_zero(arr["a"], arr["n1"], arr["c"], arr["n2"])
    return {k: v[ok] for k, v in arr.items()}


def _fit_row(y: np.ndarray, v: np.ndarray, tau2: Tau2Method, ci: SummaryCI) -> dict[str, Any]:
    f = meta.random_effects(y[None], v[None], np.ones((1, len(y)), dtype=bool), tau2, ci)
    return meta.fits_row(f, 0)


RE_FIELDS = [
    "estimate",
    "se",
    "stat",
    "p",
    "ci_low",
    "ci_high",
    "tau2",
    "tau2_low",
    "tau2_high",
    "i2",
    "i2_low",
    "i2_high",
    "q",
    "q_p",
    "pi_low",
    "pi_high",
]


def generated_cases() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(cases for R, mscref's answers) on generated studies."""
    rng = np.random.default_rng(20261202)
    cases: dict[str, dict[str, Any]] = {}
    ours: dict[str, dict[str, Any]] = {}
    sizes = [2, 3, 5, 8, 13, 21]
    for s, k in enumerate(sizes):
        t = _tables(rng, k, zeros=s % 2 == 1)
        kept = _keep(t)
        for measure in ("or", "rr", "rd"):
            y, v, _c = meta.binary_effects(measure, kept["a"], kept["n1"], kept["c"], kept["n2"])
            cases[f"escalc-{measure}-{s}"] = {"kind": "escalc", "measure": measure, "drop00": True, **t}
            ours[f"escalc-{measure}-{s}"] = {"yi": y.tolist(), "vi": v.tolist()}
            for tau2 in TAU2S:
                for ci in CIS if measure == "or" else (SummaryCI.HKSJ,):
                    name = f"re-{measure}-{s}-{tau2}-{ci}"
                    cases[name] = {
                        "kind": "re",
                        "measure": measure,
                        "drop00": True,
                        "tau2": tau2,
                        "ci": ci,
                        **t,
                    }
                    ours[name] = _fit_row(y, v, tau2, ci)
            mh = meta.mantel_haenszel(measure, *(np.array(t[x], dtype=float) for x in ("a", "n1", "c", "n2")))
            cases[f"mh-{measure}-{s}"] = {"kind": "mh", "measure": measure, **t}
            ours[f"mh-{measure}-{s}"] = {**mh.__dict__, "stat": mh.z}
        pe = meta.peto(*(np.array(t[x], dtype=float) for x in ("a", "n1", "c", "n2")))
        cases[f"peto-{s}"] = {"kind": "peto", **t}
        ours[f"peto-{s}"] = {**pe.__dict__, "stat": pe.z}
    for s, k in enumerate((3, 6, 11)):
        n = rng.integers(10, 200, k)
        x = rng.binomial(n, rng.uniform(0.1, 0.9, k))
        x[0] = 0 if s == 1 else x[0]
        y, v, _c = meta.logit_proportions(x.astype(float), n.astype(float))
        for tau2 in TAU2S:
            for ci in CIS:
                name = f"plo-{s}-{tau2}-{ci}"
                cases[name] = {
                    "kind": "re",
                    "measure": "plo",
                    "x": x.tolist(),
                    "n": n.tolist(),
                    "tau2": tau2,
                    "ci": ci,
                }
                ours[name] = _fit_row(y, v, tau2, ci)
    for s, k in enumerate((4, 9)):
        cont = {
            "m1": rng.normal(10, 3, k).tolist(),
            "sd1": rng.uniform(1, 5, k).tolist(),
            "n1": rng.integers(5, 80, k).tolist(),
            "m2": rng.normal(8, 3, k).tolist(),
            "sd2": rng.uniform(1, 5, k).tolist(),
            "n2": rng.integers(5, 80, k).tolist(),
        }
        arr = {key: np.array(val, dtype=float) for key, val in cont.items()}
        for measure, fn in (("md", meta.mean_differences), ("smd", meta.hedges_g)):
            y, v = fn(arr["m1"], arr["sd1"], arr["n1"], arr["m2"], arr["sd2"], arr["n2"])
            cases[f"escalc-{measure}-c{s}"] = {"kind": "escalc", "measure": measure, **cont}
            ours[f"escalc-{measure}-c{s}"] = {"yi": y.tolist(), "vi": v.tolist()}
            for tau2 in TAU2S:
                name = f"re-{measure}-c{s}-{tau2}"
                cases[name] = {"kind": "re", "measure": measure, "tau2": tau2, "ci": "hksj", **cont}
                ours[name] = _fit_row(y, v, tau2, SummaryCI.HKSJ)
    for s, sizes_g in enumerate(([3, 4, 1], [2, 5], [6, 3, 4, 2])):
        groups = []
        for g in sizes_g:
            groups.append(
                {
                    "yi": rng.normal(rng.normal(0, 0.6), 0.4, g).tolist(),
                    "vi": rng.uniform(0.02, 0.4, g).tolist(),
                }
            )
        for tau2 in TAU2S:
            for ci in (SummaryCI.HKSJ, SummaryCI.Z):
                est, se = [], []
                for g in groups:
                    y, v = np.array(g["yi"]), np.array(g["vi"])
                    if len(y) == 1:
                        est.append(float(y[0]))
                        se.append(math.sqrt(float(v[0])))
                    else:
                        row = _fit_row(y, v, tau2, ci)
                        est.append(row["estimate"])
                        se.append(row["se"])
                q, df, p = meta.q_between(np.array(est), np.array(se))
                name = f"sub-{s}-{tau2}-{ci}"
                cases[name] = {"kind": "subgroups", "groups": groups, "tau2": tau2, "ci": ci}
                ours[name] = {"q": q, "df": df, "p": p}
    for s, k in enumerate((3, 7)):
        y, v = rng.normal(0.2, 0.5, k), rng.uniform(0.02, 0.3, k)
        for tau2 in TAU2S:
            f = meta.leave_one_out(y, v, tau2, SummaryCI.HKSJ)
            name = f"loo-{s}-{tau2}"
            cases[name] = {"kind": "loo", "yi": y.tolist(), "vi": v.tolist(), "tau2": tau2, "ci": "hksj"}
            ours[name] = {
                "estimate": f.estimate.tolist(),
                "ci_low": f.ci_low.tolist(),
                "ci_high": f.ci_high.tolist(),
                "tau2": f.tau2.tolist(),
                "i2": f.i2.tolist(),
            }
    for s, k in enumerate((10, 25)):
        v = rng.uniform(0.01, 0.5, k)
        y = rng.normal(0.3, 0.2, k) + 0.8 * np.sqrt(v)
        e = meta.egger(y, v)
        cases[f"egger-{s}"] = {"kind": "egger", "yi": y.tolist(), "vi": v.tolist()}
        ours[f"egger-{s}"] = {"t": e.t, "p": e.p, "df": e.df, "limit": e.limit}
    return cases, ours


MEANS_KINDS = {_OTHER_SCALES["md"][0]: "md", _OTHER_SCALES["smd"][0]: "smd"}
REPORTED_KINDS = {kind + REPORTED: m for m, (kind, _scale, _back) in _OTHER_SCALES.items()}


def _generic(p: PooledEstimate) -> bool:
    return p.kind in MEANS_KINDS or p.kind in REPORTED_KINDS


def _reported_effect(ds: Dataset, trial: str, p: PooledEstimate) -> Any:
    """The effect as the data file holds it (the first of its measure at the pool's endpoint and
    timepoint), read here independently of mscref's adapters."""
    days = timepoint_days(p.timepoint)
    (t,) = [t for t in ds.trials if t.id == trial]
    for o in t.outcomes:
        if o.endpoint == p.endpoint and timepoint_days(o.timepoint) == days:
            for e in o.effects:
                if e.measure.value == REPORTED_KINDS[p.kind]:
                    return e
    raise AssertionError(f"{trial}: no {p.kind} at {p.endpoint}, {p.timepoint}")


def _pool_case(
    p: PooledEstimate, tau2: Tau2Method, ci: SummaryCI, method: PoolMethod, ds: Dataset
) -> dict[str, Any]:
    if p.kind in MEANS_KINDS:
        arms = [(s.means[0], s.means[1]) for s in p.studies]
        return {
            "kind": "re",
            "measure": MEANS_KINDS[p.kind],
            "m1": [t.mean for t, _c in arms],
            "sd1": [t.sd for t, _c in arms],
            "n1": [t.n for t, _c in arms],
            "m2": [c.mean for _t, c in arms],
            "sd2": [c.sd for _t, c in arms],
            "n2": [c.n for _t, c in arms],
            "tau2": tau2,
            "ci": ci,
        }
    if p.kind in REPORTED_KINDS:
        effects = [_reported_effect(ds, s.trial_id, p) for s in p.studies]
        return {
            "kind": "re",
            "measure": "generic",
            "ratio": p.is_ratio,
            "estimate": [e.estimate for e in effects],
            "low": [e.ci_low for e in effects],
            "high": [e.ci_high for e in effects],
            "level": [e.ci_level for e in effects],
            "tau2": tau2,
            "ci": ci,
        }
    if p.kind == SINGLE:
        return {
            "kind": "re",
            "measure": "plo",
            "x": [s.arms[0].events for s in p.studies],
            "n": [s.arms[0].total for s in p.studies],
            "tau2": tau2,
            "ci": ci,
        }
    measure = {"odds ratio": "or", "risk ratio": "rr", "risk difference": "rd"}[p.kind]
    tables = {
        "a": [s.arms[0].events for s in p.studies],
        "n1": [s.arms[0].total for s in p.studies],
        "c": [s.arms[1].events for s in p.studies],
        "n2": [s.arms[1].total for s in p.studies],
    }
    if method is PoolMethod.IV:
        return {"kind": "re", "measure": measure, "drop00": True, "tau2": tau2, "ci": ci, **tables}
    return {"kind": method.value, "measure": measure, **tables}


def _generated_dataset(tmp: Path, n: int = 120, seed: int = 7) -> Dataset:
    from benchmarks.generate import generate

    return load_dataset(generate(n, tmp / f"generated-{n}-{seed}", seed=seed))


#: The runs of the continuous and reported-effect pools of the larger generated set (every τ²
#: estimator and summary interval, split by comparator and by source).
GENERIC_RUNS = [
    (tau2, ci, Measure.OR, PoolMethod.IV, Subgroup.COMPARATOR) for tau2 in TAU2S for ci in CIS
] + [(Tau2Method.REML, SummaryCI.HKSJ, Measure.OR, PoolMethod.IV, Subgroup.SOURCE)]


def data_cases(
    datasets: dict[str, Dataset], generic_only: frozenset[str] = frozenset()
) -> tuple[dict[str, dict[str, Any]], dict[str, PooledEstimate]]:
    """Every pool of each data set, as a case for R. A data set named in ``generic_only`` gives
    only its continuous and reported-effect pools, over GENERIC_RUNS."""
    cases: dict[str, dict[str, Any]] = {}
    pools: dict[str, PooledEstimate] = {}
    # every τ² estimator × summary interval on odds ratios (and the single-arm pools), the other
    # measures with the defaults, Mantel-Haenszel and Peto, and a split by source tissue
    runs: list[tuple[Tau2Method, SummaryCI, Measure, PoolMethod, Subgroup | None]] = [
        (tau2, ci, Measure.OR, PoolMethod.IV, Subgroup.COMPARATOR) for tau2 in TAU2S for ci in CIS
    ]
    runs += [
        (Tau2Method.REML, SummaryCI.HKSJ, m, PoolMethod.IV, Subgroup.COMPARATOR)
        for m in (Measure.RR, Measure.RD)
    ]
    runs += [(Tau2Method.REML, SummaryCI.HKSJ, m, PoolMethod.MH, Subgroup.COMPARATOR) for m in Measure]
    runs += [(Tau2Method.REML, SummaryCI.HKSJ, Measure.OR, PoolMethod.PETO, Subgroup.COMPARATOR)]
    runs += [(Tau2Method.PM, SummaryCI.Z, Measure.OR, PoolMethod.IV, Subgroup.SOURCE)]
    for dname, ds in datasets.items():
        for tau2, ci, measure, method, sub in GENERIC_RUNS if dname in generic_only else runs:
            ev = analyse(
                ds,
                EvidenceFilter(),
                measure=measure,
                tau2_method=tau2,
                summary_ci=ci,
                pool_method=method,
                subgroup=sub,
            )
            for i, p in enumerate(ev.pooled):
                if (p.kind == SINGLE or _generic(p)) and (
                    method is not PoolMethod.IV or measure is not Measure.OR
                ):
                    continue  # the same single-arm (or continuous, or reported) pools as another run
                if dname in generic_only and not _generic(p):
                    continue
                name = f"{dname}-{tau2}-{ci}-{measure}-{method}-{sub}-{i}"
                cases[name] = _pool_case(p, tau2, ci, method, ds)
                pools[name] = p
                if p.subgroup_test is not None and method is PoolMethod.IV:
                    groups = []
                    for g in p.subgroups:
                        members = [s for s in p.studies if s.group == g.name]
                        groups.append(
                            {"yi": [s.effect for s in members], "vi": [s.variance for s in members]}
                        )
                    cases[name + "-sub"] = {"kind": "subgroups", "groups": groups, "tau2": tau2, "ci": ci}
                if p.egger is not None:
                    cases[name + "-egger"] = {
                        "kind": "egger",
                        "yi": [s.effect for s in p.studies],
                        "vi": [s.variance for s in p.studies],
                    }
                if p.leave_one_out and method is PoolMethod.IV and ci is SummaryCI.HKSJ:
                    cases[name + "-loo"] = {
                        "kind": "loo",
                        "yi": [s.effect for s in p.studies],
                        "vi": [s.variance for s in p.studies],
                        "tau2": tau2,
                        "ci": ci,
                    }
    return cases, pools


@pytest.fixture(scope="module")
def metafor(tmp_path_factory: pytest.TempPathFactory, bundled: Dataset) -> dict[str, Any]:
    problem = _r_problem()
    if problem is not None:
        if os.environ.get("MSCREF_REQUIRE_R") == "1":
            pytest.fail(f"MSCREF_REQUIRE_R=1 but {problem}")
        pytest.skip(problem)
    tmp = tmp_path_factory.mktemp("metafor")
    gen_cases, gen_ours = generated_cases()
    pool_cases, pools = data_cases(
        {
            "shipped": bundled,
            "generated": _generated_dataset(tmp),
            "continuous": _generated_dataset(tmp, 600, 11),
        },
        generic_only=frozenset({"continuous"}),
    )
    cases = {**gen_cases, **pool_cases}
    names = list(cases)
    (tmp / "cases.json").write_text(json.dumps([cases[n] for n in names]))
    run = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp / "cases.json"), str(tmp / "out.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    answers = json.loads((tmp / "out.json").read_text())
    return {"r": dict(zip(names, answers, strict=True)), "ours": gen_ours, "pools": pools}


def test_effect_sizes_match_escalc(metafor: dict[str, Any]) -> None:
    names = [n for n in metafor["ours"] if n.startswith("escalc-")]
    assert len(names) == 22
    for name in names:
        ours, theirs = metafor["ours"][name], metafor["r"][name]
        assert len(ours["yi"]) == len(theirs["yi"]), name
        for i, (a, b) in enumerate(zip(ours["yi"], theirs["yi"], strict=True)):
            close(a, b, f"{name} yi[{i}]")
        for i, (a, b) in enumerate(zip(ours["vi"], theirs["vi"], strict=True)):
            close(a, b, f"{name} vi[{i}]")


def test_random_effects_match_rma_on_generated_studies(metafor: dict[str, Any]) -> None:
    names = [n for n in metafor["ours"] if n.startswith(("re-", "plo-"))]
    assert len(names) > 100
    heterogeneous = 0
    for name in names:
        ours, theirs = metafor["ours"][name], metafor["r"][name]
        heterogeneous += theirs["tau2"] > 0.01
        for f in RE_FIELDS:
            close(ours[f], theirs.get(f), f"{name} {f}")
        for i, (a, b) in enumerate(zip(ours["weights"], theirs["weights"], strict=True)):
            close(a, b, f"{name} weight[{i}]")
    assert heterogeneous > 20  # the comparison covers τ² > 0, not only the boundary


def test_mantel_haenszel_and_peto_match(metafor: dict[str, Any]) -> None:
    names = [n for n in metafor["ours"] if n.startswith(("mh-", "peto-"))]
    assert len(names) == 24
    for name in names:
        ours, theirs = metafor["ours"][name], metafor["r"][name]
        assert ours["k"] == theirs["k"], name
        for f in ("estimate", "se", "stat", "p", "ci_low", "ci_high", "q", "q_p", "i2"):
            close(ours[f], theirs[f], f"{name} {f}")


def test_subgroup_leave_one_out_and_egger_match(metafor: dict[str, Any]) -> None:
    for name, ours in metafor["ours"].items():
        theirs = metafor["r"].get(name)
        if name.startswith("sub-"):
            close(ours["q"], theirs["q"], f"{name} Q-between")
            assert ours["df"] == theirs["df"]
            close(ours["p"], theirs["p"], f"{name} p")
        elif name.startswith("loo-"):
            for f in ("estimate", "ci_low", "ci_high", "tau2", "i2"):
                for i, (a, b) in enumerate(zip(ours[f], theirs[f], strict=True)):
                    close(a, b, f"{name} {f}[{i}]")
        elif name.startswith("egger-"):
            for f in ("t", "p", "limit"):
                close(ours[f], theirs[f], f"{name} {f}")
            assert ours["df"] == theirs["df"]


def _back(p: PooledEstimate, x: float | None) -> float | None:
    if x is None:
        return None
    if p.kind == SINGLE:
        return 1 / (1 + math.exp(-x))
    return math.exp(x) if p.is_ratio else x


def test_every_pooled_figure_of_the_shipped_and_generated_data_matches(metafor: dict[str, Any]) -> None:
    pools: dict[str, PooledEstimate] = metafor["pools"]
    r = metafor["r"]
    assert any(n.startswith("shipped-") for n in pools) and any(n.startswith("generated-") for n in pools)
    assert {p.model for p in pools.values()} == {"random effects", "common effect"}
    checked = 0
    for name, p in pools.items():
        theirs = r[name]
        close(p.estimate, _back(p, theirs["estimate"]), f"{name} estimate")
        close(p.low, _back(p, theirs["ci_low"]), f"{name} ci_low")
        close(p.high, _back(p, theirs["ci_high"]), f"{name} ci_high")
        close(p.se, theirs["se"], f"{name} se")
        close(p.stat, theirs["stat"], f"{name} test statistic")
        close(p.p, theirs["p"], f"{name} p")
        close(p.q, theirs["q"], f"{name} Q")
        close(p.q_p, theirs["q_p"], f"{name} Q p")
        close(p.i2, theirs["i2"], f"{name} I2")
        if p.model == "random effects":
            close(p.tau2, theirs["tau2"], f"{name} tau2")
            close(p.tau2_low, theirs["tau2_low"], f"{name} tau2 low")
            close(p.tau2_high, theirs["tau2_high"], f"{name} tau2 high")
            close(p.i2_low, theirs["i2_low"], f"{name} I2 low")
            close(p.i2_high, theirs["i2_high"], f"{name} I2 high")
            close(p.pi_low, _back(p, theirs.get("pi_low")), f"{name} PI low")
            close(p.pi_high, _back(p, theirs.get("pi_high")), f"{name} PI high")
            for s, w in zip(p.studies, theirs["weights"], strict=True):
                close(s.weight, w, f"{name} weight {s.trial_id}")
        else:
            assert theirs["k"] == p.k
        if p.subgroup_test is not None and name + "-sub" in r:
            close(p.subgroup_test.q, r[name + "-sub"]["q"], f"{name} Q-between")
            close(p.subgroup_test.p, r[name + "-sub"]["p"], f"{name} Q-between p")
        if p.egger is not None:
            close(p.egger.t, r[name + "-egger"]["t"], f"{name} Egger t")
            close(p.egger.p, r[name + "-egger"]["p"], f"{name} Egger p")
        if name + "-loo" in r:
            loo = r[name + "-loo"]
            for i, x in enumerate(p.leave_one_out):
                close(x.estimate, _back(p, loo["estimate"][i]), f"{name} leave-one-out {i}")
                close(x.low, _back(p, loo["ci_low"][i]), f"{name} leave-one-out low {i}")
                close(x.tau2, loo["tau2"][i], f"{name} leave-one-out tau2 {i}")
        checked += 1
    assert checked > 100


def test_continuous_and_reported_pools_are_among_those_checked(metafor: dict[str, Any]) -> None:
    """The MD, SMD and generic inverse-variance pools that analyse() makes went to metafor (the
    figures are compared in the test above), on generated data whatever the shipped data holds."""
    pools: dict[str, PooledEstimate] = metafor["pools"]
    kinds = {p.kind for n, p in pools.items() if n.startswith("continuous-")}
    assert {_OTHER_SCALES["md"][0], _OTHER_SCALES["smd"][0]} <= kinds
    assert {_OTHER_SCALES["hr"][0] + REPORTED, _OTHER_SCALES["md"][0] + REPORTED} <= kinds
    generic = [p for p in pools.values() if _generic(p)]
    assert sum(p.k >= 3 for p in generic) >= 5  # with a prediction interval and leave-one-out
    assert any(p.subgroup_test is not None for p in generic)
    # a 90% interval reaches the pool at its own level
    assert any("not 95%" in note for p in generic for note in p.notes)


def test_without_r_the_reason_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert _r_problem() == (
        "Rscript is not installed (apt-get install r-base-core r-cran-metafor r-cran-jsonlite)"
    )
