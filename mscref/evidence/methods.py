"""The statistical methods a user can choose: small enough for the command line to import."""

from __future__ import annotations

from enum import StrEnum


class CIMethod(StrEnum):
    EXACT = "exact"
    WILSON = "wilson"
    WALD = "wald"


CI_NAMES = {
    CIMethod.EXACT: "Clopper-Pearson exact",
    CIMethod.WILSON: "Wilson score",
    CIMethod.WALD: "Wald (normal approximation)",
}


class Measure(StrEnum):
    """What two-arm comparisons are pooled as."""

    OR = "or"
    RR = "rr"
    RD = "rd"


class Tau2Method(StrEnum):
    REML = "reml"
    PM = "pm"
    DL = "dl"


TAU2_NAMES = {
    Tau2Method.REML: "REML",
    Tau2Method.PM: "Paule-Mandel",
    Tau2Method.DL: "DerSimonian-Laird, τ² truncated at 0",
}


class SummaryCI(StrEnum):
    """The interval (and test) of a random-effects summary."""

    HKSJ = "hksj"
    HKSJ_FLOOR = "hksj-floor"
    Z = "z"


SUMMARY_CI_NAMES = {
    SummaryCI.HKSJ: "Hartung-Knapp-Sidik-Jonkman (t, k-1 df)",
    SummaryCI.HKSJ_FLOOR: "modified Hartung-Knapp, variance factor floored at 1 (t, k-1 df)",
    SummaryCI.Z: "normal (z)",
}
PI_NAME = "t, k-2 df (Higgins-Thompson-Spiegelhalter)"


class PoolMethod(StrEnum):
    """How two-arm binary outcomes are pooled."""

    IV = "iv"  # inverse variance, random effects
    MH = "mh"  # Mantel-Haenszel, common effect
    PETO = "peto"  # Peto one-step odds ratio, common effect


POOL_METHOD_NAMES = {
    PoolMethod.IV: "inverse variance, random effects",
    PoolMethod.MH: "Mantel-Haenszel, common effect",
    PoolMethod.PETO: "Peto one-step odds ratio, common effect",
}


class Subgroup(StrEnum):
    """What a pool can be split by, with a test for subgroup differences."""

    SOURCE = "source"
    ORIGIN = "origin"
    ROUTE = "route"
    COMPARATOR = "comparator"
    DESIGN = "design"
