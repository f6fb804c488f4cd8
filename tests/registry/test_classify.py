"""The registry classifiers on real typography, and their promise: unknown rather than wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.data.dataset import Dataset
from mscref.registry.classify import classify_product, classify_study, classify_tissue, normalise
from tests.conftest import FIXTURES


def study(
    intervention: str | None = None, title: str | None = None, official: str | None = None
) -> dict[str, Any]:
    ps: dict[str, Any] = {"identificationModule": {}}
    if intervention is not None:
        ps["armsInterventionsModule"] = {"interventions": [{"name": intervention}]}
    if title is not None:
        ps["identificationModule"]["briefTitle"] = title
    if official is not None:
        ps["identificationModule"]["officialTitle"] = official
    return {"protocolSection": ps}


@pytest.mark.parametrize(
    ("intervention", "title", "tissue"),
    [
        # curly apostrophes, primes and backticks
        ("Wharton’s jelly mesenchymal stromal cells", None, "umbilical cord"),
        ("Wharton‘s Jelly MSC", None, "umbilical cord"),
        ("Wharton`s jelly-derived MSCs", None, "umbilical cord"),
        # Unicode hyphens and non-breaking spaces
        ("bone‑marrow‑derived MSCs", None, "bone marrow"),  # U+2011
        ("bone\u00a0marrow mesenchymal stromal cells", None, "bone marrow"),
        ("umbilical\u2009cord–derived MSCs", None, "umbilical cord"),  # thin space, en dash
        ("Ｗharton’s Ｊelly MSCs", None, "umbilical cord"),  # full-width letters
        # words run together
        ("AdiposeDerived Mesenchymal Stem Cells", None, "adipose"),
        ("UmbilicalCord MSCs", None, "umbilical cord"),
        ("BoneMarrow-MSC", None, "bone marrow"),
        # cord blood as the setting, umbilical cord as the source
        (
            None,
            "Umbilical Cord Mesenchymal Stem Cells for GVHD After Cord Blood Transplantation",
            "umbilical cord",
        ),
        (None, "UC-MSCs to Prevent Graft Failure in Umbilical Cord Blood Transplant", "umbilical cord"),
        (None, "Human Umbilical Cord Blood-derived MSCs for Knee Cartilage", "umbilical cord blood"),
        # a title naming a tissue that is not the cells' source says nothing
        (None, "MSCs for Patients With Bone Marrow Failure", None),
        (None, "Stem Cells Derived From Adipose Tissue in Crohn's Fistula", "adipose"),
        # abbreviations that are cell names by themselves
        ("hUC-MSC", None, "umbilical cord"),
        ("ADSCs", None, "adipose"),
        ("WJ-MSCs", None, "umbilical cord"),
        # two tissues: unknown, never one of them
        ("Bone marrow MSCs and adipose-derived MSCs", None, None),
        # no tissue
        ("Mesenchymal stromal cells", "MSCs for ARDS", None),
        ("Atopic Dermatitis (AD) treatment", "Dupilumab in AD", None),
    ],
)
def test_tissue_table(intervention: str | None, title: str | None, tissue: str | None) -> None:
    assert classify_tissue(study(intervention, title))[0] == tissue


def test_evidence_says_why_unknown() -> None:
    tissue, evidence = classify_tissue(study("Bone marrow MSCs and adipose-derived MSCs"))
    assert tissue is None
    assert evidence == (
        "unknown: several tissues named (adipose from interventions[0].name: 'adipose';"
        " bone marrow from interventions[0].name: 'Bone marrow')"
    )


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Umbilical cord MSC-derived exosomes", "extracellular-vesicles"),
        ("Genetically modified mesenchymal stem cells", "engineered-cells"),
        ("Mesenchymal stromal cells", "cells"),
        ("Dupilumab", "non-msc"),
    ],
)
def test_product_type(text: str, product: str) -> None:
    assert classify_product(study(text))[0] == product


# A tissue phrase, and the ways registry typography can spell it without changing what it says.
PHRASES = [
    ("Wharton's jelly mesenchymal stromal cells", "umbilical cord"),
    ("bone-marrow-derived mesenchymal stromal cells", "bone marrow"),
    ("adipose-derived mesenchymal stem cells", "adipose"),
    ("umbilical cord mesenchymal stem cells", "umbilical cord"),
    ("placental mesenchymal stromal cells", "placenta"),
    ("dental pulp stem cells", "dental pulp"),
]
HYPHENS = st.sampled_from(
    ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
)
SPACES = st.sampled_from([" ", "\u00a0", "\u2009", "\u202f", "\u3000", "  "])
APOSTROPHES = st.sampled_from(["'", "\u2019", "\u2018", "\u02bc", "`", "\u2032"])


@st.composite
def retyped(draw: st.DrawFn) -> tuple[str, str]:
    phrase, tissue = draw(st.sampled_from(PHRASES))
    out = []
    for ch in phrase:
        if ch == "-":
            out.append(draw(HYPHENS))
        elif ch == " ":
            out.append(draw(SPACES))
        elif ch == "'":
            out.append(draw(APOSTROPHES))
        else:
            out.append(ch.upper() if draw(st.booleans()) and ch.isalpha() and len(out) < 1 else ch)
    return "".join(out), tissue


@settings(max_examples=300, deadline=None)
@given(retyped(), st.sampled_from(["intervention", "title"]))
def test_typography_never_changes_the_tissue(case: tuple[str, str], where: str) -> None:
    text, tissue = case
    s = study(text) if where == "intervention" else study(title=f"{text} for Knee Osteoarthritis")
    assert classify_tissue(s)[0] == tissue


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_any_text_is_classified_without_error_and_one_tissue_is_named_by_the_words(a: str, b: str) -> None:
    tissue, evidence = classify_tissue(study(a, b))
    if tissue is not None:
        # precision: the quoted words are really in the (normalised) text
        quoted = evidence.split(": '", 1)[1].rstrip("'")
        assert quoted in normalise(a) or quoted in normalise(b)
    else:
        assert evidence.startswith("unknown: ")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(PHRASES), st.sampled_from(["", " and cord blood", " vs cord blood transplantation"]))
def test_adding_a_second_tissue_never_makes_a_wrong_answer(case: tuple[str, str], extra: str) -> None:
    """Naming a second tissue gives that tissue's answer or unknown, never a third one."""
    phrase, tissue = case
    got = classify_tissue(study(phrase + extra))[0]
    assert got in {tissue, None}
    if "transplantation" in extra:
        assert got == tissue  # the setting is not a source


def test_misshapen_records_are_classified_as_unknown(bundled: Dataset) -> None:
    for broken in ({}, {"protocolSection": []}, {"protocolSection": {"designModule": "x"}}):
        c = classify_study(broken, bundled)
        assert (c.tissue, c.indication, c.phase, c.enrollment, c.countries) == (None, None, None, None, ())
    real = json.loads((FIXTURES / "ctgov" / "real" / "NCT02210780_with_results.json").read_text())
    c = classify_study(real, bundled)
    assert (c.is_msc, c.tissue, c.indication, c.phase, c.has_results) == (
        False,
        None,
        "atopic-dermatitis",
        "2",
        True,
    )
