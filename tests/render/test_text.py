"""The shared formatters of the views."""

from __future__ import annotations

import pytest

from mscref.render.views.text import names_timepoint


@pytest.mark.parametrize(
    ("label", "timepoint", "said"),
    [
        ("28-day mortality", "day 28", True),
        ("Day-100 survival", "day 100", True),
        ("Mortality at 28 days", "day 28", True),
        ("2-year survival", "year 2", True),
        ("Overall response", "day 28", False),
        ("Survival at day 280", "day 28", False),
        ("1-year survival", "year 2", False),
        ("Survival", None, False),
    ],
)
def test_a_label_that_says_its_timepoint_is_not_followed_by_it_again(
    label: str, timepoint: str | None, said: bool
) -> None:
    assert names_timepoint(label, timepoint) is said
