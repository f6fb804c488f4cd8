"""The statistical methods a user can choose: small enough for the command line to import."""

from __future__ import annotations

from enum import StrEnum


class CIMethod(StrEnum):
    EXACT = "exact"
    WILSON = "wilson"
    WALD = "wald"


STATSMODELS_CI = {CIMethod.EXACT: "beta", CIMethod.WILSON: "wilson", CIMethod.WALD: "normal"}
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
    PM = "pm"
    DL = "dl"


TAU2_NAMES = {
    Tau2Method.PM: "Paule-Mandel",
    Tau2Method.DL: "DerSimonian-Laird, τ² truncated at 0",
}
